import type { PsaKind } from './psa-port.js';

/** After a delivered reset: watching until the staff member is back in, and the notice to them. */

/**
 * What the service keeps of a delivered reset to follow it up. Nothing secret: no password, pass or link.
 * Carried in queue data for up to the watch's window.
 */
export interface DeliveredReset {
  psa: PsaKind;
  ticketId: string;
  correlationId: string;
  tenantId: string;
  customerName: string;
  /** The customer's own resolved status (`CustomerSettings.resolvedStatusId`), when it has one. */
  resolvedStatusId?: string;
  target: { id: string; displayName: string; userPrincipalName: string };
  requesterName?: string;
  /** When the reset began, before its first change to the account (ISO 8601 UTC). */
  resetAt: string;
  passwordReset: boolean;
  mfaRemoved: boolean;
  /** A Temporary Access Pass was issued for registering MFA again. */
  passIssued: boolean;
}

/** Starts the follow-up of a delivered reset. Idempotent per ticket and reset: a second call changes nothing. */
export interface Aftercare {
  start(reset: DeliveredReset): Promise<void>;
}
