import { isIPv4, isIPv6 } from 'node:net';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../logging/logger.js';
import {
  renderCrossSiteRefusedPage,
  renderProceedPage,
  renderRevealPage,
  renderTemporarilyUnavailablePage,
  renderTooManyAttemptsPage,
  renderUnavailablePage,
  SECURE_LINK_CSS,
  SECURE_LINK_JS,
} from './secure-link-pages.js';
import {
  isWellFormedToken,
  secureLinkRef,
  type createRedisSecureLinkStore,
  type SecureLinkContext,
  type SecureLinkViewer,
} from './secure-link-store.js';

/**
 * The public secure-link pages, mounted at `/s`:
 * - `GET /s/:token`  the "Click Here to Proceed" page; reads nothing secret and consumes nothing (HEAD alike);
 * - `POST /s/:token` claims one view and shows the blurred password;
 * - `GET /s/assets/secure-link.css|js` the only assets;
 * - anything else under `/s`, and every link that cannot be shown, gets the same 404 "no longer available".
 *
 * Every response carries the headers in `SECURE_LINK_HEADERS` plus the CSP, including errors and assets.
 * Tokens are checked for shape before the store is asked. Neither the token nor the secret is ever logged:
 * logs carry `secureLinkRef` (a short hash of the lookup id). Pages are sent with `res.end`, not `res.send`,
 * so Express computes no ETag: an ETag is a hash of the body, and the body holds the password.
 *
 * Abuse controls (issue item 4):
 * - Guessing: every *failed* lookup (malformed, unknown, expired, used-up or wrong-key token, on GET, HEAD or
 *   POST, and any other path under `/s`) costs the client address one point in a Redis-backed fixed window
 *   (`RateLimiterRedis`, keys `<keyPrefix>link-guess:<address>`, shared by every API process). Once an address
 *   has used its points, every token request from it gets 429 with `Retry-After` until the window ends.
 *   Successful lookups cost nothing, so scanners and managers opening a good link are never limited, and
 *   other addresses are unaffected. IPv6 addresses count per /64 (one subscriber's whole prefix), IPv4 per
 *   address. A failed lookup never writes to a stored link: a burst of wrong tokens changes no link.
 * - Cross-site POST: the reveal POST must (1) not be marked cross-site by the browser (`Sec-Fetch-Site` other
 *   than `same-origin`/`none`, or an `Origin` naming another host → 403, before the store is touched, so no
 *   view is consumed), and (2) carry the proceed page's nonce: an HMAC, under a key derived from the server
 *   key, of the link's lookup-id hash and the time the GET page was served (`store.formNonce`), valid for
 *   `limits.nonceMaxAgeSeconds`. We chose a stateless hidden-field nonce over a double-submit cookie because
 *   the manager's first navigation arrives cross-site (through Safe Links or another rewriter), cookies may be
 *   blocked, and a nonce needs no per-visitor state in Redis; binding to the lookup id means a nonce for one
 *   link is useless for another. `Origin: null` is accepted because our `Referrer-Policy: no-referrer` makes
 *   browsers send exactly that on our own form POST; `Sec-Fetch-Site` and the nonce carry the check then.
 *   A same-site POST with a missing or stale nonce (a page left open too long) gets the proceed page again
 *   with a fresh nonce (403) and consumes nothing. None of this stops a scanner that renders the page and
 *   presses the button like a person: only the view limit and the reveal report do.
 */

/** The viewer as passed to `onRevealed`: who, when, which link, and how many views are left. */
export interface RevealedViewer extends SecureLinkViewer {
  viewsLeft: number;
  /** The link's non-secret reference (sha256 of the lookup id, hex). */
  ref: string;
  /** 1 for the link's first view, 2 for the second, … */
  viewNumber: number;
  revealedAt: Date;
}

/** Limits of the `/s` pages; every field has a default. */
export interface SecureLinkLimits {
  /** Failed token lookups allowed per client address per window (default 20). */
  failedLookups?: number;
  /** Length of the failed-lookup window in seconds (default 600). */
  windowSeconds?: number;
  /** How long the proceed page's nonce stays valid, in seconds (default 3600). */
  nonceMaxAgeSeconds?: number;
}

/** Defaults of `SecureLinkLimits`. */
export const SECURE_LINK_DEFAULT_LIMITS: Readonly<Required<SecureLinkLimits>> = Object.freeze({
  failedLookups: 20,
  windowSeconds: 600,
  nonceMaxAgeSeconds: 3600,
});

export interface SecureLinkRouterOptions {
  store: ReturnType<typeof createRedisSecureLinkStore>;
  /** Shown at the top of every page. Plain text (escaped). */
  mspName: string;
  logger: Logger;
  /**
   * Called after a successful reveal, e.g. to add an "opened" internal note to the ticket. Not awaited: the
   * page never waits for it, and its failure is logged, not shown.
   */
  onRevealed?: (context: SecureLinkContext, viewer: RevealedViewer) => void | Promise<void>;
  /**
   * Redis for the failed-lookup limiter (the fast, fail-at-once connection is right). When absent the limiter
   * is off: meant for tests only, production always passes it.
   */
  redis?: Redis;
  /** Namespace of the limiter's keys, normally the store's `keyPrefix` (e.g. `resetdesk:`). */
  keyPrefix?: string;
  limits?: SecureLinkLimits;
}

