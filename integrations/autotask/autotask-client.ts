import axios, { type AxiosInstance } from 'axios';
import type { Logger } from '../../services/logging/logger.js';
import type { PsaHttpErrorProfile } from '../shared/http-errors.js';
import { parseRetryAfter as parseRetryAfterOr, quoteErrorBody } from '../shared/http-errors.js';
import { sendPsaRequest, type PsaRequest } from '../shared/psa-request.js';
import type { EnabledPsaSection } from '../../config/load-config.js';

/**
 * How long to wait after a 429 that carries no Retry-After. Autotask's documented limits are a 10,000 requests per
 * rolling hour per database and a per-endpoint thread limit; whether its 429 carries Retry-After is unconfirmed.
 */
export const AUTOTASK_DEFAULT_RETRY_AFTER_MS = 30_000;

/** Longest part of an Autotask error body quoted in an error message. */
const MAX_QUOTED_BODY = 300;

/**
 * The connection settings of one Autotask database's REST API (one API-only user): the client's options, named,
 * typed and documented alike in the configuration's `autotask` section (config/schema/autotask-schema.ts).
 * `baseUrl` is normalised by {@link normaliseAutotaskBaseUrl}; resource paths are sent under `/v1.0`.
 */
export const AUTOTASK_CONNECTION = ['baseUrl', 'username', 'secret', 'integrationCode', 'timeoutMs'] as const;

export type AutotaskClientOptions = Pick<EnabledPsaSection<'autotask'>, (typeof AUTOTASK_CONNECTION)[number]>;

/** One call to the REST API. `path` is relative to `/v1.0`, e.g. `/Tickets/7865`. */
export type AutotaskRequest = PsaRequest;

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
    return sendPsaRequest<T>(this.http, req, {
      apiBase: this.apiRoot,
      headers: {
        ApiIntegrationCode: this.options.integrationCode,
        UserName: this.options.username,
        Secret: this.options.secret,
        'Content-Type': 'application/json',
        Accept: 'application/json',
      },
      what: `Autotask ${req.method.toUpperCase()} /v1.0${req.path}`,
      errors: this.errors,
      logger: this.logger,
      logMessage: 'autotask api call',
    });
  }
}

/** How Autotask failures read; each client adds its own credentials as the secrets to blank out. */
const AUTOTASK_ERRORS: PsaHttpErrorProfile = {
  psaName: 'Autotask',
  defaultRetryAfterMs: AUTOTASK_DEFAULT_RETRY_AFTER_MS,
  quoteBody: quoteAutotaskErrors,
  refusals: {
    401: (what, _status, suffix) =>
      `${what} was refused (HTTP 401)${suffix}; check the API user's username, secret and integration code, ` +
      'and that the base URL is the zone of that user',
    403: (what, _status, suffix) =>
      `${what} was forbidden (HTTP 403)${suffix}; check the API user's security level`,
    redirect: (what, status) =>
      `${what} answered HTTP ${status} (redirects are not followed); check the zone base URL`,
  },
};

/**
 * A short, single-line quote of an Autotask error body. Autotask answers errors as `{"errors": ["...", ...]}`;
 * other shapes (a proxy's text, `{message}`) are quoted as they come, truncated.
 */
export function quoteAutotaskErrors(data: unknown): string {
  return quoteErrorBody(data, MAX_QUOTED_BODY, (obj) => {
    const errors = obj.errors ?? obj.Errors;
    if (Array.isArray(errors) && errors.length > 0) {
      return errors
        .map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))
        .filter((e) => e !== undefined && e !== '')
        .join('; ');
    }
    const msg = obj.message ?? obj.Message;
    return typeof msg === 'string' ? msg : JSON.stringify(obj);
  });
}

/** Retry-After as delta-seconds or an HTTP date; absent or unusable → the 30 s default. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number {
  return parseRetryAfterOr(value, AUTOTASK_DEFAULT_RETRY_AFTER_MS, now);
}
