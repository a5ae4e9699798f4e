import { BackInWatch } from '../services/domain/aftercare/back-in-watch.js';
import type { DirectoryFactory, OutcomeEvents, PsaAdapter, PsaKind } from '../services/domain/ports.js';
import type { RedisClient } from '../services/redis/redis-client.js';
import { createAftercare, type AftercareService } from '../workers/aftercare-worker.js';
import { watchQueueMetrics, type WiringBase } from './wiring-base.js';
import type { WiringPlan } from './wiring-plan.js';
import { QUEUE_NAMES } from '../services/redis/redis-keys.js';

/**
 * The watch after a delivered reset, on a worker: its own queue and connection, checks through the paced
 * ports, its ending told as an outcome event. Errors go to the service's one Redis outage log.
 */
export function wireAftercare(
  base: WiringBase,
  input: {
    watch: NonNullable<WiringPlan['watch']>;
    /** The reset worker's connection, which adds the watches. */
    queueConnection: RedisClient;
    psa: (kind: PsaKind) => PsaAdapter;
    directories: DirectoryFactory;
    events?: OutcomeEvents;
  },
): AftercareService {
  const { plan, logger, redis } = base;
  const { watch } = input;
  const aftercare = createAftercare({
    // A connection of the watch's own: BullMQ's worker blocks on it.
    connection: redis.open('aftercare'),
    queueConnection: input.queueConnection,
    prefix: redis.prefix,
    watch: new BackInWatch({
      psa: input.psa,
      directories: input.directories,
      settings: watch,
      ...(input.events ? { events: input.events } : {}),
    }),
    settings: watch,
    logger,
    attempts: plan.queue.attempts,
    backoffMs: plan.worker.backoffMs,
    locks: plan.worker,
    reportError: (source, err) =>
      redis.outage.errorListener(`aftercare ${source}`, (e) =>
        logger.error({ err: { message: e.message } }, `aftercare ${source} error`),
      )(err),
  });
  watchQueueMetrics(base.metrics, QUEUE_NAMES.aftercare, aftercare);
  return aftercare;
}
