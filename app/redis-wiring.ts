import type { Logger } from '../services/logging/logger.js';
import { createRedisOutageLog, type RedisOutageLog } from '../services/logging/redis-outage-log.js';
import type { RedisClient } from '../services/redis/redis-client.js';
import { closeRedisClient, createRedisClient, type RedisRole } from '../services/redis/redis-connections.js';
import { redisKeys } from '../services/redis/redis-keys.js';
import type { WiringPlan } from './wiring-plan.js';

/**
 * The service's Redis: its key prefix, the one outage log every client reports to (an outage is one line a
 * second, not one per client and attempt), the shared fail-fast client, and a client per role on demand,
 * each closed by `close`.
 */
export interface ServiceRedis {
  readonly prefix: string;
  readonly outage: RedisOutageLog;
  /**
   * Fails fast while Redis is down: a webhook gets 503, a link store failure is retried by its job. Serves the
   * intake, the link stores, the routes and every queue's producer side.
   */
  readonly fast: RedisClient;
  /** A new client for `role`, reporting to the outage log under the role's name. */
  open(role: RedisRole): RedisClient;
  /** Stops the outage log and closes every client opened here. */
  close(): Promise<void>;
}

export function openServiceRedis(plan: Pick<WiringPlan, 'redis'>, logger: Logger): ServiceRedis {
  const { topology, keyPrefix } = plan.redis;
  const outage = createRedisOutageLog(logger);
  const opened: RedisClient[] = [];
  const open = (role: RedisRole, source: string = role) => {
    const client = reportRedisOutages(createRedisClient(topology, role), outage, source);
    opened.push(client);
    return client;
  };
  return {
    prefix: keyPrefix,
    outage,
    fast: open('intake', 'redis'),
    open: (role) => open(role),
    async close() {
      outage.close();
      for (const client of opened) await closeRedisClient(client);
    },
  };
}

/** Hooks a client to the one outage log: its errors and recoveries are reported under `source`. */
function reportRedisOutages(client: RedisClient, redisOutage: RedisOutageLog, source: string): RedisClient {
  client.on('error', redisOutage.listener(source));
  client.on('ready', redisOutage.readyListener(source));
  return client;
}

export interface QueueErrorListeners {
  queue: (err: Error) => void;
  worker: (err: Error) => void;
}

/**
 * The error listeners of one BullMQ queue and its worker. While Redis is out the outage log speaks for them
 * (`<source> queue`, `<source> worker`); any other error is logged as `<logName> queue error` (a warning) or
 * `<logName> worker error`.
 */
export function queueErrorListeners(
  redisOutage: RedisOutageLog,
  logger: Logger,
  source: string,
  logName: string = source,
): QueueErrorListeners {
  return {
    queue: redisOutage.errorListener(`${source} queue`, (err) =>
      logger.warn({ err: { message: err.message } }, `${logName} queue error`),
    ),
    worker: redisOutage.errorListener(`${source} worker`, (err) =>
      logger.error({ err: { message: err.message } }, `${logName} worker error`),
    ),
  };
}

/**
 * What every one-time-link store (secure links, confirmation links, "this wasn't me" links) is built on: the
 * fast Redis client, the stores' key prefix, the server key ring and the public base URL of its links.
 */
export function oneTimeLinkStoreBasics(plan: Pick<WiringPlan, 'links'>, redis: ServiceRedis) {
  return {
    redis: redis.fast,
    keyPrefix: redisKeys(redis.prefix).storePrefix,
    serverKey: plan.links.serverKey,
    previousServerKeys: plan.links.previousServerKeys,
    publicBaseUrl: plan.links.publicBaseUrl,
  };
}
