import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { RedisClient } from '../services/redis/redis-client.js';
import type { ReplicatedWrite } from '../services/redis/replicated-writes.js';
import { isTransient, TransientError } from '../services/domain/errors.js';
import type { Logger } from '../services/logging/logger.js';
import { isPacingDelay } from '../services/pacing/pacing-delay.js';
import { admitParkedJob, type PacingDeps } from '../services/pacing/paced-ports.js';
import { runInPacingScope } from '../services/pacing/pacing-scope.js';
import type {
  ResetJournal,
  ResetOutcome,
  ResetProgress,
  ResetRequestContext,
  ResetUseCase,
} from '../services/domain/reset-use-case.js';
import { RESET_QUEUE_NAME, type ResetJobData } from './reset-queue.js';

/**
 * After these, the job is removed so the ticket's next delivery makes a new job: the ticket may become a
 * reset ticket, the requester may answer, an engineer may send it back. The use case's ledger still makes
 * such a run change nothing when it should not. Delivered tickets keep their job, which dedupes redeliveries.
 */
function reworkable(outcome: ResetOutcome): boolean {
  return (
    outcome.waiting === true ||
    outcome.handedOff ||
    ['not-a-reset-ticket', 'unknown-ticket', 'already-handled'].includes(outcome.code)
  );
}
const MAX_BACKOFF_MS = 15 * 60_000;
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
  /**
   * The service's pacing, when on. A job parked on a key is admitted on that key before the use case runs
   * again, so a wake that cannot go on yet costs one Redis call instead of a PSA read of the ticket.
   */
  pacing?: PacingDeps;
}

/**
 * Retry delay: a Retry-After from Graph or the PSA wins; otherwise exponential from backoffMs with jitter.
 * Exported for tests.
 */
export function retryDelay(attemptsMade: number, err: unknown, backoffMs: number): number {
  if (err instanceof TransientError && err.retryAfterMs !== undefined)
    return Math.min(err.retryAfterMs, MAX_BACKOFF_MS);
  const base = backoffMs * 2 ** Math.max(0, attemptsMade - 1);
  return Math.min(Math.round(base * (0.8 + Math.random() * 0.4)), MAX_BACKOFF_MS);
}

function journalFor(job: Job<ResetJobData>, replicated: ReplicatedWrite): ResetJournal {
  let progress: ResetProgress = job.data.progress ?? {};
  return {
    get progress() {
      return progress;
    },
    async save(patch) {
      progress = { ...progress, ...patch };
      await replicated(() => job.updateData({ ...job.data, progress }));
    },
  };
}

/**
 * BullMQ wiring of the reset use case: one job per ticket, transient failures retried with backoff,
 * decisions completed (never retried), and a final hand-off to the engineers when retries run out.
 */
export function startResetWorker(options: ResetWorkerOptions): Worker<ResetJobData, ResetOutcome> {
  const { connection, prefix, useCase, logger } = options;
  const contextFor = (job: Job<ResetJobData>): ResetRequestContext => ({
    psa: job.data.psa,
    ticketId: job.data.ticketId,
    correlationId: job.data.correlationId,
    journal: journalFor(job, options.replicated ?? ((write) => write())),
    logger: logger.child({
      correlationId: job.data.correlationId,
      jobId: job.id,
      attempt: job.attemptsMade + 1,
    }),
  });

  const worker = new Worker<ResetJobData, ResetOutcome>(
    RESET_QUEUE_NAME,
    async (job, token) => {
      const ctx = contextFor(job);
      const parkedOn = job.data.parkedOn;
      try {
        return await runInPacingScope(async () => {
          if (parkedOn && options.pacing) await admitParkedJob(options.pacing, parkedOn);
          return useCase.handle(ctx);
        });
      } catch (err) {
        // Paced (bucket empty or tenant paused by a 429): park the job without using an attempt, free the slot.
        if (isPacingDelay(err) && token) {
          // A tenant or PSA that keeps answering 429 must not hold a ticket forever: past the cap, the
          // delay counts as a transient failure, so the attempts run out and an engineer gets the ticket.
          const parked = (job.data.parked ?? 0) + 1;
          if (parked > MAX_PARKS) {
            throw new TransientError(`paced more than ${MAX_PARKS} times on ${err.key}`, err.delayMs);
          }
          await job.updateData({ ...job.data, parked, parkedOn: err.key });
          ctx.logger.debug(
            { event: 'reset.paced', key: err.key, delayMs: err.delayMs, parked },
            'paced; job delayed',
          );
          await job.moveToDelayed(Date.now() + err.delayMs, token);
          throw new DelayedError();
        }
        if (isTransient(err)) {
          ctx.logger.warn(
            { event: 'reset.retry', reason: (err as Error).message },
            'transient failure; will retry',
          );
          throw err;
        }
        ctx.logger.error(
          { event: 'reset.error', err: { name: (err as Error).name, message: (err as Error).message } },
          'reset failed',
        );
        throw new UnrecoverableError(`${(err as Error).name}: ${(err as Error).message}`);
      }
    },
    {
      connection,
      prefix,
      concurrency: options.concurrency,
      settings: {
        backoffStrategy: (attemptsMade, _type, err) => retryDelay(attemptsMade, err, options.backoffMs),
      },
    },
  );

  worker.on('completed', (job, outcome) => {
    if (reworkable(outcome)) {
      job.remove().catch((err) => logger.warn({ err, jobId: job.id }, 'could not remove ignored job'));
    }
  });

  worker.on('failed', (job, err) => {
    if (!job) return;
    const finalAttempt =
      err instanceof UnrecoverableError ||
      err.name === 'UnrecoverableError' ||
      job.attemptsMade >= (job.opts.attempts ?? 1);
    if (!finalAttempt) return;
    const ctx = contextFor(job);
    useCase
      .handOffAfterFailure(ctx, isTransient(err) ? 'retries-exhausted' : 'automation-error', err.message)
      .catch((handOffErr: Error) =>
        ctx.logger.error(
          { event: 'reset.handoff-failed', err: { message: handOffErr.message } },
          'could not hand the failed ticket to the engineers',
        ),
      );
  });

  worker.on('error', (err) => logger.error({ err: { message: err.message } }, 'worker error'));
  return worker;
}
