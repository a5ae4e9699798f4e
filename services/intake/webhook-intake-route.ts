import express, { type Request, type Response, type Router } from 'express';
import type { PsaKind } from '../domain/ports.js';
import type { Logger } from '../logging/logger.js';

/** What the intake needs from a PSA's webhook integration: authenticate the raw request, then find tickets. */
export interface WebhookReceiver {
  psa: PsaKind;
  /** Runs before the body is parsed. False → 401 and nothing else happens. */
  authenticate(req: { headers: Request['headers']; rawBody: Buffer }): boolean;
  /** Ticket ids the delivery is about. Throws `WebhookParseError` (or any error) when none can be found. */
  ticketIds(body: unknown): string[];
}

export interface Enqueuer {
  enqueue(psa: PsaKind, ticketId: string): Promise<string>;
}

/**
 * POST handler for one PSA's webhooks: authenticate → parse → queue, answering 202 only once every ticket
 * is in Redis (503 when Redis cannot take it, so the PSA retries). The webhook body is only a trigger: the
 * worker reads the ticket from the PSA API.
 */
export function createWebhookIntakeRouter(options: {
  receiver: WebhookReceiver;
  queue: Enqueuer;
  bodyLimitBytes: number;
  logger: Logger;
}): Router {
  const { receiver, queue } = options;
  const router = express.Router();
  router.post(
    '/',
    express.raw({ type: () => true, limit: options.bodyLimitBytes }),
    async (req: Request, res: Response) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (!receiver.authenticate({ headers: req.headers, rawBody })) {
        req.log.warn(
          { event: 'intake.unauthenticated', psa: receiver.psa },
          'webhook rejected: authentication failed',
        );
        res.status(401).set('WWW-Authenticate', 'Basic realm="resetdesk"').json({ error: 'unauthenticated' });
        return;
      }
      let ticketIds: string[];
      try {
        const body: unknown = JSON.parse(rawBody.toString('utf8'));
        ticketIds = receiver.ticketIds(body);
      } catch (err) {
        req.log.warn(
          { event: 'intake.unparseable', psa: receiver.psa, reason: (err as Error).message },
          'webhook rejected: no ticket found',
        );
        res.status(400).json({
          error: 'bad-request',
          message: `No ticket id could be read from the webhook: ${(err as Error).message}`,
        });
        return;
      }
      try {
        const jobIds: string[] = [];
        for (const ticketId of ticketIds) jobIds.push(await queue.enqueue(receiver.psa, ticketId));
        req.log.info({ event: 'intake.queued', psa: receiver.psa, correlationIds: jobIds }, 'webhook queued');
        res.status(202).json({ accepted: jobIds });
      } catch (err) {
        req.log.error(
          { event: 'intake.queue-unavailable', err: { message: (err as Error).message } },
          'could not queue webhook',
        );
        res
          .status(503)
          .set('Retry-After', '30')
          .json({ error: 'unavailable', message: 'The queue is unavailable; retry later.' });
      }
    },
  );
  return router;
}
