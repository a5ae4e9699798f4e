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
const UNLOGGED = new Set(['/healthz', '/readyz']);
/** The one-time-link roots (`/s`, `/c`, `/n`): everything after them but their assets is a token. */
const LINK_ROOTS = new Set(['s', 'c', 'n']);
/**
 * A run of base64url characters this long is treated as a token wherever it appears (a link token is 43
 * characters, its lookup half 22); no route of the service has a path segment like it.
 */
const TOKEN_LIKE = /[A-Za-z0-9_-]{16,}/;
const PERCENT_ESCAPE = /%([0-9A-Fa-f]{2})/g;

/** Percent-escapes undone, repeatedly (a double-encoded token is still a token); bytes become chars one-to-one. */
function unescaped(path: string): string {
  let current = path;
  for (let round = 0; round < 4 && current.includes('%'); round++) {
    const next = current.replace(PERCENT_ESCAPE, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === current) break;
    current = next;
  }
  return current;
}

/**
 * The url as logged, never with a query string. Link tokens are credentials, so whatever the client sent:
 * a path under a link root (`/s/…`, `/c/…`, `/n/…`, any case, any number of slashes, percent-encoded or not) is
 * logged as `/<root>/[token]` (assets excepted), and any other path segment holding a token-like run becomes
 * `[token]`. Checked on the percent-decoded path with empty segments dropped; a path with nothing to hide is
 * logged as sent.
 */
export function loggableUrl(url: string): string {
  const path = url.split(/[?#]/, 1)[0] ?? '';
  const segments = unescaped(path).split('/').filter(Boolean);
  const [root, next] = segments;
  if (root !== undefined && next !== undefined && LINK_ROOTS.has(root.toLowerCase()) && next !== 'assets') {
    return `/${root}/[token]`;
  }
  if (!segments.some((segment) => TOKEN_LIKE.test(segment))) return path;
  return `/${segments.map((segment) => (TOKEN_LIKE.test(segment) ? '[token]' : segment)).join('/')}`;
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
