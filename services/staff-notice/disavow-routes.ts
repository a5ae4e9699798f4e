import type express from 'express';
import type { RedisClient } from '../redis/redis-client.js';
import { storeKeys } from '../redis/redis-keys.js';
import type { DisavowReport } from '../domain/ports.js';
import type { Logger } from '../logging/logger.js';
import { type OneTimeLinkLimits, oneTimeLinkBasics } from '../one-time-links/guess-limiter.js';
import { CSS_CONTENT_TYPE } from '../one-time-links/link-page-sender.js';
import { createLinkRouterKit } from '../one-time-links/link-router.js';
import { linkFormParser, postedFields } from '../one-time-links/post-guard.js';
import {
  DISAVOW_CSS,
  DISAVOW_STATUS_PAGES,
  renderDisavowPage,
  renderDisavowThankYouPage,
} from './disavow-pages.js';
import type { DisavowStore } from './disavow-store.js';
import { errorMessage } from '../domain/errors.js';

/**
 * The "this wasn't me" pages, mounted at `/n`, with the one-time-link machinery of `/s` and `/c`
 * (one-time-links/link-router.ts): the same headers and CSP, token shape checked before Redis, failed
 * lookups limited per client address, cross-site POSTs refused before the store is touched, the page's
 * nonce required.
 * - `GET /n/:token` shows the button and does nothing else (mail scanners fetch links);
 * - `POST /n/:token` with the nonce uses the link (once) and hands the report to `onDisavow` (a queued job);
 *   when that fails the link is reopened and the page says "try again";
 * - `GET /n/assets/disavow.css` the only asset.
 */
export interface DisavowRouterOptions {
  store: DisavowStore;
  mspName: string;
  logger: Logger;
  /** Queues the report. Awaited: when it throws, the link is reopened and the visitor may press again. */
  onDisavow: (report: DisavowReport) => Promise<void>;
  redis?: RedisClient;
  keyPrefix?: string;
  limits?: OneTimeLinkLimits;
}

export function createDisavowRouter(opts: DisavowRouterOptions): express.Router {
  const { store, mspName, onDisavow } = opts;
  const { nonceMaxAgeMs, log, limiter } = oneTimeLinkBasics(
    opts,
    'disavow-pages',
    storeKeys.disavowGuessName,
  );
  const kit = createLinkRouterKit({
    mspName,
    log,
    limiter,
    logName: 'disavow link',
    logRef: store.logRef,
    pages: DISAVOW_STATUS_PAGES,
  });
  const { router, base, sendHtml, viewerOf, failedLookup, admitToken } = kit;

  kit.serveAsset('disavow.css', CSS_CONTENT_TYPE, DISAVOW_CSS);

  router.get('/:token', async (req, res) => {
    const opened = await kit.openLink(req, res, (token) => store.peek(token));
    if (opened)
      sendHtml(
        res,
        200,
        renderDisavowPage({ ...base(req), token: opened.token, nonce: store.formNonce(opened.token) }),
      );
  });

  router.post('/:token', linkFormParser(), async (req, res) => {
    const token = await admitToken(req, res);
    if (token === undefined) return;
    const link = store.logRef(token);
    const viewer = viewerOf(req);
    if (kit.refusedCrossSite(req, res, link, viewer)) return;
    const body = postedFields(req);
    if (!store.checkFormNonce(token, body.nonce, nonceMaxAgeMs)) {
      const pending = await store.peek(token);
      if (!pending) return failedLookup(req, res);
      log.info(
        { link, nonce: body.nonce === undefined ? 'missing' : 'checked', ip: viewer.ip },
        'disavow POST without a valid page nonce',
      );
      return sendHtml(
        res,
        403,
        renderDisavowPage({
          ...base(req),
          token,
          nonce: store.formNonce(token),
          notice: 'This page had expired. Please press the button again.',
        }),
      );
    }
    const used = await store.use(token);
    if (!used) return failedLookup(req, res);
    const report: DisavowReport = {
      ...used.binding,
      ref: used.ref,
      reportedAt: used.usedAt.toISOString(),
      ...(viewer.ip ? { ip: viewer.ip } : {}),
      ...(viewer.userAgent ? { userAgent: viewer.userAgent } : {}),
    };
    try {
      await onDisavow(report);
    } catch (err) {
      log.error(
        { link, err: { message: errorMessage(err) } },
        'disavow report not queued; reopening the link',
      );
      return kit.reopenAfterFailedHandOver(req, res, link, () => store.reopen(token));
    }
    log.warn(
      {
        event: 'audit.disavowed',
        link,
        correlationId: used.binding.correlationId,
        ip: viewer.ip,
        userAgent: viewer.userAgent,
      },
      'the staff member reported a reset they did not expect',
    );
    sendHtml(res, 200, renderDisavowThankYouPage(base(req)));
  });

  return kit.finish();
}
