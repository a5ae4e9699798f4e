import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logging/logger.js';

declare module 'http' {
  interface IncomingMessage {
    /** The request id: a well-formed incoming X-Request-Id, or a new UUID. */
    id: string;
    /** A child logger bound to `req: { id, method, url }` (the url never carries a link token). */
    log: Logger;
  }
}

const REQUEST_ID = /^[\w.-]{1,64}$/;
const LINK_PATH = /^\/(s|c)\/(?!assets\/)/;
const UNLOGGED = new Set(['/healthz', '/readyz']);

/** The url as logged: link tokens are credentials, so link routes show `/s/[token]`; never a query string. */
export function loggableUrl(url: string): string {
  return LINK_PATH.test(url) ? `/${url[1]}/[token]` : url.split('?')[0]!;
}

/**
 * Request ids and request logging for every route, at a fixed small cost per request: the request's child
 * logger is made only when a route logs through `req.log`, and the completion line ("request completed",
 * with status and response time) is only prepared when the info level is on. Health probes are not logged.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);
    req.id = id;
    // Taken now: routers mounted on a path see a shortened req.url later.
    const url = req.url;
    let child: Logger | undefined;
    const requestLogger = () =>
      (child ??= logger.child({ req: { id, method: req.method, url: loggableUrl(url) } }));
    Object.defineProperty(req, 'log', { configurable: true, enumerable: false, get: requestLogger });

    if (!UNLOGGED.has(url) && logger.isLevelEnabled('info')) {
      const started = Date.now();
      const done = (err?: Error) => {
        res.off('finish', done);
        res.off('close', done);
        res.off('error', done);
        const fields = { res: { statusCode: res.statusCode }, responseTime: Date.now() - started };
        if (err || res.statusCode >= 500) {
          requestLogger().info(
            { ...fields, err: { message: err?.message ?? `status ${res.statusCode}` } },
            'request errored',
          );
        } else {
          requestLogger().info(fields, 'request completed');
        }
      };
      res.on('finish', done);
      res.on('close', done);
      res.on('error', done);
    }
    next();
  };
}
