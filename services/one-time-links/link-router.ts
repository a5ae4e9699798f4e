import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import type { Logger } from '../logging/logger.js';
import { clientAddressKey, type GuessLimiter } from './guess-limiter.js';
import { HTML_CONTENT_TYPE, linkSecurityHeaders, sendLinkPage } from './link-page-sender.js';
import { describeError, isWellFormedLinkToken } from './link-token.js';
import { crossSiteReason } from './post-guard.js';

/**
 * The request handling both one-time-link routers share: security headers on every response, the failed-lookup
 * limit, the one "unavailable" 404, cross-site POST refusal, the catch-all and the error handler. Each router
 * adds its own asset and token routes between `createLinkRouterKit` and `finish`.
 */

/** Where a router is mounted and whose pages it shows, as every page renderer takes it. */
export interface LinkPageBase {
  mspName: string;
  basePath: string;
}

/** Who opened a link, as the HTTP edge saw it. */
export interface LinkViewer {
  ip?: string;
  userAgent?: string;
}

export interface LinkRouterKitOptions {
  mspName: string;
  log: Logger;
  /** Absent: no failed-lookup limit (tests only). */
  limiter: GuessLimiter | undefined;
  /** Names the feature in log messages, e.g. `secure link`. */
  logName: string;
  /** The short, non-secret log reference of a token (`malformed` for junk). */
  logRef: (token: unknown) => string;
  pages: {
    /** 404 for every link that cannot be shown. */
    unavailable: (base: LinkPageBase) => string;
    /** 429 once an address has used up its failed lookups. */
    tooManyAttempts: (base: LinkPageBase) => string;
    /** 403 for a cross-site POST. */
    crossSite: (base: LinkPageBase) => string;
    /** 503 when the store or anything else failed. */
    tryAgain: (base: LinkPageBase) => string;
  };
}

const MAX_USER_AGENT = 256;

export function createLinkRouterKit(opts: LinkRouterKitOptions) {
  const { mspName, log, limiter, logName, logRef, pages } = opts;
  const router = express.Router({ caseSensitive: true, strict: false });
  const base = (req: Request): LinkPageBase => ({ mspName, basePath: req.baseUrl });
  const addressOf = (req: Request) => clientAddressKey(req.ip);
  const sendHtml = (res: Response, status: number, body: string) =>
    sendLinkPage(res, status, HTML_CONTENT_TYPE, body);

  const viewerOf = (req: Request): LinkViewer => ({
    ip: req.ip,
    userAgent: req.get('user-agent')?.slice(0, MAX_USER_AGENT),
  });

  /**
   * A lookup that found nothing (unknown, expired, used up, wrong key part, malformed, or any other path):
   * one point against the address, counted and checked in one step, then the one "unavailable" 404, or the
   * 429 once the address is over its allowance. Dead and unknown links get the same answer either way.
   */
  async function failedLookup(req: Request, res: Response): Promise<void> {
    const wait = limiter ? await limiter.recordFailure(addressOf(req)) : 0;
    if (wait === 0) return sendHtml(res, 404, pages.unavailable(base(req)));
    log.warn(
      { address: addressOf(req), retryAfterSeconds: wait },
      `${logName} lookup refused: too many failed tokens`,
    );
    res.setHeader('Retry-After', String(wait));
    sendHtml(res, 429, pages.tooManyAttempts(base(req)));
  }

  /**
   * The token of a `/:token` request when it is well formed; otherwise undefined, with the failed-lookup
   * answer already sent. Nothing is refused before the lookup: a link that opens always opens.
   */
  async function admitToken(req: Request, res: Response): Promise<string | undefined> {
    const token: unknown = req.params.token;
    if (isWellFormedLinkToken(token)) return token;
    await failedLookup(req, res);
    return undefined;
  }

  /**
   * True (and the 403 sent) when a POST is cross-site. Called before any store call, so nothing is consumed.
   */
  function refusedCrossSite(req: Request, res: Response, link: string, viewer: LinkViewer): boolean {
    const crossSite = crossSiteReason(req);
    if (!crossSite) return false;
    log.warn({ link, reason: crossSite, ip: viewer.ip }, `${logName} cross-site POST refused`);
    sendHtml(res, 403, pages.crossSite(base(req)));
    return true;
  }

  /** Adds the catch-all (the same page as a dead link) and the error handler. Call after the routes. */
  function finish(): express.Router {
    router.use((req, res) => failedLookup(req, res));

    // Store down or any other failure: nothing was consumed, so say "try again".
    const onError: ErrorRequestHandler = (err: unknown, req, res, next) => {
      if (res.headersSent) return next(err);
      const status = (err as { status?: unknown }).status;
      linkSecurityHeaders(req, res, () => undefined);
      if (typeof status === 'number' && status >= 400 && status < 500) {
        // A body the form parser refused (too large, bad encoding): the same page as any dead link.
        return sendHtml(res, 404, pages.unavailable(base(req)));
      }
      log.error(
        {
          link: logRef(req.path.split('/')[1]),
          err: { name: err instanceof Error ? err.name : 'Error', message: describeError(err) },
        },
        `${logName} page failed`,
      );
      res.setHeader('Retry-After', '60');
      sendHtml(res, 503, pages.tryAgain(base(req)));
    };
    router.use(onError);
    return router;
  }

  router.use(linkSecurityHeaders);

  return { router, base, sendHtml, viewerOf, failedLookup, admitToken, refusedCrossSite, finish };
}
