import { createEventDelivery, type EventDelivery } from '../workers/event-delivery-worker.js';
import { queueErrorListeners } from './redis-wiring.js';
import { sharedWorkerSettings, watchQueueMetrics, type WiringBase } from './wiring-base.js';
import { QUEUE_NAMES } from '../services/redis/redis-keys.js';

/**
 * Outcome events out through their own queue, so a receiver's outage delays them but loses none and never
 * slows a reset. Every role can publish (a route may report a fact); workers post them, on a connection of
 * their own. None without endpoints.
 */
export function wireEventDelivery(base: WiringBase): EventDelivery | undefined {
  const { plan, logger, redis } = base;
  if (plan.events.endpoints.length === 0) return undefined;
  const delivery = createEventDelivery({
    ...sharedWorkerSettings(plan, queueErrorListeners(redis.outage, logger, 'events', 'event')),
    fastRedis: redis.fast,
    connection: plan.roles.worker ? redis.open('events') : undefined,
    prefix: redis.prefix,
    endpoints: plan.events.endpoints,
    logger,
    attempts: plan.events.attempts,
    backoffMs: plan.events.backoffMs,
  });
  watchQueueMetrics(base.metrics, QUEUE_NAMES.eventDeliveries, delivery);
  return delivery;
}
