import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { keysUnder, testRedis } from '../support/redis.js';

/**
 * Shared set-up of the one-time-link unit tests (secure link and confirmation): one Redis connection per file,
 * every key under the prefixes a test pushed removed after it, and loggers that capture or drop lines.
 */

/** Registers the file's Redis hooks; `onReady` receives the connection once it answers. */
export function useLinkTestRedis(prefixes: string[], onReady: (redis: Redis) => void): void {
  let redis: Redis | undefined;
  beforeAll(async () => {
    redis = await testRedis();
    onReady(redis);
  });
  afterEach(async () => {
    for (const prefix of prefixes.splice(0)) {
      if (!redis) continue;
      const keys = await keysUnder(redis, prefix);
      if (keys.length) await redis.del(...keys);
    }
  });
  afterAll(async () => {
    await redis?.quit();
  });
}

/** A debug-level logger whose JSON lines are pushed to `lines`. */
export function captureLogger(lines: string[]) {
  return pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString('utf8'));
        cb();
      },
    }),
  );
}

/** A well-formed token that names no link. */
export const unknownLinkToken = (): string => randomBytes(32).toString('base64url');

/** The same token with a different key part (bytes 16–31): same lookup id, wrong key. */
export function withWrongKeyPart(token: string): string {
  const bytes = Buffer.from(token, 'base64url');
  randomBytes(16).copy(bytes, 16);
  return bytes.toString('base64url');
}

/** Serves `app` on a port of its own for the duration of `use`, for many parallel requests on real sockets. */
export async function withServer<T>(app: RequestListener, use: (origin: string) => Promise<T>): Promise<T> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
