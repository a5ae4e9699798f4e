/**
 * The narrow interfaces the reset use case depends on. Each outside system (a PSA, Microsoft Graph, the
 * secure-link store) implements one of them in its own folder; no wire format crosses these types.
 *
 * Contract for every implementation: no method ever receives, returns, logs or stores a temporary password
 * except `Directory.resetPassword` (which sends it to the tenant) and `SecureLinkStore` (which keeps it
 * encrypted); no method ever logs, stores or puts in an error message a Temporary Access Pass, which only
 * `Directory.issueTemporaryAccessPass` returns. Errors are thrown as the classes in `./errors.ts`, so the
 * worker can tell retry from decide.
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
  /**
   * Deletes every MFA method except the password, default method and mobile phone last; never throws for one
   * method. A Temporary Access Pass already on the account is an MFA method like any other and is removed
   * too (it may not be ours): call this before `issueTemporaryAccessPass`, never after, and do not repeat it
   * once a pass was issued (a retry re-lists and removes what it finds).
   */
  removeMfaMethods(userId: string): Promise<MfaMethodResult[]>;
  revokeSignInSessions(userId: string): Promise<void>;
  /**
   * Blocks sign-in (`accountEnabled: false`): containment for a reset the staff member did not ask for. Pair it
   * with `revokeSignInSessions`, as blocking does not end sessions already open. Throws `DirectoryError`
   * with `synced-object` for a user synchronised from on-premises AD (block them there) and
   * `insufficient-privileges` for an account the app may not change.
   */
  blockSignIn(userId: string): Promise<void>;
  /**
   * What the directory can tell about the staff member being back in after a reset: the password's last
   * change and whether a change is still forced, the authentication methods registered now, and the last
   * successful sign-in where the tenant's licence allows reading it. Each part that could not be read says
   * so (`not-licensed`, `not-permitted`, `not-readable`) instead of failing the whole read, and nothing
   * that was not read is ever reported as seen. Throws only when the user cannot be read at all (not
   * found, throttled, the app's credential refused). Call it right after a reset for the baseline (see
   * services/domain/sign-in-evidence.ts) and later to compare.
   */
  readSignInState(userId: string): Promise<SignInState>;
  /**
   * The addresses an independent notice may go to: the admin-set alternate emails (`otherMails`), except
   * any that could be the reset mailbox itself. Never the user's mail, UPN or proxy addresses. Also left
   * out: an address on one of the account's own mail domains (the domain of its mail, UPN or any proxy
   * address, or a parent or subdomain of one), since an alias or a forwarding rule may deliver it to the
   * same mailbox, or to a mailbox whoever holds that account can also read. Comparison is
   * case-insensitive. When the proxy addresses cannot be read, every alternate address is left out.
   */
  notificationAddresses(userId: string): Promise<NotificationAddresses>;
  /**
   * Issues a Temporary Access Pass starting now (a user has one at most: this replaces any other). The
   * result holds the pass, a secret under the same rules as a temporary password. Throws `DirectoryError`
   * with `tap-not-allowed` when the tenant's TAP policy is off, leaves the user out or does not allow the
   * kind of pass asked for; `guest-user` for an external guest; `insufficient-privileges` for an account
   * the app may not change (an admin); `bad-request` for a lifetime outside 10–43,200 minutes or outside
   * the policy's bounds. A pass the tenant creates but reports unusable, or multi-use when a one-time pass
   * was asked for, is deleted again and reported as `tap-not-allowed`. No error ever holds the pass.
   */
  issueTemporaryAccessPass(
    userId: string,
    options: { lifetimeMinutes: number; usableOnce: boolean },
  ): Promise<IssuedTemporaryAccessPass>;
  /**
   * Deletes a Temporary Access Pass by its method id, e.g. one issued but never delivered. A pass already
   * gone (expired and cleaned up, replaced, removed by an admin) counts as removed.
   */
  removeTemporaryAccessPass(userId: string, passId: string): Promise<void>;
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

