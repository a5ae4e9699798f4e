import { DelayedError, Queue, type Job, type JobsOptions, type WorkerOptions } from 'bullmq';
import { TransientError } from '../services/domain/errors.js';
import type { Logger } from '../services/logging/logger.js';
import type { RedisClient } from '../services/redis/redis-client.js';

/**
 * What every worker of the service decides the same way: how long a failed job waits, whether a failure
 * leaves attempts to try again, when BullMQ has given a job up for good, and how a job moves itself to later
 * without using an attempt. The workers differ only in what they do with a job; these rules are here once.
 */

const MAX_BACKOFF_MS = 15 * 60_000;

/** Retry delay: a Retry-After from Graph or the PSA wins; otherwise exponential from backoffMs with jitter. */
export function retryDelay(attemptsMade: number, err: unknown, backoffMs: number): number {
  if (err instanceof TransientError && err.retryAfterMs !== undefined)
    return Math.min(err.retryAfterMs, MAX_BACKOFF_MS);
  const base = backoffMs * 2 ** Math.max(0, attemptsMade - 1);
  return Math.min(Math.round(base * (0.8 + Math.random() * 0.4)), MAX_BACKOFF_MS);
}

/** The worker settings that make BullMQ wait `retryDelay` between attempts (jobs use backoff `retry-after`). */
export function retryAfterBackoff(backoffMs: number): Pick<WorkerOptions, 'settings'> {
  return {
    settings: {
      backoffStrategy: (attemptsMade, _type, err) => retryDelay(attemptsMade, err, backoffMs),
    },
  };
}

/** The job options that go with `retryAfterBackoff`. */
export function retriedJobOptions(attempts: number): { attempts: number; backoff: { type: string } } {
  return { attempts, backoff: { type: 'retry-after' } };
}

/** Whether a failure of the run now under way leaves BullMQ another attempt. */
export function attemptsLeft(job: Job): boolean {
  return job.attemptsMade + 1 < (job.opts.attempts ?? 1);
}

/** In a `failed` handler: BullMQ gave the job up (no attempt left, or a failure marked unrecoverable). */
export function failedForGood(job: Job, err: Error): boolean {
  if (err instanceof DelayedError) return false;
  return err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
}

/** Moves the running job to `at` without using an attempt; the processor ends by rethrowing what this throws. */
export async function runLater(job: Job, token: string | undefined, at: number): Promise<never> {
  if (!token) throw new Error(`job ${job.id} runs without its lock token`);
  await job.moveToDelayed(at, token);
  throw new DelayedError();
}

/** Lock settings of the service's workers (config `worker.*`). */
export interface WorkerLocks {
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
}

/** The options of a retried job, kept for `retentionSeconds` once it ended (for a late look or a repeat). */
export function keptJobOptions(attempts: number, retentionSeconds: number): JobsOptions {
  return {
    ...retriedJobOptions(attempts),
    removeOnComplete: { age: retentionSeconds },
    removeOnFail: { age: retentionSeconds },
  };
}

/**
 * The options of a side queue's worker (events, link events, staff notices): its own connection, `concurrency`
 * jobs at once (4 unless given), the service's lock settings and Retry-After-aware backoff.
 */
export function sideWorkerOptions(
  connection: RedisClient,
  prefix: string,
  options: { concurrency?: number; locks?: WorkerLocks; backoffMs: number },
): WorkerOptions {
  return {
    connection,
    prefix,
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

/** The service's report of a queue's or worker's own errors (its Redis outage log). */
export type QueueErrorReport = (source: 'queue' | 'worker', err: Error) => void;

/**
 * Where a queue's or worker's own errors go: the service's `report` when given, else one log line each
 * (`<logName> queue error` as a warning, `<logName> worker error` as an error).
 */
export function reportErrorsOf(
  emitter: { on(event: 'error', listener: (err: Error) => void): unknown },
  source: 'queue' | 'worker',
  report: QueueErrorReport | undefined,
  log: Pick<Logger, 'warn' | 'error'>,
  logName: string,
): void {
  const message = `${logName} ${source} error`;
  const fallback = (err: Error) => {
    const fields = { err: { message: err.message } };
    if (source === 'queue') log.warn(fields, message);
    else log.error(fields, message);
  };
  emitter.on('error', report ? (err: Error) => report(source, err) : fallback);
}

/** A queue on `connection` whose own errors are reported as {@link reportErrorsOf} says. */
export function reportedQueue<T>(
  name: string,
  connection: RedisClient,
  prefix: string,
  report: QueueErrorReport | undefined,
  log: Pick<Logger, 'warn' | 'error'>,
  logName: string,
): Queue<T> {
  const queue = new Queue<T>(name, { connection, prefix });
  reportErrorsOf(queue, 'queue', report, log, logName);
  return queue;
}
