import type { PsaKind } from './psa-port.js';

/** Telling the staff member that their password or MFA was reset, and their "this wasn't me" answer. */

/** What a "this wasn't me" link is bound to: the reset's ticket and the one account it may act on. */
export interface DisavowBinding {
  psa: PsaKind;
  ticketId: string;
  correlationId: string;
  /** The PSA's id of the customer and its Entra tenant, as the reset used them. */
  customerId: string;
  tenantId: string;
  /** The staff member's directory object id. */
  userId: string;
}

/**
 * One notice to send after a delivered reset. Nothing secret: no password, no pass, no link. `resetAt` with
 * psa and ticket names the reset, so a retried write-back schedules the same notice, not a second one.
 */
export interface StaffNoticeRequest extends DisavowBinding {
  /** The staff member's name and sign-in name. */
  staffName: string;
  staffSignInName: string;
  /** The staff member's own mail and UPN: never a recipient of the notice (they are the reset mailbox). */
  resetMailboxes: string[];
  /** The requester's name as on the ticket; undefined when the ticket names none. */
  requesterName?: string;
  passwordReset: boolean;
  mfaReset: boolean;
  /** When the reset was written back (ISO 8601 UTC). */
  resetAt: string;
}

/** Queues a notice; a request already queued (same psa, ticket and `resetAt`) is not queued again. */
export interface StaffNoticeScheduler {
  schedule(request: StaffNoticeRequest): Promise<void>;
}

/** Makes and removes "this wasn't me" links. The URL is a secret: it goes into the notice and nowhere else. */
export interface DisavowLinkIssuer {
  create(binding: DisavowBinding): Promise<{ url: string; ref: string; expiresAt: Date }>;
  /** Removes a link by its non-secret reference (a notice that was never sent). Unknown refs are ignored. */
  destroy(ref: string): Promise<void>;
}

/** A pressed "this wasn't me" button, as the page hands it to the queue. Nothing secret. */
export interface DisavowReport extends DisavowBinding {
  /** The link's non-secret reference (first 12 characters in notes and logs). */
  ref: string;
  reportedAt: string;
  ip?: string;
  userAgent?: string;
}

/**
 * What the disavow use case did: the hook point for anything that reports on it later (events, metrics).
 * `sessions` and `signIn` say what happened to the account; the ticket always goes to the engineers.
 */
export interface DisavowOutcome {
  code: 'staff-disavowed';
  ref: string;
  psa: PsaKind;
  ticketId: string;
  tenantId: string;
  userId: string;
  sessions: 'revoked' | 'failed' | 'not-attempted';
  /** `not-configured`: the customer's `blockSignInOnDisavow` is off; `synced-user`: block it on-premises. */
  signIn: 'blocked' | 'not-configured' | 'synced-user' | 'failed' | 'not-attempted';
  handedOff: true;
}
