import type express from 'express';
import type { Request } from 'express';
import type { RedisClient } from '../redis/redis-client.js';
import type { Logger } from '../logging/logger.js';
import { type OneTimeLinkLimits, oneTimeLinkBasics } from '../one-time-links/guess-limiter.js';
import { CSS_CONTENT_TYPE, JS_CONTENT_TYPE } from '../one-time-links/link-page-sender.js';
import { createLinkRouterKit } from '../one-time-links/link-router.js';
import { linkFormParser, postedFields } from '../one-time-links/post-guard.js';
import {
  renderConfirmDestroyPage,
  renderDestroyedPage,
  renderProceedPage,
  SECURE_LINK_CSS,
  SECURE_LINK_JS,
  SECURE_LINK_STATUS_PAGES,
} from './secure-link-pages.js';
import { renderRevealPage } from './secure-link-reveal-page.js';
import {
  secureLinkRef,
  type createRedisSecureLinkStore,
  type SecureLinkContext,
  type SecureLinkViewer,
} from './secure-link-store.js';
import { errorMessage } from '../domain/errors.js';

/**
 * The public secure-link pages, mounted at `/s`:
 * - `GET /s/:token`  the "Click Here to Proceed" page; reads nothing secret and consumes nothing (HEAD alike);
 * - `POST /s/:token` claims one view and shows the blurred password;
 * - `POST /s/:token/destroy` the viewer's "I have saved it, destroy this link": ends the link at once, under
 *   the same cross-site check as the reveal POST and a nonce of its own (from the revealed page);
 * - `GET /s/assets/secure-link.css|js` the only assets;
 * - anything else under `/s`, and every link that cannot be shown, gets the same 404 "no longer available".
 *
 * Every response carries the headers in `LINK_PAGE_HEADERS` plus `LINK_PAGE_CSP`, including errors and assets.
 * Tokens are checked for shape before the store is asked. Neither the token nor the secret is ever logged:
 * logs carry `secureLinkRef` (a short hash of the lookup id). Pages are sent with `res.end`, not `res.send`,
 * so Express computes no ETag: an ETag is a hash of the body, and the body holds the password.
 *
 * Abuse controls:
 * - Guessing: every *failed* lookup (malformed, unknown, expired, used-up or wrong-key token, on GET, HEAD or
 *   POST, and any other path under `/s`) costs the client address one point in a Redis-backed fixed window
 *   (`RateLimiterRedis`, keys `<keyPrefix>link-guess:<address>`, shared by every API process), counted and
 *   checked in one atomic step. Once an address has used its points, its failed lookups get 429 with
 *   `Retry-After` instead of the 404 until the window ends. The limiter is asked only after the store said
 *   no: a link that opens is never refused and costs nothing, so strangers behind the same address (an office
 *   NAT, the MSP's proxy) cannot lock a manager out, and a limited address learns nothing it would not learn
 *   anyway (a dead link answers exactly like an unknown one). The 256-bit token, not the limiter, is what
 *   makes guessing hopeless; the limiter keeps a guesser noisy and slow. IPv6 addresses count per /64 (one
 *   subscriber's whole prefix), IPv4 per address. A failed lookup never writes to a stored link.
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

/** The viewer as passed to `onDestroyed`: who, when, and which link. */
export interface DestroyedViewer extends SecureLinkViewer {
  ref: string;
  destroyedAt: Date;
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
  /**
   * Called after the viewer destroyed the link, e.g. to note it on the ticket. Not awaited, like `onRevealed`.
   */
  onDestroyed?: (context: SecureLinkContext, viewer: DestroyedViewer) => void | Promise<void>;
  /**
   * Redis for the failed-lookup limiter (the fast, fail-at-once connection is right). When absent the limiter
   * is off: meant for tests only, production always passes it.
   */
  redis?: RedisClient;
  /** Namespace of the limiter's keys, normally the store's `keyPrefix` (e.g. `resetdesk:`). */
  keyPrefix?: string;
  /** Limits of the `/s` pages; every field has a default (see `OneTimeLinkLimits`). */
  limits?: OneTimeLinkLimits;
}

/** How one of the POST routes checks its page nonce, and the page a live link's stale form gets back. */
interface NonceCheck {
  nonceIsValid: (token: string, nonce: unknown) => boolean;
  staleLogMessage: string;
  stalePage: (req: Request, token: string) => string;
}

/** A POST route's work once the request passed the checks (see `checkedPost`). */
type AdmittedPostHandler = (
  req: Request,
  res: express.Response,
  admitted: { token: string; link: string; viewer: SecureLinkViewer },
) => Promise<void>;

