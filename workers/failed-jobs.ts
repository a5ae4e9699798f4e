import { Job, type Queue } from 'bullmq';
import type { Logger } from '../services/logging/logger.js';
import type { ResetJobData } from './reset-queue.js';
import { recoverFailedResetJob } from './reset-worker.js';

/** A reset job BullMQ failed for good, as the operator console lists it: ids and step names only. */
export interface FailedJobSummary {
  jobId: string;
  psa: string;
  ticketId: string;
  failedAt?: Date;
  /** BullMQ's failure reason, one line, at most 300 characters. */
  reason: string;
  attemptsMade: number;
  /** The journal's steps that were done (e.g. `decision`, `password:done`); never their content. */
  stepsDone: string[];
}

export type RetryResult = 'requeued' | 'not-failed' | 'not-found';

/** The console's view of failed reset jobs, and its one way to put one back. */
export interface FailedJobs {
  list(limit: number): Promise<FailedJobSummary[]>;
  /**
   * Puts the failed job back on its hand-off path under its own id and journal (`recoverFailedResetJob`):
   * never a fresh job, so nothing done is done again. `not-failed` when it is not (or no longer) failed.
   */
  retry(jobId: string): Promise<RetryResult>;
}

function stepsOf(data: ResetJobData): string[] {
  const p = data.progress ?? {};
  const steps: string[] = [];
  if (p.decision) steps.push('decision');
  if (p.mfa) steps.push('mfa');
  if (p.password) steps.push(`password:${p.password.status}`);
  if (p.sessionsRevoked) steps.push('sessions-revoked');
  if (p.customerNote) steps.push(`customer-note:${p.customerNote}`);
  if (p.handOffNote) steps.push(`hand-off-note:${p.handOffNote}`);
  if (data.failure) steps.push(`hand-off-pending:${data.failure.code}`);
  return steps;
}

export function createFailedJobs(
  queue: Queue<ResetJobData>,
  options: { logger: Logger; maxStalledCount: number },
): FailedJobs {
  return {
    async list(limit) {
      const jobs = await queue.getFailed(0, Math.max(0, limit - 1));
      return jobs
        .filter((job): job is Job<ResetJobData> => Boolean(job?.id))
        .map((job) => ({
          jobId: job.id!,
          psa: String(job.data.psa),
          ticketId: String(job.data.ticketId),
          ...(job.finishedOn ? { failedAt: new Date(job.finishedOn) } : {}),
          reason: (job.failedReason ?? '').replace(/\s+/g, ' ').slice(0, 300),
          attemptsMade: job.attemptsMade,
          stepsDone: stepsOf(job.data),
        }));
    },
    async retry(jobId) {
      const job = await Job.fromId<ResetJobData>(queue, jobId);
      if (!job) return 'not-found';
      if ((await job.getState()) !== 'failed') return 'not-failed';
      try {
        await recoverFailedResetJob(job, job.failedReason || 'failed', options);
      } catch (err) {
        // Another caller (the sweep, a second operator) put it back between the check and the retry.
        if ((await job.getState()) !== 'failed') return 'not-failed';
        throw err;
      }
      return 'requeued';
    },
  };
}
