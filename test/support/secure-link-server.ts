import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import express from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { LinkSecret, SecureLinkOptions } from '../../services/domain/ports.js';
import {
  createSecureLinkRouter,
  type DestroyedViewer,
  type RevealedViewer,
} from '../../services/secure-link/secure-link-routes.js';
import {
  createRedisSecureLinkStore,
  type RedisSecureLinkStore,
} from '../../services/secure-link/secure-link-store.js';
import { keysUnder, testRedis } from './redis.js';

/** Where the browser tests find Chromium: `CHROMIUM_PATH`, else Debian's package. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether the browser tests can run here. In CI (`CI` set) a missing Chromium is an error, not a skip: the
 * tests must run there (`.ci/run` installs the package).
 */
export function chromiumAvailability(): { run: true } | { run: false; reason: string } {
  if (existsSync(CHROMIUM_PATH)) return { run: true };
  const reason = `Chromium not found at ${CHROMIUM_PATH} (install the "chromium" package or set CHROMIUM_PATH)`;
  if (process.env.CI) throw new Error(`${reason}; the browser tests must run in CI`);
  console.warn(`Skipping the secure-link browser tests: ${reason}.`);
  return { run: false, reason };
}

/** Headless Debian Chromium driven by playwright-core, with everything that phones home turned off. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Runs `run` in a fresh browser context (900×700 unless `options` says otherwise), closed afterwards. */
export async function withPage<T>(
  browser: Browser,
  options: Parameters<Browser['newContext']>[0],
  run: (page: Page) => Promise<T>,
): Promise<T> {
  const context = await browser.newContext({ viewport: { width: 900, height: 700 }, ...options });
  try {
    return await run(await context.newPage());
  } finally {
    await context.close();
  }
}

/** Serves `app` on a free loopback port; its origin is `http://127.0.0.1:<port>`. */
export async function listenLocally(app: express.Express): Promise<{ server: Server; origin: string }> {
  const server = await new Promise<Server>((done) => {
    const s = app.listen(0, '127.0.0.1', () => done(s));
  });
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export const E2E_MSP_NAME = 'Ashton Solutions';

export interface LinkServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  store: RedisSecureLinkStore;
  redis: Redis;
  keyPrefix: string;
  /** Every reveal the router reported, in order. */
  reveals: RevealedViewer[];
  /** Every destroy by a viewer the router reported, in order. */
  destroys: DestroyedViewer[];
  /** Creates a link for `secret` and returns its URL on this server. */
  createLink(
    secret: string | readonly LinkSecret[],
    maxViews?: number,
    ttlSeconds?: number,
  ): Promise<{ url: string; token: string; ref: string }>;
  /** An unknown token's URL on this server. */
  unknownUrl(): string;
  close(): Promise<void>;
}

/**
 * The real `/s` router with the real Redis store (and the guess limiter), on 127.0.0.1, behind an app-wide
 * `helmet()` as in `services/http/app.ts`. Each server has its own key prefix and removes its keys on close.
 */
export async function startLinkServer(): Promise<LinkServer> {
  const redis = await testRedis();
  const keyPrefix = `rdtest-e2e-${randomBytes(4).toString('hex')}:`;
  const logger = pino({ level: 'silent' });
  const store = createRedisSecureLinkStore({
    redis,
    keyPrefix,
    serverKey: randomBytes(32),
    publicBaseUrl: 'https://reset.example.test',
    logger,
  });
  const reveals: RevealedViewer[] = [];
  const destroys: DestroyedViewer[] = [];
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());
  app.use(
    '/s',
    createSecureLinkRouter({
      store,
      mspName: E2E_MSP_NAME,
      logger,
      redis,
      keyPrefix,
      onRevealed: (_context, viewer) => {
        reveals.push(viewer);
      },
      onDestroyed: (_context, viewer) => {
        destroys.push(viewer);
      },
    }),
  );
  const server = await new Promise<Server>((done) => {
    const s = app.listen(0, '127.0.0.1', () => done(s));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const context: SecureLinkOptions['context'] = { psa: 'halopsa', ticketId: '4242', correlationId: 'e2e' };

  return {
    origin,
    store,
    redis,
    keyPrefix,
    reveals,
    destroys,
    async createLink(secret, maxViews = 1, ttlSeconds = 600) {
      const link = await store.create(secret, { ttlSeconds, maxViews, context });
      return { url: `${origin}/s/${link.token}`, token: link.token, ref: link.ref! };
    },
    unknownUrl: () => `${origin}/s/${randomBytes(32).toString('base64url')}`,
    async close() {
      await new Promise<void>((done) => server.close(() => done()));
      const keys = await keysUnder(redis, keyPrefix);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    },
  };
}

/** `docs/screenshots/<name>`, from the repository root. */
export function screenshotPath(name: string): string {
  return resolve(import.meta.dirname, '../../docs/screenshots', name);
}

/**
 * Whether a screenshot should be (re)written: always with `UPDATE_SCREENSHOTS=1`, otherwise only when the file
 * is missing, so ordinary CI runs never dirty the working tree.
 */
export function shouldWriteScreenshot(name: string): boolean {
  return process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(screenshotPath(name));
}

export async function saveScreenshot(name: string, png: Buffer): Promise<void> {
  const path = screenshotPath(name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, png);
}
