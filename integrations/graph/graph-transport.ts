import { CredentialUnavailableError, type TokenCredential } from '@azure/identity';
import {
  Client,
  HTTPMessageHandler,
  ResponseType,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { DirectoryError, TransientError } from '../../services/domain/errors.js';
import type { Logger } from '../../services/logging/logger.js';
import {
  parseRetryAfter,
  readGraphErrorBody,
  translateGraphError,
  type GraphErrorInfo,
} from './graph-errors.js';
import { createGraphCredential, graphScope, type GraphOptions } from './graph-credential.js';

/**
 * The Graph transport of one customer tenant: the token middleware, one call with its timeout, paging
 * through `@odata.nextLink`, and the translation of every failure into the service's errors at this edge.
 * The directory's operations (users, MFA methods, privileges) are written on top of it and never see the
 * SDK.
 */

/** Graph's page size limit. */
export const MAX_TOP = 999;
/** Pages followed through `@odata.nextLink` for one list before giving up. */
export const MAX_PAGES = 10;

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

export type GraphMethod = 'GET' | 'PATCH' | 'POST' | 'DELETE';

export type CallResult = { ok: true; status: number; body: unknown } | { ok: false; info: GraphErrorInfo };

export interface CallSpec {
  /** Plain words for messages: "look up the user". */
  operation: string;
  method: GraphMethod;
  /** Path under the version, starting with '/', every user-supplied segment already encoded. */
  path: string;
  body?: unknown;
  version?: 'v1.0' | 'beta';
  /** Extra request headers, e.g. `ConsistencyLevel: eventual` for advanced queries. */
  headers?: Record<string, string>;
}

/** A list read through every page (`truncated` when `MAX_PAGES` ran out first), or the refusal. */
export type ListResult =
  { ok: true; items: unknown[]; truncated: boolean } | { ok: false; info: GraphErrorInfo };

/**
 * A Graph client for the tenant with our middleware chain: a bearer-token middleware (the SDK's
 * AuthenticationHandler drops the token for hosts it does not know, which breaks national clouds behind
 * proxies and simulators) followed by the SDK's HTTPMessageHandler. There is no RetryHandler on purpose:
 * retrying is the queue's job, so throttling and outages surface at once as `TransientError` with the
 * server's `Retry-After`.
 */
export function createGraphTransport(
  options: GraphOptions,
  tenantId: string,
  logger: Logger,
): GraphTransport {
  const scope = graphScope(options.baseUrl);
  const credential = createGraphCredential(options, tenantId);
  const client = Client.initWithMiddleware({
    baseUrl: options.baseUrl,
    defaultVersion: 'v1.0',
    middleware: [new BearerTokenMiddleware(credential, scope), new HTTPMessageHandler()],
  });
  return new GraphTransport(client, options.baseUrl, tenantId, options.timeoutMs, logger);
}

/** One tenant's Graph calls. Every method returns plain data or throws the service's errors. */
export class GraphTransport {
  constructor(
    private readonly client: Client,
    private readonly baseUrl: string,
    private readonly tenantId: string,
    private readonly timeoutMs: number,
    readonly logger: Logger,
  ) {}

  /**
   * Reads a list and follows `@odata.nextLink` for at most `MAX_PAGES` pages, with the same headers. A next link
   * must stay on the configured Graph root and version (the bearer token goes with it).
   */
  async listPages(first: CallSpec): Promise<ListResult> {
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
  fullList(listed: ListResult, operation: string): unknown[] {
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

  okBody(result: CallResult, operation: string): unknown {
    if (!result.ok) throw translateGraphError(result.info, operation);
    return result.body ?? {};
  }
  /** The `value` array of a collection answer, or the translated error (a body of another shape is malformed). */
  okValues(result: CallResult, operation: string): unknown[] {
    const value = asRecord(this.okBody(result, operation)).value;
    if (!Array.isArray(value)) throw this.malformed(operation);
    return value as unknown[];
  }

  malformed(operation: string): TransientError {
    return new TransientError(`Could not ${operation}: Microsoft Graph sent a response of unexpected shape`);
  }

  /**
   * One Graph request with the per-request timeout. Returns the parsed body or the error information; throws only
   * for failures that never reached a Graph answer (credential refusal, timeout, network).
   */
  async call(spec: CallSpec): Promise<CallResult> {
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

export function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
