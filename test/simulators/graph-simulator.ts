import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simTls } from '../support/sim-tls.js';
import { matchesFilter, parseUserFilter, unsupportedInDefaultQuery } from './graph-sim-filter.js';
import { createHoldRegistry, type HoldSpec, type SimHold } from './sim-hold.js';
import { graphError, HttpAnswer } from './graph-sim-http.js';
import { sendMail, type SimMailboxAccess, type SimSentMail } from './graph-sim-mail.js';
import {
  registerMethod,
  signIn,
  signInActivityAccessRefusal,
  signInActivityRefusal,
  signInAndChangePassword,
  signInProperties,
  type SignInActivityAccess,
  type SimSignInActivity,
} from './graph-sim-sign-in.js';
import {
  createTemporaryAccessPass,
  DEFAULT_TAP_POLICY,
  TAP_TYPE,
  visibleTap,
  type SimTapPolicy,
} from './graph-sim-tap.js';

/**
 * An in-process HTTPS simulator of Entra ID's token endpoint (the MSAL client-credentials flow) and of the
 * Microsoft Graph calls resetdesk makes, with the failure modes documented in docs Microsoft Graph docs. The same origin
 * serves both, so `url` is used as Graph `baseUrl` and as `authorityHost`.
 *
 * Deliberately strict where a lenient fake would hide bugs: a user `$filter` accepts only well-formed `eq` and
 * `startswith` clauses with '' escaping, joined by `and`/`or`, within Entra's default-query limits
 * (graph-sim-filter.ts); filtering a membership list needs `ConsistencyLevel: eventual` and `$count=true`; a
 * user GET without `$select` omits the on-premises properties as Graph does; Graph calls need a bearer issued
 * for the tenant and for this origin's `/.default` scope.
 *
 * Tokens are JWT-shaped like Entra's app-only access tokens (v1.0 format, unsigned here): `tid`, `appid`, `oid`
 * (the app's service principal in that tenant), `idtyp: app`, and `roles` with the application permissions
 * admin consent granted in that tenant (omitted when none, as Entra omits it). An app that was never consented
 * to in a tenant has no service principal there: its token request fails with AADSTS700016, as in Entra. A
 * service principal's directory roles are listed by `GET /roleManagement/directory/roleAssignments`.
 */

export const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';
export const MOBILE_PHONE_ID = '3179e48a-750b-4051-897c-87b9720928f7';
export const ALTERNATE_MOBILE_PHONE_ID = 'b6332ec1-7057-4abe-9331-3d72feddfe41';
export const OFFICE_PHONE_ID = 'e37fc753-ff3b-4958-9484-eaa9425c82bc';

export const MESSAGES = {
  complexity:
    'The specified password does not comply with password complexity requirements. Please provide a different password.',
  synced:
    'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.',
  insufficientPrivileges: 'Insufficient privileges to complete the operation.',
  defaultMethod:
    'Cannot delete default method with other methods configured. Please change default method before deletion.',
  /** Not documented verbatim by Microsoft; the doc only says the mobile cannot go while an alternate exists. */
  mobileWithAlternate:
    'Cannot delete the mobile phone method while an alternate mobile phone method is registered. Delete the alternate mobile phone method first.',
  invalidFilter: 'Invalid filter clause',
  managerMissing:
    "Resource 'manager' does not exist or one of its queried reference-property objects are not present.",
  userMissing: (id: string) =>
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  /** Documented verbatim (aad-advanced-queries, "Error handling"). */
  searchNeedsEventual:
    "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
  /** The documented wording for `endsWith`, with the operator the request used. */
  advancedQueryRequired: (operator: string) =>
    `Operator '${operator}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information`,
  /** PIM on a tenant without Entra ID P2 / ID Governance (400 AadPremiumLicenseRequired). */
  pimUnlicensed: 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.',
  pageSize: (top: string) => `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`,
} as const;

/** Template ids of built-in Entra roles (also the ids of their role definitions). */
export const ROLE_TEMPLATE_IDS: Record<string, string> = {
  'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
  'Privileged Role Administrator': 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  'Privileged Authentication Administrator': '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  'User Administrator': 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  'Helpdesk Administrator': '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  'Authentication Administrator': 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  'Security Administrator': '194ae4cb-b126-40b2-bd5b-6091b380977d',
  'Exchange Administrator': '29232cdf-9323-42fd-ade2-1d097af3e4de',
  'Global Reader': 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
};

/** A GUID derived from `seed`, stable across runs (for ids recordings must match). */
export function stableGuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A role's template id: the built-in one, or a stable made-up one for other names. */
export function roleTemplateId(roleName: string): string {
  return ROLE_TEMPLATE_IDS[roleName] ?? stableGuid(`role-template:${roleName}`);
}

/** A GUID's 16 bytes in Microsoft's mixed-endian order (the first three groups little-endian). */
function guidBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
}

/**
 * The id Graph gives a role eligibility schedule instance: base64url of the role definition and principal
 * GUIDs, then "-1-e" (as in the documented example `8MYkhImhnkm70CbBdTyW1BbHHAdHgZdDpbqyEFlRzAs-1-e`).
 */
export function eligibilityInstanceId(roleDefinitionId: string, principalId: string): string {
  return `${Buffer.concat([guidBytes(roleDefinitionId), guidBytes(principalId)]).toString('base64url')}-1-e`;
}

/** When simulated eligibilities start (Graph reports the schedule's start). */
export const ELIGIBILITY_START = '2026-01-05T09:00:00Z';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

export interface GraphSimulator {
  /** https://127.0.0.1:PORT — Graph base URL and authority host. */
  readonly url: string;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[];
  /**
   * When each of `requests` arrived and when its answer was sent (`performance.now()`, same index): lets a
   * benchmark tell the simulator's time from its client's.
   */
  readonly arrivals: number[];
  readonly departures: number[];
  tenant(tenantId: string): TenantBuilder;
  registerApp(tenantId: string, clientId: string, clientSecret: string, grant?: SimAppGrant): void;
  /** The object id of an app's service principal in a tenant (the `oid` of its tokens). */
  servicePrincipalId(tenantId: string, clientId: string): string;
  /** A copy of a user's current state; undefined when unknown. */
  user(tenantId: string, userId: string): SimUserState | undefined;
  failNext(fault: FaultSpec): void;
  /** Holds matching Graph requests (or their answers) until the test lets them go (see sim-hold.ts). */
  hold(spec: HoldSpec): SimHold;
  /**
   * Answers every Graph call with a token of this tenant with `status` (429 with Retry-After, or a 5xx) until
   * called again without one: a throttling storm or an outage of one tenant.
   */
  storm(tenantId: string, answer?: { status: number; retryAfterSeconds?: number }): void;
  /** The staff member signs in successfully at `at` (now by default). */
  signsIn(tenantId: string, userId: string, at?: Date): void;
  /** The staff member signs in and sets a password of their own (a forced change at next sign-in). */
  signsInAndChangesPassword(tenantId: string, userId: string, at?: Date, password?: string): void;
  /** The staff member registers an authentication method at `at` (its registration time set where the type has one). */
  registersMethod(tenantId: string, userId: string, method: SimMethodSpec, at?: Date): void;
  /** Messages the tenant's mailboxes accepted through sendMail, oldest first. */
  sentMail(tenantId: string): SimSentMail[];
  /** A valid token for the tenant, for tests that call Graph directly. */
  issueToken(tenantId: string): string;
  /** Graph requests only, optionally for one tenant. */
  graphRequests(tenantId?: string): RecordedRequest[];
  close(): Promise<void>;
}

