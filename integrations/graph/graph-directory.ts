import {
  ClientCertificateCredential,
  ClientSecretCredential,
  CredentialUnavailableError,
  type TokenCredential,
} from '@azure/identity';
import {
  Client,
  HTTPMessageHandler,
  ResponseType,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import type {
  Directory,
  DirectoryFactory,
  DirectoryPrivileges,
  DirectoryUser,
  MfaMethodResult,
} from '../../services/domain/ports.js';
import { DirectoryError, TransientError } from '../../services/domain/errors.js';
import type { Logger } from '../../services/logging/logger.js';
import {
  describeMethodFailure,
  isDefaultMethodRefusal,
  parseRetryAfter,
  readGraphErrorBody,
  translateGraphError,
  type GraphErrorInfo,
} from './graph-errors.js';
import { odataEq, odataString, pathSegment, queryString } from './odata.js';

/** How to reach Microsoft Graph and Entra ID, and who the app is. */
export interface GraphOptions {
  /** Graph root without version, e.g. https://graph.microsoft.com (or a national cloud, or a simulator). */
  baseUrl: string;
  /** Entra authority, e.g. https://login.microsoftonline.com. */
  authorityHost: string;
  clientId: string;
  /** Used only when `certificatePath` is not set. */
  clientSecret?: string;
  /** PEM file with the certificate and its private key; preferred over a secret. */
  certificatePath?: string;
  /** Per-request limit, token acquisition included. */
  timeoutMs: number;
  /** True for simulators and sovereign setups whose authority is not known to login.microsoft.com. */
  disableInstanceDiscovery: boolean;
}

/** The password method cannot be deleted; it is always skipped. */
const PASSWORD_METHOD_TYPE = '#microsoft.graph.passwordAuthenticationMethod';
/** Fixed ids of the phone methods (Microsoft Graph docs). */
export const MOBILE_PHONE_ID = '3179e48a-750b-4051-897c-87b9720928f7';
export const ALTERNATE_MOBILE_PHONE_ID = 'b6332ec1-7057-4abe-9331-3d72feddfe41';
export const OFFICE_PHONE_ID = 'e37fc753-ff3b-4958-9484-eaa9425c82bc';

const USER_SELECT = [
  'id',
  'userPrincipalName',
  'displayName',
  'mail',
  'accountEnabled',
  'onPremisesSyncEnabled',
  'onPremisesSamAccountName',
  'onPremisesDomainName',
  'onPremisesLastSyncDateTime',
  'onPremisesDistinguishedName',
].join(',');

/** What a name search selects: the lookup's fields plus the department, shown to whoever picks among matches. */
const SEARCH_SELECT = `${USER_SELECT},department`;
/** What a list of reports selects: a search's fields plus the names a request may call people by. */
const REPORTS_SELECT = `${SEARCH_SELECT},givenName,surname`;
/** Most reports read for one requester (all levels together); more and the list is refused as unreadable. */
export const MAX_REPORTS = 5000;

/** The user properties a typed name is matched against (each supports `startsWith` without advanced queries). */
const NAME_FIELDS = ['displayName', 'givenName', 'surname', 'userPrincipalName', 'mail'] as const;
/** Longest name text searched for; Graph refuses `startsWith` values over 120 characters. */
export const MAX_NAME_SEARCH_LENGTH = 100;
/**
 * Words sent to Graph in one name search. Entra refuses a filter whose tree is higher than 3 (`and` → `or` →
 * `startsWith` is 3) or an `or` with more than 15 children; 4 words of 5 fields stay well inside both. Further
 * words are applied to the returned users here, with the same rule.
 */
export const MAX_NAME_SEARCH_WORDS = 4;
/** Graph's page size limit for users. */
const MAX_TOP = 999;
/** The longest manager chain followed, whatever depth is asked for. */
const MAX_MANAGER_DEPTH = 25;
/** Pages followed through `@odata.nextLink` for one list before giving up. */
export const MAX_PAGES = 10;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a GUID in its usual 8-4-4-4-12 form. */
export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/** A method as listed by `GET /users/{id}/authentication/methods`. */
export interface ListedMethod {
  '@odata.type': string;
  id: string;
}

/**
 * Creates the Graph-backed `DirectoryFactory`. One credential and one Graph client per customer tenant, made on
 * first use and kept for the life of the process (the credential caches its token until shortly before expiry).
 *
 * The middleware chain is ours: a bearer-token middleware (the SDK's AuthenticationHandler drops the token for
 * hosts it does not know, which breaks national clouds behind proxies and simulators) followed by the SDK's
 * HTTPMessageHandler. There is no RetryHandler on purpose: retrying is the queue's job, so throttling and
 * outages surface at once as `TransientError` with the server's `Retry-After`.
 */
export function createGraphDirectoryFactory(options: GraphOptions, logger: Logger): DirectoryFactory {
  if (!options.certificatePath && !options.clientSecret) {
    throw new Error('Graph options need certificatePath or clientSecret');
  }
  const scope = `${new URL(options.baseUrl).origin}/.default`;
  const directories = new Map<string, GraphDirectory>();
  return {
    forTenant(tenantId: string): Directory {
      if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(tenantId)) {
        throw new DirectoryError('bad-request', 'The tenant id is not a GUID or domain name');
      }
      let directory = directories.get(tenantId);
      if (!directory) {
        const credentialOptions = {
          authorityHost: options.authorityHost,
          disableInstanceDiscovery: options.disableInstanceDiscovery,
        };
        const credential: TokenCredential = options.certificatePath
          ? new ClientCertificateCredential(
              tenantId,
              options.clientId,
              { certificatePath: options.certificatePath },
              credentialOptions,
            )
          : new ClientSecretCredential(
              tenantId,
              options.clientId,
              options.clientSecret ?? '',
              credentialOptions,
            );
        const client = Client.initWithMiddleware({
          baseUrl: options.baseUrl,
          defaultVersion: 'v1.0',
          middleware: [new BearerTokenMiddleware(credential, scope), new HTTPMessageHandler()],
        });
        directory = new GraphDirectory(
          client,
          options.baseUrl,
          tenantId,
          options.timeoutMs,
          logger.child({ tenantId, component: 'graph' }),
        );
        directories.set(tenantId, directory);
      }
      return directory;
    },
  };
}

