/** The customer's Entra tenant as the use case sees it: users, managers, privileges, resets, sign-in state. */

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