interface TenantState {
  signInAccess: SignInActivityAccess;
  tapPolicy: SimTapPolicy;
  outbox: SimSentMail[];
  users: Map<string, SimUserState>;
  groups: Map<string, SimGroupSpec>;
  apps: Map<string, SimApp>;
  banned: string[];
  pimLicensed: boolean;
  pageSize: number;
}

interface SimApp {
  secret: string;
  servicePrincipalId: string;
  permissions: string[];
  directoryRoles: Array<{ role: string; scope: string }>;
}

interface TokenGrant {
  tenantId: string;
  clientId: string;
  audience: string;
  expiresAt: number;
}

/** Entra's password rules for cloud accounts (Microsoft Graph docs). */
const ALLOWED_PASSWORD_CHARS = /^[A-Za-z0-9@#$%^&*\-_!+=[\]{}|\\:',.?/`~"();<> ]*$/;

export function checkPasswordComplexity(password: string, banned: readonly string[]): boolean {
  if (password.length < 8 || password.length > 256) return false;
  if (!ALLOWED_PASSWORD_CHARS.test(password)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes < 3) return false;
  const lower = password.toLowerCase();
  return !banned.some((word) => word !== '' && lower.includes(word.toLowerCase()));
}

type FilterClause = { property: string; value: string };

const FILTERABLE = new Set(['userPrincipalName', 'mail', 'id', 'displayName']);

/**
 * Parses `prop eq 'literal' [or prop eq 'literal']…`, with '' standing for a quote inside a literal. Returns
 * undefined for anything else, so an unescaped quote in a literal makes the whole filter invalid.
 */
export function parseSimpleFilter(filter: string): FilterClause[] | undefined {
  const clauses: FilterClause[] = [];
  let i = 0;
  const skipSpaces = (): void => {
    while (filter[i] === ' ') i++;
  };
  for (;;) {
    skipSpaces();
    const prop = /^[A-Za-z]+/.exec(filter.slice(i))?.[0];
    if (!prop || !FILTERABLE.has(prop)) return undefined;
    i += prop.length;
    if (filter[i] !== ' ') return undefined;
    skipSpaces();
    if (filter.slice(i, i + 2) !== 'eq' || filter[i + 2] !== ' ') return undefined;
    i += 2;
    skipSpaces();
    if (filter[i] !== "'") return undefined;
    i++;
    let value = '';
    for (;;) {
      if (i >= filter.length) return undefined;
      const ch = filter[i];
      if (ch === "'") {
        if (filter[i + 1] === "'") {
          value += "'";
          i += 2;
          continue;
        }
        i++;
        break;
      }
      value += ch;
      i++;
    }
    clauses.push({ property: prop, value });
    if (i >= filter.length) return clauses;
    if (filter[i] !== ' ') return undefined;
    skipSpaces();
    if (i >= filter.length) return clauses;
    if (filter.slice(i, i + 2) !== 'or' || filter[i + 2] !== ' ') return undefined;
    i += 2;
  }
}

/** Properties a user GET returns without $select (Graph's default set; no on-premises fields). */
const DEFAULT_USER_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];

/** Per-type method collections that take a DELETE (Microsoft Graph docs), and the type each holds. */
const METHOD_COLLECTIONS: Record<string, string> = {
  microsoftAuthenticatorMethods: 'microsoftAuthenticatorAuthenticationMethod',
  phoneMethods: 'phoneAuthenticationMethod',
  fido2Methods: 'fido2AuthenticationMethod',
  softwareOathMethods: 'softwareOathAuthenticationMethod',
  emailMethods: 'emailAuthenticationMethod',
  windowsHelloForBusinessMethods: 'windowsHelloForBusinessAuthenticationMethod',
  temporaryAccessPassMethods: 'temporaryAccessPassAuthenticationMethod',
  platformCredentialMethods: 'platformCredentialAuthenticationMethod',
  hardwareOathMethods: 'hardwareOathAuthenticationMethod',
  passwordlessMicrosoftAuthenticatorMethods: 'passwordlessMicrosoftAuthenticatorAuthenticationMethod',
  externalAuthenticationMethods: 'externalAuthenticationMethod',
};

const STATUS_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'Authorization_RequestDenied',
  404: 'Request_ResourceNotFound',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/** Not an answer: the connection is cut (a held request whose client went away, or a dropped hold). */
const DROPPED = new HttpAnswer(0);

