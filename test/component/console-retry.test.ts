import { UnrecoverableError, Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { ResetUseCase } from '../../services/domain/reset/reset-use-case.js';
import { createLogger } from '../../services/logging/logger.js';
import { createFailedJobs } from '../../workers/failed-jobs.js';
import { ResetQueue, type ResetJobData } from '../../workers/reset-queue.js';
import { startTestResetWorker } from '../support/test-reset-worker.js';
import { redisSpaceForTests } from '../support/redis.js';
import { QUEUE_NAMES } from '../../services/redis/redis-keys.js';

/**
 * The console's retry of a failed reset job, with real BullMQ and Redis: the job goes back under its own id
 * with its journal, the run that follows only hands the ticket to an engineer (the reset is never run
 * again), and a second press changes nothing.
 */

const logger = createLogger({ level: 'silent' });
const space = redisSpaceForTests('retry');
const { prefix } = space;

/** A job failed for good after a step of its journal was done. */
async function failedJob(queue: ResetQueue, ticketId: string): Promise<void> {
  await queue.enqueue('halopsa', ticketId);
  const worker = new Worker<ResetJobData>(
    QUEUE_NAMES.resets,
    async (job) => {
      await job.updateData({ ...job.data, progress: { mfa: { results: [] }, sessionsRevoked: true } });
      throw new UnrecoverableError('its worker lost Redis');
    },
    { connection: space.redis.duplicate({ maxRetriesPerRequest: null }), prefix },
  );
  await new Promise<void>((done) => worker.on('failed', () => done()));
  await worker.close();
}

describe('retrying a failed job from the console', () => {
  it('When an operator retries a failed job, then it runs again only to hand off, under its own id, and a second retry changes nothing', async () => {
    const queue = new ResetQueue({ connection: space.redis, prefix, attempts: 1, retentionDays: 1 });
    await failedJob(queue, '501');
    const failedJobs = createFailedJobs(queue.queue, { logger, maxStalledCount: 1 });

    expect(await failedJobs.list(10)).toMatchObject([
      {
        jobId: 'halopsa-501',
        ticketId: '501',
        reason: 'its worker lost Redis',
        stepsDone: ['mfa', 'sessions-revoked'],
      },
    ]);
    expect(await failedJobs.retry('halopsa-501')).toBe('requeued');
    expect(await failedJobs.retry('halopsa-501')).toBe('not-failed');
    expect(await failedJobs.retry('halopsa-999')).toBe('not-found');
    expect(await queue.queue.getJobCounts('waiting', 'failed')).toEqual({ waiting: 1, failed: 0 });

    // The worker that picks it up: the reset itself must not run again, only the hand-off.
    const calls: string[] = [];
    const useCase = {
      async handle() {
        calls.push('handle');
        return { code: 'reset-delivered', handedOff: false };
      },
      async handOffAfterFailure(ctx: { journal: { progress: unknown } }, code: string) {
        calls.push(`hand-off:${code}`);
        expect(ctx.journal.progress).toEqual({ mfa: { results: [] }, sessionsRevoked: true });
        return { code, handedOff: true };
      },
    } as unknown as ResetUseCase;
    const { worker } = startTestResetWorker(space, useCase, 5000);
    await new Promise<void>((done) => worker.on('completed', () => done()));
    await worker.close();
    expect(calls).toEqual(['hand-off:automation-error']);
    await queue.close();
  }, 30_000);
});
