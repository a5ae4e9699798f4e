import type { PsaKind } from './psa-port.js';
import type { DirectoryUser } from './directory-port.js';
/** What the service records outside a job: request budgets, confirmations, the ticket ledger. */

/** Per-requester and per-customer request budgets, shared by every worker process. */
export interface RequestRateLimiter {
  /**
   * Takes one request from both budgets; says which one is exhausted (then nothing is taken). A ticket is
   * counted once however many times it is evaluated (`ticketRef`).
   */
  take(
    customer: string,
    requesterEmail: string,
    limits: { requester: RateWindow; customer: RateWindow },
    ticketRef: string,
  ): Promise<'ok' | 'requester' | 'customer'>;
}

export interface RateWindow {
  count: number;
  windowMinutes: number;
}

/**
 * Exactly what a confirmation page asks the manager to confirm: who asks (their directory object id), for
 * whom, and which resets. A "yes" authorises this question and nothing else.
 */
export interface ConfirmationBinding {
  requesterId: string;
  targetId: string;
  resetPassword: boolean;
  resetMfa: boolean;
}

/**
 * The state of a ticket's confirmation as `ConfirmationGate.check` finds it:
 * - `none`: nothing asked in this round (or an earlier answer was already used: ask again);
 * - `pending` / `expired` / `denied`: asked; waiting, too late, or "this wasn't me";
 * - `confirmed`: confirmed for exactly the binding checked, and now spent (a second check finds `none`);
 * - `confirmed-other`: confirmed, but for another binding (the ticket changed after it was asked): spent
 *   too, and never a reset.
 */
export type ConfirmationStatus = 'none' | 'pending' | 'confirmed' | 'confirmed-other' | 'denied' | 'expired';

/**
 * The manager's confirmation of an email (or unclassified) request, through a one-time link the PSA mails to
 * the address on file. The decision is recorded outside the job, so a confirmation survives any number of
 * job runs, and it is used once.
 */
export interface ConfirmationGate {
  /** The ticket's confirmation state for `binding`; a matching "yes" is spent by this call. */
  check(psa: PsaKind, ticketId: string, binding: ConfirmationBinding): Promise<ConfirmationStatus>;
  /** Creates the link and marks the ticket pending for `binding`; the gate's owner schedules the expiry. */
  request(input: {
    psa: PsaKind;
    ticketId: string;
    correlationId: string;
    binding: ConfirmationBinding;
    /** Who the page names: full name, department and sign-in name, so the manager knows exactly whom. */
    target: Pick<DirectoryUser, 'displayName' | 'department' | 'userPrincipalName'>;
    /** Who asked: shown to the MSP's operators beside the pending confirmation, never on the page. */
    requester?: Pick<DirectoryUser, 'userPrincipalName'>;
    ttlMinutes: number;
  }): Promise<{ url: string; expiresAt: Date }>;
  /** Forgets the ticket's confirmation: an engineer sent the ticket back, and a new round asks again. */
  forget(psa: PsaKind, ticketId: string): Promise<void>;
}

/** How a ticket ended, kept beyond the job's life: the once-only record, and the base of an engineer retry. */
export interface LedgerEntry {
  outcome: string;
  handedOff: boolean;
  finishedAt: string;
  /** Side effects already done, carried into an engineer retry so they are not repeated. */
  done?: { mfaRemoved?: boolean; passwordReset?: boolean; sessionsRevoked?: boolean };
}

export interface TicketLedger {
  get(psa: PsaKind, ticketId: string): Promise<LedgerEntry | undefined>;
  record(psa: PsaKind, ticketId: string, entry: LedgerEntry): Promise<void>;
  clear(psa: PsaKind, ticketId: string): Promise<void>;
}
