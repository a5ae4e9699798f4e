import axios, { type AxiosInstance } from 'axios';
import type { Logger } from '../../services/logging/logger.js';
import { PsaError } from '../../services/domain/errors.js';
import {
  parseRetryAfter as parseRetryAfterOr,
  quoteErrorBody,
  translatePsaHttpError,
  type PsaHttpErrorProfile,
  type RefusalMessage,
} from '../shared/http-errors.js';
import { sendPsaRequest, type PsaClientOptions, type PsaRequest } from '../shared/psa-request.js';

/** How long to wait after a 429 that carries no Retry-After. Hosted Halo allows 300 requests per rolling 5 minutes. */
export const HALO_DEFAULT_RETRY_AFTER_MS = 30_000;

/** A cached token is dropped this long before Halo says it expires, so it never expires mid-request. */
const TOKEN_EXPIRY_MARGIN_MS = 60_000;

/** Longest part of a Halo error body quoted in an error message (Halo bodies are short strings or small objects). */
const MAX_QUOTED_BODY = 200;

/** Connection and configuration of one Halo instance's API; `timeoutMs` applies to token and resource calls alike. */
export interface HaloClientOptions extends PsaClientOptions {
  /** Halo's "Resource Server" URL, e.g. `https://acme.halopsa.com/api` (normalised, see {@link normaliseHaloResourceServerUrl}). */
  resourceServerUrl: string;
  /** Halo's "Authorisation Server" URL, e.g. `https://acme.halopsa.com/auth` (see {@link normaliseHaloAuthServerUrl}). */
  authServerUrl: string;
  /** The tenant name for Halo-hosted instances; sent as `?tenant=` on the token request only. */
  tenant?: string;
  clientId: string;
  clientSecret: string;
  /** OAuth scope, usually `all`. */
  scope: string;
}

/**
 * Normalises a configured Halo resource server URL: trailing slashes are removed and `/api` is appended unless
 * the URL already ends with `/api` (case-insensitive). `https://acme.halopsa.com` and `https://acme.halopsa.com/api/`
 * both become `https://acme.halopsa.com/api`. Resource paths (`/Tickets/1`) are appended to the result.
 */
export function normaliseHaloResourceServerUrl(url: string): string {
  return withSuffix(url, '/api');
}

/**
 * Normalises a configured Halo authorisation server URL: trailing slashes are removed and `/auth` is appended unless
 * the URL already ends with `/auth` (case-insensitive). The token endpoint is the result plus `/token`.
 */
export function normaliseHaloAuthServerUrl(url: string): string {
  return withSuffix(url, '/auth');
}

function withSuffix(url: string, suffix: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  return trimmed.toLowerCase().endsWith(suffix) ? trimmed : `${trimmed}${suffix}`;
}

/** One call to Halo's resource server. `path` is relative to the `/api` base. */
export type HaloRequest = PsaRequest;

interface CachedToken {
  value: string;
  /** Epoch ms after which the token is no longer used. */
  usableUntil: number;
}

/**
 * Thin transport for Halo's REST API. It owns the OAuth2 client-credentials token (cached until shortly before it
 * expires; on a 401 from the resource server it fetches a new token once and retries once) and translates every
 * wire failure into the domain's error classes:
 *
 * - 429 → `TransientError` with `retryAfterMs` from Retry-After (default {@link HALO_DEFAULT_RETRY_AFTER_MS});
 * - 5xx, timeouts and connection errors → `TransientError`;
 * - any other non-2xx → `PsaError` carrying the HTTP status.
 *
 * Errors never carry the axios error as `cause` (its `config` holds the Authorization header and the token form
 * body); they copy the status and error code only. Messages never quote secrets or tokens.
 */
export class HaloClient {
  private readonly http: AxiosInstance;
  private readonly apiBase: string;
  private readonly tokenUrl: string;
  private token: CachedToken | undefined;
  private tokenInFlight: Promise<string> | undefined;

  constructor(
    private readonly options: HaloClientOptions,
    private readonly logger: Logger,
  ) {
    this.apiBase = normaliseHaloResourceServerUrl(options.resourceServerUrl);
    this.tokenUrl = `${normaliseHaloAuthServerUrl(options.authServerUrl)}/token`;
    // No redirects: a redirect could carry the bearer token to another host, and Halo's API never needs one.
    this.http = axios.create({ timeout: options.timeoutMs, maxRedirects: 0 });
  }

