import { DelayedError, UnrecoverableError, type Job, type JobsOptions, type WorkerOptions } from 'bullmq';
import { isTransient, TransientError, errorMessage } from '../services/domain/errors.js';
import type { Logger } from '../services/logging/logger.js';

/**
 * What every worker of the service decides the same way: how long a failed job waits, whether a failure
 * leaves attempts to try again, when BullMQ has given a job up for good, how a job moves itself to later
 * without using an attempt, and which failures are retried and which end the job at once. The workers differ only in what they do with a job; these rules are here once.
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

/** The options of a retried job, kept for `retentionSeconds` once it ended (for a late look or a repeat). */
export function keptJobOptions(attempts: number, retentionSeconds: number): JobsOptions {
  return {
    ...retriedJobOptions(attempts),
    removeOnComplete: { age: retentionSeconds },
    removeOnFail: { age: retentionSeconds },
  };
}

/** What a failed job's log lines are called: `retry` for a transient failure, `error` for the last word. */
export interface FailureEvents {
  retry: string;
  error: string;
  /** The message of the `error` line. */
  errorMessage: string;
}

/**
 * A processor's answer to a failure it caught, to be thrown: a DelayedError passes as it is; a transient
 * failure is logged as a warning and passes too, for BullMQ to retry with backoff; anything else is logged
 * as an error and fails the job at once (see {@link giveUp}). `fields` go on both lines.
 */
export function failureToThrow(
  err: unknown,
  log: Pick<Logger, 'warn' | 'error'>,
  events: FailureEvents,
  fields: Record<string, unknown> = {},
): unknown {
  if (err instanceof DelayedError) return err;
  if (isTransient(err)) {
    log.warn({ event: events.retry, ...fields, reason: errorMessage(err) }, 'transient failure; will retry');
    return err;
  }
  return giveUp(err, log, { event: events.error, ...fields }, events.errorMessage);
}

/** Logs why a job cannot go on and returns the UnrecoverableError that ends it without another attempt. */
export function giveUp(
  err: unknown,
  log: Pick<Logger, 'error'>,
  fields: Record<string, unknown>,
  message: string,
): UnrecoverableError {
  const name = (err as Error).name;
  log.error({ ...fields, err: { name, message: errorMessage(err) } }, message);
  return new UnrecoverableError(`${name}: ${errorMessage(err)}`);
}
