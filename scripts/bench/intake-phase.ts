// Phase 1: webhook intake under autocannon, against a bare Express + queue.add baseline in the same run.
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { spawnChild, stopChild } from './child-processes.js';
import { dropPrefix } from './redis.js';
import { log, REDIS_URL, round, S } from './settings.js';
import { AUTH, startWorld, webhookBody } from './world.js';

interface IntakeFigures {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function cannon(port: number, firstTicket: number, seconds: number): Promise<IntakeFigures> {
  let next = firstTicket;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: S.connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/webhooks/halopsa',
        headers: { 'content-type': 'application/json', authorization: AUTH },
        setupRequest: (req) => ({ ...req, body: webhookBody(next++) }),
      },
    ],
  });
  return {
    rps: round(result.requests.average, 0),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export async function intakePhase() {
  log('intake: starting API process and baseline');
  const world = await startWorld(1);
  const prefix = `bench-intake-${randomUUID().slice(0, 8)}`;
  const basePrefix = `${prefix}-baseline`;
  const api = await spawnChild(
    'scripts/bench-service.ts',
    { ...world.env(prefix, 'api'), BENCH_PACING_JSON: '{}' },
    'intake-api',
  );
  const base = await spawnChild(
    'scripts/bench-baseline.ts',
    { REDIS_URL, REDIS_KEY_PREFIX: basePrefix },
    'intake-baseline',
  );
  try {
    await cannon(base.port!, 1, 2); // warm-up (JIT, connections)
    await cannon(api.port!, 1, 2);
    // Alternate three times and keep each side's best run: other load on the machine hits both sides alike,
    // and on this shared 2-core machine a single 10 s run of either side moves by up to 20%.
    const runs = { baseline: [] as IntakeFigures[], ours: [] as IntakeFigures[] };
    for (let round_ = 0; round_ < 3; round_++) {
      runs.baseline.push(await cannon(base.port!, 1_000_000 * (round_ + 1), S.intakeSeconds));
      runs.ours.push(await cannon(api.port!, 1_000_000 * (round_ + 1), S.intakeSeconds));
    }
    const best = (list: IntakeFigures[]) => list.reduce((a, b) => (b.rps > a.rps ? b : a));
    const baseline = best(runs.baseline);
    const ours = best(runs.ours);
    return {
      connections: S.connections,
      seconds: S.intakeSeconds,
      baseline,
      ours,
      ratio: round(ours.rps / baseline.rps, 2),
      runs,
      apiPeakRssMb: round((await stopChild(api)) / 1024),
    };
  } finally {
    await stopChild(api);
    await stopChild(base);
    await world.close();
    await dropPrefix(prefix);
    await dropPrefix(basePrefix);
  }
}
