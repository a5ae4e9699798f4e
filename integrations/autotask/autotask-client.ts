import axios, { AxiosError, type AxiosInstance, type Method } from 'axios';
import type { Logger } from '../../services/logging/logger.js';
import {
  parseRetryAfter as parseRetryAfterOr,
  singleLineQuote,
  translatePsaHttpError,
  type PsaHttpErrorProfile,
} from '../shared/http-errors.js';

/**
 * How long to wait after a 429 that carries no Retry-After. Autotask's documented limits are a 10,000 requests per
 * rolling hour per database and a per-endpoint thread limit; whether its 429 carries Retry-After is unconfirmed.
 */
export const AUTOTASK_DEFAULT_RETRY_AFTER_MS = 30_000;

/** Longest part of an Autotask error body quoted in an error message. */
const MAX_QUOTED_BODY = 300;

/** Connection of one Autotask database's REST API (one API-only user). */
export interface AutotaskClientOptions {
  /**
   * The zone's REST base, e.g. `https://webservices5.autotask.net/atservicesrest` (normalised, see
   * {@link normaliseAutotaskBaseUrl}). Resource paths are sent under `/v1.0`.
   */
  baseUrl: string;
  /** The API-only user's username (sent as the `UserName` header). */
  username: string;
  /** The API-only user's secret (sent as the `Secret` header). */
  secret: string;
  /** The API tracking identifier (sent as the `ApiIntegrationCode` header). */
  integrationCode: string;
  /** Per-request timeout. A timeout is a `TransientError`. */
  timeoutMs: number;
}

/** One call to the REST API. `path` is relative to `/v1.0` and starts with `/`, e.g. `/Tickets/7865`. */
export interface AutotaskRequest {
  method: Method;
  path: string;
  body?: unknown;
  /** When true a 404 resolves to `null` instead of throwing `PsaError`. */
  notFoundAsNull?: boolean;
}

/**
 * Normalises a configured zone URL: surrounding space and trailing slashes are removed, and a trailing `/v1.0`
 * (any case) is dropped, so both `https://webservices5.autotask.net/atservicesrest` and
 * `https://webservices5.autotask.net/atservicesrest/v1.0/` name the same base.
 */
export function normaliseAutotaskBaseUrl(url: string): string {
  return url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\/v1\.0$/i, '')
    .replace(/\/+$/, '');
}

/**
 * Thin transport for Autotask's REST API. Every request carries the three credential headers; there is no token,
 * so nothing is cached. Wire failures become domain errors:
 *
 * - 429 → `TransientError` with `retryAfterMs` from Retry-After (default {@link AUTOTASK_DEFAULT_RETRY_AFTER_MS});
 * - 5xx, timeouts and connection errors → `TransientError`. Autotask also reports some business-rule refusals
 *   as HTTP 500 with `{errors:[...]}`; they are still retried (a retry is cheap and bounded, while treating a real
 *   outage as permanent would drop the ticket), and the quoted `errors` make the cause visible in the job's reason;
 * - 401 / 403 → `PsaError` naming what to check; any other non-2xx (3xx included: redirects are never followed,
 *   because they would carry the credential headers to another host) → `PsaError` with the status and Autotask's
 *   `errors` quoted.
 *
 * Errors never carry the axios error as `cause` (its `config` holds the `Secret` header); they copy the status and
 * error code only, and the configured secret, username and integration code are blanked out of quoted bodies.
 */
export class AutotaskClient {
  private readonly http: AxiosInstance;
  private readonly apiRoot: string;
  private readonly errors: PsaHttpErrorProfile;

  constructor(
    private readonly options: AutotaskClientOptions,
    private readonly logger: Logger,
  ) {
    this.apiRoot = `${normaliseAutotaskBaseUrl(options.baseUrl)}/v1.0`;
    this.http = axios.create({ timeout: options.timeoutMs, maxRedirects: 0 });
    this.errors = {
      ...AUTOTASK_ERRORS,
      secrets: [options.secret, options.integrationCode, options.username],
    };
  }

  /** Sends one request and returns the parsed body (or null for a tolerated 404). */
  async request<T>(req: AutotaskRequest): Promise<T | null> {
    try {
      const res = await this.http.request<T>({
        method: req.method,
        url: `${this.apiRoot}${req.path}`,
        data: req.body,
        headers: {
          ApiIntegrationCode: this.options.integrationCode,
          UserName: this.options.username,
          Secret: this.options.secret,
          'Content-Type': 'application/json',
          Accept: 'application/json',
        },
      });
      this.logger.debug({ method: req.method, path: req.path, status: res.status }, 'autotask api call');
      return res.data;
    } catch (err) {
      const status = err instanceof AxiosError ? err.response?.status : undefined;
      if (status === 404 && req.notFoundAsNull) return null;
      throw translatePsaHttpError(err, `Autotask ${req.method.toUpperCase()} /v1.0${req.path}`, this.errors);
    }
  }
}

/** How Autotask failures read; each client adds its own credentials as the secrets to blank out. */
const AUTOTASK_ERRORS: PsaHttpErrorProfile = {
  psaName: 'Autotask',
  defaultRetryAfterMs: AUTOTASK_DEFAULT_RETRY_AFTER_MS,
  quoteBody: quoteAutotaskErrors,
  refusal(what, status, suffix) {
    if (status === 401) {
      return (
        `${what} was refused (HTTP 401)${suffix}; check the API user's username, secret and integration code, ` +
        'and that the base URL is the zone of that user'
      );
    }
    if (status === 403) {
      return `${what} was forbidden (HTTP 403)${suffix}; check the API user's security level`;
    }
    if (status >= 300 && status < 400) {
      return `${what} answered HTTP ${status} (redirects are not followed); check the zone base URL`;
    }
    return undefined;
  },
};

/**
 * A short, single-line quote of an Autotask error body. Autotask answers errors as `{"errors": ["...", ...]}`;
 * other shapes (a proxy's text, `{message}`) are quoted as they come, truncated.
 */
export function quoteAutotaskErrors(data: unknown): string {
  let text: string;
  if (typeof data === 'string') text = data;
  else if (data && typeof data === 'object') {
    const obj = data as Record<string, unknown>;
    const errors = obj.errors ?? obj.Errors;
    if (Array.isArray(errors) && errors.length > 0) {
      text = errors
        .map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))
        .filter((e) => e !== undefined && e !== '')
        .join('; ');
    } else {
      const msg = obj.message ?? obj.Message;
      text = typeof msg === 'string' ? msg : JSON.stringify(data);
    }
  } else return '';
  return singleLineQuote(text, MAX_QUOTED_BODY);
}

/** Retry-After as delta-seconds or an HTTP date; absent or unusable → the 30 s default. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number {
  return parseRetryAfterOr(value, AUTOTASK_DEFAULT_RETRY_AFTER_MS, now);
}
