import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumAvailability,
  E2E_MSP_NAME,
  launchChromium,
  saveScreenshot,
  shouldWriteScreenshot,
  startLinkServer,
  type LinkServer,
} from '../support/secure-link-server.js';

/**
 * The secure-link pages in a real browser (issue item 7): headless Debian Chromium driven by playwright-core
 * against the real router and Redis store. Screenshots go to docs/screenshots/ (see shouldWriteScreenshot).
 */

const SECRET = 'Copper#Falcon#Orchard#29';
const availability = chromiumAvailability();

describe.skipIf(!availability.run)('secure link in headless Chromium', () => {
  let browser: Browser;
  let server: LinkServer;

  beforeAll(async () => {
    server = await startLinkServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function withPage<T>(
    options: Parameters<Browser['newContext']>[0],
    run: (page: Page, context: BrowserContext) => Promise<T>,
  ): Promise<T> {
    const context = await browser.newContext({ viewport: { width: 900, height: 900 }, ...options });
    try {
      return await run(await context.newPage(), context);
    } finally {
      await context.close();
    }
  }

  async function shoot(page: Page, name: string) {
    if (shouldWriteScreenshot(name)) await saveScreenshot(name, await page.screenshot({ fullPage: true }));
  }

  const filterOf = (page: Page) => page.locator('#secret').evaluate((el) => getComputedStyle(el).filter);
  // Polled from the test side: page-side polling would need the page's JavaScript, which one test turns off.
  const waitUnblurred = (page: Page) => expect.poll(() => filterOf(page), { timeout: 3000 }).toBe('none');

  /** Opens a link and clicks "Click Here to Proceed"; resolves on the revealed page. */
  async function proceed(page: Page, url: string) {
    const get = await page.goto(url);
    expect(get?.status()).toBe(200);
    await Promise.all([
      page.waitForURL(url),
      page.getByRole('button', { name: 'Click Here to Proceed' }).click(),
    ]);
    await page.locator('#secret').waitFor();
  }

  it('GET shows only "Click Here to Proceed"; the POST shows the password blurred; a click reveals it', async () => {
    const link = await server.createLink(SECRET, 1);
    await withPage({}, async (page) => {
      const requests: string[] = [];
      page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
      const get = await page.goto(link.url);
      expect(get?.status()).toBe(200);
      expect(get?.headers()['cache-control']).toBe('no-store');
      const html = await page.content();
      expect(html).not.toContain(SECRET);
      expect(await page.locator('#secret').count()).toBe(0);
      await expect.poll(() => page.locator('body').innerText()).toContain('Click Here to Proceed');
      expect(await page.locator('body').innerText()).toContain(E2E_MSP_NAME);
      expect(await page.locator('script').count()).toBe(0); // nothing could submit the form by itself
      expect(server.reveals).toHaveLength(0);
      await shoot(page, 'secure-link-proceed.png');

      await Promise.all([
        page.waitForURL(link.url),
        page.getByRole('button', { name: 'Click Here to Proceed' }).click(),
      ]);
      expect(requests.filter((r) => r.startsWith('POST'))).toEqual([`POST /s/${link.token}`]);
      expect(await filterOf(page)).toContain('blur');
      expect(await page.locator('#secret').textContent()).toBe(SECRET);
      await shoot(page, 'secure-link-revealed-blurred.png');

      await page.locator('.secret-box').click(); // where the blurred text is
      await waitUnblurred(page);
      expect(await filterOf(page)).toBe('none');
      await shoot(page, 'secure-link-revealed.png');
      expect(server.reveals).toHaveLength(1);
    });
  });

  it('the keyboard reveals it too: Tab to the control, then Enter or Space', async () => {
    for (const key of ['Enter', 'Space']) {
      const link = await server.createLink(SECRET, 1);
      await withPage({}, async (page) => {
        await proceed(page, link.url);
        expect(await filterOf(page)).toContain('blur');
        for (let i = 0; i < 10; i++) {
          await page.keyboard.press('Tab');
          if ((await page.evaluate(() => document.activeElement?.id)) === 'reveal-toggle') break;
        }
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('reveal-toggle');
        await page.keyboard.press(key);
        await waitUnblurred(page);
      });
    }
  });

  it('works without JavaScript: the form POSTs and the visible "Show password" control reveals', async () => {
    const link = await server.createLink(SECRET, 1);
    await withPage({ javaScriptEnabled: false }, async (page) => {
      await proceed(page, link.url);
      expect(await filterOf(page)).toContain('blur');
      expect(await page.locator('#copy-button').isVisible()).toBe(false); // needs the script
      const show = page.locator('label.show-button');
      expect(await show.isVisible()).toBe(true);
      expect(await show.innerText()).toContain('Show password');
      await show.click();
      await waitUnblurred(page);
      expect(await show.innerText()).toContain('Hide password');
    });
  });

  it('the copy button copies the password (JavaScript on)', async () => {
    const link = await server.createLink(SECRET, 1);
    await withPage({}, async (page, context) => {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
      await proceed(page, link.url);
      const copy = page.getByRole('button', { name: 'Copy password' });
      expect(await copy.isVisible()).toBe(true);
      await copy.click();
      await expect.poll(() => page.locator('#copy-status').innerText()).toBe('Password copied.');
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(SECRET);
      expect(await filterOf(page)).toContain('blur'); // copying does not unblur
    });
  });

  it('after the last view, a second visit shows the unavailable page, identical to an unknown token', async () => {
    const link = await server.createLink(SECRET, 1);
    await withPage({}, async (page) => {
      await proceed(page, link.url);
      const again = await page.goto(link.url);
      expect(again?.status()).toBe(404);
      const usedUp = await page.content();
      expect(usedUp).toContain('This link is no longer available');
      expect(usedUp).not.toContain(SECRET);
      await shoot(page, 'secure-link-unavailable.png');
      const unknown = await page.goto(server.unknownUrl());
      expect(unknown?.status()).toBe(404);
      expect(await page.content()).toBe(usedUp);
    });
  });

  it('When the viewer clicks "I have saved it, destroy this link", Then the link ends and a revisit is unavailable', async () => {
    // Arrange
    const link = await server.createLink(SECRET, 3);
    const revealsBefore = server.reveals.length;
    await withPage({}, async (page) => {
      await proceed(page, link.url);
      const requests: string[] = [];
      page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));

      // Act
      await Promise.all([
        page.waitForURL(`${link.url}/destroy`),
        page.getByRole('button', { name: 'I have saved it, destroy this link' }).click(),
      ]);

      // Assert
      expect(requests.filter((r) => r.startsWith('POST'))).toEqual([`POST /s/${link.token}/destroy`]);
      const destroyedPage = await page.content();
      expect(destroyedPage).toContain('This link has been destroyed');
      expect(destroyedPage).not.toContain(SECRET);
      await shoot(page, 'secure-link-destroyed.png');
      expect(server.destroys).toHaveLength(1);
      expect(await server.redis.exists(`${server.keyPrefix}link:${link.ref}`)).toBe(0);
      const again = await page.goto(link.url);
      expect(again?.status()).toBe(404);
      const revisit = await page.content();
      expect(revisit).toContain('This link is no longer available');
      await page.goto(server.unknownUrl());
      expect(await page.content()).toBe(revisit);
      expect(server.reveals).toHaveLength(revealsBefore + 1);
    });
  });

  it('When the link holds a password and a Temporary Access Pass, Then each is blurred on its own and the pass shows its expiry', async () => {
    const pass = 'Kp7#wQ2m';
    const { token } = await server.createLink(
      [
        { kind: 'password', label: 'Temporary password', value: SECRET },
        {
          kind: 'temporary-access-pass',
          label: 'Temporary Access Pass',
          value: pass,
          expiresAt: new Date(Date.now() + 8 * 3600_000).toISOString(),
          usableOnce: true,
        },
      ],
      2,
    );
    const url = `${server.origin}/s/${token}`;
    await withPage({}, async (page) => {
      await proceed(page, url);
      expect(await page.locator('#secret-2').textContent()).toBe(pass);
      expect(await page.locator('#secret-2').evaluate((el) => getComputedStyle(el).filter)).toContain('blur');
      await page.locator('label[for="reveal-toggle-2"].show-button').click();
      await expect
        .poll(() => page.locator('#secret-2').evaluate((el) => getComputedStyle(el).filter))
        .toBe('none');
      expect(await filterOf(page)).toContain('blur'); // the password stays blurred
      const text = await page.locator('body').innerText();
      expect(text).toMatch(/This pass expires on .* UTC and works for one sign-in only/);
      expect(text).toContain('aka.ms/mysecurityinfo');
      await shoot(page, 'secure-link-temporary-access-pass.png');
    });
  });

  it('fits a phone screen', async () => {
    const link = await server.createLink(SECRET, 1);
    await withPage(
      { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
      async (page) => {
        await proceed(page, link.url);
        // No horizontal scrolling, and the controls are big enough to tap.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
        const box = await page.locator('label.show-button').boundingBox();
        expect(box!.height).toBeGreaterThanOrEqual(44);
        await page.locator('.secret-box').tap();
        await waitUnblurred(page);
        await shoot(page, 'secure-link-phone.png');
      },
    );
  });
});