/** An authentication method registered on the account (the password method is never listed). */
export interface RegisteredMethod {
  /** The Graph method type without namespace, e.g. `microsoftAuthenticatorAuthenticationMethod`. */
  kind: string;
  /** The method's id: stable for the method's life (the three phone methods have fixed ids per phone type). */
  id: string;
  /** When the method was registered (ISO 8601 UTC), when the directory says; many kinds never do. */
  createdAt?: string;
}

/** Why a part of `SignInState` could not be read, in Graph's words (for the engineers' note). */
export interface UnreadPart {
  /**
   * `not-licensed`: the tenant has no Entra ID P1/P2 (sign-in activity only); `not-permitted`: the app lacks
   * the permission (any other 403); `not-readable`: any other refusal. All three mean "unknown".
   */
  state: 'not-licensed' | 'not-permitted' | 'not-readable';
  problem: string;
}

/** What `Directory.readSignInState` found. Nothing here is a secret. */
export interface SignInState {
  /** The user's object id (also when the read was asked for by UPN). */
  userId: string;
  /** When the reads were made, by this process's clock (ISO 8601 UTC). */
  readAt: string;
  password: {
    /**
     * `lastPasswordChangeDateTime`: the last change or reset by anyone (an admin reset is assumed to move it
     * too) or the account's creation. Undefined when the directory gave none.
     */
    lastChangedAt?: string;
    /**
     * `passwordProfile.forceChangePasswordNextSignIn`: `pending` when true; `not-pending` when false or when
     * the profile is null (the documented state without a pending change, but also what an app without
     * the permission to read it gets); `unknown` when the answer held neither.
     */
    forceChange: 'pending' | 'not-pending' | 'unknown';
  };
  /** The registered authentication methods, password excluded. */
  methods: { state: 'read'; items: RegisteredMethod[] } | UnreadPart;
  /**
   * `signInActivity.lastSuccessfulSignInDateTime` (read by object id). It may lag by hours (Microsoft: up to
   * 24), so its absence proves nothing. Undefined when none is recorded.
   */
  signIn: { state: 'read'; lastSuccessfulAt?: string } | UnreadPart;
}

/** Where an independent notice may go, and what was left out and why (for the engineers' note). */
export interface NotificationAddresses {
  /** Alternate addresses that are not the reset mailbox, as set by an admin, each once (case-insensitively). */
  independent: string[];
  /**
   * Alternate addresses left out: `own-address` (the account's mail, UPN or a proxy address), `same-domain`
   * (see `Directory.notificationAddresses`), `not-an-address` (not a plain email address; control characters
   * shown as "?"), `aliases-unknown` (the proxy addresses could not be read).
   */
  excluded: Array<{
    address: string;
    reason: 'own-address' | 'same-domain' | 'not-an-address' | 'aliases-unknown';
  }>;
}

/** A Temporary Access Pass just issued. `temporaryAccessPass` is a secret; the rest is not. */
export interface IssuedTemporaryAccessPass {
  /** The method id, for `removeTemporaryAccessPass`. */
  id: string;
  /** The pass itself. Same rules as a temporary password: the secure link only, never a log, note or job. */
  temporaryAccessPass: string;
  /** When it becomes usable and when it expires (ISO 8601 UTC). */
  startsAt: string;
  expiresAt: string;
  lifetimeMinutes: number;
  /** True when it works for one sign-in only (the tenant's policy may force this). */
  usableOnce: boolean;
}

export interface DirectoryFactory {
  forTenant(tenantId: string): Directory;
}

/**
 * A plain notice to a staff member. Never holds a password, a pass, or a link that reveals one; a one-time
 * "this wasn't me" link (which can only contain the account) may be in it.
 */
export interface NotificationMessage {
  /** The recipients, each a plain email address (at most 10). */
  to: string[];
  /** One line, no control characters, at most 255 characters. */
  subject: string;
  /** The plain-text body; sent when `html` is not given. */
  text: string;
  /** An HTML body; sent instead of `text` when given (a JSON message carries one body). */
  html?: string;
}

/**
 * Sends notices from a mailbox of the MSP's own tenant (never a customer's). Resolves when the mail service
 * accepted the message, which is not delivery. Throws `TransientError` for throttling and outages and
 * `NotificationError` for permanent refusals, with a reason that says what to fix.
 */
export interface NotificationMailer {
  send(message: NotificationMessage): Promise<void>;
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
