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

/** A watch in progress, as the console lists it: the ticket, the staff member and the watch's clock. */
export interface WatchSummary {
  psa: string;
  ticketId: string;
  customer: string;
  target: string;
  resetAt: string;
  /** When the window ends and the ticket goes to the engineers unless the staff member is back in. */
  deadline: string;
  checks: number;
  /** When the next check runs (BullMQ's delayed time), when it is waiting. */
  nextCheckAt?: string;
}

/** Watches in progress (implemented in workers/aftercare-worker.ts). */
export interface WatchList {
  list(limit: number): Promise<WatchSummary[]>;
}

/** What the console reads and may do: each a narrow interface, wired in app/resetdesk.ts. */
export interface ConsoleSources {
  confirmations: PendingConfirmationReader;
  links: LiveLinkReader;
  handOffs: HandOffReader;
  failedJobs: FailedJobs;
  audit: ConsoleAudit;
  /** Watches in progress; none when the watch is off. */
  watches?: WatchList;
  /**
   * The queues bull-board shows (read-only), by name. The wiring decides which: a queue added later (e.g.
   * `aftercare`) is one more entry, and the "Watches" page lists it when it is there.
   */
  queues: Queue[];
}
