import type { Logger } from '../services/logging/logger.js';
import type { RedisOutageLog } from '../services/logging/redis-outage-log.js';
import type { RedisClient } from '../services/redis/redis-client.js';
import { createEventDelivery, type EventDelivery } from '../workers/event-delivery-worker.js';
import { createWatchedRedisClient, queueErrorListeners } from './redis-wiring.js';
import type { WiringPlan } from './wiring-plan.js';

/**
 * Outcome events out through their own queue, so a receiver's outage delays them but loses none and never
 * slows a reset. Every role can publish (a route may report a fact); workers post them, on a connection of
 * their own. None without endpoints.
 */
export function wireEventDelivery(input: {
  plan: WiringPlan;
  runWorker: boolean;
  fastRedis: RedisClient;
  prefix: string;
  logger: Logger;
  redisOutage: RedisOutageLog;
}): { delivery?: EventDelivery; connection?: RedisClient } {
  const { plan, logger, redisOutage } = input;
  if (plan.events.endpoints.length === 0) return {};
  const connection = input.runWorker
    ? createWatchedRedisClient(plan.redis.topology, 'events', redisOutage)
    : undefined;
  const errors = queueErrorListeners(redisOutage, logger, 'events', 'event');
  const delivery = createEventDelivery({
    fastRedis: input.fastRedis,
    connection,
    prefix: input.prefix,
    endpoints: plan.events.endpoints,
    logger,
    attempts: plan.events.attempts,
    backoffMs: plan.events.backoffMs,
    concurrency: plan.worker.concurrency,
    locks: plan.worker,
    reportError: (source, err) => errors[source](err),
  });
  return { delivery, connection };
}
