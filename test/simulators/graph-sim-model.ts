/**
 * The shapes a test seeds a simulated tenant with and reads back: users and their MFA methods, groups, app
 * grants, recorded requests, injected faults and the tenant builder.
 */
import type { SimMailboxAccess } from './graph-sim-mail.js';
import type { SimSignInActivity } from './graph-sim-sign-in.js';
import type { SimTapPolicy } from './graph-sim-tap.js';

/** An MFA method a simulated user has registered. `isDefault` is not visible through v1.0, as in Graph. */
export interface SimMethodSpec {
  '@odata.type': string;
  id: string;
  isDefault?: boolean;
  /** Extra properties returned in the list (phoneNumber, phoneType, displayName…). */
  [property: string]: unknown;
}

export interface SimUserSpec {
  id: string;
  userPrincipalName: string;
  displayName: string;
  mail?: string | null;
  accountEnabled?: boolean;
  /** null = cloud-only (Graph's value), false = formerly synced, true = synced. */
  onPremisesSyncEnabled?: boolean | null;
  onPremisesSamAccountName?: string | null;
  onPremisesDomainName?: string | null;
  onPremisesLastSyncDateTime?: string | null;
  onPremisesDistinguishedName?: string | null;
  givenName?: string | null;
  surname?: string | null;
  department?: string | null;
  managerId?: string;
  /** Display names of directory roles assigned to the user directly (active now). */
  activeRoles?: string[];
  /** Display names of roles the user is eligible to activate through PIM. */
  eligibleRoles?: string[];
  /** Ids of groups the user is a direct member of (in addition to groups that list the user as a member). */
  groups?: string[];
  methods?: SimMethodSpec[];
  /** Holds a role the app's User Administrator role cannot reset: PATCH passwordProfile gets 403. */
  privileged?: boolean;
  /** Per-user `passwordPolicies`, e.g. "DisableStrongPassword" (skips the complexity check). */
  passwordPolicies?: string;
  password?: string;
  /** `Member` (default) or `Guest` (an external B2B user). */
  userType?: 'Member' | 'Guest';
  /** A change at next sign-in is pending (what a reset with the flag leaves). */
  forceChangePasswordNextSignIn?: boolean;
  /** Admin-set alternate email addresses ("Alternate email" in Entra). */
  otherMails?: string[];
  /** `SMTP:primary@…` and `smtp:alias@…` entries; defaults to `SMTP:<mail>` when the user has a mail. */
  proxyAddresses?: string[];
  /** The last password change before the simulation starts (Graph's value; defaults to a creation time). */
  lastPasswordChangeDateTime?: string;
  /** Absent for a user who never signed in. */
  signInActivity?: SimSignInActivity;
  /** The user has an Exchange Online mailbox, and whether the app may send as it. */
  mailbox?: SimMailboxAccess;
}

/** The application permissions the README's Entra section asks for: what a consented app is granted by default. */
export const DEFAULT_APP_PERMISSIONS: readonly string[] = [
  'User.Read.All',
  'User-PasswordProfile.ReadWrite.All',
  'UserAuthenticationMethod.ReadWrite.All',
  'User.RevokeSessions.All',
  'GroupMember.Read.All',
  'RoleManagement.Read.Directory',
];

/** What admin consent (and the tenant's admins) gave an app in one tenant. */
export interface SimAppGrant {
  /** Application permissions granted by admin consent (the token's `roles`); default DEFAULT_APP_PERMISSIONS. */
  permissions?: readonly string[];
  /**
   * Directory roles assigned to the app's service principal: a role name (tenant-wide) or a role with its
   * directory scope (e.g. an administrative unit `/administrativeUnits/<id>`). Default: User Administrator.
   */
  directoryRoles?: ReadonlyArray<string | { role: string; scope: string }>;
}

/** A simulated user's state, as tests read it. */
export interface SimUserState extends SimUserSpec {
  password?: string;
  forceChangePasswordNextSignIn?: boolean;
  methods: SimMethodSpec[];
  sessionsRevokedAt?: Date;
  passwordChangedAt?: Date;
  /** How many times a password was set on the account (each PATCH the tenant accepted). */
  passwordChanges?: number;
}

/** A group of the simulated tenant. */
export interface SimGroupSpec {
  id: string;
  displayName: string;
  isAssignableToRole: boolean;
  /** Ids of member users and groups (nested groups are allowed, except inside a role-assignable group). */
  members: string[];
  /** Directory roles assigned to the group (only a role-assignable group may hold one). */
  activeRoles?: string[];
}

export interface RecordedRequest {
  kind: 'graph' | 'token' | 'metadata';
  method: string;
  /** Decoded path, version included: `/v1.0/users/abc`. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON (graph) or form fields (token, with client_secret replaced by "[redacted]"). */
  body: unknown;
  /** The raw Authorization header, if any. */
  authorization?: string;
  /** The tenant the bearer token was issued for (graph requests with a valid token). */
  tenantId?: string;
  /** The `ConsistencyLevel` request header, if any. */
  consistencyLevel?: string;
}

export interface FaultSpec {
  /** Matches any method when omitted. */
  method?: string;
  /** A string matches the decoded path (version included) exactly; a RegExp is tested against it. */
  pathPattern: string | RegExp;
  /** Answer with this status instead of handling the request. Omit to only delay. */
  status?: number;
  retryAfterSeconds?: number;
  /** A Retry-After header value used as is (e.g. an HTTP date). */
  retryAfter?: string;
  /** Response body; defaults to Graph's error envelope with a code matching the status. */
  body?: unknown;
  /** How many matching requests the fault applies to (default 1). */
  times?: number;
  /** Wait this long before answering (or before handling normally when no status is given). */
  delayMs?: number;
}

export interface TenantBuilder {
  readonly tenantId: string;
  /** Adds (or replaces) a user. */
  addUser(user: SimUserSpec): TenantBuilder;
  /**
   * Registers an app consented to in this tenant (so able to get tokens with a client secret), with what
   * consent granted and the directory roles of its service principal (see SimAppGrant for the defaults).
   */
  registerApp(clientId: string, clientSecret: string, grant?: SimAppGrant): TenantBuilder;
  /** Words (case-insensitive) that make a password fail the complexity check, like a custom banned list. */
  bannedPasswords(words: string[]): TenantBuilder;
  /** Adds (or replaces) a group. Throws for what Entra refuses: groups inside a role-assignable group, roles on others. */
  addGroup(group: SimGroupSpec): TenantBuilder;
  /**
   * Whether the tenant has Entra ID P2 / ID Governance (default true). Without it the PIM eligibility list
   * answers 400 `AadPremiumLicenseRequired`, as third-party reports of the live service show.
   */
  pimLicensed(licensed: boolean): TenantBuilder;
  /**
   * Whether the tenant has Entra ID P1 or P2 (default true). Without it a user GET selecting
   * `signInActivity` answers 403 `Authentication_RequestFromNonPremiumTenantOrB2CTenant`.
   */
  entraPremium(licensed: boolean): TenantBuilder;
  /** Whether the app may read sign-in activity (AuditLog.Read.All; default true). Without it: 403. */
  signInActivityReadable(readable: boolean): TenantBuilder;
  /** The Temporary Access Pass method policy (Entra's default, disabled, until set). Merged into the current one. */
  tapPolicy(policy: Partial<SimTapPolicy>): TenantBuilder;
  /** Server-side page size for lists (Graph's default is 100); small values exercise `@odata.nextLink`. */
  pageSize(size: number): TenantBuilder;
}
