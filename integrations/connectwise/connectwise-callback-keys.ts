import { getKeyIgnoringCase } from '../shared/webhook-body.js';

/**
 * The signing keys behind ConnectWise callbacks' `key_url`. That URL comes from the very body being verified, so
 * it is attacker-controlled until the signature checks out: it is fetched only when its origin is on an
 * allow-list and its `companyName` is the configured company (no userinfo, no redirects, short timeout, small
 * response), and only so many distinct key URLs a minute. Verification itself is in connectwise-callback.ts.
 */

/** ConnectWise cloud hosts (`api-na.myconnectwise.net`, `sandbox-eu.myconnectwise.net`, …), https on port 443 only. */
export const DEFAULT_CONNECTWISE_KEY_ORIGINS: readonly string[] = ['https://*.myconnectwise.net'];

/** Supplies the signing key behind a callback's `key_url`. */
export interface CallbackKeyFetcher {
  /**
   * The `signing_key` served at `keyUrl`.
   * @throws CallbackKeyError when the URL is not allowed or the key cannot be fetched.
   */
  signingKey(keyUrl: string): Promise<string>;
}

/**
 * Why a signing key could not be had. `retryable` is true when trying again later may work (timeout, 5xx, 429,
 * the per-minute cap). `not-allowed`: the origin is not listed; `other-company`: the URL names another company.
 */