/** Content-Security-Policy of every `/s` response. */
export const SECURE_LINK_CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Headers set on every `/s` response (besides the CSP). */
export const SECURE_LINK_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex, nofollow',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

/**
 * Replaces a secure-link token in a URL path with its short reference, for request loggers:
 * `/s/<43 chars>` becomes `/s/[link:<ref>]` (`[link:malformed]` for junk). Asset and other URLs are unchanged.
 */
export function redactSecureLinkPath(url: string): string {
  return url.replace(/\/s\/([^/?#]+)/, (whole, token: string) =>
    token === 'assets' ? whole : `/s/[link:${secureLinkRef(token)}]`,
  );
}

const MAX_USER_AGENT = 256;

/**
 * The key an address is limited under: IPv4 (also IPv4-mapped IPv6) as is, IPv6 reduced to its /64, since
 * one subscriber usually holds a whole /64 and could otherwise rotate addresses. Exported for tests.
 */
export function clientAddressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (isIPv4(ip)) return ip;
  const bare = ip.split('%')[0] ?? '';
  if (!isIPv6(bare)) return 'unknown';
  const groupsOf = (part: string) =>
    part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : [];
  const [head = '', tail] = bare.split('::');
  const left = groupsOf(head);
  const right = tail === undefined ? [] : groupsOf(tail);
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Why a POST is cross-site, or undefined when it is not (see the module comment). Exported for the
 * confirmation pages (`/c`), which apply the same check.
 */
export function crossSiteReason(req: Request): string | undefined {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) {
    return site === 'same-origin' || site === 'none' ? undefined : `sec-fetch-site: ${site.slice(0, 20)}`;
  }
  const origin = req.get('origin');
  if (origin === undefined || origin === 'null') return undefined;
  try {
    return new URL(origin).host === req.host ? undefined : 'origin names another host';
  } catch {
    return 'unparseable origin';
  }
}

export interface GuessLimiter {
  /** Seconds until the address may try again, or 0 when it may try now. */
  retryAfter(address: string): Promise<number>;
  recordFailure(address: string): Promise<void>;
}

/**
 * The failed-lookup limiter (see the module comment). `name` names its Redis keys (`<keyPrefix><name>:<address>`);
 * exported for the confirmation pages, which count their own failed lookups under another name.
 */
export function createGuessLimiter(
  redis: Redis,
  keyPrefix: string,
  points: number,
  duration: number,
  log: Logger,
  name = 'link-guess',
): GuessLimiter {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${keyPrefix}${name}`,
    points,
    duration,
    // Redis down: limit per process in memory rather than not at all (the store fails closed meanwhile).
    insuranceLimiter: new RateLimiterMemory({ points, duration }),
  });
  return {
    async retryAfter(address) {
      try {
        const res = await limiter.get(address);
        return res && res.consumedPoints >= points ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : 0;
      } catch (err) {
        log.warn({ err: { message: describeError(err) } }, 'secure link limiter unavailable');
        return 0;
      }
    },
    async recordFailure(address) {
      try {
        await limiter.penalty(address, 1);
      } catch (err) {
        if (!(err instanceof RateLimiterRes))
          log.warn({ err: { message: describeError(err) } }, 'secure link limiter unavailable');
      }
    },
  };
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Builds the `/s` router. Mount it with `app.use('/s', router)`. */
export function createSecureLinkRouter(opts: SecureLinkRouterOptions): express.Router {
  const { store, mspName, onRevealed } = opts;
  const limits = { ...SECURE_LINK_DEFAULT_LIMITS, ...opts.limits };
  const nonceMaxAgeMs = limits.nonceMaxAgeSeconds * 1000;
  const log = opts.logger.child({ component: 'secure-link-pages' });
  const limiter = opts.redis
    ? createGuessLimiter(opts.redis, opts.keyPrefix ?? '', limits.failedLookups, limits.windowSeconds, log)
    : undefined;
  const router = express.Router({ caseSensitive: true, strict: false });

  const securityHeaders: RequestHandler = (_req, res, next) => {
    // Overrides whatever an app-wide helmet() set before us (its CSP and SAMEORIGIN framing are looser).
    res.setHeader('Content-Security-Policy', SECURE_LINK_CSP);
    for (const [name, value] of Object.entries(SECURE_LINK_HEADERS)) res.setHeader(name, value);
    res.removeHeader('X-Powered-By');
    next();
  };

  function send(res: Response, status: number, contentType: string, body: string): void {
    res.status(status);
    res.setHeader('Content-Type', contentType);
    res.setHeader('Content-Length', Buffer.byteLength(body, 'utf8'));
    res.end(body); // Node drops the body for HEAD
  }

  const html = 'text/html; charset=utf-8';
  const base = (req: Request) => ({ mspName, basePath: req.baseUrl });
  const addressOf = (req: Request) => clientAddressKey(req.ip);

  /** A lookup that found nothing: one point against the address, then the one "unavailable" page. */
  async function failedLookup(req: Request, res: Response): Promise<void> {
    await limiter?.recordFailure(addressOf(req));
    send(res, 404, html, renderUnavailablePage(base(req)));
  }

  /** True (and the 429 sent) when the address has used up its failed lookups. */
  async function refusedForGuessing(req: Request, res: Response): Promise<boolean> {
    if (!limiter) return false;
    const address = addressOf(req);
    const wait = await limiter.retryAfter(address);
    if (wait === 0) return false;
    log.warn({ address, retryAfterSeconds: wait }, 'secure link lookups refused: too many failed tokens');
    res.setHeader('Retry-After', String(wait));
    send(res, 429, html, renderTooManyAttemptsPage(base(req)));
    return true;
  }

  const viewerOf = (req: Request): SecureLinkViewer => ({
    ip: req.ip,
    userAgent: req.get('user-agent')?.slice(0, MAX_USER_AGENT),
  });

  const proceedPage = (req: Request, token: string, notice?: string) =>
    renderProceedPage({ ...base(req), token, nonce: store.formNonce(token), notice });

  router.use(securityHeaders);

  router.get('/assets/secure-link.css', (_req, res) =>
    send(res, 200, 'text/css; charset=utf-8', SECURE_LINK_CSS),
  );
  router.get('/assets/secure-link.js', (_req, res) =>
    send(res, 200, 'text/javascript; charset=utf-8', SECURE_LINK_JS),
  );

  // GET (and HEAD, which Express routes here): existence check only, never a view.
  router.get('/:token', async (req, res) => {
    const token = req.params.token;
    if (await refusedForGuessing(req, res)) return;
    if (!isWellFormedToken(token)) return failedLookup(req, res);
    const exists = await store.peek(token);
    if (req.method === 'GET') {
      const viewer = viewerOf(req);
      log.info(
        { link: secureLinkRef(token), exists, ip: viewer.ip, userAgent: viewer.userAgent },
        'secure link opened',
      );
    }
    if (!exists) return failedLookup(req, res);
    send(res, 200, html, proceedPage(req, token));
  });

  const form = express.urlencoded({ extended: false, limit: '2kb', parameterLimit: 4 });

  // POST: the explicit "Click Here to Proceed". The only request that consumes a view.
  router.post('/:token', form, async (req, res) => {
    const token = req.params.token;
    if (await refusedForGuessing(req, res)) return;
    if (!isWellFormedToken(token)) return failedLookup(req, res);
    const link = secureLinkRef(token);
    const viewer = viewerOf(req);

    const crossSite = crossSiteReason(req);
    if (crossSite) {
      log.warn({ link, reason: crossSite, ip: viewer.ip }, 'secure link cross-site POST refused');
      return send(res, 403, html, renderCrossSiteRefusedPage(base(req)));
    }
    const nonce: unknown = (req.body as Record<string, unknown> | undefined)?.nonce;
    if (!store.checkFormNonce(token, nonce, nonceMaxAgeMs)) {
      // Nothing is claimed: a live link gets its proceed page back (fresh nonce), a dead one the usual 404.
      if (!(await store.peek(token))) return failedLookup(req, res);
      log.info(
        { link, nonce: nonce === undefined ? 'missing' : 'invalid', ip: viewer.ip },
        'secure link POST without a valid page nonce',
      );
      return send(
        res,
        403,
        html,
        proceedPage(req, token, 'This page had expired. Click the button again to continue.'),
      );
    }

    const result = await store.reveal(token, viewer);
    if (result.status !== 'revealed') return failedLookup(req, res);
    if (onRevealed) {
      const { context, viewsLeft, ref, viewNumber } = result;
      void Promise.resolve()
        .then(() => onRevealed(context, { ...viewer, viewsLeft, ref, viewNumber, revealedAt: new Date() }))
        .catch((err: unknown) =>
          log.error({ link, err: { message: describeError(err) } }, 'secure link onRevealed hook failed'),
        );
    }
    send(
      res,
      200,
      html,
      renderRevealPage({ ...base(req), secret: result.secret, viewsLeft: result.viewsLeft }),
    );
  });

  // Everything else under /s: the same page as a dead link, so the path space tells nothing.
  router.use(async (req, res) => {
    if (await refusedForGuessing(req, res)) return;
    await failedLookup(req, res);
  });

  // Store down (SecureLinkStoreError) or any other failure: nothing was consumed, so say "try again".
  const onError: ErrorRequestHandler = (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: unknown }).status;
    securityHeaders(req, res, () => undefined);
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // A body the form parser refused (too large, bad encoding): the same page as any dead link.
      return send(res, 404, html, renderUnavailablePage(base(req)));
    }
    log.error(
      {
        link: secureLinkRef(req.path.split('/')[1]),
        err: { name: err instanceof Error ? err.name : 'Error', message: describeError(err) },
      },
      'secure link page failed',
    );
    res.setHeader('Retry-After', '60');
    send(res, 503, html, renderTemporarilyUnavailablePage(base(req)));
  };
  router.use(onError);

  return router;
}
