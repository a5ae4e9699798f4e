import type { RedisTopology } from '../../config/redis-settings.js';
import { closeRedisClient, createRedisClient } from '../redis/redis-connections.js';
import { checksOf, describeFailure, setting, type CheckResult } from './doctor-check.js';

/**
 * `resetdesk doctor` for Redis: it answers, it is 6.2 or newer (BullMQ's minimum), it never evicts keys
 * (`maxmemory-policy noeviction`: eviction silently loses jobs and secure links) and it keeps an append-only
 * file (a warning only: without AOF a Redis restart loses the last writes). Read with INFO, which managed
 * Redis services allow where CONFIG GET is often disabled.
 */

const MINIMUM_VERSION = [6, 2, 0] as const;

/** The URL without credentials, for the report: `redis://redis.internal:6379/0`. */
export function redisUrlForDisplay(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

function atLeast(version: string, minimum: readonly number[]): boolean {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < minimum.length; i++) {
    if ((parts[i] ?? 0) !== minimum[i]) return (parts[i] ?? 0) > minimum[i]!;
  }
  return true;
}

/** Where the service finds Redis, without credentials, for the report. */
function topologyForDisplay(topology: RedisTopology): string {
  const hosts = (nodes: Array<{ host: string; port: number }>) =>
    nodes.map((n) => `${n.host}:${n.port}`).join(',');
  switch (topology.mode) {
    case 'standalone':
      return redisUrlForDisplay(topology.url);
    case 'sentinel':
      return `master "${topology.masterName}" through the sentinels ${hosts(topology.sentinels)}`;
    case 'cluster':
      return `the cluster of ${hosts(topology.nodes)}`;
  }
}

/** Resolves once the client is ready; rejects on the deadline. */
function ready(redis: ReturnType<typeof createRedisClient>, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function redisDoctor(topology: RedisTopology, timeoutMs = 3000): Promise<CheckResult[]> {
  const c = checksOf('redis');
  const shown = topologyForDisplay(topology);
  // The client the service's intake uses, on the same topology, credentials and TLS.
  const redis = createRedisClient(topology, 'intake');
  // Reported by the check below; ioredis would otherwise print every connection error. The last one says why
  // a connection closed (a refused password, for one), which the deadline does not.
  let lastError: string | undefined;
  redis.on('error', (err: Error) => (lastError = err.message));
  try {
    try {
      await ready(redis, timeoutMs);
      await redis.ping();
    } catch (err) {
      const message = lastError ?? describeFailure(err);
      const refused = /NOAUTH|WRONGPASS|invalid password|invalid username/i.test(message);
      return [
        c.fail(
          'reachable',
          `${shown}: ${refused ? 'refused the credentials' : 'no answer'} (${message})`,
          refused
            ? `put the right user and password in ${setting('redis.url')} (redis://user:password@host:6379)`
            : `start Redis, or point ${setting('redis.url')} at it`,
        ),
      ];
    }
    const results: CheckResult[] = [c.ok('reachable', shown)];
    const [server, memory, persistence] = await Promise.all([
      redis.info('server'),
      redis.info('memory'),
      redis.info('persistence'),
    ]);
    const version = infoField(server, 'redis_version');
    if (!version)
      results.push(c.warn('version', 'not reported by INFO', 'check by hand that Redis is 6.2 or newer'));
    else if (atLeast(version, MINIMUM_VERSION))
      results.push(c.ok('version', `${version} (6.2 or newer needed)`));
    else
      results.push(
        c.fail('version', `${version} is older than 6.2`, 'upgrade Redis to 6.2 or newer (7.x recommended)'),
      );

    const policy = infoField(memory, 'maxmemory_policy');
    if (policy === 'noeviction') results.push(c.ok('maxmemory-policy', 'noeviction'));
    else if (!policy) {
      results.push(
        c.warn(
          'maxmemory-policy',
          'not reported by INFO',
          'check by hand that maxmemory-policy is noeviction',
        ),
      );
    } else {
      results.push(
        c.fail(
          'maxmemory-policy',
          `${policy}: Redis may evict queued jobs and secure links when it is full`,
          "set maxmemory-policy noeviction (redis.conf, --maxmemory-policy noeviction, or the managed service's parameter group)",
        ),
      );
    }
    const aof = infoField(persistence, 'aof_enabled');
    if (aof === '1') results.push(c.ok('append-only file', 'on'));
    else {
      results.push(
        c.warn(
          'append-only file',
          aof === undefined
            ? 'not reported by INFO'
            : 'off: a Redis restart loses the writes since the last snapshot',
          'turn on appendonly yes with appendfsync everysec (docker-compose.yml does)',
        ),
      );
    }
    return results;
  } finally {
    await closeRedisClient(redis);
  }
}