function oauthError(status: number, error: string, description: string, errorCode: number): HttpAnswer {
  const traceId = randomUUID();
  return new HttpAnswer(status, {
    error,
    error_description: `AADSTS${errorCode}: ${description} Trace ID: ${traceId} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
    error_codes: [errorCode],
    timestamp: new Date().toISOString(),
    trace_id: traceId,
    correlation_id: randomUUID(),
  });
}

/** The object id of an app's service principal in a tenant: stable, so tests can name it. */
function servicePrincipalIdOf(tenantId: string, clientId: string): string {
  return stableGuid(`service-principal:${tenantId.toLowerCase()}:${clientId.toLowerCase()}`);
}

function simApp(tenantId: string, clientId: string, secret: string, grant: SimAppGrant = {}): SimApp {
  return {
    secret,
    servicePrincipalId: servicePrincipalIdOf(tenantId, clientId),
    permissions: [...(grant.permissions ?? DEFAULT_APP_PERMISSIONS)],
    directoryRoles: (grant.directoryRoles ?? ['User Administrator']).map((r) =>
      typeof r === 'string' ? { role: r, scope: '/' } : { ...r },
    ),
  };
}

/**
 * An access token shaped like Entra's app-only v1.0 tokens: header, claims, signature, base64url-encoded and
 * dot-separated. Unsigned (random bytes in the signature part): only this simulator ever checks it.
 */
function appToken(tenantId: string, clientId: string, audience: string, app: SimApp | undefined): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims: Record<string, unknown> = {
    aud: audience,
    iss: `https://sts.windows.net/${tenantId}/`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    appid: clientId,
    appidacr: '1',
    idp: `https://sts.windows.net/${tenantId}/`,
    idtyp: 'app',
    oid: app?.servicePrincipalId ?? servicePrincipalIdOf(tenantId, clientId),
    sub: app?.servicePrincipalId ?? servicePrincipalIdOf(tenantId, clientId),
    tid: tenantId,
    uti: randomBytes(16).toString('base64url'),
    ver: '1.0',
    ...(app && app.permissions.length > 0 ? { roles: [...app.permissions] } : {}),
  };
  return [
    encode({ typ: 'JWT', alg: 'RS256', kid: 'simulator' }),
    encode(claims),
    randomBytes(64).toString('base64url'),
  ].join('.');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Starts the simulator on an ephemeral port of 127.0.0.1. */
/** Load options for the benchmark (scripts/bench.ts). Additive: without them nothing changes. */
export interface GraphSimOptions {
  /** Added before every Graph answer, like a real round trip. */
  latencyMs?: number;
  /** A token bucket per tenant over Graph calls; beyond it: 429 with Retry-After (whole seconds). */
  perTenantRateLimit?: { ratePerSecond: number; burst: number };
  /** Called for every 429 the per-tenant limit sends. */
  onThrottle?: (tenantId: string) => void;
}

export async function startGraphSimulator(simOptions: GraphSimOptions = {}): Promise<GraphSimulator> {
  const tls = simTls();
  const tenants = new Map<string, TenantState>();
  const tokens = new Map<string, TokenGrant>();
  const requests: RecordedRequest[] = [];
  const arrivals: number[] = [];
  const departures: number[] = [];
  const indexOf = new WeakMap<IncomingMessage, number>();
  const record = (req: IncomingMessage, r: RecordedRequest) => {
    indexOf.set(req, requests.length);
    requests.push(r);
    arrivals.push(performance.now());
  };
  const buckets = new Map<string, { tokens: number; at: number }>();
  /** `simOptions.perTenantRateLimit`: undefined when the call may go, else the 429 to send. */
  const throttle = (tenantId: string): HttpAnswer | undefined => {
    const limit = simOptions.perTenantRateLimit;
    if (!limit) return undefined;
    const now = Date.now();
    const b = buckets.get(tenantId) ?? { tokens: limit.burst, at: now };
    b.tokens = Math.min(limit.burst, b.tokens + ((now - b.at) * limit.ratePerSecond) / 1000);
    b.at = now;
    buckets.set(tenantId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    simOptions.onThrottle?.(tenantId);
    const seconds = Math.max(1, Math.ceil((1 - b.tokens) / limit.ratePerSecond));
    return graphError(429, 'TooManyRequests', 'Too many requests. Please try again later.', {
      'Retry-After': String(seconds),
    });
  };
  const faults: Array<FaultSpec & { remaining: number }> = [];
  const holds = createHoldRegistry();
  const storms = new Map<string, { status: number; retryAfterSeconds?: number }>();
  let url = '';

  const tenantState = (tenantId: string): TenantState => {
    const key = tenantId.toLowerCase();
    let state = tenants.get(key);
    if (!state) {
      state = {
        users: new Map(),
        groups: new Map(),
        apps: new Map(),
        banned: [],
        pimLicensed: true,
        pageSize: 100,
        signInAccess: { entraPremium: true, readable: true },
        tapPolicy: { ...DEFAULT_TAP_POLICY },
        outbox: [],
      };
      tenants.set(key, state);
    }
    return state;
  };

  const findUser = (tenant: TenantState, idOrUpn: string): SimUserState | undefined => {
    const direct = tenant.users.get(idOrUpn);
    if (direct) return direct;
    const lower = idOrUpn.toLowerCase();
    return [...tenant.users.values()].find(
      (u) => u.userPrincipalName.toLowerCase() === lower || u.id.toLowerCase() === lower,
    );
  };

  const projectUser = (
    user: SimUserState,
    select: string[] | undefined,
    all = false,
  ): Record<string, unknown> => {
    const full: Record<string, unknown> = {
      id: user.id,
      businessPhones: [],
      displayName: user.displayName,
      givenName: user.givenName ?? null,
      jobTitle: null,
      mail: user.mail ?? null,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: null,
      surname: user.surname ?? null,
      userPrincipalName: user.userPrincipalName,
      department: user.department ?? null,
      accountEnabled: user.accountEnabled ?? true,
      onPremisesSyncEnabled: user.onPremisesSyncEnabled ?? null,
      onPremisesSamAccountName: user.onPremisesSamAccountName ?? null,
      onPremisesDomainName: user.onPremisesDomainName ?? null,
      onPremisesLastSyncDateTime: user.onPremisesLastSyncDateTime ?? null,
      onPremisesDistinguishedName: user.onPremisesDistinguishedName ?? null,
      ...signInProperties(user),
    };
    if (all) return full;
    const keys = select ?? DEFAULT_USER_PROPERTIES;
    return Object.fromEntries(keys.filter((k) => k in full).map((k) => [k, full[k]]));
  };

  const selectOf = (query: Record<string, string>): string[] | undefined =>
    query.$select ? query.$select.split(',').map((s) => s.trim()) : undefined;

  const context = (version: string, fragment: string): string => `${url}/${version}/$metadata#${fragment}`;

  // ---- Entra ---------------------------------------------------------------------------------------------
  const handleEntra = (
    method: string,
    segments: string[],
    form: Record<string, string>,
  ): HttpAnswer | undefined => {
    const [tenantId, a, b, c, d] = segments;
    if (!tenantId) return undefined;
    const tenant = tenants.get(tenantId.toLowerCase());
    if (
      method === 'GET' &&
      a === 'v2.0' &&
      b === '.well-known' &&
      c === 'openid-configuration' &&
      d === undefined
    ) {
      if (!tenant) {
        return oauthError(
          400,
          'invalid_tenant',
          `Tenant '${tenantId}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
          90002,
        );
      }
      return new HttpAnswer(200, {
        token_endpoint: `${url}/${tenantId}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: [
          'client_secret_post',
          'private_key_jwt',
          'client_secret_basic',
        ],
        jwks_uri: `${url}/${tenantId}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${url}/${tenantId}/v2.0`,
        request_uri_parameter_supported: false,
        authorization_endpoint: `${url}/${tenantId}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${url}/${tenantId}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${url}/${tenantId}/oauth2/v2.0/logout`,
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
      });
    }
    if (method === 'POST' && a === 'oauth2' && b === 'v2.0' && c === 'token' && d === undefined) {
      if (!tenant) return oauthError(400, 'invalid_request', `Tenant '${tenantId}' not found.`, 90002);
      if (form.grant_type !== 'client_credentials') {
        return oauthError(
          400,
          'unsupported_grant_type',
          'The provided value for the input parameter grant_type is not valid.',
          70003,
        );
      }
      const clientId = form.client_id ?? '';
      const app = tenant.apps.get(clientId);
      if (app === undefined) {
        return oauthError(
          400,
          'unauthorized_client',
          `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
          700016,
        );
      }
      if (form.client_secret === undefined || form.client_secret !== app.secret) {
        return oauthError(
          401,
          'invalid_client',
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
          7000215,
        );
      }
      const scope = form.scope ?? '';
      const defaultScope = scope.split(' ').find((s) => s.endsWith('/.default'));
      if (!defaultScope) {
        return oauthError(
          400,
          'invalid_scope',
          `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
          1002012,
        );
      }
      const audience = defaultScope.slice(0, -'/.default'.length);
      const token = appToken(tenantId.toLowerCase(), clientId, audience, app);
      tokens.set(token, {
        tenantId: tenantId.toLowerCase(),
        clientId,
        audience,
        expiresAt: Date.now() + 3600_000,
      });
      return new HttpAnswer(200, {
        token_type: 'Bearer',
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: token,
      });
    }
    return undefined;
  };

  // ---- Graph ---------------------------------------------------------------------------------------------
  const handleGraph = (
    method: string,
    version: string,
    segments: string[],
    query: Record<string, string>,
    body: unknown,
    tenant: TenantState,
    consistencyLevel: string | undefined,
  ): HttpAnswer => {
    const segmentNotFound = (seg: string): HttpAnswer =>
      graphError(400, 'BadRequest', `Resource not found for the segment '${seg}'.`);
    const eventual = consistencyLevel?.toLowerCase() === 'eventual';
    if (segments[0] === 'roleManagement') return roleManagement(method, version, segments, query, tenant);
    if (segments[0] !== 'users') return segmentNotFound(segments[0] ?? '');

    if (segments.length === 1) {
      if (method !== 'GET')
        return graphError(
          405,
          'Request_BadRequest',
          'Specified HTTP method is not allowed for the request target.',
        );
      if (query.$search !== undefined) {
        if (!eventual) return graphError(400, 'Request_UnsupportedQuery', MESSAGES.searchNeedsEventual);
        return graphError(400, 'Request_UnsupportedQuery', 'The simulator does not implement $search.');
      }
      let users = [...tenant.users.values()];
      if (query.$filter !== undefined) {
        const tree = parseUserFilter(query.$filter);
        if (!tree) return graphError(400, 'BadRequest', MESSAGES.invalidFilter);
        const refused = unsupportedInDefaultQuery(tree);
        if (refused) return graphError(400, 'Request_UnsupportedQuery', refused);
        users = users.filter((u) => matchesFilter(projectUser(u, undefined, true), tree));
      }
      const select = selectOf(query);
      const refused = select?.includes('signInActivity')
        ? signInActivityAccessRefusal(tenant.signInAccess)
        : undefined;
      if (refused) return refused;
      return page(
        users.map((u) => projectUser(u, select)),
        { '@odata.context': context(version, select ? `users(${select.join(',')})` : 'users') },
        version,
        segments,
        query,
        tenant,
      );
    }

    const userKey = segments[1] ?? '';
    const user = findUser(tenant, userKey);
    if (!user) return graphError(404, 'Request_ResourceNotFound', MESSAGES.userMissing(userKey));
    const rest = segments.slice(2);

    if (rest.length === 0) {
      if (method === 'GET') {
        const select = selectOf(query);
        const refused = signInActivityRefusal(tenant.signInAccess, user, userKey, select);
        if (refused) return refused;
        // Documented answers selecting signInActivity carry the id even when it was not selected.
        const withId = select?.includes('signInActivity') ? { id: user.id } : {};
        return new HttpAnswer(200, {
          '@odata.context': context(version, select ? `users(${select.join(',')})/$entity` : 'users/$entity'),
          ...withId,
          ...projectUser(user, select),
        });
      }
      if (method === 'PATCH') return patchUser(user, body, tenant);
      if (method === 'DELETE')
        return graphError(403, 'Authorization_RequestDenied', MESSAGES.insufficientPrivileges);
      return graphError(
        405,
        'Request_BadRequest',
        'Specified HTTP method is not allowed for the request target.',
      );
    }

    if (rest[0] === 'manager' && rest.length === 1 && method === 'GET') {
      const manager = user.managerId ? tenant.users.get(user.managerId) : undefined;
      if (!manager) return graphError(404, 'Request_ResourceNotFound', MESSAGES.managerMissing);
      const select = selectOf(query);
      return new HttpAnswer(200, {
        '@odata.context': context(
          version,
          select ? `directoryObjects(${select.join(',')})/$entity` : 'directoryObjects/$entity',
        ),
        '@odata.type': '#microsoft.graph.user',
        ...projectUser(manager, select),
      });
    }

    // Direct reports (directoryObjects: users and org contacts; the cast keeps users only). Paged like every
    // list; $filter and $search need advanced queries, which the service does not send.
    if (rest[0] === 'directReports' && rest.length <= 2) {
      if (method !== 'GET')
        return graphError(
          405,
          'Request_BadRequest',
          'Specified HTTP method is not allowed for the request target.',
        );
      if (rest[1] !== undefined && rest[1] !== 'microsoft.graph.user') return segmentNotFound(rest[1]);
      if (query.$filter !== undefined || query.$search !== undefined)
        return graphError(400, 'Request_UnsupportedQuery', 'The simulator does not filter direct reports.');
      const select = selectOf(query);
      const reports = [...tenant.users.values()].filter((u) => u.managerId === user.id);
      // Cast to users, the type is the collection's own; uncast, each directoryObject names its type.
      const cast = rest[1] !== undefined;
      const entity = cast ? 'users' : 'directoryObjects';
      return page(
        reports.map((u) => ({
          ...(cast ? {} : { '@odata.type': '#microsoft.graph.user' }),
          ...projectUser(u, select),
        })),
        { '@odata.context': context(version, select ? `${entity}(${select.join(',')})` : entity) },
        version,
        segments,
        query,
        tenant,
      );
    }

    if (rest[0] === 'transitiveMemberOf' && rest.length <= 2) {
      if (method !== 'GET')
        return graphError(
          405,
          'Request_BadRequest',
          'Specified HTTP method is not allowed for the request target.',
        );
      return transitiveMemberOf(version, segments, rest[1], query, user, tenant, eventual);
    }

    if (rest[0] === 'checkMemberGroups' && rest.length === 1) {
      if (method !== 'POST')
        return graphError(
          405,
          'Request_BadRequest',
          'Specified HTTP method is not allowed for the request target.',
        );
      return checkMemberGroups(version, body, user, tenant);
    }

    if (rest[0] === 'revokeSignInSessions' && rest.length === 1) {
      if (method !== 'POST')
        return graphError(
          405,
          'Request_BadRequest',
          'Specified HTTP method is not allowed for the request target.',
        );
      user.sessionsRevokedAt = new Date();
      return new HttpAnswer(200, { '@odata.context': context(version, 'Edm.Boolean'), value: true });
    }

    if (rest[0] === 'sendMail' && rest.length === 1) {
      if (method !== 'POST')
        return graphError(405, 'ErrorInvalidRequest', 'The OData request is not supported.');
      return sendMail(body, user, tenant.outbox);
    }

    if (rest[0] === 'authentication' && rest[1] === 'temporaryAccessPassMethods' && rest.length === 2) {
      if (method !== 'POST')
        return graphError(405, 'badRequest', 'Specified HTTP method is not allowed for the request target.');
      return createTemporaryAccessPass(
        context(version, `users('${userKey}')/authentication/temporaryAccessPassMethods/$entity`),
        body,
        user,
        tenant.tapPolicy,
        groupsOf(user, tenant),
      );
    }

    if (rest[0] === 'authentication') return authentication(method, version, rest.slice(1), user, userKey);
    return segmentNotFound(rest[0] ?? '');
  };

  /**
   * One page of a list, Graph style: `$top` (1..999) or the tenant's page size per page, `@odata.nextLink` with
   * an opaque `$skiptoken` when more remain.
   */
  const page = (
    items: Record<string, unknown>[],
    annotations: Record<string, unknown>,
    version: string,
    segments: string[],
    query: Record<string, string>,
    tenant: TenantState,
  ): HttpAnswer => {
    let size = tenant.pageSize;
    if (query.$top !== undefined) {
      const top = /^\d+$/.test(query.$top) ? Number(query.$top) : NaN;
      if (!(top >= 1 && top <= 999))
        return graphError(400, 'Request_BadRequest', MESSAGES.pageSize(query.$top));
      size = top;
    }
    let offset = 0;
    if (query.$skiptoken !== undefined) {
      const decoded = /^skip:(\d+)$/.exec(Buffer.from(query.$skiptoken, 'base64url').toString('utf8'));
      if (!decoded) return graphError(400, 'Request_BadRequest', 'Invalid skip token.');
      offset = Number(decoded[1]);
    }
    const answer: Record<string, unknown> = { ...annotations };
    const end = offset + size;
    if (end < items.length) {
      const params = Object.entries(query)
        .filter(([key]) => key !== '$skiptoken')
        .map(([key, value]) => `${key}=${encodeURIComponent(value)}`);
      params.push(`$skiptoken=${Buffer.from(`skip:${end}`).toString('base64url')}`);
      answer['@odata.nextLink'] =
        `${url}/${version}/${segments.map((s) => encodeURIComponent(s)).join('/')}?${params.join('&')}`;
    }
    answer.value = items.slice(offset, end);
    return new HttpAnswer(200, answer);
  };

  /** Ids of the groups the user belongs to, directly or through nested groups. */
  const groupsOf = (user: SimUserState, tenant: TenantState): Set<string> => {
    const member = new Set<string>();
    for (const id of user.groups ?? []) if (tenant.groups.has(id)) member.add(id);
    for (const group of tenant.groups.values()) if (group.members.includes(user.id)) member.add(group.id);
    for (let grew = true; grew;) {
      grew = false;
      for (const group of tenant.groups.values()) {
        if (!member.has(group.id) && group.members.some((m) => member.has(m))) {
          member.add(group.id);
          grew = true;
        }
      }
    }
    return member;
  };

  /** Names of the directory roles the user holds now: its own and those of its role-assignable groups. */
  const rolesOf = (user: SimUserState, tenant: TenantState): string[] => {
    const names = new Set(user.activeRoles ?? []);
    for (const id of groupsOf(user, tenant)) {
      const group = tenant.groups.get(id);
      if (group?.isAssignableToRole) for (const role of group.activeRoles ?? []) names.add(role);
    }
    return [...names];
  };

  const directoryRoleObject = (name: string): Record<string, unknown> => ({
    '@odata.type': '#microsoft.graph.directoryRole',
    id: stableGuid(`directory-role:${name}`),
    deletedDateTime: null,
    description: null,
    displayName: name,
    roleTemplateId: roleTemplateId(name),
  });

  const groupObject = (group: SimGroupSpec): Record<string, unknown> => ({
    '@odata.type': '#microsoft.graph.group',
    id: group.id,
    deletedDateTime: null,
    description: null,
    displayName: group.displayName,
    groupTypes: [],
    isAssignableToRole: group.isAssignableToRole,
    mailEnabled: false,
    mailNickname: group.displayName.replace(/[^A-Za-z0-9]/g, ''),
    securityEnabled: true,
  });

  /**
   * `GET /users/{id}/transitiveMemberOf[/microsoft.graph.directoryRole|/microsoft.graph.group]`. A plain or cast
   * list works by default; `$filter`, `$search` and `$orderby` need `ConsistencyLevel: eventual` and
   * `$count=true`, and `$count=true` alone is ignored without the header (all documented). The only filter
   * simulated is `isAssignableToRole eq true|false` on the group cast.
   */
  const transitiveMemberOf = (
    version: string,
    segments: string[],
    cast: string | undefined,
    query: Record<string, string>,
    user: SimUserState,
    tenant: TenantState,
    eventual: boolean,
  ): HttpAnswer => {
    const advanced = eventual && query.$count === 'true';
    if (cast !== undefined && cast !== 'microsoft.graph.directoryRole' && cast !== 'microsoft.graph.group') {
      return graphError(400, 'BadRequest', `Resource not found for the segment '${cast}'.`);
    }
    if (query.$search !== undefined && !eventual)
      return graphError(400, 'Request_UnsupportedQuery', MESSAGES.searchNeedsEventual);
    if (query.$search !== undefined || query.$orderby !== undefined)
      return graphError(
        400,
        'Request_UnsupportedQuery',
        'The simulator does not implement $search or $orderby.',
      );
    let assignable: boolean | undefined;
    if (query.$filter !== undefined) {
      const match = /^isAssignableToRole eq (true|false)$/.exec(query.$filter);
      const operator = /\b(eq|ne|startswith|startsWith|endsWith|in)\b/.exec(query.$filter)?.[1] ?? 'eq';
      if (!advanced)
        return graphError(400, 'Request_UnsupportedQuery', MESSAGES.advancedQueryRequired(operator));
      if (!match || cast !== 'microsoft.graph.group') {
        return graphError(
          400,
          'Request_UnsupportedQuery',
          `Unsupported or invalid query filter clause specified for property '${/^[A-Za-z]+/.exec(query.$filter)?.[0] ?? ''}' of resource 'Group'.`,
        );
      }
      assignable = match[1] === 'true';
    }
    const groups = [...groupsOf(user, tenant)]
      .map((id) => tenant.groups.get(id)!)
      .filter((g) => assignable === undefined || g.isAssignableToRole === assignable);
    const roles = rolesOf(user, tenant).map(directoryRoleObject);
    let objects: Record<string, unknown>[];
    let entitySet: string;
    if (cast === 'microsoft.graph.directoryRole') {
      objects = roles;
      entitySet = 'directoryRoles';
    } else if (cast === 'microsoft.graph.group') {
      objects = groups.map(groupObject);
      entitySet = 'groups';
    } else {
      objects = [...groups.map(groupObject), ...roles];
      entitySet = 'directoryObjects';
    }
    const select = selectOf(query);
    const projected = objects.map((o) => {
      const keys = select ?? Object.keys(o).filter((k) => k !== '@odata.type');
      const picked = Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
      // A cast list holds one type, so its items carry no @odata.type; a mixed list says what each item is.
      return cast === undefined ? { '@odata.type': o['@odata.type'], ...picked } : picked;
    });
    const annotations: Record<string, unknown> = {
      '@odata.context': context(version, select ? `${entitySet}(${select.join(',')})` : entitySet),
    };
    if (advanced) annotations['@odata.count'] = projected.length;
    return page(projected, annotations, version, segments, query, tenant);
  };

  /** `POST /users/{id}/checkMemberGroups {"groupIds":[…]}`: the ids, of at most 20, the user is transitively in. */
  const checkMemberGroups = (
    version: string,
    body: unknown,
    user: SimUserState,
    tenant: TenantState,
  ): HttpAnswer => {
    const ids = (body as { groupIds?: unknown } | undefined)?.groupIds;
    if (!Array.isArray(ids) || !ids.every((id): id is string => typeof id === 'string')) {
      return graphError(400, 'Request_BadRequest', "Invalid value specified for property 'groupIds'.");
    }
    if (ids.length > 20)
      return graphError(400, 'Request_BadRequest', 'The number of group ids must not exceed 20.');
    const bad = ids.find((id) => !GUID.test(id));
    if (bad !== undefined) return graphError(400, 'Request_BadRequest', `Invalid GUID:${bad}`);
    const member = new Set([...groupsOf(user, tenant)].map((id) => id.toLowerCase()));
    return new HttpAnswer(200, {
      '@odata.context': context(version, 'Collection(Edm.String)'),
      value: ids.filter((id) => member.has(id.toLowerCase())),
    });
  };

  /**
   * `GET /roleManagement/directory/roleAssignments`, optionally with `$filter=principalId eq '…'`: the active
   * (direct) directory role assignments of users, role-assignable groups and apps' service principals, as
   * unifiedRoleAssignment objects (`roleDefinitionId` is the built-in role's template id).
   */
  const roleAssignments = (
    method: string,
    version: string,
    segments: string[],
    query: Record<string, string>,
    tenant: TenantState,
  ): HttpAnswer => {
    if (method !== 'GET')
      return graphError(405, 'BadRequest', 'Specified HTTP method is not allowed for the request target.');
    let principal: string | undefined;
    if (query.$filter !== undefined) {
      const tree = parseUserFilter(query.$filter);
      if (!tree || tree.kind !== 'eq' || tree.property !== 'principalId')
        return graphError(400, 'BadRequest', MESSAGES.invalidFilter);
      principal = tree.value.toLowerCase();
    }
    const held: Array<{ principalId: string; role: string; scope: string }> = [
      ...[...tenant.users.values()].flatMap((u) =>
        (u.activeRoles ?? []).map((role) => ({ principalId: u.id, role, scope: '/' })),
      ),
      ...[...tenant.groups.values()].flatMap((g) =>
        (g.activeRoles ?? []).map((role) => ({ principalId: g.id, role, scope: '/' })),
      ),
      ...[...tenant.apps.values()].flatMap((a) =>
        a.directoryRoles.map((r) => ({ principalId: a.servicePrincipalId, ...r })),
      ),
    ];
    const assignments = held
      .filter((h) => principal === undefined || h.principalId.toLowerCase() === principal)
      .map((h) => {
        const roleDefinitionId = roleTemplateId(h.role);
        return {
          id: `${Buffer.concat([guidBytes(roleDefinitionId), guidBytes(h.principalId)]).toString('base64url')}-1`,
          principalId: h.principalId,
          roleDefinitionId,
          directoryScopeId: h.scope,
        };
      });
    return page(
      assignments,
      { '@odata.context': context(version, 'roleManagement/directory/roleAssignments') },
      version,
      segments,
      query,
      tenant,
    );
  };

  /**
   * `GET /roleManagement/directory/roleEligibilityScheduleInstances`, optionally with
   * `$filter=principalId eq '…'` and `$expand=roleDefinition` / `roleDefinition($select=displayName)`.
   * Without a PIM licence: 400 `AadPremiumLicenseRequired`.
   */
  const roleManagement = (
    method: string,
    version: string,
    segments: string[],
    query: Record<string, string>,
    tenant: TenantState,
  ): HttpAnswer => {
    if (segments[1] === 'directory' && segments[2] === 'roleAssignments' && segments.length === 3) {
      return roleAssignments(method, version, segments, query, tenant);
    }
    if (
      segments[1] !== 'directory' ||
      segments[2] !== 'roleEligibilityScheduleInstances' ||
      segments.length !== 3
    )
      return graphError(400, 'BadRequest', `Resource not found for the segment '${segments.at(-1) ?? ''}'.`);
    if (method !== 'GET')
      return graphError(405, 'BadRequest', 'Specified HTTP method is not allowed for the request target.');
    if (!tenant.pimLicensed) return graphError(400, 'AadPremiumLicenseRequired', MESSAGES.pimUnlicensed);
    let principal: string | undefined;
    if (query.$filter !== undefined) {
      const tree = parseUserFilter(query.$filter);
      if (!tree || tree.kind !== 'eq' || tree.property !== 'principalId')
        return graphError(400, 'BadRequest', MESSAGES.invalidFilter);
      principal = tree.value.toLowerCase();
    }
    const expand = query.$expand;
    if (
      expand !== undefined &&
      expand !== 'roleDefinition' &&
      expand !== 'roleDefinition($select=displayName)'
    ) {
      return graphError(
        400,
        'BadRequest',
        `Parsing OData Select and Expand failed: Could not find a property named '${expand}'.`,
      );
    }
    const instances = [...tenant.users.values()]
      .filter((u) => principal === undefined || u.id.toLowerCase() === principal)
      .flatMap((u) =>
        (u.eligibleRoles ?? []).map((name) => {
          const definitionId = roleTemplateId(name);
          const instance: Record<string, unknown> = {
            id: eligibilityInstanceId(definitionId, u.id),
            principalId: u.id,
            roleDefinitionId: definitionId,
            directoryScopeId: '/',
            appScopeId: null,
            startDateTime: ELIGIBILITY_START,
            endDateTime: null,
            memberType: 'Direct',
            roleEligibilityScheduleId: stableGuid(`eligibility-schedule:${definitionId}:${u.id}`),
          };
          if (expand === 'roleDefinition($select=displayName)')
            instance.roleDefinition = { displayName: name };
          else if (expand === 'roleDefinition') {
            instance.roleDefinition = {
              id: definitionId,
              description: null,
              displayName: name,
              isBuiltIn: name in ROLE_TEMPLATE_IDS,
              isEnabled: true,
              templateId: definitionId,
              version: null,
            };
          }
          return instance;
        }),
      );
    const fragment =
      expand === 'roleDefinition($select=displayName)'
        ? 'roleManagement/directory/roleEligibilityScheduleInstances(roleDefinition(displayName))'
        : 'roleManagement/directory/roleEligibilityScheduleInstances';
    return page(
      instances,
      { '@odata.context': context(version, fragment) },
      version,
      segments,
      query,
      tenant,
    );
  };

  const patchUser = (user: SimUserState, body: unknown, tenant: TenantState): HttpAnswer => {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return graphError(400, 'BadRequest', 'Empty Payload. JSON content expected.');
    }
    const entries = Object.entries(body as Record<string, unknown>);
    for (const [key] of entries) {
      if (key !== 'passwordProfile' && key !== 'accountEnabled')
        return graphError(400, 'Request_BadRequest', `Invalid property '${key}'.`);
    }
    const { accountEnabled } = body as { accountEnabled?: unknown };
    if (accountEnabled !== undefined && typeof accountEnabled !== 'boolean') {
      return graphError(400, 'BadRequest', "Cannot convert the literal to the expected type 'Edm.Boolean'.");
    }
    if (!('passwordProfile' in body)) {
      // accountEnabled is mastered on-premises for a synced user, and an admin's needs a privileged role.
      if (user.privileged)
        return graphError(403, 'Authorization_RequestDenied', MESSAGES.insufficientPrivileges);
      if (user.onPremisesSyncEnabled === true) return graphError(400, 'Request_BadRequest', MESSAGES.synced);
      user.accountEnabled = accountEnabled as boolean;
      return new HttpAnswer(204);
    }
    const profile = (body as { passwordProfile?: unknown }).passwordProfile;
    if (!profile || typeof profile !== 'object')
      return graphError(
        400,
        'Request_BadRequest',
        "Invalid value specified for property 'passwordProfile' of resource 'User'.",
      );
    const p = profile as Record<string, unknown>;
    for (const key of Object.keys(p)) {
      if (
        !['password', 'forceChangePasswordNextSignIn', 'forceChangePasswordNextSignInWithMfa'].includes(key)
      ) {
        return graphError(
          400,
          'BadRequest',
          `The property '${key}' does not exist on type 'microsoft.graph.passwordProfile'. Make sure to only use property names that are defined by the type.`,
        );
      }
    }
    if (typeof p.password !== 'string')
      return graphError(
        400,
        'Request_BadRequest',
        "Invalid value specified for property 'passwordProfile' of resource 'User'.",
      );
    if (
      p.forceChangePasswordNextSignIn !== undefined &&
      typeof p.forceChangePasswordNextSignIn !== 'boolean'
    ) {
      return graphError(400, 'BadRequest', "Cannot convert the literal to the expected type 'Edm.Boolean'.");
    }
    if (user.privileged)
      return graphError(403, 'Authorization_RequestDenied', MESSAGES.insufficientPrivileges);
    if (user.onPremisesSyncEnabled === true) return graphError(400, 'Request_BadRequest', MESSAGES.synced);
    const strongPasswordDisabled = (user.passwordPolicies ?? '').includes('DisableStrongPassword');
    if (!strongPasswordDisabled && !checkPasswordComplexity(p.password, tenant.banned)) {
      return graphError(400, 'Request_BadRequest', MESSAGES.complexity);
    }
    user.password = p.password;
    user.forceChangePasswordNextSignIn = p.forceChangePasswordNextSignIn === true;
    user.passwordChangedAt = new Date();
    user.passwordChanges = (user.passwordChanges ?? 0) + 1;
    if (typeof accountEnabled === 'boolean') user.accountEnabled = accountEnabled;
    return new HttpAnswer(204);
  };

  const listedMethod = (m: SimMethodSpec): Record<string, unknown> => {
    if (m['@odata.type'] === TAP_TYPE) return visibleTap(m);
    const { isDefault: _isDefault, ...visible } = m;
    return visible;
  };

  const authentication = (
    method: string,
    version: string,
    rest: string[],
    user: SimUserState,
    userKey: string,
  ): HttpAnswer => {
    const withPassword = (): SimMethodSpec[] => [
      {
        '@odata.type': '#microsoft.graph.passwordAuthenticationMethod',
        id: PASSWORD_METHOD_ID,
        password: null,
        createdDateTime: '2024-01-01T00:00:00Z',
      },
      ...user.methods,
    ];
    const [collection, methodId, ref, extra] = rest;
    if (collection === 'methods') {
      if (methodId === undefined && method === 'GET') {
        return new HttpAnswer(200, {
          '@odata.context': context(version, `users('${userKey}')/authentication/methods`),
          value: withPassword().map(listedMethod),
        });
      }
      if (methodId !== undefined && method === 'DELETE') {
        // The generic DELETE exists for delegated callers only; an app-only token is refused.
        return graphError(403, 'accessDenied', 'Request Authorization failed');
      }
      if (methodId !== undefined && method === 'GET' && rest.length === 2) {
        const found = withPassword().find((m) => m.id === methodId);
        if (!found) return graphError(404, 'itemNotFound', 'Authentication method not found.');
        return new HttpAnswer(200, {
          '@odata.context': context(version, `users('${userKey}')/authentication/methods/$entity`),
          ...listedMethod(found),
        });
      }
      return graphError(405, 'badRequest', 'Specified HTTP method is not allowed for the request target.');
    }

    if (method !== 'DELETE')
      return graphError(405, 'badRequest', 'Specified HTTP method is not allowed for the request target.');

    let target: SimMethodSpec | undefined;
    if (collection === 'qrCodePinMethod' && rest.length === 1) {
      if (version !== 'beta')
        return graphError(400, 'BadRequest', "Resource not found for the segment 'qrCodePinMethod'.");
      target = user.methods.find(
        (m) => m['@odata.type'] === '#microsoft.graph.qrCodePinAuthenticationMethod',
      );
    } else {
      const type = collection === undefined ? undefined : METHOD_COLLECTIONS[collection];
      if (!type || methodId === undefined || extra !== undefined) {
        return graphError(400, 'BadRequest', `Resource not found for the segment '${collection ?? ''}'.`);
      }
      const isExternal = collection === 'externalAuthenticationMethods';
      if (isExternal !== (ref === '$ref'))
        return graphError(400, 'BadRequest', `Resource not found for the segment '${ref ?? methodId}'.`);
      target = user.methods.find((m) => m.id === methodId && m['@odata.type'] === `#microsoft.graph.${type}`);
    }
    if (!target) return graphError(404, 'itemNotFound', 'Authentication method not found.');
    const others = user.methods.filter((m) => m !== target);
    // The password method is always there and is not an MFA method: it does not keep a default method alive.
    const otherMfa = others.filter(
      (m) => m['@odata.type'] !== '#microsoft.graph.passwordAuthenticationMethod',
    );
    if (target.isDefault && otherMfa.length > 0) return graphError(400, 'badRequest', MESSAGES.defaultMethod);
    if (target.id === MOBILE_PHONE_ID && others.some((m) => m.id === ALTERNATE_MOBILE_PHONE_ID)) {
      return graphError(400, 'badRequest', MESSAGES.mobileWithAlternate);
    }
    user.methods = others;
    return new HttpAnswer(204);
  };

  const takeFault = (method: string, path: string): FaultSpec | undefined => {
    const index = faults.findIndex(
      (f) =>
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (typeof f.pathPattern === 'string' ? f.pathPattern === path : f.pathPattern.test(path)),
    );
    if (index < 0) return undefined;
    const fault = faults[index]!;
    fault.remaining--;
    if (fault.remaining <= 0) faults.splice(index, 1);
    return fault;
  };

  const faultAnswer = (fault: FaultSpec): HttpAnswer | undefined => {
    if (fault.status === undefined) return undefined;
    const headers: Record<string, string> = {};
    if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
    if (fault.retryAfter !== undefined) headers['Retry-After'] = fault.retryAfter;
    if (fault.body !== undefined) return new HttpAnswer(fault.status, fault.body, headers);
    const code = STATUS_CODES[fault.status] ?? 'UnknownError';
    const message =
      fault.status === 429
        ? 'Too many requests. Please try again later.'
        : fault.status >= 500
          ? 'The service is temporarily unavailable. Please try again later.'
          : 'Simulated failure.';
    return graphError(fault.status, code, message, headers);
  };

  const dispatch = async (req: IncomingMessage): Promise<HttpAnswer> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const parsed = new URL(req.url ?? '/', 'https://127.0.0.1');
    let path: string;
    try {
      path = decodeURIComponent(parsed.pathname);
    } catch {
      return graphError(400, 'BadRequest', 'The request URI is not valid.');
    }
    const query = Object.fromEntries(parsed.searchParams.entries());
    const rawBody = await readBody(req);
    // Segments are split on the raw path so an encoded '/' stays inside its segment.
    const segments = parsed.pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
    const authorization = req.headers.authorization;

    const isGraph = segments[0] === 'v1.0' || segments[0] === 'beta';
    if (!isGraph) {
      const form = Object.fromEntries(new URLSearchParams(rawBody).entries());
      const logged = { ...form };
      if ('client_secret' in logged) logged.client_secret = '[redacted]';
      if ('client_assertion' in logged) logged.client_assertion = '[redacted]';
      record(req, {
        kind: method === 'GET' ? 'metadata' : 'token',
        method,
        path,
        query,
        body: logged,
        authorization,
      });
      const fault = takeFault(method, path);
      if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      const injected = fault && faultAnswer(fault);
      if (injected) return injected;
      return (
        handleEntra(method, segments, form) ??
        new HttpAnswer(404, { error: 'not_found', error_description: `No such endpoint ${path}` })
      );
    }

    let body: unknown = undefined;
    if (rawBody !== '') {
      try {
        body = JSON.parse(rawBody);
      } catch {
        record(req, { kind: 'graph', method, path, query, body: rawBody, authorization });
        return graphError(
          400,
          'BadRequest',
          'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
        );
      }
    }
    const bearer = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const grant = bearer ? tokens.get(bearer) : undefined;
    const consistencyLevel = req.headers.consistencylevel;
    record(req, {
      kind: 'graph',
      method,
      path,
      query,
      body,
      authorization,
      tenantId: grant?.tenantId,
      consistencyLevel: typeof consistencyLevel === 'string' ? consistencyLevel : undefined,
    });

    const held = holds.gate(method, path, 'request', req);
    if (held && (await held) === 'drop') return DROPPED;
    const storm = grant && storms.get(grant.tenantId);
    if (storm) return faultAnswer({ ...storm, pathPattern: path })!;
    const fault = takeFault(method, path);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    const injected = fault && faultAnswer(fault);
    if (injected) return injected;
    if (simOptions.latencyMs) await new Promise((r) => setTimeout(r, simOptions.latencyMs));
    const limited = grant && throttle(grant.tenantId);
    if (limited) return limited;

    if (!bearer) return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    if (!grant || grant.expiresAt < Date.now()) {
      return graphError(
        401,
        'InvalidAuthenticationToken',
        'IDX14100: JWT is not well formed, there are no dots (.).',
      );
    }
    if (grant.audience !== url)
      return graphError(
        401,
        'InvalidAuthenticationToken',
        'Access token validation failure. Invalid audience.',
      );
    const tenant = tenants.get(grant.tenantId);
    if (!tenant) return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure.');
    return handleGraph(
      method,
      segments[0]!,
      segments.slice(1),
      query,
      body,
      tenant,
      typeof consistencyLevel === 'string' ? consistencyLevel : undefined,
    );
  };

  const respond = (res: ServerResponse, answer: HttpAnswer): void => {
    if (answer === DROPPED) {
      res.socket?.destroy();
      return;
    }
    const headers: Record<string, string> = { ...answer.headers };
    let payload: string | undefined;
    if (answer.body !== undefined && answer.status !== 204) {
      payload = JSON.stringify(answer.body);
      headers['Content-Type'] ??=
        'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
    }
    res.writeHead(answer.status, headers);
    res.end(payload);
  };

  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    res.on('finish', () => {
      const i = indexOf.get(req);
      if (i !== undefined) departures[i] = performance.now();
    });
    dispatch(req).then(
      async (answer) => {
        const held = holds.gate(
          req.method ?? 'GET',
          new URL(req.url ?? '/', 'https://x').pathname,
          'answer',
          req,
        );
        respond(res, held && (await held) === 'drop' ? DROPPED : answer);
      },
      (err: unknown) =>
        respond(res, graphError(500, 'InternalServerError', `Simulator error: ${String(err)}`)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** A seeded user's live state, for the verbs that play the staff member. */
  const seededUser = (tenantId: string, userId: string): SimUserState => {
    const found = tenants.get(tenantId.toLowerCase())?.users.get(userId);
    if (!found) throw new Error(`No user ${userId} in tenant ${tenantId}`);
    return found;
  };

  const builder = (tenantId: string): TenantBuilder => {
    const state = tenantState(tenantId);
    const b: TenantBuilder = {
      tenantId,
      addUser(spec) {
        state.users.set(spec.id, {
          ...clone(spec),
          accountEnabled: spec.accountEnabled ?? true,
          methods: clone(spec.methods ?? []),
        });
        return b;
      },
      registerApp(clientId, clientSecret, grant) {
        state.apps.set(clientId, simApp(tenantId, clientId, clientSecret, grant));
        return b;
      },
      bannedPasswords(words) {
        state.banned = [...words];
        return b;
      },
      addGroup(group) {
        if (group.isAssignableToRole && group.members.some((m) => state.groups.has(m))) {
          throw new Error(`A group cannot be a member of the role-assignable group ${group.displayName}`);
        }
        if (!group.isAssignableToRole && (group.activeRoles?.length ?? 0) > 0) {
          throw new Error(`Only a role-assignable group can hold roles (${group.displayName})`);
        }
        state.groups.set(group.id, clone(group));
        return b;
      },
      pimLicensed(licensed) {
        state.pimLicensed = licensed;
        return b;
      },
      entraPremium(licensed) {
        state.signInAccess.entraPremium = licensed;
        return b;
      },
      signInActivityReadable(readable) {
        state.signInAccess.readable = readable;
        return b;
      },
      tapPolicy(policy) {
        state.tapPolicy = { ...state.tapPolicy, ...structuredClone(policy) };
        return b;
      },
      pageSize(size) {
        state.pageSize = size;
        return b;
      },
    };
    return b;
  };

  return {
    get url() {
      return url;
    },
    requests,
    arrivals,
    departures,
    tenant: builder,
    registerApp(tenantId, clientId, clientSecret, grant) {
      tenantState(tenantId).apps.set(clientId, simApp(tenantId, clientId, clientSecret, grant));
    },
    servicePrincipalId(tenantId, clientId) {
      return servicePrincipalIdOf(tenantId, clientId);
    },
    user(tenantId, userId) {
      const u = tenants.get(tenantId.toLowerCase())?.users.get(userId);
      return u ? clone(u) : undefined;
    },
    failNext(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    hold: (spec) => holds.add(spec),
    storm(tenantId, answer) {
      if (answer) storms.set(tenantId.toLowerCase(), answer);
      else storms.delete(tenantId.toLowerCase());
    },
    signsIn(tenantId, userId, at = new Date()) {
      signIn(seededUser(tenantId, userId), at);
    },
    signsInAndChangesPassword(tenantId, userId, at = new Date(), password = 'Own#Passw0rd-2026') {
      signInAndChangePassword(seededUser(tenantId, userId), at, password);
    },
    registersMethod(tenantId, userId, method, at = new Date()) {
      registerMethod(seededUser(tenantId, userId), method, at);
    },
    sentMail(tenantId) {
      return clone(tenants.get(tenantId.toLowerCase())?.outbox ?? []);
    },
    issueToken(tenantId) {
      tenantState(tenantId);
      const token = appToken(tenantId.toLowerCase(), 'test', url, undefined);
      tokens.set(token, {
        tenantId: tenantId.toLowerCase(),
        clientId: 'test',
        audience: url,
        expiresAt: Date.now() + 3600_000,
      });
      return token;
    },
    graphRequests(tenantId) {
      return requests.filter(
        (r) => r.kind === 'graph' && (tenantId === undefined || r.tenantId === tenantId.toLowerCase()),
      );
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