/** Builds the `/s` router. Mount it with `app.use('/s', router)`. */
export function createSecureLinkRouter(opts: SecureLinkRouterOptions): express.Router {
  const { store, mspName, onRevealed, onDestroyed } = opts;
  const { nonceMaxAgeMs, log, limiter } = oneTimeLinkBasics(opts, 'secure-link-pages');
  const kit = createLinkRouterKit({
    mspName,
    log,
    limiter,
    logName: 'secure link',
    logRef: secureLinkRef,
    pages: SECURE_LINK_STATUS_PAGES,
  });
  const { router, base, sendHtml, viewerOf, failedLookup, admitToken } = kit;

  const proceedPage = (req: Request, token: string, notice?: string) =>
    renderProceedPage({ ...base(req), token, nonce: store.formNonce(token), notice });

  kit.serveAsset('secure-link.css', CSS_CONTENT_TYPE, SECURE_LINK_CSS);
  kit.serveAsset('secure-link.js', JS_CONTENT_TYPE, SECURE_LINK_JS);

  // GET (and HEAD): existence check only, never a view.
  router.get('/:token', async (req, res) => {
    const opened = await kit.openLink(req, res, (token) => store.peek(token));
    if (opened) sendHtml(res, 200, proceedPage(req, opened.token));
  });

  /**
   * A POST route behind the checks both POSTs make before touching the link: the token (shape, guess limit),
   * the cross-site refusal and the page nonce. A stale nonce claims nothing: a live link gets `stalePage` back
   * with 403, a dead one the usual 404. `handle` runs only for a request that passed them all.
   */
  function checkedPost(path: string, check: NonceCheck, handle: AdmittedPostHandler): void {
    router.post(path, linkFormParser(), async (req, res) => {
      const token = await admitToken(req, res);
      if (token === undefined) return;
      const link = secureLinkRef(token);
      const viewer: SecureLinkViewer = viewerOf(req);

      if (kit.refusedCrossSite(req, res, link, viewer)) return;
      const nonce = postedFields(req).nonce;
      if (check.nonceIsValid(token, nonce)) return handle(req, res, { token, link, viewer });
      if (!(await store.peek(token))) return failedLookup(req, res);
      log.info(
        { link, nonce: nonce === undefined ? 'missing' : 'invalid', ip: viewer.ip },
        check.staleLogMessage,
      );
      sendHtml(res, 403, check.stalePage(req, token));
    });
  }

  /** Runs a caller's hook after the response is decided; its failure is logged and changes nothing. */
  function runHookAfterwards(link: string, hookName: string, hook: () => unknown): void {
    void Promise.resolve()
      .then(hook)
      .catch((err: unknown) =>
        log.error({ link, err: { message: errorMessage(err) } }, `secure link ${hookName} hook failed`),
      );
  }

  // POST: the explicit "Click Here to Proceed". The only request that consumes a view.
  const revealCheck: NonceCheck = {
    nonceIsValid: (token, nonce) => store.checkFormNonce(token, nonce, nonceMaxAgeMs),
    staleLogMessage: 'secure link POST without a valid page nonce',
    stalePage: (req, token) =>
      proceedPage(req, token, 'This page had expired. Click the button again to continue.'),
  };
  checkedPost('/:token', revealCheck, async (req, res, { token, link, viewer }) => {
    const result = await store.reveal(token, viewer);
    if (result.status !== 'revealed') return failedLookup(req, res);
    if (onRevealed) {
      const { context, viewsLeft, ref, viewNumber } = result;
      runHookAfterwards(link, 'onRevealed', () =>
        onRevealed(context, { ...viewer, viewsLeft, ref, viewNumber, revealedAt: new Date() }),
      );
    }
    sendHtml(
      res,
      200,
      renderRevealPage({
        ...base(req),
        secrets: result.secrets,
        viewsLeft: result.viewsLeft,
        destroy: { token, nonce: store.destroyNonce(token) },
      }),
    );
  });

  // POST: "I have saved it, destroy this link", from the revealed page. Consumes no view; ends the link.
  const destroyCheck: NonceCheck = {
    nonceIsValid: (token, nonce) => store.checkDestroyNonce(token, nonce, nonceMaxAgeMs),
    staleLogMessage: 'secure link destroy without a valid page nonce',
    stalePage: (req, token) =>
      renderConfirmDestroyPage({ ...base(req), token, nonce: store.destroyNonce(token) }),
  };
  checkedPost('/:token/destroy', destroyCheck, async (req, res, { token, link, viewer }) => {
    const result = await store.destroyByViewer(token, viewer);
    if (result.status !== 'destroyed') return failedLookup(req, res);
    if (onDestroyed) {
      const { context, ref, destroyedAt } = result;
      runHookAfterwards(link, 'onDestroyed', () => onDestroyed(context, { ...viewer, ref, destroyedAt }));
    }
    sendHtml(res, 200, renderDestroyedPage(base(req)));
  });

  // Everything else under /s: the same page as a dead link, so the path space tells nothing; errors: 503.
  return kit.finish();
}
