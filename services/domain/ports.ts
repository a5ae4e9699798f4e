/**
 * The narrow interfaces the reset use case depends on. Each outside system (a PSA, Microsoft Graph, the
 * secure-link store) implements one of them in its own folder; no wire format crosses these types.
 *
 * Contract for every implementation: no method ever receives, returns, logs or stores a temporary password
 * except `Directory.resetPassword` (which sends it to the tenant) and `SecureLinkStore` (which keeps it
 * encrypted). Errors are thrown as the classes in `./errors.ts`, so the worker can tell retry from decide.
 */

export type PsaKind = 'halopsa' | 'connectwise' | 'autotask';

/** How the request reached the PSA. Decided by the adapter from the ticket's own source field. */
export type RequestChannel = 'portal' | 'email' | 'agent' | 'unknown';

/** The facts the service needs from a ticket, read through the PSA API (never from a webhook body). */
export interface ResetTicket {
  ticketId: string;
  /** The PSA's own id of the customer (Halo client id, ConnectWise company id, Autotask company id). */
  psaCustomerId: string;
  summary: string;
  /** True when the ticket is of the configured reset type. Nothing else about the ticket is acted on otherwise. */
  isResetRequest: boolean;
  channel: RequestChannel;
  /** The ticket's contact on file. `email` is the address the PSA holds for the contact, not one from the request. */
  requester: { contactId?: string; name?: string; email?: string };
  /** The staff member to reset, as typed in the form (UPN or email address); undefined when the field is empty. */
  targetIdentifier?: string;
  /** Whether to reset the password / remove MFA. Both true when the form carries neither field. */
  resetPassword: boolean;
  resetMfa: boolean;
  /**
   * The free text of the request (the email body for email-to-ticket, the ticket details otherwise), for
   * parsing what was asked. Never used to decide who asks or where anything is sent.
   */
  details?: string;
  /** For tickets created from an email: the addresses the PSA recorded on that message. */
  emailOrigin?: { from?: string; replyTo?: string };
  /** The form's "I have spoken to this person" field; undefined when the form has no such field. */
  attested?: boolean;
  /** The ticket's current status id in the PSA (as a string), e.g. to recognise "send back to resetdesk". */
  statusId?: string;
}

export type NoteVisibility = 'customer' | 'internal';

export interface TicketNote {
  /** Plain text; lines separated by "\n". Adapters render it in the PSA's format. Never holds a secret. */
  text: string;
  /** `customer`: visible to the contact and emailed to the contact on file. `internal`: engineers only. */
  visibility: NoteVisibility;
  /**
   * A short reference that appears in `text`. Lets a retry find out whether an earlier attempt to add this
   * very note reached the PSA before its answer was lost (see `PsaAdapter.hasNoteWithMarker`).
   */
  marker: string;
}

/** Where a ticket should go next, in the service's words; each adapter maps it to configured ids. */
export type TicketDisposition = 'awaiting-confirmation' | 'engineers';

export interface PsaAdapter {
  readonly kind: PsaKind;
  /** Reads the ticket and its contact on file. Returns null when the PSA does not know the ticket. */
  getTicket(ticketId: string): Promise<ResetTicket | null>;
  addNote(ticketId: string, note: TicketNote): Promise<void>;
  /** True when a note containing `marker` is already on the ticket. */
  hasNoteWithMarker(ticketId: string, marker: string): Promise<boolean>;
  /** Moves the ticket: sets the configured status and, for `engineers`, the configured team. */
  moveTicket(ticketId: string, disposition: TicketDisposition): Promise<void>;
}

/** A user in the customer's Entra tenant, as far as the service needs one. */
export interface DirectoryUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  mail?: string;
  /** Given name, surname and job title, when the lookup read them (lists of reports and members do). */
  givenName?: string;
  surname?: string;
  jobTitle?: string;
  department?: string;
  accountEnabled: boolean;
  /** True only when Graph says `onPremisesSyncEnabled: true`. */
  onPremisesSyncEnabled: boolean;
  onPremises?: {
    samAccountName?: string;
    domainName?: string;
    lastSyncDateTime?: string;
    distinguishedName?: string;
  };
}

