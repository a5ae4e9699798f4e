// The bench's own Redis connection: server facts for the report, and removal of a phase's keys when it ends
// (each phase runs the service under its own key prefix).
import { Redis } from 'ioredis';
import { REDIS_URL } from './settings.js';

export const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
export async function dropPrefix(prefix: string): Promise<void> {
  let cursor = '0';
  for (let i = 0; i < 100_000; i++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
}
