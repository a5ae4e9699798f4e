import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';
import {
  clientAddressKey,
  createGuessLimiter,
  crossSiteReason,
  SECURE_LINK_CSP,
  SECURE_LINK_DEFAULT_LIMITS,
  SECURE_LINK_HEADERS,
  type SecureLinkLimits,
} from '../secure-link/secure-link-routes.js';
import {
  CONFIRMATION_CSS,
  renderConfirmationCrossSitePage,
  renderConfirmationRetryPage,
  renderConfirmationTooManyPage,
  renderConfirmationUnavailablePage,
  renderQuestionPage,
  renderThankYouPage,
} from './confirmation-pages.js';
import {
  confirmationLogRef,
  isWellFormedConfirmationToken,
  type ConfirmationContext,
  type ConfirmationDecision,
  type ConfirmationStore,
  type ConfirmationViewer,
} from './confirmation-store.js';

/**
 * The confirmation pages for email requests (brief §4), mounted at `/c`:
 * - `GET /c/:token`  the question and two buttons; reads, never writes (mail scanners fetch links; HEAD alike);
 * - `POST /c/:token` with `nonce` and `decision` (`confirmed` | `denied`): records the decision once, hands it
 *   to `onDecision` and shows a thank-you page;
 * - `GET /c/assets/confirmation.css` the only asset; anything else under `/c` is the "no longer available" 404.
 *
 * Security is the secure link's (see `secure-link-routes.ts`): the same headers and CSP on every response,
 * token shape checked before Redis, failed lookups rate-limited per client address (keys
 * `<keyPrefix>confirm-guess:<address>`), cross-site POSTs refused (403) before the store is touched, and the
 * POST must echo the page's nonce. Tokens are never logged (logs carry the first 12 characters of the ref).
 *
 * Ordering: the store's atomic `decide` runs first, so of two racing POSTs exactly one reaches `onDecision`.
 * When `onDecision` fails the decision is undone (`reopen`) and the manager sees a 503 "try again": the link
 * stays usable. If the process dies between the two, the link is used up and nothing was handed over: nothing
 * is reset, and the ticket stays waiting until its confirmation times out to an engineer (fail safe).
 */

/** Who answered, which link, and when: the third argument of `onDecision`. */
export interface DecisionViewer extends ConfirmationViewer {
  /** The link's non-secret reference (`ConfirmationLink.ref`). */
  ref: string;
  decidedAt: Date;
  /** The question the manager answered, as shown on the page. */
  targetDisplayName: string;
  what: 'password' | 'mfa' | 'both';
}

export interface ConfirmationRouterOptions {
  store: ConfirmationStore;
  /** Shown at the top of every page and in the question. Plain text (escaped). */
  mspName: string;
  logger: Logger;
  /**
   * Hands the decision on (enqueue a job). Awaited: when it throws, the decision is undone, the manager gets
   * a 503 page and may answer again. Use the ref in the job id so a retried hand-over is a no-op.
   */
  onDecision: (
    decision: ConfirmationDecision,
    context: ConfirmationContext,
    viewer: DecisionViewer,
  ) => Promise<void>;
  /** Redis for the failed-lookup limiter; when absent the limiter is off (tests only). */
  redis?: Redis;
  keyPrefix?: string;
  /** As for the secure link: failed lookups per window, window length, nonce lifetime. */
  limits?: SecureLinkLimits;
}

