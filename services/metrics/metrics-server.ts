import { hash, timingSafeEqual } from 'node:crypto';
import express, { type Express, type RequestHandler, type Router } from 'express';
import type { Metrics } from './metrics.js';

/**
 * Where GET /metrics is served. By default only on a listener of its own (`metrics.port`, every role), so the
 * public port never shows queue depths, outcomes and webhook counts to the internet. A configured bearer
 * token (`metrics.bearerToken`) also puts it on the public port, and is then required on every port.
 */

const digest = (text: string) => hash('sha256', text, 'buffer');

/**
 * Refuses (401) a request without `Authorization: Bearer <token>`. The presented token is compared with the
 * configured one as SHA-256 digests in constant time, so neither its length nor a mismatch position shows.
 */
export function requireBearerToken(token: string): RequestHandler {
  const expected = digest(token);
  return (req, res, next) => {
    const presented = /^Bearer +(\S+) *$/i.exec(req.get('authorization') ?? '')?.[1];
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return next();
    res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"').json({ error: 'unauthenticated' });
  };
}

/** The handlers of GET /metrics: the token check when a token is configured, then the Prometheus text. */
export function metricsHandlers(
  metrics: Pick<Metrics, 'serveMetrics'>,
  options: { bearerToken?: string } = {},
): RequestHandler[] {
  return [...(options.bearerToken ? [requireBearerToken(options.bearerToken)] : []), metrics.serveMetrics()];
}

/** The app of the metrics listener: GET /metrics and a 404 for everything else. */
export function createMetricsApp(
  metrics: Pick<Metrics, 'serveMetrics'>,
  options: { bearerToken?: string } = {},
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('case sensitive routing', true);
  app.get('/metrics', ...metricsHandlers(metrics, options));
  app.use((_req, res) => void res.status(404).json({ error: 'not-found' }));
  return app;
}

/**
 * The app of the internal listener (`metrics.port`), which every role runs, an API-less worker included:
 * GET /metrics (when metrics are enabled), and GET /healthz and /readyz for container health checks, without
 * the bearer token (they show nothing but up or ready). `health` returns the service's health routes once it
 * is assembled; before that /healthz and /readyz answer 503 (starting).
 */
export function createInternalApp(options: {
  metrics?: Pick<Metrics, 'serveMetrics'>;
  bearerToken?: string;
  health: () => Router | undefined;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('case sensitive routing', true);
  if (options.metrics) app.get('/metrics', ...metricsHandlers(options.metrics, options));
  app.use((req, res, next) => {
    const health = options.health();
    if (health) return health(req, res, next);
    if (req.path === '/healthz' || req.path === '/readyz') {
      return void res.status(503).json({ status: 'starting' });
    }
    next();
  });
  app.use((_req, res) => void res.status(404).json({ error: 'not-found' }));
  return app;
}
