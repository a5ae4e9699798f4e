import type { Job } from 'bullmq';
import type { RedisClient } from '../services/redis/redis-client.js';
import type {
  DisavowOutcome,
  DisavowReport,
  StaffNoticeRequest,
  StaffNoticeScheduler,
} from '../services/domain/ports.js';
import {
  handleDisavow,
  type DisavowDeps,
  type DisavowProgress,
} from '../services/domain/staff-notice/disavow-use-case.js';
import {
  notifyStaff,
  type JobJournal,
  type NoticeProgress,
  type StaffNoticeDeps,
} from '../services/domain/staff-notice/notify-staff.js';
import type { Logger } from '../services/logging/logger.js';
import { attemptsLeft, failedForGood, failureToThrow, keptJobOptions } from './job-runner.js';
import { openSideQueue, sideWorkerOptions, type SideQueue, type SideQueueOptions } from './side-queue.js';
import { QUEUE_NAMES } from '../services/redis/redis-keys.js';

/**
 * The BullMQ side of telling the staff member (`staff-notices` queue), apart from the reset queue so that a
 * mail or PSA outage never holds up a reset:
 * - `notice`: one per reset (job id from psa, ticket and reset time), sends the notice or tells the ticket
 *   why none went (services/domain/staff-notice/notify-staff.ts);
 * - `disavow`: one per "this wasn't me" link (job id from its ref), contains and hands the ticket over
 *   (disavow-use-case.ts). Given twice the configured attempts: the report must outlast an outage.
 * Each job journals its steps in its data, which never holds a secret (no token, no link, no password).
 */

export type StaffNoticeJobData =
  | { kind: 'notice'; request: StaffNoticeRequest; progress?: NoticeProgress }
  | { kind: 'disavow'; report: DisavowReport; progress?: DisavowProgress };

/** Kept after completion so that a re-added job id is still recognised as a duplicate. */
const RETENTION_SECONDS = 14 * 86400;

export interface StaffNoticeQueueOptions extends SideQueueOptions {
  /** A dedicated connection for the worker (`maxRetriesPerRequest: null`). */
  connection: RedisClient;
  /**
   * What the jobs work with; the worker runs in this process only when given (an API-only process only
   * adds jobs).
   */
  handlers?: { notice: StaffNoticeDeps; disavow: DisavowDeps };
  /** Told what each "this wasn't me" did once its job finished: the hook for events and metrics. */
  onDisavowed?: (outcome: DisavowOutcome) => void;
}

export interface StaffNotices extends SideQueue<StaffNoticeJobData> {
  /** The reset use case's `staffNotices`. */
  scheduler: StaffNoticeScheduler;
  /** The `/n` pages' `onDisavow`: resolves once the report is queued (or was already). */
  reportDisavow(report: DisavowReport): Promise<void>;
}

/** One job per reset: psa, ticket and the reset's time (no `:` in BullMQ ids). */
export function noticeJobId(request: Pick<StaffNoticeRequest, 'psa' | 'ticketId' | 'resetAt'>): string {
  const ticket = request.ticketId.replace(/[^A-Za-z0-9_-]/g, '_');
  return `notice-${request.psa}-${ticket}-${Date.parse(request.resetAt)}`;
}

export const disavowJobId = (ref: string) => `disavow-${ref.slice(0, 32)}`;

export function createStaffNotices(options: StaffNoticeQueueOptions): StaffNotices {
  const { logger } = options;
  const log = logger.child({ component: 'staff-notices' });
  const jobOptions = keptJobOptions(options.attempts, RETENTION_SECONDS);
  const handlers = options.handlers;
  const side = openSideQueue<StaffNoticeJobData, unknown>(
    QUEUE_NAMES.staffNotices,
    options.fastRedis,
    { ...options, log, logName: 'staff-notices' },
    handlers && {
      processor: async (job) => {
        try {
          return await process(job, handlers);
        } catch (err) {
          throw failureToThrow(
            err,
            jobLogger(job),
            { retry: 'notice.retry', error: 'notice.error', errorMessage: 'staff notice job failed' },
            { kind: job.data.kind },
          );
        }
      },
      options: sideWorkerOptions(options.connection, options),
    },
  );
  const { queue, worker } = side;

  const scheduler: StaffNoticeScheduler = {
    async schedule(request) {
      await queue.add('notice', { kind: 'notice', request }, { ...jobOptions, jobId: noticeJobId(request) });
    },
  };

  async function reportDisavow(report: DisavowReport): Promise<void> {
    await queue.add(
      'disavow',
      { kind: 'disavow', report },
      { ...jobOptions, attempts: options.attempts * 2, jobId: disavowJobId(report.ref) },
    );
  }

  function journalOf<P extends object>(job: Job<StaffNoticeJobData>): JobJournal<P> {
    return {
      get progress() {
        return (job.data.progress ?? {}) as P;
      },
      async save(patch) {
        await job.updateData({
          ...job.data,
          progress: { ...job.data.progress, ...patch },
        } as StaffNoticeJobData);
      },
    };
  }

  function jobLogger(job: Job<StaffNoticeJobData>): Logger {
    const data = job.data.kind === 'notice' ? job.data.request : job.data.report;
    return log.child({
      correlationId: data.correlationId,
      ticketId: data.ticketId,
      jobId: job.id,
      attempt: job.attemptsMade + 1,
    });
  }

  async function process(
    job: Job<StaffNoticeJobData>,
    handlers: NonNullable<StaffNoticeQueueOptions['handlers']>,
  ): Promise<unknown> {
    const lastAttempt = !attemptsLeft(job);
    const jobLog = jobLogger(job);
    if (job.data.kind === 'notice') {
      return notifyStaff(handlers.notice, {
        request: job.data.request,
        journal: journalOf<NoticeProgress>(job),
        logger: jobLog,
        lastAttempt,
      });
    }
    const outcome = await handleDisavow(handlers.disavow, {
      report: job.data.report,
      journal: journalOf<DisavowProgress>(job),
      logger: jobLog,
      lastAttempt,
    });
    try {
      options.onDisavowed?.(outcome);
    } catch (err) {
      jobLog.warn({ err: { message: (err as Error).message } }, 'disavow hook failed');
    }
    return outcome;
  }

  worker?.on('failed', (job, err) => {
    if (job && failedForGood(job, err)) {
      jobLogger(job).error(
        { event: 'notice.failed', kind: job.data.kind, err: { message: err.message } },
        job.data.kind === 'disavow'
          ? 'gave up handing a "this wasn\'t me" report to the ticket: tell the engineers by hand'
          : 'gave up on the notice to the staff member',
      );
    }
  });

  return { ...side, scheduler, reportDisavow };
}