const MAX_USER_AGENT = 256;

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Builds the `/c` router. Mount it with `app.use('/c', router)`. */
export function createConfirmationRouter(opts: ConfirmationRouterOptions): express.Router {
  const { store, mspName, onDecision } = opts;
  const limits = { ...SECURE_LINK_DEFAULT_LIMITS, ...opts.limits };
  const nonceMaxAgeMs = limits.nonceMaxAgeSeconds * 1000;
  const log = opts.logger.child({ component: 'confirmation-pages' });
  const limiter = opts.redis
    ? createGuessLimiter(
        opts.redis,
        opts.keyPrefix ?? '',
        limits.failedLookups,
        limits.windowSeconds,
        log,
        'confirm-guess',
      )
    : undefined;
  const router = express.Router({ caseSensitive: true, strict: false });

  const securityHeaders: RequestHandler = (_req, res, next) => {
    res.setHeader('Content-Security-Policy', SECURE_LINK_CSP);
    for (const [name, value] of Object.entries(SECURE_LINK_HEADERS)) res.setHeader(name, value);
    res.removeHeader('X-Powered-By');
    next();
  };

  function send(res: Response, status: number, contentType: string, body: string): void {
    res.status(status);
    res.setHeader('Content-Type', contentType);
    res.setHeader('Content-Length', Buffer.byteLength(body, 'utf8'));
    res.end(body);
  }

  const html = 'text/html; charset=utf-8';
  const base = (req: Request) => ({ mspName, basePath: req.baseUrl });
  const addressOf = (req: Request) => clientAddressKey(req.ip);
  const viewerOf = (req: Request): ConfirmationViewer => ({
    ip: req.ip,
    userAgent: req.get('user-agent')?.slice(0, MAX_USER_AGENT),
  });

  async function failedLookup(req: Request, res: Response): Promise<void> {
    await limiter?.recordFailure(addressOf(req));
    send(res, 404, html, renderConfirmationUnavailablePage(base(req)));
  }

  async function refusedForGuessing(req: Request, res: Response): Promise<boolean> {
    if (!limiter) return false;
    const address = addressOf(req);
    const wait = await limiter.retryAfter(address);
    if (wait === 0) return false;
    log.warn({ address, retryAfterSeconds: wait }, 'confirmation lookups refused: too many failed tokens');
    res.setHeader('Retry-After', String(wait));
    send(res, 429, html, renderConfirmationTooManyPage(base(req)));
    return true;
  }

  router.use(securityHeaders);

  router.get('/assets/confirmation.css', (_req, res) =>
    send(res, 200, 'text/css; charset=utf-8', CONFIRMATION_CSS),
  );

  router.get('/:token', async (req, res) => {
    const token = req.params.token;
    if (await refusedForGuessing(req, res)) return;
    if (!isWellFormedConfirmationToken(token)) return failedLookup(req, res);
    const pending = await store.peek(token);
    if (req.method === 'GET') {
      const viewer = viewerOf(req);
      log.info(
        {
          link: confirmationLogRef(token),
          exists: pending !== null,
          ip: viewer.ip,
          userAgent: viewer.userAgent,
        },
        'confirmation link opened',
      );
    }
    if (!pending) return failedLookup(req, res);
    send(
      res,
      200,
      html,
      renderQuestionPage({ ...base(req), token, nonce: store.formNonce(token), question: pending.question }),
    );
  });

  const form = express.urlencoded({ extended: false, limit: '2kb', parameterLimit: 4 });

  router.post('/:token', form, async (req, res) => {
    const token = req.params.token;
    if (await refusedForGuessing(req, res)) return;
    if (!isWellFormedConfirmationToken(token)) return failedLookup(req, res);
    const link = confirmationLogRef(token);
    const viewer = viewerOf(req);

    const crossSite = crossSiteReason(req);
    if (crossSite) {
      log.warn({ link, reason: crossSite, ip: viewer.ip }, 'confirmation cross-site POST refused');
      return send(res, 403, html, renderConfirmationCrossSitePage(base(req)));
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const decision = body.decision;
    const validDecision = decision === 'confirmed' || decision === 'denied';
    if (!validDecision || !store.checkFormNonce(token, body.nonce, nonceMaxAgeMs)) {
      // Nothing is decided: a live link gets its question back (fresh nonce), a dead one the usual 404.
      const pending = await store.peek(token);
      if (!pending) return failedLookup(req, res);
      log.info(
        {
          link,
          nonce: body.nonce === undefined ? 'missing' : 'checked',
          decision: validDecision ? decision : 'invalid',
          ip: viewer.ip,
        },
        'confirmation POST without a valid page nonce or decision',
      );
      return send(
        res,
        403,
        html,
        renderQuestionPage({
          ...base(req),
          token,
          nonce: store.formNonce(token),
          question: pending.question,
          notice: 'This page had expired. Please choose your answer again.',
        }),
      );
    }

    const result = await store.decide(token, decision, viewer);
    if (result.status !== 'decided') return failedLookup(req, res);
    try {
      await onDecision(decision, result.context, {
        ...viewer,
        ref: result.ref,
        decidedAt: result.decidedAt,
        targetDisplayName: result.question.targetDisplayName,
        what: result.question.what,
      });
    } catch (err) {
      log.error(
        { link, decision, ...result.context, err: { message: describeError(err) } },
        'confirmation hand-over failed; reopening the link',
      );
      try {
        await store.reopen(token, decision);
      } catch (reopenErr) {
        log.error(
          { link, err: { message: describeError(reopenErr) } },
          'confirmation link could not be reopened after a failed hand-over',
        );
      }
      res.setHeader('Retry-After', '60');
      return send(res, 503, html, renderConfirmationRetryPage(base(req)));
    }
    log.info(
      { link, decision, ...result.context, ip: viewer.ip, userAgent: viewer.userAgent },
      'confirmation decided',
    );
    send(res, 200, html, renderThankYouPage({ ...base(req), decision }));
  });

  router.use(async (req, res) => {
    if (await refusedForGuessing(req, res)) return;
    await failedLookup(req, res);
  });

  const onError: ErrorRequestHandler = (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: unknown }).status;
    securityHeaders(req, res, () => undefined);
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return send(res, 404, html, renderConfirmationUnavailablePage(base(req)));
    }
    log.error(
      {
        link: confirmationLogRef(req.path.split('/')[1]),
        err: { name: err instanceof Error ? err.name : 'Error', message: describeError(err) },
      },
      'confirmation page failed',
    );
    res.setHeader('Retry-After', '60');
    send(res, 503, html, renderConfirmationRetryPage(base(req)));
  };
  router.use(onError);

  return router;
}

/**
 * Replaces a confirmation token in a URL path with its short reference, for request loggers:
 * `/c/<43 chars>` becomes `/c/[confirm:<ref>]`. Asset URLs are unchanged.
 */
export function redactConfirmationPath(url: string): string {
  return url.replace(/\/c\/([^/?#]+)/, (whole, token: string) =>
    token === 'assets' ? whole : `/c/[confirm:${confirmationLogRef(token)}]`,
  );
}
