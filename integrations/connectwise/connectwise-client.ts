import axios, { type AxiosInstance } from 'axios';
import type { Logger } from '../../services/logging/logger.js';
import { PsaError } from '../../services/domain/errors.js';
import type { PsaHttpErrorProfile } from '../shared/http-errors.js';
import { parseRetryAfter as parseRetryAfterOr, quoteErrorBody } from '../shared/http-errors.js';
import { sendPsaRequest, type PsaRequest } from '../shared/psa-request.js';
import type { EnabledPsaSection } from '../../config/load-config.js';

/**
 * How long to wait after a 429 that carries no Retry-After. The Developer Guide says a 429 always carries one
 * (in seconds); this default only covers a proxy or gateway that answers 429 on its own.
 */
export const CONNECTWISE_DEFAULT_RETRY_AFTER_MS = 5_000;

/** Longest part of a ConnectWise error body quoted in an error message. */
const MAX_QUOTED_BODY = 300;

/**
 * The connection and credentials of one ConnectWise PSA (Manage) site's REST API: the client's options, named,
 * typed and documented alike in the configuration's `connectwise` section (config/schema/connectwise-schema.ts).
 * The private key is never logged, never quoted in errors; `clientId` is sent on every call.
 */
export const CONNECTWISE_CONNECTION = [
  'siteUrl',
  'codebase',
  'companyId',
  'publicKey',
  'privateKey',
  'clientId',
  'timeoutMs',
] as const;

export type ConnectWiseClientOptions = Pick<
  EnabledPsaSection<'connectwise'>,
  (typeof CONNECTWISE_CONNECTION)[number]
>;

/**
 * The REST base URL `${siteUrl}/${codebase}apis/3.0`, whatever slashes the configuration carries:
 * `https://api-na.myconnectwise.net/` + `/v4_6_release` → `https://api-na.myconnectwise.net/v4_6_release/apis/3.0`.
 * A site given without a scheme gets `https://` (the cloud refuses plain http anyway: "SSL is required").
 */
export function connectWiseApiBase(siteUrl: string, codebase: string): string {
  let site = siteUrl.trim().replace(/\/+$/, '');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(site)) site = `https://${site}`;
  const code = codebase.trim().replace(/^\/+|\/+$/g, '');
  return code === '' ? `${site}/apis/3.0` : `${site}/${code}/apis/3.0`;
}

/** One call to the REST API. `path` is relative to `.../apis/3.0`. */
export type ConnectWiseRequest = PsaRequest;

/**
 * Thin transport for ConnectWise PSA's REST API with API-member keys. Every call carries
 * `Authorization: Basic base64("{companyId}+{publicKey}:{privateKey}")`, the `clientId` header and
 * `Accept: application/json`; redirects are never followed (a redirect could carry the Authorization header to
 * another host, and the API never needs one). Wire failures become domain errors:
 *
 * - 429 → `TransientError` with `retryAfterMs` from Retry-After (default {@link CONNECTWISE_DEFAULT_RETRY_AFTER_MS});
 * - 5xx, timeouts and connection errors → `TransientError`;
 * - any other non-2xx (and a 2xx that is not JSON) → `PsaError` carrying the HTTP status.
 *
 * Errors never carry the axios error as `cause` (its `config` holds the Authorization header); they copy the status,
 * the error code and a short quote of ConnectWise's `message`/`errors[].message` only.
 */
export class ConnectWiseClient {
  private readonly http: AxiosInstance;
  /** The REST base URL, e.g. `https://api-na.myconnectwise.net/v4_6_release/apis/3.0`. */
  readonly apiBase: string;
  private readonly authorization: string;

  constructor(
    options: ConnectWiseClientOptions,
    private readonly logger: Logger,
  ) {
    this.apiBase = connectWiseApiBase(options.siteUrl, options.codebase);
    this.authorization = `Basic ${Buffer.from(
      `${options.companyId}+${options.publicKey}:${options.privateKey}`,
      'utf8',
    ).toString('base64')}`;
    this.http = axios.create({
      timeout: options.timeoutMs,
      maxRedirects: 0,
      headers: { clientId: options.clientId, Accept: 'application/json' },
    });
  }

  /** Sends one request and returns the parsed body (or null for a tolerated 404 or an empty 204). */
  async request<T>(req: ConnectWiseRequest): Promise<T | null> {
    const what = `ConnectWise ${req.method.toUpperCase()} ${req.path}`;
    const data = await sendPsaRequest<unknown>(this.http, req, {
      apiBase: this.apiBase,
      headers: { Authorization: this.authorization },
      what,
      errors: CONNECTWISE_ERRORS,
      logger: this.logger,
      logMessage: 'connectwise api call',
    });
    if (data === '' || data === undefined || data === null) return null;
    // A 200 HTML page (a login or portal page) means the site URL or codebase points somewhere else.
    if (typeof data !== 'object') {
      throw new PsaError(`${what} answered with a body that is not JSON; check siteUrl and codebase`);
    }
    return data as T;
  }
}

/** How ConnectWise failures read. */
const CONNECTWISE_ERRORS: PsaHttpErrorProfile = {
  psaName: 'ConnectWise',
  defaultRetryAfterMs: CONNECTWISE_DEFAULT_RETRY_AFTER_MS,
  quoteBody,
  refusals: {
    redirect: (what, status) =>
      `${what} was redirected (HTTP ${status}) and redirects are not followed; check siteUrl (cloud sites use the api- host) and codebase`,
    // The body is not quoted: an authentication failure has nothing to say that helps, and says nothing secret.
    401: (what) =>
      `${what} was refused (HTTP 401); check the company id, the API member's public/private keys and the clientId`,
    403: (what, _status, suffix) =>
      `${what} was forbidden (HTTP 403)${suffix}; check the API member's security role`,
  },
};

/**
 * A short, single-line quote of a ConnectWise error body: `message` followed by each `errors[].message`
 * (ConnectWise puts the useful part, e.g. "Please choose where to display the notes…", in `errors`).
 */
function quoteBody(data: unknown): string {
  return quoteErrorBody(data, MAX_QUOTED_BODY, (obj) => {
    const parts: string[] = [];
    if (typeof obj.message === 'string') parts.push(obj.message);
    if (Array.isArray(obj.errors)) {
      for (const e of obj.errors) {
        const m = (e as { message?: unknown } | null)?.message;
        if (typeof m === 'string') parts.push(m);
      }
    }
    return parts.length > 0 ? parts.join(' - ') : JSON.stringify(obj);
  });
}

/** Retry-After as delta-seconds or an HTTP date; absent or unusable → {@link CONNECTWISE_DEFAULT_RETRY_AFTER_MS}. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number {
  return parseRetryAfterOr(value, CONNECTWISE_DEFAULT_RETRY_AFTER_MS, now);
}
