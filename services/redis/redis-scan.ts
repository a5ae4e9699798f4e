import type { Redis } from 'ioredis';
import type { RedisClient } from './redis-client.js';

/** Bounded reads of many keys, for the operator console's pages (patterns from redis-keys.ts). */

/** Bounds of one `scanKeys` call: a console page costs at most this much of Redis, however many keys exist. */
export interface ScanBounds {
  /** Stop once this many keys were found. */
  maxKeys: number;
  /** Stop after this many SCAN calls per node, found or not (each looks at about `count` keys). */
  maxCalls: number;
  /** The COUNT hint of each SCAN call. */
  count?: number;
}

/**
 * The keys matching `pattern`, found with SCAN (never KEYS, which blocks Redis while it walks every key),
 * within `bounds`. On a Cluster each master is scanned. May hold a key twice (SCAN's guarantee) and may miss
 * keys past the bounds: callers show "first N" lists, never totals.
 */
export async function scanKeys(redis: RedisClient, pattern: string, bounds: ScanBounds): Promise<string[]> {
  const nodes: Redis[] =
    'nodes' in redis && typeof redis.nodes === 'function' ? redis.nodes('master') : [redis as Redis];
  const found = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    for (let calls = 0; calls < bounds.maxCalls; calls++) {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', bounds.count ?? 200);
      for (const key of keys) {
        found.add(key);
        if (found.size >= bounds.maxKeys) return [...found];
      }
      cursor = next;
      if (cursor === '0') break;
    }
  }
  return [...found];
}