export class CallbackKeyError extends Error {
  constructor(
    message: string,
    readonly code: 'not-allowed' | 'other-company' | 'fetch-failed',
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'CallbackKeyError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export interface CallbackKeyFetcherOptions {
  /**
   * Origins the key may be fetched from: exact origins (`https://cw.msp.example`, `http://127.0.0.1:3456`) or
   * `https://*.suffix` wildcards, which match one or more labels before the suffix, over https on port 443 only.
   * Plain http is only ever allowed for an exact origin listed with `http://`.
   */
  allowedOrigins: readonly string[];
  /** Sent as the `clientId` header, as ConnectWise's own integrations do. */
  clientId: string;
  /** Whole-request deadline (connect, headers and body). ConnectWise gives the callback 5 s in total. */
  timeoutMs: number;
  /** Largest key response accepted, in bytes. */
  maxBytes: number;
  /** How long a fetched key is reused for the same key_url. */
  cacheTtlMs: number;
  /**
   * The ConnectWise login company id. A key_url is fetched only when its `companyName` query parameter is
   * exactly this (case-insensitively), given once: ConnectWise names the callback's company there.
   */
  companyId: string;
  /**
   * Most distinct key URLs fetched in any 60 s (cached keys and a repeat of a URL already fetched in the
   * window do not count). Beyond it nothing is fetched and the callback is to be retried, so a flood of
   * made-up ids on an allowed origin cannot turn the service into a fetcher of thousands of URLs.
   */
  maxKeyUrlsPerMinute: number;
}

/** The window `maxKeyUrlsPerMinute` counts in. */
const FETCH_WINDOW_MS = 60_000;

/** Most key_urls kept in the cache; the oldest entry is dropped beyond this. */
const MAX_CACHE_ENTRIES = 500;

interface OriginRule {
  /** Exact origin, as `URL.origin` spells it. */
  exact?: string;
  /** Hostname suffix for a wildcard rule, starting with a dot. */
  suffix?: string;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function parseRule(pattern: string): OriginRule {
  const trimmed = pattern.trim();
  const wildcard = /^https:\/\/\*\.([^/:?#*]+)\/?$/i.exec(trimmed);
  if (wildcard?.[1]) {
    const suffix = wildcard[1].toLowerCase().replace(/\.$/, '');
    if (!suffix.includes('.') || !suffix.split('.').every((l) => LABEL.test(l))) {
      throw new Error(`callback key origin "${pattern}" must be https://*.<domain>.<tld>`);
    }
    return { suffix: `.${suffix}` };
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new Error(`callback key origin "${pattern}" is not a URL`);
  }
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username !== '' ||
    url.password !== '' ||
    url.hostname.includes('*') ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    throw new Error(`callback key origin "${pattern}" must be a bare http(s) origin or https://*.<domain>`);
  }
  return { exact: url.origin };
}

/**
 * True when `keyUrl` may be fetched under `allowedOrigins` (see {@link CallbackKeyFetcherOptions.allowedOrigins}).
 * A URL with userinfo, a non-http(s) scheme, or one that does not parse is never allowed.
 * @throws Error when a pattern in `allowedOrigins` is malformed (a configuration error).
 */
export function isAllowedKeyUrl(keyUrl: string, allowedOrigins: readonly string[]): boolean {
  return matchesRules(keyUrl, allowedOrigins.map(parseRule));
}

function matchesRules(keyUrl: string, rules: readonly OriginRule[]): boolean {
  let url: URL;
  try {
    url = new URL(keyUrl);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  return rules.some((rule) => {
    if (rule.exact !== undefined) return url.origin === rule.exact;
    const suffix = rule.suffix ?? '';
    if (url.protocol !== 'https:' || url.port !== '') return false;
    const host = url.hostname;
    if (!host.endsWith(suffix)) return false;
    const labels = host.slice(0, -suffix.length).split('.');
    return labels.length > 0 && labels.every((l) => LABEL.test(l));
  });
}

/**
 * True when `keyUrl` names `companyId` (case-insensitively) as its one `companyName` query parameter (the
 * parameter's name is matched case-insensitively too, so a second spelling cannot smuggle in another value).
 */
export function keyUrlNamesCompany(keyUrl: string, companyId: string): boolean {
  let url: URL;
  try {
    url = new URL(keyUrl);
  } catch {
    return false;
  }
  const named = [...url.searchParams].filter(([name]) => name.toLowerCase() === 'companyname');
  const value = named.length === 1 ? named[0]?.[1] : undefined;
  return !!value && !!companyId && value.toLowerCase() === companyId.toLowerCase();
}

/**
 * A {@link CallbackKeyFetcher} that fetches only allow-listed key URLs naming the configured company, at most
 * `maxKeyUrlsPerMinute` distinct ones a minute, refuses redirects (a 3xx is a failure), aborts after
 * `timeoutMs`, refuses responses larger than `maxBytes`, and caches keys per key_url for `cacheTtlMs`;
 * concurrent requests for one key_url share a single fetch. Failures are not cached.
 *
 * @throws Error at creation when an allowed origin is malformed.
 */
export function createCallbackKeyFetcher(options: CallbackKeyFetcherOptions): CallbackKeyFetcher {
  const rules = options.allowedOrigins.map(parseRule);
  const cache = new Map<string, { key: string; expiresAt: number }>();
  const inFlight = new Map<string, Promise<string>>();
  /** Key URLs fetched in the last minute, oldest first, with when. At most `maxKeyUrlsPerMinute` entries. */
  const recentFetches = new Map<string, number>();

  /** Books a fetch of `keyUrl` in the window; false when the window is full of other URLs. */
  function bookFetch(keyUrl: string, now: number): boolean {
    for (const [url, at] of recentFetches) {
      if (now - at < FETCH_WINDOW_MS) break;
      recentFetches.delete(url);
    }
    if (!recentFetches.has(keyUrl) && recentFetches.size >= options.maxKeyUrlsPerMinute) return false;
    recentFetches.delete(keyUrl);
    recentFetches.set(keyUrl, now);
    return true;
  }

  async function fetchKey(keyUrl: string): Promise<string> {
    let res: Response;
    try {
      res = await fetch(keyUrl, {
        method: 'GET',
        redirect: 'manual',
        headers: { Accept: 'application/json', clientId: options.clientId },
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new CallbackKeyError(
          `signing key request timed out after ${options.timeoutMs} ms`,
          'fetch-failed',
          true,
        );
      }
      throw new CallbackKeyError('signing key endpoint could not be reached', 'fetch-failed', true);
    }
    try {
      if (res.status >= 300 && res.status < 400) {
        throw new CallbackKeyError(`signing key endpoint redirected (HTTP ${res.status})`, 'fetch-failed');
      }
      if (res.status < 200 || res.status >= 300) {
        const retryable = res.status === 429 || res.status >= 500;
        throw new CallbackKeyError(
          `signing key endpoint answered HTTP ${res.status}`,
          'fetch-failed',
          retryable,
        );
      }
      let text: string;
      try {
        text = await readLimited(res, options.maxBytes);
      } catch (err) {
        if (err instanceof CallbackKeyError) throw err;
        // The deadline covers the body too: a slow trickle is a timeout like a slow answer.
        throw new CallbackKeyError('signing key response could not be read in time', 'fetch-failed', true);
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new CallbackKeyError('signing key response is not JSON', 'fetch-failed');
      }
      const key =
        body && typeof body === 'object'
          ? getKeyIgnoringCase(body as Record<string, unknown>, 'signing_key', { preferExact: true })
          : undefined;
      if (typeof key !== 'string' || key === '') {
        throw new CallbackKeyError('signing key response carries no signing_key', 'fetch-failed');
      }
      return key;
    } finally {
      // Release the connection whatever happened to the body.
      await res.body?.cancel().catch(() => undefined);
    }
  }

  return {
    async signingKey(keyUrl: string): Promise<string> {
      if (!matchesRules(keyUrl, rules)) throw new CallbackKeyError('key_url not allowed', 'not-allowed');
      if (!keyUrlNamesCompany(keyUrl, options.companyId)) {
        throw new CallbackKeyError('key_url names another company', 'other-company');
      }
      const now = Date.now();
      const cached = cache.get(keyUrl);
      if (cached && cached.expiresAt > now) return cached.key;
      if (cached) cache.delete(keyUrl);
      const pending = inFlight.get(keyUrl);
      if (pending) return pending;
      if (!bookFetch(keyUrl, now)) {
        throw new CallbackKeyError('too many distinct key URLs in the last minute', 'fetch-failed', true);
      }
      const request = fetchKey(keyUrl)
        .then((key) => {
          if (options.cacheTtlMs > 0) {
            if (cache.size >= MAX_CACHE_ENTRIES) {
              const oldest = cache.keys().next().value;
              if (oldest !== undefined) cache.delete(oldest);
            }
            cache.set(keyUrl, { key, expiresAt: Date.now() + options.cacheTtlMs });
          }
          return key;
        })
        .finally(() => inFlight.delete(keyUrl));
      inFlight.set(keyUrl, request);
      return request;
    },
  };
}

/** Reads a response body as UTF-8, refusing it as soon as it exceeds `maxBytes` (declared or actual). */
async function readLimited(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new CallbackKeyError(`signing key response is larger than ${maxBytes} bytes`, 'fetch-failed');
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new CallbackKeyError(`signing key response is larger than ${maxBytes} bytes`, 'fetch-failed');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
