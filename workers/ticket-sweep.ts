import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import type { RedisClient } from '../services/redis/redis-client.js';
import type { TicketLedger } from '../services/domain/ports.js';
import type { ResetOutcome } from '../services/domain/reset/reset-journal.js';
import type { Logger } from '../services/logging/logger.js';
import {
  closeOpenJob,
  dueOpenJobs,
  isChangingAccount,
  openJobsKeys,
  postponeOpenJob,
  type OpenJob,
} from './open-jobs-store.js';
import type { ResetJobData, ResetQueue } from './reset-queue.js';
import { reworkable } from './reset-worker.js';

/** Records looked at per sweep: a sweep stays a few Redis round trips however large a burst is. */
const BATCH = 200;

export interface TicketSweepOptions {
  /** The worker's connection (queues commands through a short Redis outage). */
  redis: RedisClient;
  prefix: string;
  queue: ResetQueue;
  ledger: TicketLedger;
  logger: Logger;
  /** How often a sweep runs; a record is looked at once it is this much past due. */
  intervalMs: number;
  /** The reset worker's way back to the hand-off path for a job BullMQ failed for good. */
  recoverFailedJob(job: Job<ResetJobData>, reason: string): Promise<void>;
}

export interface SweepReport {
  /** False when another process held the sweep (one at a time across the deployment). */
  ran: boolean;
  checked: number;
  requeued: number;
  handedOff: number;
  recovered: number;
  settled: number;
}

export interface TicketSweep {
  runOnce(): Promise<SweepReport>;
  stop(): Promise<void>;
}

/**
 * The workers' sweep: periodically, one process at a time, it settles every accepted job whose open-job
 * record (open-jobs-store.ts) is past due:
 * - still waiting, delayed or running: looked at again one interval later;
 * - completed: its record is closed (and a reworkable job removed) if the process that finished it stopped
 *   before doing so;
 * - failed for good in BullMQ: put back on its hand-off path;
 * - gone from Redis before its work reached the account: queued again under its id (the run reads the
 *   ticket ledger, so a ticket that had ended changes nothing);
 * - gone from Redis after its work reached the account: closed when the ticket ledger holds its outcome,
 *   otherwise handed to the engineers (`job-lost`), since its journal went with it.
 */
export function startTicketSweep(options: TicketSweepOptions): TicketSweep {
  const { redis, prefix, queue, ledger, logger, intervalMs } = options;
  const log = logger.child({ component: 'sweep' });
  const owner = randomUUID();
  const empty = (ran: boolean): SweepReport => ({
    ran,
    checked: 0,
    requeued: 0,
    handedOff: 0,
    recovered: 0,
    settled: 0,
  });

  async function settle(open: OpenJob, report: SweepReport, now: number): Promise<void> {
    const state = await queue.queue.getJobState(open.jobId);
    const correlationId = `${open.psa}-${open.ticketId}`;
    if (state === 'completed') {
      const job = await queue.queue.getJob(open.jobId);
      if (job && reworkable(job.returnvalue as ResetOutcome | undefined)) await job.remove();
      await closeOpenJob(redis, prefix, open);
      report.settled++;
      return;
    }
    if (state === 'failed') {
      const job = (await queue.queue.getJob(open.jobId)) as Job<ResetJobData> | undefined;
      if (job) {
        await options.recoverFailedJob(job, job.failedReason || 'failed');
        report.recovered++;
      }
      return;
    }
    if (state !== 'unknown') {
      await postponeOpenJob(redis, prefix, open, now);
      return;
    }
    if (await isChangingAccount(redis, prefix, open.jobId)) {
      // Its run wrote the ledger last: an outcome there means the job finished and only its tidying was cut.
      if (await ledger.get(open.psa, open.ticketId)) {
        await closeOpenJob(redis, prefix, open);
        report.settled++;
        return;
      }
      await queue.requeue(open.psa, open.ticketId, open.jobId, {
        code: 'job-lost',
        detail: 'the job vanished from Redis after its work on the account had begun',
        at: new Date(now).toISOString(),
      });
      report.handedOff++;
      log.error(
        { event: 'sweep.job-lost', correlationId, jobId: open.jobId },
        'job vanished after changing the account; handing the ticket to the engineers',
      );
      return;
    }
    await queue.requeue(open.psa, open.ticketId, open.jobId);
    report.requeued++;
    log.warn(
      { event: 'sweep.requeued', correlationId, jobId: open.jobId },
      'job vanished before changing anything; queued again',
    );
  }

  async function runOnce(): Promise<SweepReport> {
    const now = Date.now();
    // One process at a time: the lock lapses by itself, so a sweeper that stops holds nothing for long.
    const got = await redis.set(openJobsKeys(prefix).sweepLock, owner, 'PX', intervalMs, 'NX');
    if (got !== 'OK') return empty(false);
    const report = empty(true);
    const due = await dueOpenJobs(redis, prefix, now - intervalMs, BATCH);
    report.checked = due.length;
    for (const open of due) {
      try {
        await settle(open, report, now);
      } catch (err) {
        log.warn(
          { event: 'sweep.error', jobId: open.jobId, err: { message: (err as Error).message } },
          'could not settle an open job; the next sweep tries again',
        );
      }
    }
    if (report.requeued + report.handedOff + report.recovered + report.settled > 0) {
      log.info({ event: 'sweep.done', ...report }, 'sweep settled open jobs');
    }
    return report;
  }

  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = runOnce().catch((err: Error) =>
      log.warn({ event: 'sweep.error', err: { message: err.message } }, 'sweep skipped'),
    );
  }, intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
