import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import type { Logger } from '../logging/logger.js';
import { clientAddressKey, type GuessLimiter } from './guess-limiter.js';
import type { LinkPageBase, LinkStatusPages } from './link-page-layout.js';
import { HTML_CONTENT_TYPE, linkSecurityHeaders, sendLinkPage } from './link-page-sender.js';
import { isWellFormedLinkToken } from './link-token.js';
import { crossSiteReason } from './post-guard.js';
import { errorMessage } from '../domain/errors.js';

/**
 * The request handling both one-time-link routers share: security headers on every response, the failed-lookup
 * limit, the one "unavailable" 404, cross-site POST refusal, the catch-all and the error handler. Each router
 * adds its own asset and token routes between `createLinkRouterKit` and `finish`.
 */

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
  /** Names the feature in log messages, e.g. `secure link` (`secure link opened`). */
  logName: string;
  /** The short, non-secret log reference of a token (`malformed` for junk). */
  logRef: (token: unknown) => string;
  pages: LinkStatusPages;
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
   * GET (and HEAD, which Express routes to GET handlers) of `/:token`: `peek` reads what the link holds without
   * using it; a GET is logged (HEAD is not). Returns the token and what `peek` found, or undefined with the
   * failed-lookup answer already sent.
   */
  async function openLink<T>(
    req: Request,
    res: Response,
    peek: (token: string) => Promise<T | null | false>,
  ): Promise<{ token: string; found: T } | undefined> {
    const token = await admitToken(req, res);
    if (token === undefined) return undefined;
    const found = await peek(token);
    if (req.method === 'GET') {
      const viewer = viewerOf(req);
      log.info(
        { link: logRef(token), exists: Boolean(found), ip: viewer.ip, userAgent: viewer.userAgent },
        `${logName} opened`,
      );
    }
    if (found) return { token, found };
    await failedLookup(req, res);
    return undefined;
  }

  /** Serves one of the router's static assets at `<basePath>/assets/<name>`. */
  function serveAsset(name: string, contentType: string, body: string): void {
    router.get(`/assets/${name}`, (_req, res) => sendLinkPage(res, 200, contentType, body));
  }

  /** The 503 "try again": nothing was done, the link still works. */
  function sendTryAgain(req: Request, res: Response): void {
    res.setHeader('Retry-After', '60');
    sendHtml(res, 503, pages.tryAgain(base(req)));
  }

  /**
   * A used link whose hand-over failed: the link is reopened, so the visitor may try again, and gets the 503.
   * When reopening fails too, that is logged and the link stays used (nothing was handed over).
   */
  async function reopenAfterFailedHandOver(
    req: Request,
    res: Response,
    link: string,
    reopen: () => Promise<unknown>,
  ): Promise<void> {
    try {
      await reopen();
    } catch (err) {
      log.error(
        { link, err: { message: errorMessage(err) } },
        `${logName} could not be reopened after a failed hand-over`,
      );
    }
    sendTryAgain(req, res);
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
          err: { name: err instanceof Error ? err.name : 'Error', message: errorMessage(err) },
        },
        `${logName} page failed`,
      );
      sendTryAgain(req, res);
    };
    router.use(onError);
    return router;
  }

  router.use(linkSecurityHeaders);

  return {
    router,
    base,
    sendHtml,
    viewerOf,
    failedLookup,
    admitToken,
    openLink,
    serveAsset,
    refusedCrossSite,
    reopenAfterFailedHandOver,
    finish,
  };
}