/**
 * Carried through the middleware chain with each request so failures the SDK would flatten into a generic
 * GraphError (credential refusal, our own timeout) can still be told apart afterwards.
 */
class RequestTrace {
  timedOut = false;
  credentialError: unknown = undefined;
}

/** How long before a token's expiry it is no longer reused from this middleware's own cache. */
const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

/** Gets a token for the tenant from the credential and always sets `Authorization: Bearer`. */
class BearerTokenMiddleware implements Middleware {
  private next: Middleware | undefined;

  constructor(
    private readonly credential: TokenCredential,
    private readonly scope: string,
  ) {}

  /**
   * The last token, reused until its refresh time (or 5 minutes before expiry): asking the credential costs
   * a trip through MSAL's cache on every request, several milliseconds of CPU per reset.
   */
  private cached: { token: string; reuseUntil: number } | undefined;

  async execute(context: Context): Promise<void> {
    const trace = context.middlewareControl?.getMiddlewareOptions(RequestTrace) as RequestTrace | undefined;
    const options = (context.options ??= {});
    let token: string;
    if (this.cached && Date.now() < this.cached.reuseUntil) {
      token = this.cached.token;
    } else {
      try {
        const accessToken = await this.credential.getToken(this.scope, {
          abortSignal: options.signal ?? undefined,
        });
        if (!accessToken) throw new CredentialUnavailableError('The credential returned no token');
        token = accessToken.token;
        const reuseUntil = Math.min(
          accessToken.refreshAfterTimestamp ?? Infinity,
          accessToken.expiresOnTimestamp - TOKEN_REFRESH_MARGIN_MS,
        );
        this.cached = reuseUntil > Date.now() ? { token, reuseUntil } : undefined;
      } catch (err) {
        this.cached = undefined;
        if (trace) trace.credentialError = err;
        throw err;
      }
    }
    const headers = new Headers(options.headers as HeadersInit | undefined);
    headers.set('Authorization', `Bearer ${token}`);
    options.headers = headers;
    if (!this.next) throw new Error('BearerTokenMiddleware must not be last in the chain');
    await this.next.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

type Method = 'GET' | 'PATCH' | 'POST' | 'DELETE';

type CallResult = { ok: true; status: number; body: unknown } | { ok: false; info: GraphErrorInfo };

interface CallSpec {
  /** Plain words for messages: "look up the user". */
  operation: string;
  method: Method;
  /** Path under the version, starting with '/', every user-supplied segment already encoded. */
  path: string;
  body?: unknown;
  version?: 'v1.0' | 'beta';
  /** Extra request headers, e.g. `ConsistencyLevel: eventual` for advanced queries. */
  headers?: Record<string, string>;
}

/** The `Directory` of one customer tenant. */
class GraphDirectory implements Directory {
  constructor(
    private readonly client: Client,
    private readonly baseUrl: string,
    private readonly tenantId: string,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  async findUsersByAddress(address: string): Promise<DirectoryUser[]> {
    const operation = 'look up the user';
    const trimmed = address.trim();
    if (trimmed === '') return [];
    const filter = `${odataEq('userPrincipalName', trimmed)} or ${odataEq('mail', trimmed)}`;
    const result = await this.call({
      operation,
      method: 'GET',
      path: `/users${queryString({ $filter: filter, $select: USER_SELECT })}`,
    });
    const body = this.okBody(result, operation);
    const value = (body as { value?: unknown }).value;
    if (!Array.isArray(value)) throw this.malformed(operation);
    return value.flatMap((raw) => {
      const user = toDirectoryUser(raw);
      return user ? [user] : [];
    });
  }

  async getManager(userId: string): Promise<DirectoryUser | null> {
    const operation = "look up the user's manager";
    const result = await this.call({
      operation,
      method: 'GET',
      path: `/users/${pathSegment(userId)}/manager${queryString({ $select: USER_SELECT })}`,
    });
    // Graph answers 404 Request_ResourceNotFound ("Resource 'manager' does not exist…") when none is set.
    if (!result.ok && result.info.statusCode === 404) return null;
    const body = this.okBody(result, operation);
    const manager = toDirectoryUser(body);
    if (!manager) throw this.malformed(operation);
    return manager;
  }

  async resetPassword(userId: string, temporaryPassword: string): Promise<void> {
    const operation = 'reset the password';
    const result = await this.call({
      operation,
      method: 'PATCH',
      path: `/users/${pathSegment(userId)}`,
      body: { passwordProfile: { forceChangePasswordNextSignIn: true, password: temporaryPassword } },
    });
    if (result.ok) return;
    // Graph does not echo the password, but its message is the one place it could come back: blank it anyway.
    throw translateGraphError(result.info, operation, temporaryPassword);
  }

  /**
   * Deletes every MFA method except the password, through the per-type paths (the generic
   * `/authentication/methods/{id}` DELETE is delegated-only).
   *
   * Order: non-phone methods, then phones with the alternate mobile before the mobile (Graph refuses to delete
   * the mobile while an alternate exists). Graph does not say which method is the default in v1.0, so a method
   * refused with "Cannot delete default method with other methods configured" is retried once after all the
   * others are gone; a mobile refused because of the alternate is retried in the same pass.
   *
   * Failures: one method's refusal (400/403/…) is recorded as `failed` with a plain-words detail and the rest
   * continue; a method already gone (404) counts as removed. A throttle or outage (429/5xx/timeout), on the list
   * or on any DELETE, throws `TransientError`: the rest would almost certainly hit the same limit, and a retry
   * re-lists so it deletes only what remains, which makes the whole operation idempotent. An authentication
   * failure throws `DirectoryError('auth-failed')`, as it concerns the app, not the method.
   */
  async removeMfaMethods(userId: string): Promise<MfaMethodResult[]> {
    const user = pathSegment(userId);
    const listOperation = "list the user's MFA methods";
    const listed = await this.call({
      operation: listOperation,
      method: 'GET',
      path: `/users/${user}/authentication/methods`,
    });
    const body = this.okBody(listed, listOperation);
    const value = (body as { value?: unknown }).value;
    if (!Array.isArray(value)) throw this.malformed(listOperation);
    const methods = value.filter(isListedMethod).filter((m) => m['@odata.type'] !== PASSWORD_METHOD_TYPE);

    const results = new Map<ListedMethod, MfaMethodResult>();
    const retryLater: ListedMethod[] = [];
    for (const method of orderMethodsForRemoval(methods)) {
      const outcome = await this.deleteMethod(userId, method);
      if (outcome.retry) retryLater.push(method);
      results.set(method, outcome.result);
    }
    for (const method of orderMethodsForRemoval(retryLater)) {
      results.set(method, (await this.deleteMethod(userId, method)).result);
    }
    return [...results.values()];
  }

  async revokeSignInSessions(userId: string): Promise<void> {
    const operation = 'revoke sign-in sessions';
    // Documented as 204; the service answers 200 {"value":true}. Any 2xx is success.
    const result = await this.call({
      operation,
      method: 'POST',
      path: `/users/${pathSegment(userId)}/revokeSignInSessions`,
    });
    this.okBody(result, operation);
  }

  /**
   * Users matching a partial name typed on a form ("jo smi"): every word must be the start of the display name,
   * given name, surname, UPN or mail. One `GET /users?$filter=…&$select=…&$top=limit`, with `startsWith` (which
   * Entra supports on these five properties without advanced queries) rather than `$search`: the result is read
   * from the consistent store instead of the eventually-consistent index, the escaping is OData's ('' inside a
   * literal, done by `odataString`) rather than `$search`'s own quoting rules, and the match is prefix-only and
   * the same on every property, which the simulator can check strictly.
   *
   * Refused without a call (returns [], so the caller hands off): empty text, text over
   * `MAX_NAME_SEARCH_LENGTH` characters, text with control characters, more than `MAX_NAME_SEARCH_WORDS`
   * different words, and a limit below 1.
   */
  async searchUsersByName(text: string, limit: number): Promise<DirectoryUser[]> {
    const words = nameSearchWords(text);
    const top = Math.min(Math.floor(limit), MAX_TOP);
    if (!words || !(top >= 1)) return [];
    const operation = 'search users by name';
    const result = await this.call({
      operation,
      method: 'GET',
      path: `/users${queryString({ $filter: nameFilter(words), $select: SEARCH_SELECT, $top: String(top) })}`,
    });
    const value = (this.okBody(result, operation) as { value?: unknown }).value;
    if (!Array.isArray(value)) throw this.malformed(operation);
    return value.flatMap((raw) => {
      const user = toDirectoryUser(raw);
      return user ? [user] : [];
    });
  }

  /**
   * The people who report to the user, directly or down to `depth` levels, each once: `GET
   * /users/{id}/directReports/microsoft.graph.user` (users only, not contacts), paged, one manager at a time,
   * level by level. A list Graph cuts short, or more than `MAX_REPORTS` people, throws: a partial list could
   * make the wrong person look like the only match.
   */
  async listReports(userId: string, depth: number): Promise<DirectoryUser[]> {
    const operation = "list the user's reports";
    const levels = Math.min(Math.floor(depth), MAX_MANAGER_DEPTH);
    const found = new Map<string, DirectoryUser>();
    const seen = new Set([userId.toLowerCase()]);
    let managers = [userId];
    for (let level = 0; level < levels && managers.length > 0; level++) {
      const next: string[] = [];
      for (const manager of managers) {
        const listed = await this.listPages({
          operation,
          method: 'GET',
          path: `/users/${pathSegment(manager)}/directReports/microsoft.graph.user${queryString({
            $select: REPORTS_SELECT,
            $top: String(MAX_TOP),
          })}`,
        });
        if (!listed.ok) throw translateGraphError(listed.info, operation);
        if (listed.truncated) {
          throw new DirectoryError(
            'bad-request',
            `Could not ${operation}: Microsoft Graph cut the list short`,
          );
        }
        for (const raw of listed.items) {
          const user = toDirectoryUser(raw);
          if (!user) throw this.malformed(operation);
          if (seen.has(user.id.toLowerCase())) continue;
          seen.add(user.id.toLowerCase());
          found.set(user.id, user);
          next.push(user.id);
        }
        if (found.size > MAX_REPORTS) {
          throw new DirectoryError(
            'bad-request',
            `Could not ${operation}: more than ${MAX_REPORTS} people report to this user`,
          );
        }
      }
      managers = next;
    }
    return [...found.values()];
  }

  /**
   * Follows `GET /users/{id}/manager` upward, nearest manager first, until a user has none (404), `depth`
   * managers are found (at most `MAX_MANAGER_DEPTH`) or a manager already in the chain comes back (a cycle,
   * which Entra allows).
   */
  async getManagerChain(userId: string, depth: number): Promise<DirectoryUser[]> {
    const limit = Math.min(Math.floor(depth), MAX_MANAGER_DEPTH);
    const chain: DirectoryUser[] = [];
    const seen = new Set([userId.toLowerCase()]);
    let current = userId;
    while (chain.length < limit) {
      const manager = await this.getManager(current);
      if (!manager) break;
      if (seen.has(manager.id.toLowerCase()) || seen.has(manager.userPrincipalName.toLowerCase())) {
        this.logger.info({ op: 'follow the manager chain', length: chain.length }, 'manager chain loops');
        break;
      }
      seen.add(manager.id.toLowerCase());
      seen.add(manager.userPrincipalName.toLowerCase());
      chain.push(manager);
      current = manager.id;
    }
    return chain;
  }

  /** `POST /users/{id}/checkMemberGroups` with the one group: transitive, so nested groups count. */
  async isMemberOfGroup(userId: string, groupId: string): Promise<boolean> {
    const operation = 'check group membership';
    if (!isGuid(groupId)) {
      throw new DirectoryError('bad-request', `Could not ${operation}: the group id is not a GUID`);
    }
    const result = await this.call({
      operation,
      method: 'POST',
      path: `/users/${pathSegment(userId)}/checkMemberGroups`,
      body: { groupIds: [groupId] },
    });
    const value = (this.okBody(result, operation) as { value?: unknown }).value;
    if (!Array.isArray(value)) throw this.malformed(operation);
    return value.some((id) => typeof id === 'string' && id.toLowerCase() === groupId.toLowerCase());
  }

  /**
   * Active directory roles (held directly or through a role-assignable group), role-assignable groups, and
   * PIM-eligible roles. The first two throw on any failure, so an unreadable privilege is never reported as
   * "none". Eligibility a tenant without an Entra ID P2 / Governance licence cannot have comes back as
   * `no-pim-licence`; eligibility the app may not read (a missing permission or consent, an endpoint this
   * cloud does not offer) as `not-readable`, with Graph's reason: unknown, never "none".
   */
  async getPrivileges(userId: string): Promise<DirectoryPrivileges> {
    const user = pathSegment(userId);
    const rolesOperation = "list the user's directory roles";
    const groupsOperation = "list the user's role-assignable groups";

    // The three reads are independent: they go out together (one round of Graph latency instead of three),
    // and failures are reported in the same order as before: roles, then groups, then eligibility.
    const [rolesRead, groupsRead, eligibilityRead] = await Promise.allSettled([
      this.listPages({
        operation: rolesOperation,
        method: 'GET',
        path: `/users/${user}/transitiveMemberOf/microsoft.graph.directoryRole${queryString({
          $select: 'displayName,roleTemplateId',
        })}`,
      }),
      this.listPages({
        operation: groupsOperation,
        method: 'GET',
        path: `/users/${user}/transitiveMemberOf/microsoft.graph.group${queryString({
          $filter: 'isAssignableToRole eq true',
          $select: 'displayName,id',
          $count: 'true',
        })}`,
        // Filtering a cast membership list is an advanced query: the header and $count=true are both required.
        headers: { ConsistencyLevel: 'eventual' },
      }),
      this.eligibleRoles(userId),
    ]);

    const roles = this.fullList(settled(rolesRead), rolesOperation);
    const activeRoles = roles.map((raw) => {
      const r = asRecord(raw);
      const name = optionalString(r.displayName);
      // Without permission to read roles Graph returns them with only the id: still a role, so still listed.
      return (
        name ?? `directory role ${optionalString(r.roleTemplateId) ?? optionalString(r.id) ?? '(unnamed)'}`
      );
    });
    const groups = this.fullList(settled(groupsRead), groupsOperation);
    const roleAssignableGroups = groups.map((raw) => {
      const g = asRecord(raw);
      return optionalString(g.displayName) ?? `group ${optionalString(g.id) ?? '(unnamed)'}`;
    });
    const eligibility = settled(eligibilityRead);
    return {
      activeRoles: unique(activeRoles),
      eligibleRoles: unique(eligibility.roles),
      eligibility: eligibility.state,
      ...(eligibility.problem ? { eligibilityProblem: eligibility.problem } : {}),
      roleAssignableGroups: unique(roleAssignableGroups),
    };
  }

  /**
   * `GET /roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId eq '{id}'` with the role
   * names expanded. `principalId` is an object id (a GUID in Entra), so anything else (a UPN) is first resolved
   * with `GET /users/{id}?$select=id`.
   */
  private async eligibleRoles(
    userId: string,
  ): Promise<{ state: DirectoryPrivileges['eligibility']; roles: string[]; problem?: string }> {
    const operation = "list the user's PIM-eligible roles";
    const objectId = isGuid(userId) ? userId : await this.objectIdOf(userId);
    const listed = await this.listPages({
      operation,
      method: 'GET',
      path: `/roleManagement/directory/roleEligibilityScheduleInstances${queryString({
        $filter: odataEq('principalId', objectId),
        $expand: 'roleDefinition($select=displayName)',
      })}`,
    });
    const refusal = listed.ok ? undefined : eligibilityRefusal(listed.info);
    if (!listed.ok && refusal) {
      this.logger.info(
        { op: operation, status: listed.info.statusCode, code: listed.info.code, refusal },
        'PIM eligibility cannot be read in this tenant',
      );
      const problem = `Graph answered ${listed.info.statusCode}${listed.info.code ? ` ${listed.info.code}` : ''}`;
      return { state: refusal, roles: [], problem };
    }
    if (listed.ok && listed.truncated && listed.items.length === 0) {
      return { state: 'not-readable', roles: [], problem: 'Graph cut the eligibility list short' };
    }
    const items = this.fullList(listed, operation);
    const roles = items.map((raw) => {
      const instance = asRecord(raw);
      const name = optionalString(asRecord(instance.roleDefinition).displayName);
      return name ?? `role definition ${optionalString(instance.roleDefinitionId) ?? '(unnamed)'}`;
    });
    return { state: 'read', roles };
  }

  private async objectIdOf(userId: string): Promise<string> {
    const operation = 'look up the user';
    const result = await this.call({
      operation,
      method: 'GET',
      path: `/users/${pathSegment(userId)}${queryString({ $select: 'id' })}`,
    });
    const id = optionalString(asRecord(this.okBody(result, operation)).id);
    if (!id) throw this.malformed(operation);
    return id;
  }

  /**
   * Reads a list and follows `@odata.nextLink` for at most `MAX_PAGES` pages, with the same headers. A next link
   * must stay on the configured Graph root and version (the bearer token goes with it).
   */
  private async listPages(
    first: CallSpec,
  ): Promise<{ ok: true; items: unknown[]; truncated: boolean } | { ok: false; info: GraphErrorInfo }> {
    const items: unknown[] = [];
    let spec: CallSpec | undefined = first;
    for (let page = 0; spec && page < MAX_PAGES; page++) {
      const result = await this.call(spec);
      if (!result.ok) return result;
      const body = asRecord(result.body);
      if (!Array.isArray(body.value)) throw this.malformed(first.operation);
      items.push(...(body.value as unknown[]));
      const next = this.nextLinkPath(body['@odata.nextLink'], first);
      spec = next === undefined ? undefined : { ...first, path: next };
    }
    return { ok: true, items, truncated: spec !== undefined };
  }

  /** The items of a list read by `listPages`, or the translated error. A list cut off empty is unreadable. */
  private fullList(
    listed: { ok: true; items: unknown[]; truncated: boolean } | { ok: false; info: GraphErrorInfo },
    operation: string,
  ): unknown[] {
    if (!listed.ok) throw translateGraphError(listed.info, operation);
    if (listed.truncated) {
      // Every item found so far is a privilege, so a cut-off list still answers "privileged"; an empty one
      // answers nothing.
      if (listed.items.length === 0) {
        throw new DirectoryError(
          'bad-request',
          `Could not ${operation}: Microsoft Graph returned more than ${MAX_PAGES} pages without items`,
        );
      }
      this.logger.warn({ op: operation, pages: MAX_PAGES }, 'list cut off after the page limit');
    }
    return listed.items;
  }

  /** The path (under the version) of a next link, or undefined when there is none. */
  private nextLinkPath(link: unknown, spec: CallSpec): string | undefined {
    if (link === undefined || link === null) return undefined;
    const base = new URL(this.baseUrl);
    const prefix = `${base.pathname.replace(/\/+$/, '')}/${spec.version ?? 'v1.0'}/`;
    let url: URL | undefined;
    try {
      url = typeof link === 'string' ? new URL(link) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || url.origin !== base.origin || !url.pathname.startsWith(prefix) || url.hash !== '') {
      throw new DirectoryError(
        'bad-request',
        `Could not ${spec.operation}: Microsoft Graph sent a next-page link outside the configured Graph root`,
      );
    }
    return `/${url.pathname.slice(prefix.length)}${url.search}`;
  }

  private async deleteMethod(
    userId: string,
    method: ListedMethod,
  ): Promise<{ result: MfaMethodResult; retry: boolean }> {
    const kind = methodKind(method);
    const target = methodDeletePath(userId, method);
    if (!target) {
      return {
        result: {
          kind,
          id: method.id,
          outcome: 'failed',
          detail: 'this kind of method cannot be removed through Microsoft Graph',
        },
        retry: false,
      };
    }
    const operation = `remove the ${kind} MFA method`;
    const result = await this.call({
      operation,
      method: 'DELETE',
      path: target.path,
      version: target.version,
    });
    if (result.ok) return { result: { kind, id: method.id, outcome: 'removed' }, retry: false };
    const { info } = result;
    if (info.statusCode === 404) {
      return {
        result: { kind, id: method.id, outcome: 'removed', detail: 'it was already gone' },
        retry: false,
      };
    }
    const translated = translateGraphError(info, operation);
    if (translated instanceof TransientError) throw translated;
    if (translated.reason === 'auth-failed') throw translated;
    const retry =
      isDefaultMethodRefusal(info) ||
      (info.statusCode === 400 && kind === 'phoneAuthenticationMethod' && method.id === MOBILE_PHONE_ID);
    return { result: { kind, id: method.id, outcome: 'failed', detail: describeMethodFailure(info) }, retry };
  }

  private okBody(result: CallResult, operation: string): unknown {
    if (!result.ok) throw translateGraphError(result.info, operation);
    return result.body ?? {};
  }

  private malformed(operation: string): TransientError {
    return new TransientError(`Could not ${operation}: Microsoft Graph sent a response of unexpected shape`);
  }

  /**
   * One Graph request with the per-request timeout. Returns the parsed body or the error information; throws only
   * for failures that never reached a Graph answer (credential refusal, timeout, network).
   */
  private async call(spec: CallSpec): Promise<CallResult> {
    const trace = new RequestTrace();
    const controller = new AbortController();
    const timer = setTimeout(() => {
      trace.timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const started = Date.now();
    const logFields = { op: spec.operation, method: spec.method, version: spec.version ?? 'v1.0' };
    try {
      let raw: Response;
      try {
        const request = this.client
          .api(spec.path)
          .version(spec.version ?? 'v1.0')
          .responseType(ResponseType.RAW)
          .middlewareOptions([trace])
          .option('signal', controller.signal);
        if (spec.headers) request.headers(spec.headers);
        if (spec.method === 'GET') raw = (await request.get()) as Response;
        else if (spec.method === 'PATCH') raw = (await request.patch(spec.body)) as Response;
        else if (spec.method === 'POST') raw = (await request.post(spec.body)) as Response;
        else raw = (await request.delete()) as Response;
      } catch (err) {
        throw this.failureBeforeAnswer(err, trace, spec.operation);
      }
      let text: string;
      try {
        text = await raw.text();
      } catch (err) {
        throw this.failureBeforeAnswer(err, trace, spec.operation);
      }
      const body = parseJson(text);
      if (raw.status >= 200 && raw.status < 300) {
        this.logger.debug(
          { ...logFields, status: raw.status, ms: Date.now() - started },
          'graph call succeeded',
        );
        return { ok: true, status: raw.status, body };
      }
      const parsed = readGraphErrorBody(body);
      const info: GraphErrorInfo = {
        statusCode: raw.status,
        code: parsed.code,
        message: parsed.message,
        requestId: parsed.requestId ?? raw.headers.get('request-id') ?? undefined,
        retryAfterMs: parseRetryAfter(raw.headers.get('retry-after')),
      };
      this.logger.debug(
        {
          ...logFields,
          status: raw.status,
          code: info.code,
          requestId: info.requestId,
          ms: Date.now() - started,
        },
        'graph call refused',
      );
      return { ok: false, info };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Turns a failure with no HTTP answer into our error. Never keeps the raw error (it may hold the request). */
  private failureBeforeAnswer(err: unknown, trace: RequestTrace, operation: string): Error {
    if (trace.timedOut) {
      this.logger.debug({ op: operation, timeoutMs: this.timeoutMs }, 'graph call timed out');
      return new TransientError(
        `Could not ${operation}: Microsoft Graph did not answer within ${this.timeoutMs} ms`,
      );
    }
    if (trace.credentialError !== undefined) return this.credentialFailure(trace.credentialError, operation);
    const name = err instanceof Error ? err.name : 'unknown error';
    this.logger.debug({ op: operation, error: name }, 'graph call failed without an answer');
    return new TransientError(`Could not ${operation}: Microsoft Graph could not be reached (${name})`);
  }

  /**
   * A credential that cannot get a token. Entra's refusals (wrong secret, unknown app, unknown tenant, bad
   * scope: OAuth codes such as `invalid_client`) are permanent: `auth-failed`. Throttling, outages and network
   * failures are transient. @azure/identity 4 reports most refusals as AuthenticationRequiredError whose
   * message starts with the OAuth code, so the code is read from there when there is no status.
   */
  private credentialFailure(err: unknown, operation: string): Error {
    const e = (err instanceof Error ? err : new Error(String(err))) as Error & {
      statusCode?: unknown;
      errorResponse?: { error?: string; errorDescription?: string };
    };
    const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
    const oauthCode = e.errorResponse?.error ?? /^([a-z_]+):/.exec(e.message)?.[1];
    const aadsts = /AADSTS\d+/.exec(`${e.errorResponse?.errorDescription ?? ''} ${e.message}`)?.[0];
    const detail = [oauthCode, aadsts].filter(Boolean).join(' ');
    this.logger.warn(
      { op: operation, error: e.name, status, code: oauthCode, aadsts },
      'token request failed',
    );
    const permanent =
      e.name === 'CredentialUnavailableError' ||
      (oauthCode !== undefined && PERMANENT_OAUTH_CODES.has(oauthCode)) ||
      (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429);
    if (permanent) {
      return new DirectoryError(
        'auth-failed',
        `Could not ${operation}: the app could not get a token for tenant ${this.tenantId}${detail ? ` (${detail})` : ''}`,
        { cause: { statusCode: status, code: oauthCode } },
      );
    }
    return new TransientError(
      `Could not ${operation}: could not get a token from Entra ID (${detail || e.name})`,
      undefined,
      { cause: { statusCode: status, code: oauthCode } },
    );
  }
}

/** OAuth error codes that retrying cannot fix (RFC 6749 §5.2 plus Entra's `invalid_tenant`). */
const PERMANENT_OAUTH_CODES = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_request',
  'invalid_grant',
  'invalid_scope',
  'unsupported_grant_type',
  'invalid_tenant',
  'invalid_resource',
  'access_denied',
]);

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isListedMethod(value: unknown): value is ListedMethod {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v['@odata.type'] === 'string' && typeof v.id === 'string';
}

/** The Graph method type without namespace: `phoneAuthenticationMethod`. */
export function methodKind(method: ListedMethod): string {
  const type = method['@odata.type'];
  return type.slice(type.lastIndexOf('.') + 1);
}

/**
 * The per-type DELETE path of a method (Microsoft Graph docs): last segment of `@odata.type`, "AuthenticationMethod"
 * becoming "Methods" (`phoneAuthenticationMethod` → `phoneMethods/{id}`); external methods are references
 * under `externalAuthenticationMethods/{id}/$ref`; the QR-code PIN is a beta singleton. Undefined for the password method and for type names that
 * are not plain identifiers.
 */
export function methodDeletePath(
  userId: string,
  method: ListedMethod,
): { version: 'v1.0' | 'beta'; path: string } | undefined {
  if (method['@odata.type'] === PASSWORD_METHOD_TYPE) return undefined;
  const kind = methodKind(method);
  if (!/^[A-Za-z0-9]+AuthenticationMethod$/.test(kind)) return undefined;
  const base = `/users/${pathSegment(userId)}/authentication`;
  if (kind === 'qrCodePinAuthenticationMethod') return { version: 'beta', path: `${base}/qrCodePinMethod` };
  // External methods are references in their own collection (`externalAuthenticationMethods/{id}/$ref`),
  // the one exception to the naming rule.
  if (kind === 'externalAuthenticationMethod') {
    return { version: 'v1.0', path: `${base}/externalAuthenticationMethods/${pathSegment(method.id)}/$ref` };
  }
  const collection = kind.replace(/AuthenticationMethod$/, 'Methods');
  return { version: 'v1.0', path: `${base}/${collection}/${pathSegment(method.id)}` };
}

function removalRank(method: ListedMethod): number {
  if (methodKind(method) !== 'phoneAuthenticationMethod') return 0;
  if (method.id === MOBILE_PHONE_ID) return 3;
  if (method.id === ALTERNATE_MOBILE_PHONE_ID) return 2;
  return 1;
}

/**
 * The order to delete methods in: every non-phone method (in listed order), then the phones with the office
 * phone first, the alternate mobile next and the mobile last.
 */
export function orderMethodsForRemoval<T extends ListedMethod>(methods: readonly T[]): T[] {
  return methods
    .map((method, index) => ({ method, index }))
    .sort((a, b) => removalRank(a.method) - removalRank(b.method) || a.index - b.index)
    .map(({ method }) => method);
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * Why Graph refused the PIM eligibility read, when it refused because the tenant or the app cannot have it;
 * undefined for any other failure (an outage, a bad token: those are retried or thrown, never "unavailable").
 * - `no-pim-licence`: `AadPremiumLicenseRequired` (no Entra ID P2 or Governance licence; Graph sends it as a
 *   400), the only answer that means nobody in the tenant can be eligible through PIM;
 * - `not-readable`: any 403 (missing RoleEligibilitySchedule.Read.Directory / RoleManagement.Read.Directory,
 *   reported as `UnknownError` wrapping `PermissionScopeNotGranted`, or consent not given) and an endpoint
 *   the cloud does not offer (404, 501): the app may not look, so eligibility is unknown.
 */
export function eligibilityRefusal(info: GraphErrorInfo): 'no-pim-licence' | 'not-readable' | undefined {
  const message = info.message ?? '';
  if (
    info.code === 'AadPremiumLicenseRequired' ||
    /AadPremiumLicenseRequired/.test(message) ||
    /Entra ID P2 or Microsoft Entra ID Governance licen[cs]e/i.test(message)
  ) {
    return 'no-pim-licence';
  }
  if (info.statusCode === 403 || info.statusCode === 404 || info.statusCode === 501) return 'not-readable';
  if (/PermissionScopeNotGranted/.test(message)) return 'not-readable';
  return undefined;
}

/** Control characters (C0, DEL, C1) and the Unicode line/paragraph separators: never part of a typed name. */
const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029]/u;

/**
 * The distinct words (case-insensitively) of a typed name, or undefined when the text is refused: empty after
 * trimming, longer than `MAX_NAME_SEARCH_LENGTH`, holding a control character, or of more than
 * `MAX_NAME_SEARCH_WORDS` words.
 */
export function nameSearchWords(text: string): string[] | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > MAX_NAME_SEARCH_LENGTH || CONTROL_CHARACTERS.test(trimmed)) {
    return undefined;
  }
  const words: string[] = [];
  const seen = new Set<string>();
  for (const word of trimmed.split(/\s+/u)) {
    const key = word.toLowerCase();
    if (word === '' || seen.has(key)) continue;
    seen.add(key);
    words.push(word);
  }
  return words.length === 0 || words.length > MAX_NAME_SEARCH_WORDS ? undefined : words;
}

/**
 * The `$filter` for a name search: per word, `startsWith` on each name field joined by `or`; the words joined
 * by `and`. Every word goes through `odataString`, so a quote in a name stays inside its literal.
 */
export function nameFilter(words: readonly string[]): string {
  const groups = words.map((word) =>
    NAME_FIELDS.map((field) => `startswith(${field},${odataString(word)})`).join(' or '),
  );
  return groups.length === 1 ? groups[0]! : groups.map((g) => `(${g})`).join(' and ');
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Maps a Graph user object (selected with USER_SELECT) to a `DirectoryUser`; undefined when it has no id. */
export function toDirectoryUser(raw: unknown): DirectoryUser | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const id = optionalString(r.id);
  if (!id) return undefined;
  const userPrincipalName = optionalString(r.userPrincipalName) ?? '';
  const user: DirectoryUser = {
    id,
    userPrincipalName,
    displayName: optionalString(r.displayName) ?? userPrincipalName,
    accountEnabled: r.accountEnabled === true,
    onPremisesSyncEnabled: r.onPremisesSyncEnabled === true,
  };
  const mail = optionalString(r.mail);
  if (mail) user.mail = mail;
  const department = optionalString(r.department);
  if (department) user.department = department;
  const givenName = optionalString(r.givenName);
  if (givenName) user.givenName = givenName;
  const surname = optionalString(r.surname);
  if (surname) user.surname = surname;
  const onPremises = {
    samAccountName: optionalString(r.onPremisesSamAccountName),
    domainName: optionalString(r.onPremisesDomainName),
    lastSyncDateTime: optionalString(r.onPremisesLastSyncDateTime),
    distinguishedName: optionalString(r.onPremisesDistinguishedName),
  };
  const present = Object.fromEntries(Object.entries(onPremises).filter(([, v]) => v !== undefined));
  if (Object.keys(present).length > 0) user.onPremises = present;
  return user;
}

/** The value of a settled promise, or its rejection thrown. */
function settled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