/** The result of deleting one MFA method. `kind` is the Graph method type without namespace. */
export interface MfaMethodResult {
  kind: string;
  id: string;
  outcome: 'removed' | 'failed';
  /** Why a removal failed, in plain words (never a secret). */
  detail?: string;
}

/** One customer tenant's directory. Obtained per tenant from `DirectoryFactory`. */
export interface Directory {
  /** Users whose UPN or primary mail equals the address (case-insensitive). Empty when none. */
  findUsersByAddress(address: string): Promise<DirectoryUser[]>;
  /** The user's direct manager, or null when none is set. */
  getManager(userId: string): Promise<DirectoryUser | null>;
  /**
   * Sets a temporary password that must be changed at next sign-in.
   * Throws `DirectoryError` with reason `password-rejected` when the tenant refuses it for complexity.
   */
  resetPassword(userId: string, temporaryPassword: string): Promise<void>;
  /** Deletes every MFA method except the password, default method and mobile phone last; never throws for one method. */
  removeMfaMethods(userId: string): Promise<MfaMethodResult[]>;
  revokeSignInSessions(userId: string): Promise<void>;
  /**
   * Users whose display name, given name, surname, UPN or mail starts with `text` (every word of it), at most
   * `limit`. For resolving a partial name typed on a form; the text is escaped before it reaches OData.
   */
  searchUsersByName(text: string, limit: number): Promise<DirectoryUser[]>;
  /**
   * The people who report to the user, directly or through reports down to `depth` levels (the manager
   * chain seen from the top): whom the user may ask for as a manager. Throws when the list cannot be read
   * in full.
   */
  listReports(userId: string, depth: number): Promise<DirectoryUser[]>;
  /**
   * The tenant's enabled users, for a requester who may ask for anyone (a member of the approver group).
   * Throws when the tenant holds more than `limit` or the list cannot be read in full.
   */
  listMembers(limit: number): Promise<DirectoryUser[]>;
  /** The manager chain upward from the user, nearest first, at most `depth` long; stops at a user with none. */
  getManagerChain(userId: string, depth: number): Promise<DirectoryUser[]>;
  /** Whether the user is a member of the group, directly or through nested groups. */
  isMemberOfGroup(userId: string, groupId: string): Promise<boolean>;
  /** What makes an account privileged; eligibility the app may not read is `not-readable`, never "none". */
  getPrivileges(userId: string): Promise<DirectoryPrivileges>;
}

export interface DirectoryPrivileges {
  /** Display names of directory roles the user holds now (directly or through a role-assignable group). */
  activeRoles: string[];
  /** Display names of roles the user is eligible to activate through PIM. */
  eligibleRoles: string[];
  /**
   * Whether PIM eligibility was read: `read`; `no-pim-licence` when the tenant has no Entra ID P2 or
   * Governance licence (nobody can be eligible through PIM there); `not-readable` when the app may not read
   * it (a missing permission or consent) or the cloud does not offer it: unknown, never "none".
   */
  eligibility: 'read' | 'no-pim-licence' | 'not-readable';
  /** Why eligibility is not `read`, in Graph's words (for the engineer's note). */
  eligibilityProblem?: string;
  /** Display names of role-assignable groups the user is a member of. */
  roleAssignableGroups: string[];
}

export interface DirectoryFactory {
  forTenant(tenantId: string): Directory;
}

/** What the service knows about a stored link; never the secret. */
export interface SecureLink {
  url: string;
  /** Opaque token (its last path segment). Holding it is holding the link. */
  token: string;
  expiresAt: Date;
  /**
   * Non-secret reference of the link (sha256 of its lookup id, hex), when the store has one: names the
   * link's expiry job and its reporting record without holding the token.
   */
  ref?: string;
}

export interface SecureLinkOptions {
  ttlSeconds: number;
  maxViews: number;
  /** Non-secret context kept beside the ciphertext, for reporting views back to the ticket. */
  context: { psa: PsaKind; ticketId: string; correlationId: string };
}

export interface SecureLinkStore {
  create(secret: string, options: SecureLinkOptions): Promise<SecureLink>;
  /** Rebuilds the public URL of a token (for a retried write-back). */
  urlFor(token: string): string;
  /** Destroys a link so it can never be revealed (used when its password was superseded). */
  destroy(token: string): Promise<void>;
}

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
    targetDisplayName: string;
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
