import { BackInWatch } from '../services/domain/aftercare/back-in-watch.js';
import type { DirectoryFactory, OutcomeEvents, PsaAdapter, PsaKind } from '../services/domain/ports.js';
import type { Logger } from '../services/logging/logger.js';
import type { RedisOutageLog } from '../services/logging/redis-outage-log.js';
import type { Metrics } from '../services/metrics/metrics.js';
import type { RedisClient } from '../services/redis/redis-client.js';
import { AFTERCARE_QUEUE_NAME, createAftercare, type AftercareService } from '../workers/aftercare-worker.js';
import { reportRedisOutages } from './redis-wiring.js';
import type { WiringPlan } from './wiring-plan.js';

/**
 * The watch after a delivered reset, on a worker: its own queue and connection, checks through the paced
 * ports, its ending told as an outcome event. Errors go to the service's one Redis outage log.
 */
export function wireAftercare(input: {
  plan: WiringPlan;
  watch: NonNullable<WiringPlan['watch']>;
  /** A connection of the watch's own (BullMQ's worker blocks on it). */
  connection: RedisClient;
  /** The reset worker's connection, which adds the watches. */
  queueConnection: RedisClient;
  prefix: string;
  logger: Logger;
  psa: (kind: PsaKind) => PsaAdapter;
  directories: DirectoryFactory;
  events?: OutcomeEvents;
  redisOutage: RedisOutageLog;
  metrics?: Pick<Metrics, 'watchQueue' | 'watchWorker'>;
}): AftercareService {
  const { plan, watch, connection, logger, redisOutage } = input;
  reportRedisOutages(connection, redisOutage, 'aftercare');
  const aftercare = createAftercare({
    connection,
    queueConnection: input.queueConnection,
    prefix: input.prefix,
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
      redisOutage.errorListener(`aftercare ${source}`, (e) =>
        logger.error({ err: { message: e.message } }, `aftercare ${source} error`),
      )(err),
  });
  input.metrics?.watchQueue(AFTERCARE_QUEUE_NAME, aftercare.queue);
  if (aftercare.worker) input.metrics?.watchWorker(aftercare.worker, AFTERCARE_QUEUE_NAME);
  return aftercare;
}
