// Phase 3: the service's own time per reset, with realistic simulator latency and one ticket at a time.
import { randomUUID } from 'node:crypto';
import type { GraphSimulator } from '../../test/simulators/graph-simulator.js';
import type { HaloSimulator } from '../../test/simulators/halopsa-simulator.js';
import { spansOf, startService } from './service-under-test.js';
import { log, OPEN_PACING, pct, round, S } from './settings.js';
import { deliver, startWorld, waitFor, type World } from './world.js';

/** Milliseconds within [from, to] covered by at least one span. */
function coveredWithin(spans: Array<[number, number]>, from: number, to: number): number {
  const clipped = spans
    .map(([a, b]): [number, number] => [Math.max(a, from), Math.min(b, to)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let reach = from;
  for (const [a, b] of clipped) {
    if (b <= reach) continue;
    covered += b - Math.max(a, reach);
    reach = b;
  }
  return covered;
}

/**
 * One sequential ticket's timeline, from the simulators' own clocks: webhook sent (`t0`) to the answer to
 * the request that wrote the customer note. `waited` is the time the simulators held the ticket's calls
 * (arrival to answer sent: their latency and their own work, counted once where calls overlap); the rest
 * is resetdesk's: the time before the first call and the gaps when no call of the ticket is in flight.
 */
function ticketTimeline(world: World, g0: number, h0: number, t0: number, noteAt: number) {
  const calls: Array<{ at: number; done: number }> = [];
  let end = Infinity;
  for (let i = h0; i < world.halo.requests.length; i++) {
    const at = world.halo.arrivals[i]!;
    const done = world.halo.departures[i] ?? Infinity;
    if (at <= noteAt && done >= noteAt) end = Math.min(end, done);
  }
  const collect = (sim: GraphSimulator | HaloSimulator, from: number, isCall: (i: number) => boolean) => {
    for (let i = from; i < sim.requests.length; i++)
      if (sim.arrivals[i]! < end && isCall(i)) calls.push({ at: sim.arrivals[i]!, done: sim.departures[i]! });
  };
  collect(world.graph, g0, (i) => world.graph.requests[i]!.kind === 'graph');
  collect(world.halo, h0, (i) => world.halo.requests[i]!.path.toLowerCase().startsWith('/api'));
  if (calls.length === 0 || end === Infinity) return undefined;
  const spans = calls.map((c): [number, number] => [c.at, c.done]);
  const firstAt = Math.min(...calls.map((c) => c.at));
  // Some calls of a ticket run side by side (the privilege reads): time counts once when calls overlap.
  const waited = coveredWithin(spans, t0, end);
  return {
    end,
    total: end - t0,
    waited,
    beforeFirstCall: firstAt - t0,
    betweenCalls: end - firstAt - coveredWithin(spans, firstAt, end),
  };
}

export async function overheadPhase() {
  const n = S.overheadTickets;
  log(
    `overhead: ${n} sequential tickets, Graph +${S.latency.graphMs} ms, Halo +${S.latency.haloMs} ms per call`,
  );
  const world = await startWorld(2, { latencyMs: S.latency.graphMs }, { latencyMs: S.latency.haloMs });
  const prefix = `bench-ovh-${randomUUID().slice(0, 8)}`;
  const svc = await startService(world, prefix, OPEN_PACING, 'overhead');
  const totals: number[] = [];
  const overheads: number[] = [];
  const overheadsAtSims: number[] = [];
  const breakdown = {
    beforeFirstCall: [] as number[],
    betweenCalls: [] as number[],
    workerRedis: [] as number[],
  };
  try {
    for (let i = -3; i < n; i++) {
      const id = 20_000 + i + 3;
      world.fileTicket(id, i & 1);
      const g0 = world.graph.requests.length;
      const h0 = world.halo.requests.length;
      const done0 = (await svc.queue.getJobCounts('completed')).completed ?? 0;
      const t0 = performance.now();
      await deliver(svc.api.port!, id, i & 1);
      await waitFor(() => world.notes.has(id), 30_000, `note of ${id}`);
      const noteAt = world.notes.get(id)![0]!;
      await waitFor(
        async () => ((await svc.queue.getJobCounts('completed')).completed ?? 0) > done0,
        30_000,
        'job',
      );
      const timeline = ticketTimeline(world, g0, h0, t0, noteAt);
      if (!timeline) throw new Error(`no outside calls recorded for ticket ${id}`);
      const epoch = performance.timeOrigin;
      const { spans, redisSpans } = await spansOf(svc.worker);
      const clientWaited = coveredWithin(spans, epoch + t0, epoch + timeline.end);
      const redisWaited = coveredWithin(redisSpans, epoch + t0, epoch + timeline.end);
      if (process.env.BENCH_TRACE && i === n - 1) {
        const all = [
          ...spans.map(([a, b]) => ({ kind: 'http', a, b })),
          ...redisSpans.map(([a, b]) => ({ kind: 'redis', a, b })),
        ].sort((x, y) => x.a - y.a);
        let last = epoch + t0;
        for (const e of all) {
          log(
            `${e.kind.padEnd(5)} +${(e.a - epoch - t0).toFixed(1)} gap ${(e.a - last).toFixed(2)} took ${(e.b - e.a).toFixed(2)}`,
          );
          last = Math.max(last, e.b);
        }
        log(`end +${(timeline.end - t0).toFixed(1)}`);
      }
      if (i < 0) continue; // warm-up (first token per tenant, JIT)
      totals.push(timeline.total);
      overheads.push(timeline.total - clientWaited);
      overheadsAtSims.push(timeline.total - timeline.waited);
      breakdown.beforeFirstCall.push(timeline.beforeFirstCall);
      breakdown.workerRedis.push(redisWaited);
      breakdown.betweenCalls.push(timeline.betweenCalls);
    }
    return {
      tickets: n,
      latency: S.latency,
      totalP50Ms: round(pct(totals, 50)),
      totalP99Ms: round(pct(totals, 99)),
      // Own time = wall time minus the time the worker had an outside call in flight (timed at its transport).
      overheadP50Ms: round(pct(overheads, 50)),
      overheadP99Ms: round(pct(overheads, 99)),
      // Stricter: minus only the time the simulators held the calls, so the loopback hops between the
      // processes (and waking an idle process, ~1 ms per call on this machine) count as ours too.
      overheadAtSimulatorsP50Ms: round(pct(overheadsAtSims, 50)),
      overheadAtSimulatorsP99Ms: round(pct(overheadsAtSims, 99)),
      // Where the overhead sits, p50 per ticket: webhook to the first outside call (intake, queue, job
      // start), and the sum of the gaps between one call's answer and the next call.
      breakdownP50Ms: {
        beforeFirstCall: round(pct(breakdown.beforeFirstCall, 50)),
        betweenCalls: round(pct(breakdown.betweenCalls, 50)),
        // Time the worker waited on Redis (commands sent → replies; blocking reads excluded).
        workerRedis: round(pct(breakdown.workerRedis, 50)),
      },
    };
  } finally {
    await svc.stop();
    await world.close();
  }
}
