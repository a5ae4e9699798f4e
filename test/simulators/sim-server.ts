import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Request, RequestHandler, Response } from 'express';

/**
 * Plumbing every PSA simulator shares: serving its express app on a free loopback port, closing it without
 * waiting for keep-alive sockets, and the queue of one-off failures a test arms with `failNext`.
 */

export interface SimServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  url: string;
  /** Cuts open connections and stops listening. */
  close(): Promise<void>;
}

/** Serves `handler` (an express app, or a bare handler for what no simulator plays) on a free loopback port. */
export async function listenSim(handler: RequestListener): Promise<SimServer> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/**
 * Sends a write to a simulator through its own API, as the service would, so what a test seeds is stored exactly
 * like the service's writes; refuses loudly when the simulator refuses it.
 */
export async function writeThroughApi(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`simulator refused POST ${new URL(url).pathname}: HTTP ${res.status} ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/** The part of a simulator failure that decides which requests it hits, how often and how late. */
export interface SimFailureMatch {
  method?: string;
  /** A path prefix (case-insensitive) or a RegExp tested against the full path. */
  pathPattern: string | RegExp;
  /** HTTP status to answer with; omit to only delay and then answer normally. */
  status?: number;
  retryAfterSeconds?: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Delay before answering, e.g. to exceed the client's timeout. */
  delayMs?: number;
}

/** How an armed failure's answer is written, after its status (and Retry-After) are set. */
export type SimFailureAnswer<F> = (res: Response, failure: F, status: number) => void;

export interface SimFailureQueue<F extends SimFailureMatch> {
  /** Arms `failure` for its next `times` matching requests. */
  push(failure: F): void;
  /**
   * Middleware answering the requests an armed failure matches, each failure used up once, after its delay;
   * a failure without a status only delays the request (after `onTaken` saw it). `alsoPrefixPaths`: other
   * spellings of the path a string pattern may be a prefix of (e.g. the path below an API root).
   */
  middleware(
    answer: SimFailureAnswer<F>,
    options?: {
      alsoPrefixPaths?: (req: Request) => Array<string | undefined>;
      onTaken?: (res: Response, failure: F) => void;
    },
  ): RequestHandler;
}

export function createFailureQueue<F extends SimFailureMatch>(): SimFailureQueue<F> {
  const failures: Array<F & { remaining: number }> = [];
  const prefixOf = (pattern: string, path: string | undefined) =>
    path !== undefined && path.toLowerCase().startsWith(pattern.toLowerCase());
  const take = async (method: string, path: string, alsoPrefixPaths: Array<string | undefined> = []) => {
    const failure = failures.find(
      (f) =>
        f.remaining > 0 &&
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (typeof f.pathPattern === 'string'
          ? [path, ...alsoPrefixPaths].some((p) => prefixOf(f.pathPattern as string, p))
          : f.pathPattern.test(path)),
    );
    if (!failure) return undefined;
    failure.remaining -= 1;
    if (failure.delayMs) await new Promise((r) => setTimeout(r, failure.delayMs));
    return failure;
  };
  return {
    push: (failure) => void failures.push({ ...failure, remaining: failure.times ?? 1 }),
    middleware:
      (answer, options = {}) =>
      (req, res, next) => {
        void take(req.method, req.path, options.alsoPrefixPaths?.(req)).then((failure) => {
          if (failure) options.onTaken?.(res, failure);
          const status = failure && startFailureAnswer(res, failure);
          if (!failure || status === undefined) return next();
          answer(res, failure, status);
        }, next);
      },
  };
}

/**
 * Sets the status (and Retry-After, when armed) a failure answers with, and returns that status; undefined when
 * the failure only delays and the request goes on.
 */
function startFailureAnswer(res: Response, failure: SimFailureMatch): number | undefined {
  if (failure.status === undefined) return undefined;
  if (failure.retryAfterSeconds !== undefined) res.set('Retry-After', String(failure.retryAfterSeconds));
  res.status(failure.status);
  return failure.status;
}
