import type { PasswordFormat } from '../temporary-password.js';
import type { PsaKind } from './psa-port.js';
import type { RateWindow } from './record-ports.js';

/**
 * Who may ask for what, per customer (docs/policy.md explains each rule). The configuration holds and
 * validates the values (config/customer-settings.ts); the use case depends only on this shape, and the
 * composition root's wiring is where the compiler checks that the two agree.
 */
export interface ResetPolicy {
  /** How far up the requester may be in the target's manager chain: 1 = direct manager only. */
  managerChainDepth: number;
  /** Entra group (object id) whose members may ask for anyone in the tenant, besides the managers. */
  approverGroupId?: string;
  /** UPNs or object ids never reset automatically. */
  protectedUsers: string[];
  /** The portal form's "I have spoken to this person" field must be set. */
  requireAttestation: boolean;
  /** Accept requests that arrive by email (they always wait for the manager's confirmation). */
  allowEmailRequests: boolean;
  /** How long a manager has to confirm an email request before it goes to an engineer. */
  confirmationTtlMinutes: number;
  /** Hand off in a tenant without a PIM licence, where eligibility cannot be read at all. */
  requireEligibilityCheck: boolean;
  /** A ticket from a source no list classifies: the email checks, or an engineer. */
  unclassifiedRequests: 'verify-as-email' | 'hand-off';
  requesterLimit: RateWindow;
  customerLimit: RateWindow;
}

/**
 * How far the service acts for a customer: `on` works its tickets; `dry-run` decides as usual but changes
 * nothing in the tenant, keeps no link and writes nothing the customer sees (an internal note says what it
 * would have done, and the ticket goes to the engineers); `off` leaves its tickets alone.
 */
export type RolloutMode = 'off' | 'dry-run' | 'on';

/** One customer of the MSP: its PSA record, its Entra tenant, and what differs for it. */
export interface CustomerSettings {
  /** A short name for logs and notes, e.g. "contoso". */
  name: string;
  psa: PsaKind;
  /** The PSA's id of the customer (Halo client id, ConnectWise company id, Autotask company id). */
  psaCustomerId: string;
  /** The customer's Entra tenant id. */
  tenantId: string;
  secureLinkTtlHours?: number;
  secureLinkMaxViews?: number;
  /**
   * The PSA status this customer's ticket moves to once the staff member is back in (text, like every PSA id the
   * domain holds); pass it as `MoveOptions.resolvedStatusId`. Undefined: the PSA's configured resolved status.
   */
  resolvedStatusId?: string;
  /** On "this wasn't me" from the staff member, block sign-in besides revoking sessions (default false). */
  blockSignInOnDisavow?: boolean;
  policy?: Partial<ResetPolicy>;
  /** Overrides of the service-wide temporary password format. */
  passwordFormat?: Partial<PasswordFormat>;
  /** Overrides the service-wide roll-out mode. */
  mode?: RolloutMode;
  /** Temporary Access Pass for MFA recovery; absent or not `enabled`: no pass. */
  temporaryAccessPass?: TemporaryAccessPassSettings;
}

/** A customer's Temporary Access Pass setting (config/customer-settings.ts holds the defaults and bounds). */
export interface TemporaryAccessPassSettings {
  enabled: boolean;
  /** 10–43,200 minutes. */
  lifetimeMinutes: number;
  usableOnce: boolean;
  /**
   * The tenant's TAP policy refuses a pass: `hand-off` stops and hands the ticket to the engineers;
   * `open-registration` goes on without one (the staff member registers MFA at the next sign-in).
   */
  whenUnavailable: 'hand-off' | 'open-registration';
}

/**
 * The customers the service works for. Contract: the settings of a customer are those of the configuration
 * `find` returned it from, even when the configuration is replaced (reloaded) in between, so one run of a
 * job never mixes two configurations.
 */
export interface CustomerDirectory {
  /** The customer a PSA customer id belongs to, or undefined when the MSP has not mapped it. */
  find(psa: PsaKind, psaCustomerId: string): CustomerSettings | undefined;
  /** The customer's effective policy: the defaults with the customer's own settings on top. */
  policyFor(customer: CustomerSettings): ResetPolicy;
  /** The customer's temporary password format: the service-wide one with the customer's own on top. */
  passwordFormatFor(customer: CustomerSettings): PasswordFormat;
  /** The customer's roll-out mode: its own, else the service-wide default. */
  modeFor(customer: CustomerSettings): RolloutMode;
}
