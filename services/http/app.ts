import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import helmet from 'helmet';
import type { RedisClient } from '../redis/redis-client.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { metricsHandlers } from '../metrics/metrics-server.js';
import {
  webhookIntakeHandlers,
  type Enqueuer,
  type WebhookReceiver,
} from '../intake/webhook-intake-route.js';
import { createHealthRouter } from './health-routes.js';
import { requestLogging } from './request-logging.js';

export interface AppDeps {
  logger: Logger;
  redis: RedisClient;
  queue: Enqueuer;
  receivers: WebhookReceiver[];
  secureLinkRouter: Router;
  /** The email-request confirmation pages (/c/<token>). */
  confirmationRouter?: Router;
  /** The operator console (services/console), mounted at `path`; every route of it checks the sign-in. */
  operatorConsole?: { path: string; router: Router };
  /** The "this wasn't me" pages of the notices to staff members (/n/<token>). */
  disavowRouter?: Router;
  bodyLimitBytes: number;
  trustProxy: number;
  /** Webhook counters (services/metrics), when given. */
  metrics?: Pick<Metrics, 'countWebhooks' | 'serveMetrics'>;
  /**
   * When set (with `metrics`), GET /metrics is served here too, to requests bearing this token. Without it
   * the public port has no /metrics: the metrics listener (`metrics-server.ts`) serves it.
   */
  metricsBearerToken?: string;
  /** Where webhooks refused for want of Redis are reported (see `webhookIntakeHandlers`). */
  onQueueUnavailable?: (err: Error) => void;
}

/** The HTTP edge: PSA webhooks, secure-link pages, health. Thin: every route hands off to a service. */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETags: no response here is cacheable (webhook answers, one-time pages sent with no-store), an ETag
  // of a page holding a password would be a hash of it, and Express would hash every response body.
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy);
  // Every path is lower case. Express would otherwise route /S/<token> to the link pages too: one link, two
  // spellings, and anything keyed on the canonical path (logs, proxies, allow-lists) would miss the other.
  app.set('case sensitive routing', true);
  app.use(requestLogging(deps.logger));
  if (deps.metrics) app.use(deps.metrics.countWebhooks());
  // Webhooks first: they are the hot path (a PSA waits on each), answer JSON to PSA servers rather than to
  // browsers, and so skip the browser headers and the routes below.
  for (const receiver of deps.receivers) {
    app.post(
      `/webhooks/${receiver.psa}`,
      ...webhookIntakeHandlers({
        receiver,
        queue: deps.queue,
        bodyLimitBytes: deps.bodyLimitBytes,
        logger: deps.logger,
        onQueueUnavailable: deps.onQueueUnavailable,
      }),
    );
  }
  if (deps.metrics && deps.metricsBearerToken) {
    app.get('/metrics', ...metricsHandlers(deps.metrics, { bearerToken: deps.metricsBearerToken }));
  }
  app.use(helmet());
  app.use(createHealthRouter(deps.redis));
  app.use('/s', deps.secureLinkRouter);
  if (deps.confirmationRouter) app.use('/c', deps.confirmationRouter);
  if (deps.operatorConsole) app.use(deps.operatorConsole.path, deps.operatorConsole.router);
  if (deps.disavowRouter) app.use('/n', deps.disavowRouter);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not-found' });
  });
  const onError: ErrorRequestHandler = (
    err: { status?: number; type?: string; message?: string },
    req,
    res,
    _next,
  ) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) req.log.error({ err: { message: err.message } }, 'unhandled error');
    res.status(status).json({
      error: status === 413 ? 'payload-too-large' : status === 500 ? 'internal' : 'bad-request',
      message:
        status === 413
          ? 'The request body is larger than the configured limit.'
          : status === 500
            ? 'Internal error.'
            : err.message,
    });
  };
  app.use(onError);
  return app;
}
