import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DisavowReport } from '../../services/domain/ports.js';
import { createDisavowRouter } from '../../services/staff-notice/disavow-routes.js';
import { createDisavowStore, type DisavowStore } from '../../services/staff-notice/disavow-store.js';
import { keysUnder, testRedis } from '../support/redis.js';
import {
  chromiumAvailability,
  E2E_MSP_NAME,
  launchChromium,
  listenLocally,
  withPage as withSharedPage,
  saveScreenshot,
  shouldWriteScreenshot,
} from '../support/secure-link-server.js';

/**
 * The "This wasn't me" page in headless Debian Chromium (playwright-core) against the real `/n` router and
 * Redis store, behind an app-wide helmet() as in services/http/app.ts.
 */

const availability = chromiumAvailability();

describe.skipIf(!availability.run)('"This wasn\'t me" link in headless Chromium', () => {
  let browser: Browser;
  let server: Server;
  let redis: Redis;
  let store: DisavowStore;
  let origin: string;
  const keyPrefix = `rdtest-e2e-disavow-${randomBytes(4).toString('hex')}:`;
  const reports: DisavowReport[] = [];

  beforeAll(async () => {
    redis = await testRedis();
    store = createDisavowStore({
      redis,
      keyPrefix,
      serverKey: randomBytes(32),
      publicBaseUrl: 'https://reset.example.test',
      ttlHours: 72,
    });
    const app = express();
    app.disable('x-powered-by');
    app.use(helmet());
    app.use(
      '/n',
      createDisavowRouter({
        store,
        mspName: E2E_MSP_NAME,
        logger: pino({ level: 'silent' }),
        redis,
        keyPrefix,
        onDisavow: async (report) => {
          reports.push(report);
        },
      }),
    );
    ({ server, origin } = await listenLocally(app));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (server) await new Promise<void>((done) => server.close(() => done()));
    if (redis) {
      const keys = await keysUnder(redis, keyPrefix);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  });

  const withPage = <T>(
    options: Parameters<Browser['newContext']>[0],
    run: (page: Page) => Promise<T>,
  ): Promise<T> => withSharedPage(browser, options, run);

  async function newLink() {
    const link = await store.create({
      psa: 'halopsa',
      ticketId: '4242',
      correlationId: 'e2e-disavow',
      customerId: '12',
      tenantId: '3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f',
      userId: 'u-sam',
    });
    return `${origin}/n/${link.url.split('/n/')[1]}`;
  }

  it('shows the button and names nobody; pressing it POSTs once and thanks the staff member; the link is then used up', async () => {
    const url = await newLink();
    await withPage({}, async (page) => {
      const posts: string[] = [];
      page.on('request', (r) => {
        if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
      });
      const get = await page.goto(url);
      expect(get?.status()).toBe(200);
      expect(get?.headers()['cache-control']).toBe('no-store');
      const text = await page.locator('body').innerText();
      expect(text).toContain('Did you expect this reset?');
      expect(text).not.toContain('u-sam');
      expect(text).not.toContain('4242');
      expect(await page.locator('script').count()).toBe(0);
      const button = page.getByRole('button', { name: "This wasn't me" });
      expect(await button.evaluate((el) => getComputedStyle(el).borderRadius)).not.toBe('0px');
      if (shouldWriteScreenshot('this-wasnt-me.png'))
        await saveScreenshot('this-wasnt-me.png', await page.screenshot({ fullPage: true }));
      expect(reports).toHaveLength(0);

      await Promise.all([page.waitForURL(url), button.click()]);
      await expect.poll(() => page.locator('h1').innerText()).toBe('Thank you, your IT team has been told');
      expect(posts).toEqual([new URL(url).pathname]);
      expect(reports.map((r) => r.ticketId)).toEqual(['4242']);

      const again = await page.goto(url);
      expect(again?.status()).toBe(404);
      expect(await page.locator('h1').innerText()).toBe('This link is no longer available');
    });
  });

  it('works without JavaScript on a phone', async () => {
    const url = await newLink();
    await withPage(
      { javaScriptEnabled: false, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
      async (page) => {
        await page.goto(url);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
        const button = page.getByRole('button', { name: "This wasn't me" });
        expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(44);
        await Promise.all([page.waitForURL(url), button.tap()]);
        await expect.poll(() => page.locator('h1').innerText()).toBe('Thank you, your IT team has been told');
        expect(reports).toHaveLength(2);
      },
    );
  });
});
