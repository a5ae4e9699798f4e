import type { Queue, Worker } from 'bullmq';
import type { Logger } from '../services/logging/logger.js';
import type { Metrics } from '../services/metrics/metrics.js';
import type { ServiceRedis } from './redis-wiring.js';
import type { WiringPlan } from './wiring-plan.js';

/** What every builder of the composition root starts from: the plan, the logger, the service's Redis, metrics. */
export interface WiringBase {
  plan: WiringPlan;
  logger: Logger;
  redis: ServiceRedis;
  metrics?: Pick<Metrics, 'watchQueue' | 'watchWorker'>;
}

/** Reports a queue's depth and, where this process runs it, its worker's jobs. */
export function watchQueueMetrics(
  metrics: WiringBase['metrics'],
  name: string,
  service: { queue: Pick<Queue, 'getJobCounts'>; worker?: Worker },
): void {
  metrics?.watchQueue(name, service.queue);
  if (service.worker) metrics?.watchWorker(service.worker, name);
}

/**
 * The settings every BullMQ worker of the service shares, from the plan; `reportError` sends a queue's or
 * its worker's errors to the listeners made for it (see `queueErrorListeners`).
 */
export function sharedWorkerSettings(
  plan: WiringPlan,
  errors: Record<'queue' | 'worker', (err: Error) => void>,
) {
  return {
    attempts: plan.queue.attempts,
    backoffMs: plan.worker.backoffMs,
    concurrency: plan.worker.concurrency,
    locks: plan.worker,
    reportError: (source: 'queue' | 'worker', err: Error) => errors[source](err),
  };
}
