import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from '../logging/logger.js';
import {
  renderProceedPage,
  renderRevealPage,
  renderTemporarilyUnavailablePage,
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
 */

/** The viewer as passed to `onRevealed`, with how many views the link has left. */
export interface RevealedViewer extends SecureLinkViewer {
  viewsLeft: number;
}

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

/** Builds the `/s` router. Mount it with `app.use('/s', router)`. */
export function createSecureLinkRouter(opts: SecureLinkRouterOptions): express.Router {
  const { store, mspName, onRevealed } = opts;
  const log = opts.logger.child({ component: 'secure-link-pages' });
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

  const base = (req: Request) => ({ mspName, basePath: req.baseUrl });
  const sendUnavailable = (req: Request, res: Response) =>
    send(res, 404, 'text/html; charset=utf-8', renderUnavailablePage(base(req)));

  const viewerOf = (req: Request): SecureLinkViewer => ({
    ip: req.ip,
    userAgent: req.get('user-agent')?.slice(0, MAX_USER_AGENT),
  });

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
    if (!isWellFormedToken(token)) return sendUnavailable(req, res);
    const exists = await store.peek(token);
    if (req.method === 'GET') {
      const viewer = viewerOf(req);
      log.info(
        { link: secureLinkRef(token), exists, ip: viewer.ip, userAgent: viewer.userAgent },
        'secure link opened',
      );
    }
    if (!exists) return sendUnavailable(req, res);
    send(res, 200, 'text/html; charset=utf-8', renderProceedPage({ ...base(req), token }));
  });

  // POST: the explicit "Click Here to Proceed". The only request that consumes a view.
  router.post('/:token', async (req, res) => {
    const token = req.params.token;
    if (!isWellFormedToken(token)) return sendUnavailable(req, res);
    const viewer = viewerOf(req);
    const result = await store.reveal(token, viewer);
    if (result.status !== 'revealed') return sendUnavailable(req, res);
    if (onRevealed) {
      const { context, viewsLeft } = result;
      void Promise.resolve()
        .then(() => onRevealed(context, { ...viewer, viewsLeft }))
        .catch((err: unknown) =>
          log.error(
            {
              link: secureLinkRef(token),
              err: { message: err instanceof Error ? err.message : String(err) },
            },
            'secure link onRevealed hook failed',
          ),
        );
    }
    send(
      res,
      200,
      'text/html; charset=utf-8',
      renderRevealPage({ ...base(req), secret: result.secret, viewsLeft: result.viewsLeft }),
    );
  });

  // Everything else under /s: the same page as a dead link, so the path space tells nothing.
  router.use((req, res) => sendUnavailable(req, res));

  // Store down (SecureLinkStoreError) or any other failure: nothing was consumed, so say "try again".
  const onError: ErrorRequestHandler = (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    log.error(
      {
        link: secureLinkRef(req.path.split('/')[1]),
        err: {
          name: err instanceof Error ? err.name : 'Error',
          message: err instanceof Error ? err.message : String(err),
        },
      },
      'secure link page failed',
    );
    securityHeaders(req, res, () => undefined);
    res.setHeader('Retry-After', '60');
    send(res, 503, 'text/html; charset=utf-8', renderTemporarilyUnavailablePage(base(req)));
  };
  router.use(onError);

  return router;
}
