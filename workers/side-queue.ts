import { Queue, Worker, type Processor, type WorkerOptions } from 'bullmq';
import type { Logger } from '../services/logging/logger.js';
import type { RedisClient } from '../services/redis/redis-client.js';
import { retryAfterBackoff } from './job-runner.js';

/**
 * How the service builds a side queue (events, link events, staff notices, aftercare) and its worker: the
 * queue adds jobs from request paths, the worker runs on a connection of its own, both report their own
 * errors to the service, and closing lets a running job finish first. Each worker module says only what its
 * jobs are and what it does with them.
 */

/** Lock settings of the service's workers (config `worker.*`). */
export interface WorkerLocks {
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
}

/** The service's report of a queue's or worker's own errors (its Redis outage log). */
export type QueueErrorReport = (source: 'queue' | 'worker', err: Error) => void;

/** What every side queue with retried jobs takes from the service's wiring and config. */
export interface SideQueueOptions {
  /** The fail-fast connection (`enableOfflineQueue: false`) used to add jobs from request paths. */
  fastRedis: RedisClient;
  /** BullMQ prefix, the same as the reset queue's (config `redis.keyPrefix`). */
  prefix: string;
  logger: Logger;
  /** Attempts per job before it is given up (config `worker.attempts` unless the module says otherwise). */
  attempts: number;
  /** First retry delay, doubling per attempt up to 15 minutes; a Retry-After from the far side wins. */
  backoffMs: number;
  concurrency?: number;
  /** Lock, stalled check and stall limit of the worker, as the reset worker's (config `worker.*`). */
  locks?: WorkerLocks;
  /** Where the queue's and the worker's own errors go (the service's Redis outage log); logged without it. */
  reportError?: QueueErrorReport;
}

/** A side queue and, in a process that runs it, its worker. */
export interface SideQueue<T, R = unknown> {
  queue: Queue<T>;
  worker: Worker<T, R> | undefined;
  /** Lets a running job finish, then closes the worker and the queue (not the Redis connections). */
  close(): Promise<void>;
}

/** Where a side queue's own errors go, and the name of its log lines (`<logName> queue error`). */
export interface SideQueueReporting {
  prefix: string;
  log: Pick<Logger, 'warn' | 'error'>;
  logName: string;
  reportError?: QueueErrorReport;
}

/**
 * Opens queue `name`, adding jobs through `queueConnection`, and, when `worker` is given, its worker.
 * `processor` is called only once jobs arrive, so it may use what the caller defines after this call.
 */
export function openSideQueue<T, R>(
  name: string,
  queueConnection: RedisClient,
  reporting: SideQueueReporting,
  worker?: { processor: Processor<T, R>; options: WorkerOptions },
): SideQueue<T, R> {
  const queue = new Queue<T>(name, { connection: queueConnection, prefix: reporting.prefix });
  reportErrorsOf(queue, 'queue', reporting);
  let running: Worker<T, R> | undefined;
  if (worker) {
    running = new Worker<T, R>(name, worker.processor, worker.options);
    reportErrorsOf(running, 'worker', reporting);
  }
  return {
    queue,
    worker: running,
    async close() {
      await running?.close();
      await queue.close();
    },
  };
}

/**
 * The options of a side queue's worker with retried jobs: its own connection, `concurrency` jobs at once
 * (4 unless given), the service's lock settings and Retry-After-aware backoff.
 */
export function sideWorkerOptions(
  connection: RedisClient,
  options: Pick<SideQueueOptions, 'prefix' | 'concurrency' | 'locks' | 'backoffMs'>,
): WorkerOptions {
  return {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency ?? 4,
    ...lockOptions(options.locks),
    ...retryAfterBackoff(options.backoffMs),
  };
}

/** BullMQ's names for the lock settings, none when the defaults are wanted. */
export function lockOptions(locks: WorkerLocks | undefined): Partial<WorkerOptions> {
  return locks
    ? {
        lockDuration: locks.lockDurationMs,
        stalledInterval: locks.stalledIntervalMs,
        maxStalledCount: locks.maxStalledCount,
      }
    : {};
}

/**
 * Where a queue's or worker's own errors go: the service's `reportError` when given, else one log line each
 * (`<logName> queue error` as a warning, `<logName> worker error` as an error).
 */
function reportErrorsOf(
  emitter: { on(event: 'error', listener: (err: Error) => void): unknown },
  source: 'queue' | 'worker',
  { reportError, log, logName }: SideQueueReporting,
): void {
  const message = `${logName} ${source} error`;
  const fallback = (err: Error) => {
    const fields = { err: { message: err.message } };
    if (source === 'queue') log.warn(fields, message);
    else log.error(fields, message);
  };
  emitter.on('error', reportError ? (err: Error) => reportError(source, err) : fallback);
}
