import { Job, type Queue } from 'bullmq';
import type { Logger } from '../services/logging/logger.js';
import type { FailedJobs } from '../services/console/console-sources.js';
import type { ResetJobData } from './reset-queue.js';
import { recoverFailedResetJob } from './reset-worker.js';

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

/** The failed jobs of the reset queue; `retry` goes through `recoverFailedResetJob`, as the sweep does. */
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
