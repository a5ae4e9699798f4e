import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { RedisClient } from '../../services/redis/redis-client.js';

/**
 * The Redis the tests use. A testcontainers Redis when a Docker engine answers; otherwise REDIS_URL or the
 * local Redis on 127.0.0.1:6379 (CI and development machines run one). Tests isolate themselves with a
 * unique key prefix / queue name, never by flushing the database.
 */
let cached: Promise<string> | undefined;

async function dockerAvailable(): Promise<boolean> {
  if (process.env.RESETDESK_TEST_USE_DOCKER !== '1') return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export function testRedisUrl(): Promise<string> {
  cached ??= (async () => {
    if (process.env.REDIS_URL) return process.env.REDIS_URL;
    if (await dockerAvailable()) {
      const { RedisContainer } = await import('@testcontainers/redis');
      const container = await new RedisContainer('redis:7-alpine').start();
      return container.getConnectionUrl();
    }
    return 'redis://127.0.0.1:6379';
  })();
  return cached;
}

export async function testRedis(): Promise<Redis> {
  const redis = new Redis(await testRedisUrl(), { maxRetriesPerRequest: null });
  await redis.ping();
  return redis;
}

/**
 * A test file's own Redis space: a connection opened before its tests and a unique key prefix (`label` plus
 * random hex) whose keys are deleted after them. `redis` is usable from `beforeAll` on.
 */
export function redisSpaceForTests(label: string): { readonly redis: Redis; readonly prefix: string } {
  let redis: Redis | undefined;
  const prefix = `rdtest-${label}-${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    redis = await testRedis();
  });
  afterAll(async () => {
    if (!redis) return;
    const keys = await keysUnder(redis, prefix);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });
  return {
    get redis() {
      if (!redis) throw new Error('the test Redis is opened in beforeAll');
      return redis;
    },
    prefix,
  };
}

/** Every key under a prefix, for assertions about what Redis holds (on Cluster: from every master). */
export async function keysUnder(redis: RedisClient, prefix: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
  }
  return keys;
}

/** Every string value (and hash/list/set/zset/stream member) under a prefix, for "never stored" assertions. */
export async function dumpUnder(redis: RedisClient, prefix: string): Promise<string> {
  const parts: string[] = [];
  for (const key of await keysUnder(redis, prefix)) {
    const type = await redis.type(key);
    parts.push(key);
    if (type === 'string') parts.push((await redis.get(key)) ?? '');
    else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
    else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
    else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
    else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1)));
    else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
  }
  return parts.join('\n');
}
