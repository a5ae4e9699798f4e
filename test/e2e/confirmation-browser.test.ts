import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConfirmationRouter } from '../../services/confirmation/confirmation-routes.js';
import {
  createConfirmationStore,
  type ConfirmationContext,
  type ConfirmationDecision,
  type ConfirmationStore,
} from '../../services/confirmation/confirmation-store.js';
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
 * The confirmation page in headless Debian Chromium (playwright-core) against the real `/c` router and Redis
 * store, behind an app-wide helmet() as in services/http/app.ts.
 */

const availability = chromiumAvailability();
const CONTEXT: ConfirmationContext = { psa: 'halopsa', ticketId: '4242', correlationId: 'e2e-confirm' };

describe.skipIf(!availability.run)('confirmation link in headless Chromium', () => {
  let browser: Browser;
  let server: Server;
  let redis: Redis;
  let store: ConfirmationStore;
  let origin: string;
  const keyPrefix = `rdtest-e2e-confirm-${randomBytes(4).toString('hex')}:`;
  const decisions: Array<{ decision: ConfirmationDecision; ticketId: string }> = [];

  beforeAll(async () => {
    redis = await testRedis();
    const logger = pino({ level: 'silent' });
    store = createConfirmationStore({
      redis,
      keyPrefix,
      serverKey: randomBytes(32),
      publicBaseUrl: 'https://reset.example.test',
    });
    const app = express();
    app.disable('x-powered-by');
    app.use(helmet());
    app.use(
      '/c',
      createConfirmationRouter({
        store,
        mspName: E2E_MSP_NAME,
        logger,
        redis,
        keyPrefix,
        onDecision: async (decision, context) => {
          decisions.push({ decision, ticketId: context.ticketId });
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

  async function newLink(targetDisplayName = 'Jane Doe') {
    const link = await store.create({
      ...CONTEXT,
      question: {
        targetDisplayName,
        targetDepartment: 'Finance',
        targetSignInName: 'jane.doe@contoso.example',
        what: 'both',
      },
      ttlSeconds: 600,
    });
    return `${origin}/c/${link.token}`;
  }

  it('shows the question; "No, this wasn\'t me" POSTs once and shows the thank-you page; the link is then used up', async () => {
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
      expect(text).toContain(
        `Did you ask ${E2E_MSP_NAME} to reset the password and MFA (multi-factor authentication) for Jane Doe?`,
      );
      expect(text).toContain('Finance');
      expect(text).toContain('jane.doe@contoso.example');
      expect(await page.locator('script').count()).toBe(0);
      // The stylesheet loaded under the CSP (style-src 'self'): the primary button is styled.
      const yes = page.getByRole('button', { name: 'Yes, I asked for this' });
      expect(await yes.evaluate((el) => getComputedStyle(el).borderRadius)).not.toBe('0px');
      if (shouldWriteScreenshot('confirmation-question.png'))
        await saveScreenshot('confirmation-question.png', await page.screenshot({ fullPage: true }));
      expect(decisions).toHaveLength(0);

      await Promise.all([
        page.waitForURL(url),
        page.getByRole('button', { name: "No, this wasn't me" }).click(),
      ]);
      await expect.poll(() => page.locator('h1').innerText()).toBe('Thank you for telling us');
      expect(await page.locator('body').innerText()).toContain('Nothing has been changed');
      expect(posts).toEqual([new URL(url).pathname]);
      expect(decisions).toEqual([{ decision: 'denied', ticketId: CONTEXT.ticketId }]);

      const again = await page.goto(url);
      expect(again?.status()).toBe(404);
      expect(await page.locator('h1').innerText()).toBe('This link is no longer available');
    });
  });

  it('works without JavaScript and on a phone: "Yes, I asked for this" confirms', async () => {
    const url = await newLink('Sam Carter');
    await withPage(
      {
        javaScriptEnabled: false,
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      },
      async (page) => {
        await page.goto(url);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
        const yes = page.getByRole('button', { name: 'Yes, I asked for this' });
        expect((await yes.boundingBox())!.height).toBeGreaterThanOrEqual(44);
        await Promise.all([page.waitForURL(url), yes.tap()]);
        await expect.poll(() => page.locator('h1').innerText()).toBe('Thank you');
        expect(decisions.at(-1)).toEqual({ decision: 'confirmed', ticketId: CONTEXT.ticketId });
      },
    );
  });
});
