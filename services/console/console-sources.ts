import type { Queue } from 'bullmq';
import type { PendingConfirmationReader } from '../confirmation/confirmation-store.js';
import type { HandOffReader } from '../policy/ticket-ledger.js';
import type { LiveLinkReader } from '../secure-link/live-link-reader.js';
import type { ConsoleAudit } from './console-audit.js';

/** A reset job BullMQ failed for good, as the console lists it: ids and step names only. */
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

/** Failed reset jobs, and the console's one way to put one back (implemented in workers/failed-jobs.ts). */
export interface FailedJobs {
  list(limit: number): Promise<FailedJobSummary[]>;
  /**
   * Puts the failed job back on its hand-off path under its own id and journal: never a fresh job, so
   * nothing that was done is done again. `not-failed` when it is not (or no longer) failed.
   */
  retry(jobId: string): Promise<RetryResult>;
}

/** What the console reads and may do: each a narrow interface, wired in app/resetdesk.ts. */
export interface ConsoleSources {
  confirmations: PendingConfirmationReader;
  links: LiveLinkReader;
  handOffs: HandOffReader;
  failedJobs: FailedJobs;
  audit: ConsoleAudit;
  /**
   * The queues bull-board shows (read-only), by name. The wiring decides which: a queue added later (e.g.
   * `aftercare`) is one more entry, and the "Watches" page lists it when it is there.
   */
  queues: Queue[];
}
