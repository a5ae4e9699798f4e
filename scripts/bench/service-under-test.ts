// resetdesk as the pipeline, overhead and burst phases run it: an API and a worker process on one key
// prefix, the queue to watch, what the worker timed, and the outside calls the simulators counted.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { spawnChild, stopChild, type Child } from './child-processes.js';
import { dropPrefix } from './redis.js';
import { REDIS_URL, sleep } from './settings.js';
import type { World } from './world.js';

export async function startService(world: World, prefix: string, pacing: object, label: string) {
  const api = await spawnChild(
    'scripts/bench-service.ts',
    { ...world.env(prefix, 'api'), BENCH_PACING_JSON: JSON.stringify(pacing) },
    `${label}-api`,
  );
  const worker = await spawnChild(
    'scripts/bench-service.ts',
    { ...world.env(prefix, 'worker'), BENCH_PACING_JSON: JSON.stringify(pacing), METRICS_PORT: '0' },
    `${label}-worker`,
  );
  const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('resets', { connection: conn, prefix });
  return {
    api,
    worker,
    queue,
    async stop() {
      const apiRss = await stopChild(api);
      const workerRss = await stopChild(worker);
      await queue.close();
      if (conn.status === 'ready') await conn.quit();
      await dropPrefix(prefix);
      await sleep(500); // late writes of a closing worker
      await dropPrefix(prefix);
      return { apiRss, workerRss };
    },
  };
}

type Spans = Array<[number, number]>;
/**
 * The spans of outside HTTP calls and of Redis commands a service child made since the last ask (epoch ms,
 * see bench-service).
 */
export function spansOf(child: Child): Promise<{ spans: Spans; redisSpans: Spans }> {
  return new Promise((resolve) => {
    const onMessage = (m: { spans?: Spans; redisSpans?: Spans }) => {
      if (!m.spans || !m.redisSpans) return;
      child.proc.off('message', onMessage);
      resolve({ spans: m.spans, redisSpans: m.redisSpans });
    };
    child.proc.on('message', onMessage);
    child.proc.send({ type: 'spans' });
  });
}

export const graphCalls = (world: World) => world.graph.requests.filter((r) => r.kind === 'graph').length;
export const haloApiCalls = (world: World) =>
  world.halo.requests.filter((r) => r.path.toLowerCase().startsWith('/api')).length;