  /** Sends one request with a valid token and returns the parsed body (or null for a tolerated 404). */
  async request<T>(req: HaloRequest): Promise<T | null> {
    const token = await this.accessToken();
    try {
      return await this.send<T>(req, token);
    } catch (err) {
      if (!(err instanceof PsaError && err.status === 401)) throw err;
      // The token may have been revoked or expired early on Halo's side: one fresh token, one retry.
      this.logger.info({ path: req.path }, 'halo api answered 401; refreshing the token once');
      this.dropToken(token);
      return this.send<T>(req, await this.accessToken());
    }
  }

  private send<T>(req: HaloRequest, token: string): Promise<T | null> {
    return sendPsaRequest<T>(this.http, req, {
      apiBase: this.apiBase,
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      what: `HaloPSA ${req.method.toUpperCase()} ${req.path}`,
      errors: HALO_ERRORS,
      logger: this.logger,
      logMessage: 'halo api call',
    });
  }

  /** Gets a token (or reuses the cached one): throws the token request's error when Halo refuses it. */
  async checkToken(): Promise<void> {
    await this.accessToken();
  }

  private dropToken(value: string): void {
    if (this.token?.value === value) this.token = undefined;
  }

  private async accessToken(): Promise<string> {
    if (this.token && Date.now() < this.token.usableUntil) return this.token.value;
    // Concurrent callers share one token request.
    this.tokenInFlight ??= this.fetchToken().finally(() => {
      this.tokenInFlight = undefined;
    });
    return this.tokenInFlight;
  }

  private async fetchToken(): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret,
      scope: this.options.scope,
    });
    let data: unknown;
    try {
      const res = await this.http.post(this.tokenUrl, form.toString(), {
        params: this.options.tenant ? { tenant: this.options.tenant } : undefined,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      });
      data = res.data;
    } catch (err) {
      throw translatePsaHttpError(err, 'HaloPSA token request', HALO_TOKEN_ERRORS);
    }
    const body = (data ?? {}) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new PsaError(
        'HaloPSA token response carried no access_token; check the authorisation server URL',
      );
    }
    const expiresInMs =
      (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600) * 1000;
    // Short-lived tokens still get used: keep at least half of their lifetime.
    const margin = Math.min(TOKEN_EXPIRY_MARGIN_MS, expiresInMs / 2);
    this.token = { value: body.access_token, usableUntil: Date.now() + expiresInMs - margin };
    this.logger.debug({ expiresInSeconds: expiresInMs / 1000 }, 'halo token issued');
    return body.access_token;
  }
}

/** How Halo resource-server failures read. */
const HALO_ERRORS: PsaHttpErrorProfile = {
  psaName: 'HaloPSA',
  defaultRetryAfterMs: HALO_DEFAULT_RETRY_AFTER_MS,
  quoteBody: quoteHaloBody,
  refusals: {
    // Only reached after the one token refresh and retry: the API application itself is refused.
    401: (what) => `${what} was refused (HTTP 401) even with a fresh token; check the API application`,
    403: (what, _status, suffix) =>
      `${what} was forbidden (HTTP 403)${suffix}; check the API application's and its agent's permissions`,
  },
};

const tokenRefused: RefusalMessage = (what, status, suffix) =>
  `${what} was refused (HTTP ${status})${suffix}; check the client id, client secret, scope and tenant`;

/**
 * How token-request failures read. Only the OAuth `error` code is quoted, because an authorisation server may
 * echo parts of the request (the client secret is in the form body).
 */
const HALO_TOKEN_ERRORS: PsaHttpErrorProfile = {
  ...HALO_ERRORS,
  quoteBody(data) {
    const code = (data as { error?: unknown } | null)?.error;
    return typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : '';
  },
  refusals: { ...HALO_ERRORS.refusals, 400: tokenRefused, 401: tokenRefused },
};

/** A short, single-line quote of Halo's error body (Halo bodies are short strings or small objects). */
function quoteHaloBody(data: unknown): string {
  return quoteErrorBody(data, MAX_QUOTED_BODY, (obj) => {
    const msg = obj.message ?? obj.Message ?? obj.error ?? obj.title;
    return typeof msg === 'string' ? msg : JSON.stringify(obj);
  });
}

/** Retry-After as delta-seconds or an HTTP date; absent or unusable → the 30 s default. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number {
  return parseRetryAfterOr(value, HALO_DEFAULT_RETRY_AFTER_MS, now);
}
