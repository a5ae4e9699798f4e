import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import type { RedisClient } from '../services/redis/redis-client.js';
import type { ReplicatedWrite } from '../services/redis/replicated-writes.js';
import { isTransient, TransientError } from '../services/domain/errors.js';
import type { OutcomeCode } from '../services/domain/outcome-codes.js';
import type { Logger } from '../services/logging/logger.js';
import { isPacingDelay } from '../services/pacing/pacing-delay.js';
import { admitParkedJob, type PacingDeps } from '../services/pacing/paced-ports.js';
import { runInPacingScope } from '../services/pacing/pacing-scope.js';
import type {
  ResetJournal,
  ResetOutcome,
  ResetProgress,
  ResetRequestContext,
} from '../services/domain/reset/reset-journal.js';
import type { ResetUseCase } from '../services/domain/reset/reset-use-case.js';
import { attemptsLeft, failedForGood, retryAfterBackoff, retryDelay, runLater } from './job-runner.js';
import {
  assertJobLockHeld,
  closeOpenJob,
  LockLostError,
  writeJobDataFenced,
  type JobHold,
} from './open-jobs-store.js';
import { runFenced } from './run-fence.js';
import { type ResetJobData } from './reset-queue.js';
import { redisKeys, QUEUE_NAMES } from '../services/redis/redis-keys.js';

/**
 * After these, the job is removed so the ticket's next delivery makes a new job: the ticket may become a
 * reset ticket, the requester may answer, an engineer may send it back. The use case's ledger still makes
 * such a run change nothing when it should not. Delivered tickets keep their job, which dedupes redeliveries.
 */
export function reworkable(outcome: ResetOutcome | undefined): boolean {
  if (!outcome) return false;
  return (
    outcome.waiting === true ||
    outcome.handedOff ||
    ['not-a-reset-ticket', 'unknown-ticket', 'already-handled', 'customer-off'].includes(outcome.code)
  );
}
/** How often one job may be parked by pacing before the waiting counts against its attempts. */
const MAX_PARKS = 200;

export interface ResetWorkerOptions {
  /** A dedicated connection (`maxRetriesPerRequest: null`), not shared with the API. */
  connection: RedisClient;
  /**
   * Holds each journal step until the replicas have it (`redis.waitReplicas`): a step a failover discarded
   * would be done again (a second reset, a second note).
   */
  replicated?: ReplicatedWrite;
  prefix: string;
  useCase: ResetUseCase;
  logger: Logger;
  concurrency: number;
  backoffMs: number;
  /** How long a job's lock lasts without renewal (renewed every half of it while the job runs). */
  lockDurationMs: number;
  /** How often this worker looks for jobs whose worker stopped. */
  stalledIntervalMs: number;
  /** How often a job may lose its worker before it goes to the hand-off path. */
  maxStalledCount: number;
  /**
   * The service's pacing, when on. A job parked on a key is admitted on that key before the use case runs
   * again, so a wake that cannot go on yet costs one Redis call instead of a PSA read of the ticket.
   */
  pacing?: PacingDeps;
  /** Where the worker's own errors go (the service's Redis outage log); logged one by one without it. */
  reportError?: (err: Error) => void;
}

/**
 * Writes a job's data. Inside a run (a `hold` given) the write is fenced by the run's lock: a run whose job
 * was taken over by another (its worker froze or lost Redis past the lock) gets `LockLostError` and stops
 * before its next step, so it can neither repeat a step nor overwrite the journal of the run that took over.
 */
type JobWriter = (data: ResetJobData, markChanging?: boolean) => Promise<void>;

function writerFor(
  job: Job<ResetJobData>,
  hold: JobHold | undefined,
  redis: RedisClient,
  prefix: string,
  replicated: ReplicatedWrite,
): JobWriter {
  if (!hold) return (data) => replicated(() => job.updateData(data));
  return async (data, markChanging = false) => {
    // Each step waits for the replicas before the next outside call (Sentinel), so a failover cannot
    // forget a step that was done.
    await replicated(() => writeJobDataFenced(redis, prefix, hold, data, markChanging));
    job.data = data;
  };
}

/** The run's hold on its job, or none for a run without a lock token (a processor called outside BullMQ). */
function holdOf(job: Job<ResetJobData>, token: string | undefined, prefix: string): JobHold | undefined {
  if (!token) return undefined;
  const keys = redisKeys(prefix);
  return {
    jobKey: keys.job(QUEUE_NAMES.resets, job.id!),
    lockKey: keys.jobLock(QUEUE_NAMES.resets, job.id!),
    jobId: job.id!,
    token,
  };
}

/**
 * Runs the use case for one run of a job: in its pacing scope, and behind its fence (`runFenced`), so that
 * none of its Graph or PSA calls goes out once another run holds the job. A run without a hold has no lock
 * to check.
 */
