import { AxiosError } from 'axios';
import { PsaError, TransientError, errorMessage } from '../../services/domain/errors.js';

/**
 * Translation of a failed PSA API call (axios) into the domain's error classes, shared by the HaloPSA, ConnectWise
 * and Autotask clients:
 *
 * - 429 → `TransientError` with `retryAfterMs` from Retry-After (the PSA's own default when absent);
 * - 5xx, timeouts and connection errors → `TransientError`;
 * - any other non-2xx → `PsaError` carrying the HTTP status, worded by the PSA where it knows better
 *   ({@link PsaHttpErrorProfile.refusal}).
 *
 * The axios error is never attached as `cause`, nor copied: its `config` holds the credentials (Authorization
 * header, token form body, `Secret` header). Only the status, the error code and a short quote of the PSA's error
 * text survive, and errors end up in logs, BullMQ's `failedReason` and ticket notes.
 */

/** Network failures (no response) that may well work on a later attempt. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** What differs between PSAs when their failures are translated. */
export interface PsaHttpErrorProfile {
  /** The PSA's name in "could not reach …" messages, e.g. `HaloPSA`. */
  psaName: string;
  /** Milliseconds to wait after a 429 without a usable Retry-After. */
  defaultRetryAfterMs: number;
  /**
   * A short, single-line quote of the PSA's error body, or `''` for nothing worth quoting. Each PSA puts its
   * useful text somewhere else (`message`, `errors[].message`, `errors[]`, an OAuth `error` code).
   */
  quoteBody(data: unknown): string;
  /** Configured credentials blanked out of any text that came from the wire, in case a body ever echoes them. */
  secrets?: readonly string[];
  /**
   * Messages for refused calls (a status that is neither 2xx, 429 nor 5xx) where the PSA has a better hint than
   * "failed with HTTP n": what to check on a 401 or 403, by status, and under `redirect` why any 3xx is not
   * followed.
   */
  refusals?: RefusalMessages;
}

/**
 * The message for one refused call. `suffix` is `: <quote>` or `''`; the message decides whether the quote is
 * worth showing.
 */
export type RefusalMessage = (what: string, status: number, suffix: string) => string;

/** A PSA's refusal messages: by HTTP status, and `redirect` for every 3xx. */
export interface RefusalMessages {
  [status: number]: RefusalMessage;
  redirect?: RefusalMessage;
}

/**
 * Maps an axios failure of the call described by `what` (e.g. `HaloPSA GET /Tickets/7`) to a `TransientError` or
 * `PsaError`. Anything that is not an `AxiosError` becomes a `PsaError` quoting its message (secrets blanked).
 */
export function translatePsaHttpError(err: unknown, what: string, profile: PsaHttpErrorProfile): Error {
  const redact = (text: string) => redactSecrets(text, profile.secrets ?? []);
  if (!(err instanceof AxiosError)) {
    const message = errorMessage(err);
    return new PsaError(`${what} failed: ${redact(message)}`);
  }
  const res = err.response;
  if (!res) {
    const code = err.code ?? 'unknown';
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT')
      return new TransientError(`${what} timed out (${code})`);
    if (CONNECTION_ERROR_CODES.has(code) || err.request) {
      return new TransientError(`${what} could not reach ${profile.psaName} (${code})`);
    }
    return new PsaError(`${what} could not be sent (${code})`);
  }
  const status = res.status;
  const quoted = redact(profile.quoteBody(res.data));
  const suffix = quoted ? `: ${quoted}` : '';
  if (status === 429) {
    return new TransientError(
      `${what} was rate limited (HTTP 429)${suffix}`,
      parseRetryAfter(res.headers['retry-after'], profile.defaultRetryAfterMs),
    );
  }
  if (status >= 500) return new TransientError(`${what} failed with HTTP ${status}${suffix}`);
  const refusal = status >= 300 && status < 400 ? profile.refusals?.redirect : profile.refusals?.[status];
  const message = refusal?.(what, status, suffix) ?? `${what} failed with HTTP ${status}${suffix}`;
  return new PsaError(message, { status });
}

/**
 * Retry-After as delta-seconds or an HTTP date, in milliseconds (a date in the past is 0); absent or unusable →
 * `defaultMs`.
 */
export function parseRetryAfter(value: unknown, defaultMs: number, now: number = Date.now()): number {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw === 'string' && raw.trim() !== '') {
    const trimmed = raw.trim();
    if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
    const at = Date.parse(trimmed);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) return raw * 1000;
  return defaultMs;
}

/**
 * Error text from the wire as one line of at most `max` characters (plus `…` when cut), so a quoted body can
 * neither break a log line nor flood a ticket note.
 */
export function singleLineQuote(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/**
 * A short, single-line quote of an error body ({@link singleLineQuote}): text as it came, an object (or array)
 * as `fromObject` reads it, where the PSA keeps its useful text; anything else is not worth quoting (`''`).
 */
export function quoteErrorBody(
  data: unknown,
  max: number,
  fromObject: (obj: Record<string, unknown>) => string,
): string {
  if (typeof data === 'string') return singleLineQuote(data, max);
  if (data && typeof data === 'object')
    return singleLineQuote(fromObject(data as Record<string, unknown>), max);
  return '';
}

/**
 * Replaces every occurrence of each secret in `text` with `[redacted]`. Values shorter than 4 characters are left
 * alone: blanking them would mangle ordinary words without hiding anything worth hiding.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const value of secrets) {
    if (value && value.length >= 4) out = out.split(value).join('[redacted]');
  }
  return out;
}
