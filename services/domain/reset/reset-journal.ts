import type { OutcomeCode } from '../outcome-codes.js';
import type {
  DirectoryUser,
  LedgerEntry,
  Logger,
  MfaMethodResult,
  OutcomeEventType,
  PsaKind,
} from '../ports.js';
import type { RequestSummary } from '../ticket-notes.js';

/**
 * What a ticket's job has done so far, saved after every side effect (in the job's data) so that a retry
 * resumes after the last completed step and never resets twice. Holds no secret: the secure-link token is
 * kept sealed with the server key (see TokenSealer) and dropped once the delivery note is on the ticket.
 */
export interface ResetProgress {
  decision?: {
    requester: { name?: string; email?: string };
    target: DirectoryUser;
    tenantId: string;
    customerName: string;
    /** The PSA's id of the customer (absent in journals written before it was recorded). */
    customerId?: string;
    request: RequestSummary;
    /** When the decision was taken, right before the first change to the account (ISO 8601 UTC). */
    decidedAt?: string;
  };
  mfa?: { results: MfaMethodResult[] };
  password?: {
    status: 'started' | 'done';
    sealedToken?: string;
    expiresAt?: string;
    /** How often the link may be opened (the customer's setting when it was made), for a late delivery. */
    maxViews?: number;
    /** When the link was stored, just before the password was set: what a later run compares the tenant with. */
    startedAt?: string;
  };
  /**
   * The Temporary Access Pass issued in this round: its method id and expiry, never the pass. A pass whose
   * link never reached the ticket is removed and issued again by a retry. `sealedToken` (and the link's
   * expiry and views) when the pass sits alone behind its own link (an MFA-only reset, or no password).
   */
  pass?: { id: string; expiresAt: string; sealedToken?: string; linkExpiresAt?: string; maxViews?: number };
  /** The tenant's TAP policy refused a pass and the customer's setting went on without one. */
  passUnavailable?: boolean;
  /** The internal note saying so. */
  passNote?: 'started' | 'done';
  sessionsRevoked?: boolean;
  customerNote?: 'started' | 'done';
  handOffNote?: 'started' | 'done';
  moved?: boolean;
  /** Which round of work this is: the first, or one an engineer asked for by sending the ticket back. */
  round?: 'first' | 'engineer-retry';
  /** What an earlier round already did (engineer retry): never done again. */
  carried?: { mfaRemoved?: boolean; passwordReset?: boolean; sessionsRevoked?: boolean };
  /** The follow-up of the delivered reset (the watch, the staff member's notice) was started. */
  aftercareStarted?: boolean;
  /** The notice to the staff member: when the reset was written back, and whether the notice is queued. */
  staffNotice?: { at: string; queued?: boolean };
  /** The request was counted against the requester's and the customer's budgets (once per ticket). */
  budgetTaken?: boolean;
  /**
   * The id of each outcome event this run published, saved before it is published: a retry publishes the
   * same id again, which the event queue and the receivers drop.
   */
  events?: Partial<Record<OutcomeEventType, string>>;
}

export interface ResetJournal {
  readonly progress: ResetProgress;
  save(patch: Partial<ResetProgress>): Promise<void>;
}

/** One run of a ticket's job, as the worker hands it to the use case. */
export interface ResetRequestContext {
  psa: PsaKind;
  ticketId: string;
  correlationId: string;
  journal: ResetJournal;
  logger: Logger;
}

export interface ResetOutcome {
  code: OutcomeCode;
  handedOff: boolean;
  delivered: boolean;
  /** Not final: the ticket waits for the requester (an answer, a confirmation); a later delivery goes on. */
  waiting?: boolean;
}

/**
 * The job's journal with one addition: `stage` records a step that guards no side effect of its own (nothing
 * happens between it and the next save), so it is written with the next `save` instead of on its own Redis
 * round trip. Reads see staged steps at once. Every save that guards a side effect stays a `save`, before or
 * after that effect; `flush` writes whatever is staged.
 */
export class StagingJournal implements ResetJournal {
  private staged: Partial<ResetProgress> | undefined;

  constructor(private readonly inner: ResetJournal) {}

  get progress(): ResetProgress {
    return this.staged ? { ...this.inner.progress, ...this.staged } : this.inner.progress;
  }

  stage(patch: Partial<ResetProgress>): void {
    this.staged = { ...this.staged, ...patch };
  }

  async save(patch: Partial<ResetProgress>): Promise<void> {
    const staged = this.staged;
    this.staged = undefined;
    await this.inner.save(staged ? { ...staged, ...patch } : patch);
  }

  async flush(): Promise<void> {
    if (this.staged) await this.save({});
  }
}

/** A run with its journal able to stage steps. */
export type StagedContext = ResetRequestContext & { journal: StagingJournal };

export function staged(request: ResetRequestContext): StagedContext {
  return { ...request, journal: new StagingJournal(request.journal) };
}

/** Outcomes that leave no record: the ticket may become a reset ticket later, or was never ours. */
export const UNRECORDED_OUTCOMES: ReadonlySet<OutcomeCode> = new Set<OutcomeCode>([
  'not-a-reset-ticket',
  'unknown-ticket',
  'already-handled',
  'customer-off',
]);

/**
 * The ticket ledger's last word on a ticket: how it ended, and what was done to the account in this round
 * and earlier ones (an engineer retry never repeats it). A password counts as done only once its link
 * reached the ticket: a password whose link never did is set again by an engineer retry.
 */
export function ledgerEntryOf(progress: ResetProgress, outcome: ResetOutcome): LedgerEntry {
  const passwordDelivered = progress.password?.status === 'done' && progress.customerNote === 'done';
  return {
    outcome: outcome.code,
    handedOff: outcome.handedOff,
    finishedAt: new Date().toISOString(),
    done: {
      mfaRemoved: Boolean(progress.mfa) || Boolean(progress.carried?.mfaRemoved),
      passwordReset: passwordDelivered || Boolean(progress.carried?.passwordReset),
      sessionsRevoked: Boolean(progress.sessionsRevoked) || Boolean(progress.carried?.sessionsRevoked),
    },
  };
}
