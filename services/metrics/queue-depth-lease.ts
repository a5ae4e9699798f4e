import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { redisKeys } from '../redis/redis-keys.js';

/**
 * Who reports the queue depth. Every process is scraped, but the depth is one fact about Redis: reported by
 * each process, a dashboard's sum() would multiply it by the number of processes. So one process at a time
 * holds a lease in Redis and reports it; the others report none. The lease is taken or renewed at scrape
 * time, so the process that is scraped first after a holder stops takes over within `ttlMs`.
 */
export interface QueueDepthLease {
  /** True when this process holds (or has just taken) the lease. False when another does or Redis fails. */
  held(): Promise<boolean>;
}

/** Takes the lease when it is free or already ours, in one step. Returns 1 when held. */
const TAKE_OR_RENEW = `
local owner = redis.call('GET', KEYS[1])
if (not owner) or owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`;

/** The lease's Redis key, under the deployment's prefix. */
export function queueDepthLeaseKey(prefix: string): string {
  return redisKeys(prefix).queueDepthLease;
}

export function createQueueDepthLease(
  redis: Pick<Redis, 'eval'>,
  prefix: string,
  options: { ttlMs?: number; owner?: string } = {},
): QueueDepthLease {
  const owner = options.owner ?? randomUUID();
  const ttlMs = options.ttlMs ?? 60_000;
  const key = queueDepthLeaseKey(prefix);
  return {
    async held() {
      try {
        return (await redis.eval(TAKE_OR_RENEW, 1, key, owner, String(ttlMs))) === 1;
      } catch {
        return false;
      }
    },
  };
}
