import type { RedisTopology } from '../config/redis-settings.js';
import type { Logger } from '../services/logging/logger.js';
import type { RedisOutageLog } from '../services/logging/redis-outage-log.js';
import type { RedisClient } from '../services/redis/redis-client.js';
import { createRedisClient, type RedisRole } from '../services/redis/redis-connections.js';
import { redisKeys } from '../services/redis/redis-keys.js';
import type { WiringPlan } from './wiring-plan.js';

/** Hooks a client to the one outage log: its errors and recoveries are reported under `source`. */
export function reportRedisOutages(
  client: RedisClient,
  redisOutage: RedisOutageLog,
  source: string,
): RedisClient {
  client.on('error', redisOutage.listener(source));
  client.on('ready', redisOutage.readyListener(source));
  return client;
}

/** A Redis client for `role`, reporting to the outage log under `source` (the role's name unless given). */
export function createWatchedRedisClient(
  topology: RedisTopology,
  role: RedisRole,
  redisOutage: RedisOutageLog,
  source: string = role,
): RedisClient {
  return reportRedisOutages(createRedisClient(topology, role), redisOutage, source);
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
  logName: string,
): { queue: (err: Error) => void; worker: (err: Error) => void } {
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
export function oneTimeLinkStoreBasics(
  plan: Pick<WiringPlan, 'links'>,
  fastRedis: RedisClient,
  prefix: string,
) {
  return {
    redis: fastRedis,
    keyPrefix: redisKeys(prefix).storePrefix,
    serverKey: plan.links.serverKey,
    previousServerKeys: plan.links.previousServerKeys,
    publicBaseUrl: plan.links.publicBaseUrl,
  };
}