function inRunScope<T>(redis: RedisClient, hold: JobHold | undefined, work: () => Promise<T>): Promise<T> {
  if (!hold) return runInPacingScope(work);
  return runFenced(
    () => assertJobLockHeld(redis, hold),
    () => runInPacingScope(work),
  );
}

/**
 * Pauses between in-process tries of one journal step (about 8 s in all): long enough to ride out a Redis
 * failover or a replica catching up, so that a step that was done is recorded rather than done again.
 */
const SAVE_RETRY_DELAYS_MS = [250, 500, 1000, 2000, 2000, 2000];

function journalFor(job: Job<ResetJobData>, write: JobWriter): ResetJournal {
  let progress: ResetProgress = job.data.progress ?? {};
  return {
    get progress() {
      return progress;
    },
    async save(patch) {
      const next = { ...progress, ...patch };
      // The decision is saved right before the first change to the account: from here on, a job that
      // vanished from Redis is handed off by the sweep instead of being worked again from scratch.
      const markChanging = patch.decision !== undefined;
      for (let attempt = 0; ; attempt++) {
        try {
          await write({ ...job.data, progress: next }, markChanging);
          break;
        } catch (err) {
          // A run that lost its lock stops at once: another run owns the ticket now.
          const delay = SAVE_RETRY_DELAYS_MS[attempt];
          if (err instanceof LockLostError || delay === undefined) throw err;
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
      progress = next;
    },
  };
}

/** Why a job could not finish, as the hand-off names it. */
function failureOf(err: unknown): { code: OutcomeCode; detail: string } {
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    code: isTransient(e) ? 'retries-exhausted' : 'automation-error',
    detail: isTransient(e) ? e.message : `${e.name}: ${e.message}`,
  };
}

/**
 * Puts a reset job that BullMQ failed for good back in the queue on its hand-off path, under its own id and
 * with its journal: the run that follows only hands the ticket to the engineers (see `handOffAfterFailure`),
 * so no step that was done is done again. Throws when the job is no longer failed (another caller put it
 * back first): of two racing callers, one re-queues it.
 */
export async function recoverFailedResetJob(
  job: Job<ResetJobData>,
  reason: string,
  options: { logger: Logger; maxStalledCount: number },
): Promise<void> {
  const log = options.logger.child({ correlationId: job.data.correlationId, jobId: job.id });
  if (!job.data.failure) {
    const stalledOut = /stalled more than allowable limit/.test(reason);
    const failure = {
      code: 'automation-error' as const,
      detail: stalledOut
        ? `its worker stopped more than ${options.maxStalledCount} times while working it (${reason})`
        : reason,
      at: new Date().toISOString(),
    };
    await job.updateData({ ...job.data, failure });
  }
  await job.retry('failed');
  log.error(
    { event: 'reset.recovered', reason },
    'the failed job goes back to the queue to hand the ticket to the engineers',
  );
}

export interface ResetWorker {
  worker: Worker<ResetJobData, ResetOutcome>;
  /**
   * Puts a reset job that BullMQ failed for good (given up after stalling, or failed while Redis was cut off)
   * back in the queue on its hand-off path. Used by the `failed` handler and by the workers' sweep.
   */
  recoverFailedJob(job: Job<ResetJobData>, reason: string): Promise<void>;
}

/**
 * BullMQ wiring of the reset use case: one job per ticket, transient failures retried with backoff,
 * decisions completed (never retried). A job that cannot finish (retries exhausted, an unexpected error, a
 * worker that keeps stopping) is never just failed: it keeps its id and its journal and turns into a hand-off
 * to the engineers, which is repeated with backoff until it lands (the PSA may be down); only then does the
 * job complete. Its lock is the fence of its journal (see `writerFor`).
 */
export function startResetWorker(options: ResetWorkerOptions): ResetWorker {
  const { connection, prefix, useCase, logger } = options;
  const replicated: ReplicatedWrite = options.replicated ?? ((write) => write());
  const contextFor = (job: Job<ResetJobData>, write: JobWriter): ResetRequestContext => ({
    psa: job.data.psa,
    ticketId: job.data.ticketId,
    correlationId: job.data.correlationId,
    journal: journalFor(job, write),
    logger: logger.child({
      correlationId: job.data.correlationId,
      jobId: job.id,
      attempt: job.attemptsMade + 1,
    }),
  });

  /** The hand-off path: one try per run; on failure the job waits (backoff, capped) and tries again. */
  async function handOffAfterFailure(
    job: Job<ResetJobData>,
    hold: JobHold | undefined,
    write: JobWriter,
    ctx: ResetRequestContext,
  ): Promise<ResetOutcome> {
    const failure = job.data.failure!;
    try {
      return await inRunScope(connection, hold, () =>
        useCase.handOffAfterFailure(ctx, failure.code, failure.detail),
      );
    } catch (err) {
      if (err instanceof LockLostError || !hold) throw err;
      const paced = isPacingDelay(err);
      const tries = (failure.tries ?? 0) + (paced ? 0 : 1);
      const delayMs = paced ? err.delayMs : retryDelay(tries, err, options.backoffMs);
      if (!paced) {
        ctx.logger.error(
          {
            event: 'reset.handoff-retry',
            outcome: failure.code,
            tries,
            retryInMs: delayMs,
            err: { message: (err as Error).message },
          },
          'could not hand the ticket to the engineers yet; will try again',
        );
      }
      await write({ ...job.data, failure: { ...failure, tries } });
      return runLater(job, hold.token, Date.now() + delayMs);
    }
  }

  const worker = new Worker<ResetJobData, ResetOutcome>(
    QUEUE_NAMES.resets,
    async (job, token) => {
      const hold = holdOf(job, token, prefix);
      const write = writerFor(job, hold, connection, prefix, replicated);
      const ctx = contextFor(job, write);
      if (job.data.failure) return handOffAfterFailure(job, hold, write, ctx);
      const parkedOn = job.data.parkedOn;
      let failed: unknown;
      try {
        return await inRunScope(connection, hold, async () => {
          if (parkedOn && options.pacing) await admitParkedJob(options.pacing, parkedOn);
          return useCase.handle(ctx);
        });
      } catch (err) {
        failed = err;
      }
      // Another run owns the ticket now: this one does nothing more (BullMQ cannot finish it either).
      if (failed instanceof LockLostError) throw failed;
      // Paced (bucket empty or tenant paused by a 429): park the job without using an attempt, free the slot.
      if (isPacingDelay(failed) && token) {
        // A tenant or PSA that keeps answering 429 must not hold a ticket forever: past the cap, the delay
        // counts as a transient failure, so the attempts run out and an engineer gets the ticket.
        const parked = (job.data.parked ?? 0) + 1;
        if (parked > MAX_PARKS) {
          failed = new TransientError(`paced more than ${MAX_PARKS} times on ${failed.key}`, failed.delayMs);
        } else {
          await write({ ...job.data, parked, parkedOn: failed.key });
          ctx.logger.debug(
            { event: 'reset.paced', key: failed.key, delayMs: failed.delayMs, parked },
            'paced; job delayed',
          );
          return runLater(job, token, Date.now() + failed.delayMs);
        }
      }
      const err = failed instanceof Error ? failed : new Error(String(failed));
      if (isTransient(err) && attemptsLeft(job)) {
        ctx.logger.warn({ event: 'reset.retry', reason: err.message }, 'transient failure; will retry');
        throw err;
      }
      const { code, detail } = failureOf(err);
      ctx.logger.error(
        { event: 'reset.error', outcome: code, err: { name: err.name, message: err.message } },
        'the ticket could not be finished; handing it to the engineers',
      );
      await write({ ...job.data, failure: { code, detail, at: new Date().toISOString() } });
      return handOffAfterFailure(job, hold, write, ctx);
    },
    {
      connection,
      prefix,
      concurrency: options.concurrency,
      // Names the process on each job it takes (BullMQ's `processedBy`): which worker holds a ticket.
      name: `${hostname()}:${process.pid}`,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      maxStalledCount: options.maxStalledCount,
      ...retryAfterBackoff(options.backoffMs),
    },
  );

  const recoverFailedJob = (job: Job<ResetJobData>, reason: string) =>
    recoverFailedResetJob(job, reason, { logger, maxStalledCount: options.maxStalledCount });

  worker.on('completed', (job, outcome) => {
    const open = { psa: job.data.psa, ticketId: job.data.ticketId, jobId: job.id! };
    // The job goes first: should this process stop in between, the sweep finds the record and settles it.
    const removed = reworkable(outcome) ? job.remove() : Promise.resolve();
    removed
      .then(() => closeOpenJob(connection, prefix, open))
      .catch((err: Error) => logger.warn({ err: { message: err.message }, jobId: job.id }, 'job not tidied'));
  });

  worker.on('failed', (job, err) => {
    // Only BullMQ fails a reset job for good now; it goes back on the hand-off path (the sweep covers a
    // process that stops before this runs).
    if (!job || !failedForGood(job, err) || err instanceof LockLostError) return;
    recoverFailedJob(job, err.message).catch((recoverErr: Error) =>
      logger.error(
        { event: 'reset.recover-failed', jobId: job.id, err: { message: recoverErr.message } },
        'could not put the failed job back; the sweep will',
      ),
    );
  });

  worker.on('stalled', (jobId) =>
    logger.warn({ event: 'reset.stalled', jobId }, 'job lost its worker; it goes back to the queue'),
  );
  worker.on(
    'error',
    options.reportError ?? ((err) => logger.error({ err: { message: err.message } }, 'worker error')),
  );
  return { worker, recoverFailedJob };
}
