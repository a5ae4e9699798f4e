// Phase 2: resets per second through one worker process, with zero-latency simulators.
import { randomUUID } from 'node:crypto';
import { graphCalls, haloApiCalls, startService } from './service-under-test.js';
import { log, OPEN_PACING, QUICK, round, S } from './settings.js';
import { deliver, startWorld, waitFor } from './world.js';

export async function pipelinePhase() {
  const n = S.pipelineTickets;
  log(
    `pipeline: ${n} tickets, zero-latency simulators, 1 worker process (concurrency ${S.workerConcurrency})`,
  );
  const world = await startWorld(S.pipelineCustomers);
  const prefix = `bench-pipe-${randomUUID().slice(0, 8)}`;
  const svc = await startService(world, prefix, OPEN_PACING, 'pipeline');
  try {
    // Warm-up: a few tickets first (JIT, tokens for every tenant), not counted.
    for (let c = 0; c < S.pipelineCustomers; c++) world.fileTicket(900_000 + c, c);
    await Promise.all(
      Array.from({ length: S.pipelineCustomers }, (_, c) => deliver(svc.api.port!, 900_000 + c, c)),
    );
    await waitFor(() => world.notes.size >= S.pipelineCustomers, 60_000, 'warm-up tickets');
    const g0 = graphCalls(world);
    const h0 = haloApiCalls(world);
    const ids = Array.from({ length: n }, (_, i) => 10_000 + i);
    ids.forEach((id, i) => world.fileTicket(id, i % S.pipelineCustomers));
    const started = performance.now();
    let sent = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < n) {
          const i = sent++;
          await deliver(svc.api.port!, ids[i]!, i % S.pipelineCustomers);
        }
      }),
    );
    await waitFor(
      () => ids.every((id) => world.notes.has(id)),
      QUICK ? 30_000 : 180_000,
      `pipeline notes (${ids.filter((id) => world.notes.has(id)).length}/${n})`,
    );
    const elapsed = (performance.now() - started) / 1000;
    const completed = async () => (await svc.queue.getJobCounts('completed')).completed ?? 0;
    await waitFor(async () => (await completed()) >= n + S.pipelineCustomers, 30_000, 'pipeline jobs');
    return {
      tickets: n,
      workerProcesses: 1,
      workerConcurrency: S.workerConcurrency,
      seconds: round(elapsed, 2),
      resetsPerSecond: round(n / elapsed, 1),
      graphCallsPerTicket: round((graphCalls(world) - g0) / n, 2),
      psaCallsPerTicket: round((haloApiCalls(world) - h0) / n, 2),
    };
  } finally {
    await svc.stop();
    await world.close();
  }
}
