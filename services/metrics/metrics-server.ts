import { hash, timingSafeEqual } from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
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
