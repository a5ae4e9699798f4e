import { DelayedError, type Job, type JobsOptions, type Queue } from 'bullmq';
import { QUEUE_NAMES } from '../services/redis/redis-keys.js';
import type { RedisClient } from '../services/redis/redis-client.js';
import {
  BackInWatch,
  newWatch,
  type WatchJournal,
  type WatchProgress,
  type WatchSettings,
} from '../services/domain/aftercare/back-in-watch.js';
import { isTransient, TransientError } from '../services/domain/errors.js';
import type { Aftercare, DeliveredReset } from '../services/domain/ports.js';
import type { WatchList, WatchSummary } from '../services/console/console-sources.js';
import { isPacingDelay } from '../services/pacing/pacing-delay.js';
import { giveUp, retryDelay, runLater } from './job-runner.js';
import { lockOptions, openSideQueue, type SideQueue, type SideQueueOptions } from './side-queue.js';

/** Kept after the watch ends, for the console and for a late answer to the staff member's notice. */
const RETENTION_SECONDS = 14 * 86400;

/**
 * A watch job: the watch's state, saved after each step (nothing secret), and how many transient failures
 * in a row it has met. One job per ticket and reset; it moves itself to delayed between checks.
 */
export interface AftercareJobData {
  kind: 'watch';
  watch: WatchProgress;
  failures?: number;
}

/** One watch per ticket and reset (a later round of the same ticket is a new reset, so a new watch). */
export function watchJobId(reset: Pick<DeliveredReset, 'psa' | 'ticketId' | 'resetAt'>): string {
  return `watch-${reset.psa}-${reset.ticketId}-${Date.parse(reset.resetAt)}`;
}

/** Watches are added through `queueConnection`, not the fail-fast connection; the concurrency is the settings'. */
export interface AftercareOptions extends Omit<SideQueueOptions, 'fastRedis' | 'concurrency'> {
  /** A dedicated connection for the worker (`maxRetriesPerRequest: null`). */
  connection: RedisClient;
  /** The connection the reset worker adds watches with. */
  queueConnection: RedisClient;
  watch: BackInWatch;
  settings: WatchSettings & { concurrency: number };
  /** Transient failures in a row before a watch is given up (config `worker.attempts`). */
  attempts: number;
  /** Run the worker in this process (default true). */
  startWorker?: boolean;
}

export interface AftercareService extends Aftercare, SideQueue<AftercareJobData, string> {}

/**
 * The follow-up of delivered resets in its own BullMQ queue (`aftercare`): each watch is a delayed job that
 * runs a check, then moves itself to the time of the next one, never a busy loop. Checks go through the
 * paced ports like every other call: a bucket out of tokens parks the watch without counting a failure.
 * Transient failures wait with backoff and are counted; past `attempts` in a row the watch is given up
 * and logged (the ticket stays where the delivery left it, with the engineers able to see it there).
 */
export function createAftercare(options: AftercareOptions): AftercareService {
  const { prefix, logger } = options;
  const log = logger.child({ component: 'aftercare' });
  const jobOptions: JobsOptions = {
    removeOnComplete: { age: RETENTION_SECONDS },
    removeOnFail: { age: RETENTION_SECONDS },
  };
  const side = openSideQueue<AftercareJobData, string>(
    QUEUE_NAMES.aftercare,
    options.queueConnection,
    { ...options, log, logName: 'aftercare' },
    (options.startWorker ?? true)
      ? {
          processor: run,
          options: {
            connection: options.connection,
            prefix,
            concurrency: options.settings.concurrency,
            ...lockOptions(options.locks),
          },
        }
      : undefined,
  );
  const { queue } = side;

  async function start(reset: DeliveredReset): Promise<void> {
    const data: AftercareJobData = { kind: 'watch', watch: newWatch(reset, options.settings) };
    try {
      await queue.add('watch', data, { ...jobOptions, jobId: watchJobId(reset) });
    } catch (err) {
      // The reset is delivered; its job tries the start again (the job id makes a second add a no-op).
      throw new TransientError(`the watch could not be queued: ${(err as Error).message}`, undefined, {
        cause: err,
      });
    }
  }

  const jobLogger = (job: Job<AftercareJobData>) =>
    log.child({
      correlationId: job.data.watch.reset.correlationId,
      ticketId: job.data.watch.reset.ticketId,
      jobId: job.id,
    });

  async function run(job: Job<AftercareJobData>, token: string | undefined): Promise<string> {
    const jobLog = jobLogger(job);
    const journal: WatchJournal = {
      get progress() {
        return job.data.watch;
      },
      async save(patch) {
        await job.updateData({ ...job.data, watch: { ...job.data.watch, ...patch } });
      },
    };
    const later = async (at: number, failures: number) => {
      if (failures !== (job.data.failures ?? 0)) await job.updateData({ ...job.data, failures });
      return runLater(job, token, at);
    };
    try {
      const step = await options.watch.check(journal, jobLog);
      if (step.kind === 'check-again') return await later(step.at.getTime(), 0);
      return step.code;
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      if (isPacingDelay(err)) return later(Date.now() + err.delayMs, job.data.failures ?? 0);
      const failures = (job.data.failures ?? 0) + 1;
      if (isTransient(err) && failures < options.attempts) {
        jobLog.warn({ event: 'watch.retry', failures, reason: (err as Error).message }, 'will check again');
        return later(Date.now() + retryDelay(failures, err, options.backoffMs), failures);
      }
      throw giveUp(
        err,
        jobLog,
        { event: 'watch.failed' },
        'the watch could not go on; the ticket stays where the delivery left it',
      );
    }
  }

  return { ...side, start };
}

/** The watches in progress, for the operator console: the next to check first. Nothing secret is in them. */
export function watchList(queue: Queue<AftercareJobData>): WatchList {
  return {
    async list(limit) {
      const jobs = await queue.getJobs(['active', 'waiting', 'delayed'], 0, limit - 1, true);
      return jobs
        .filter((job) => job?.data?.watch?.reset)
        .map((job): WatchSummary => {
          const { reset, deadline, checks } = job.data.watch;
          const due = job.delay > 0 ? job.timestamp + job.delay : undefined;
          return {
            psa: reset.psa,
            ticketId: reset.ticketId,
            customer: reset.customerName,
            target: `${reset.target.displayName} <${reset.target.userPrincipalName}>`,
            resetAt: reset.resetAt,
            deadline,
            checks,
            ...(due && due > Date.now() ? { nextCheckAt: new Date(due).toISOString() } : {}),
          };
        })
        .slice(0, limit);
    },
  };
}
