import type express from 'express';
import type { RedisClient } from '../redis/redis-client.js';
import type { Logger } from '../logging/logger.js';
import { type OneTimeLinkLimits, oneTimeLinkBasics } from '../one-time-links/guess-limiter.js';
import { CSS_CONTENT_TYPE } from '../one-time-links/link-page-sender.js';
import { createLinkRouterKit } from '../one-time-links/link-router.js';
import { linkFormParser, postedFields } from '../one-time-links/post-guard.js';
import {
  CONFIRMATION_CSS,
  CONFIRMATION_STATUS_PAGES,
  renderQuestionPage,
  renderThankYouPage,
} from './confirmation-pages.js';
import {
  confirmationLogRef,
  type ConfirmationContext,
  type ConfirmationDecision,
  type ConfirmationStore,
  type ConfirmationViewer,
} from './confirmation-store.js';
import { errorMessage } from '../domain/errors.js';

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
  redis?: RedisClient;
  keyPrefix?: string;
  /** As for the secure link: failed lookups per window, window length, nonce lifetime. */
  limits?: OneTimeLinkLimits;
}

/** Builds the `/c` router. Mount it with `app.use('/c', router)`. */
export function createConfirmationRouter(opts: ConfirmationRouterOptions): express.Router {
  const { store, mspName, onDecision } = opts;
  const { nonceMaxAgeMs, log, limiter } = oneTimeLinkBasics(opts, 'confirmation-pages', 'confirm-guess');
  const kit = createLinkRouterKit({
    mspName,
    log,
    limiter,
    logName: 'confirmation link',
    logRef: confirmationLogRef,
    pages: CONFIRMATION_STATUS_PAGES,
  });
  const { router, base, sendHtml, viewerOf, failedLookup, admitToken } = kit;

  kit.serveAsset('confirmation.css', CSS_CONTENT_TYPE, CONFIRMATION_CSS);

  router.get('/:token', async (req, res) => {
    const opened = await kit.openLink(req, res, (token) => store.peek(token));
    if (!opened) return;
    const { token, found: pending } = opened;
    sendHtml(
      res,
      200,
      renderQuestionPage({ ...base(req), token, nonce: store.formNonce(token), question: pending.question }),
    );
  });

  router.post('/:token', linkFormParser(), async (req, res) => {
    const token = await admitToken(req, res);
    if (token === undefined) return;
    const link = confirmationLogRef(token);
    const viewer: ConfirmationViewer = viewerOf(req);

    if (kit.refusedCrossSite(req, res, link, viewer)) return;
    const body = postedFields(req);
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
      return sendHtml(
        res,
        403,
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
        { link, decision, ...result.context, err: { message: errorMessage(err) } },
        'confirmation hand-over failed; reopening the link',
      );
      return kit.reopenAfterFailedHandOver(req, res, link, () => store.reopen(token, decision));
    }
    log.info(
      { link, decision, ...result.context, ip: viewer.ip, userAgent: viewer.userAgent },
      'confirmation decided',
    );
    sendHtml(res, 200, renderThankYouPage({ ...base(req), decision }));
  });

  // Everything else under /c: the same page as a dead link; errors: 503.
  return kit.finish();
}
