import express, { type Request, type RequestHandler, type Response } from 'express';
import type { PsaKind } from '../domain/ports.js';
import type { Logger } from '../logging/logger.js';

export interface WebhookDelivery {
  ticketId: string;
  /** The PSA's id of this delivery (Halo delivery id, ConnectWise MessageId, Autotask Guid+sequence). */
  deliveryId?: string;
  /**
   * The PSA customer id the body names for the ticket, when it names one. Used only to schedule the job
   * (see `Enqueuer`); every fact the worker acts on is read from the PSA API.
   */
  customerHint?: string;
}

export type WebhookVerdict =
  | { status: 'unauthenticated'; reason: string }
  | { status: 'bad-request'; message: string }
  /** Could not decide now (e.g. the signing-key endpoint timed out): the PSA should deliver it again. */
  | { status: 'retry-later'; reason: string }
  /** Authenticated; `deliveries` may be empty (a deletion, an echo of our own update): acknowledged, nothing queued. */
  | { status: 'accepted'; deliveries: WebhookDelivery[]; ignored?: string };

/** A header-only refusal (see `WebhookReceiver.authenticateHeaders`). */
export interface HeaderRefusal {
  status: 'unauthenticated';
  reason: string;
}

/**
 * What the intake needs from a PSA's webhook integration. Contract: authenticate over the raw bytes first,
 * and read nothing from the body before that; the body is only a trigger (the worker reads the ticket from
 * the PSA API).
 */
export interface WebhookReceiver {
  psa: PsaKind;
  /**
   * For schemes whose credential travels in the headers (HTTP Basic): checked before any byte of the body is
   * read, so an unauthenticated sender cannot make the service buffer a body. A refusal is answered 401 at
   * once and the connection closed; undefined goes on to the body and `receive`, which still authenticates.
   * Signature schemes have nothing to check before the body is there and leave this out.
   */
  authenticateHeaders?(headers: Request['headers']): HeaderRefusal | undefined;
  /**
   * The status that makes this PSA deliver again when we cannot take a webhook now (default 503).
   * ConnectWise retries only 404/409/419/429, so its receiver says 429.
   */
  retryStatus?: number;
  receive(request: { headers: Request['headers']; rawBody: Buffer }): Promise<WebhookVerdict>;
}

export interface Enqueuer {
  /**
   * Adds the ticket's job. `customerHint` is the PSA customer the webhook body names, when it names one: the
   * queue may schedule the job by it (see `ResetQueue`), never act on it.
   */
  enqueue(psa: PsaKind, ticketId: string, customerHint?: string): Promise<string>;
}

/**
 * The handlers of `POST /webhooks/<psa>` (the receiver's header check when it has one, the body reader, then
 * the route), mounted straight on the app: a
 * nested router per PSA cost every webhook a second round of path matching. Authenticate → parse → queue,
 * answering 202 only once every ticket is in Redis (503 when Redis cannot take it, so the PSA retries). Replays and duplicates need no memory of
 * delivery ids here: the ticket's job id dedupes while its job exists, and the worker's ticket ledger makes
 * any later run change nothing. That keeps the intake to one Redis round trip, like a bare queue add.
 */
export function webhookIntakeHandlers(options: {
  receiver: WebhookReceiver;
  queue: Enqueuer;
  bodyLimitBytes: number;
  logger: Logger;
  /**
   * Reports a webhook refused because Redis could not take its job (the service's Redis outage log, which
   * keeps an outage to one line a second); without it each refusal is logged on its own.
   */
  onQueueUnavailable?: (err: Error) => void;
}): RequestHandler[] {
  const { receiver, queue } = options;
  const refuseUnauthenticated = (req: Request, res: Response, reason: string) => {
    req.log.warn(
      { event: 'intake.unauthenticated', psa: receiver.psa, reason },
      'webhook rejected: authentication failed',
    );
    res.status(401).set('WWW-Authenticate', 'Basic realm="resetdesk"').json({ error: 'unauthenticated' });
  };
  const headerCheck: RequestHandler[] = receiver.authenticateHeaders
    ? [
        (req, res, next) => {
          const refused = receiver.authenticateHeaders?.(req.headers);
          if (!refused) return next();
          // Nothing of the body has been read, and none will be: the connection ends once the answer is
          // out rather than reading the rest of a body nobody looks at to keep it for another request
          // (current Node does this by itself for an unread body; the header makes it explicit).
          res.set('Connection', 'close');
          refuseUnauthenticated(req, res, refused.reason);
        },
      ]
    : [];
  return [
    ...headerCheck,
    express.raw({ type: () => true, limit: options.bodyLimitBytes }),
    async (req: Request, res: Response) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let verdict: WebhookVerdict;
      try {
        verdict = await receiver.receive({ headers: req.headers, rawBody });
      } catch (err) {
        verdict = { status: 'retry-later', reason: (err as Error).message };
      }
      const retryStatus = receiver.retryStatus ?? 503;
      if (verdict.status === 'retry-later') {
        // Neither an acceptance nor a rejection: the PSA must deliver it again once we can decide.
        req.log.warn(
          { event: 'intake.verify-failed', psa: receiver.psa, reason: verdict.reason },
          'could not verify webhook now',
        );
        res
          .status(retryStatus)
          .set('Retry-After', '10')
          .json({ error: 'unavailable', message: 'The webhook could not be verified now; retry later.' });
        return;
      }
      if (verdict.status === 'unauthenticated') {
        refuseUnauthenticated(req, res, verdict.reason);
        return;
      }
      if (verdict.status === 'bad-request') {
        req.log.warn(
          { event: 'intake.unparseable', psa: receiver.psa, reason: verdict.message },
          'webhook rejected: no ticket found',
        );
        res.status(400).json({ error: 'bad-request', message: verdict.message });
        return;
      }
      try {
        const accepted = await Promise.all(
          verdict.deliveries.map((d) => queue.enqueue(receiver.psa, d.ticketId, d.customerHint)),
        );
        // Info lines only when info is on: `req.log` makes a child logger, a cost on every webhook otherwise.
        const logInfo = options.logger.isLevelEnabled('info');
        if (accepted.length === 0) {
          if (logInfo)
            req.log.info(
              {
                event: 'intake.ignored',
                psa: receiver.psa,
                reason: verdict.ignored ?? 'nothing to do',
              },
              'webhook acknowledged',
            );
          res.status(200).json({
            accepted: [],
            ignored: verdict.ignored ?? 'nothing to do',
          });
          return;
        }
        if (logInfo)
          req.log.info(
            { event: 'intake.queued', psa: receiver.psa, correlationIds: accepted },
            'webhook queued',
          );
        res.status(202).json({ accepted });
      } catch (err) {
        if (options.onQueueUnavailable) options.onQueueUnavailable(err as Error);
        else
          req.log.error(
            { event: 'intake.queue-unavailable', err: { message: (err as Error).message } },
            'could not queue webhook',
          );
        res
          .status(retryStatus)
          .set('Retry-After', '30')
          .json({ error: 'unavailable', message: 'The queue is unavailable; retry later.' });
      }
    },
  ];
}
