import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLinkMeta } from '../../services/secure-link/link-meta.js';
import {
  chromiumAvailability,
  launchChromium,
  startLinkServer,
  type LinkServer,
} from '../support/secure-link-server.js';

/**
 * Mail scanners fetch links before (and when) people click them (reference A3): Safe Links GETs/HEADs them
 * and detonates them in a headless browser that runs scripts; crawlers follow every link on a page. None of
 * that may use up a view: afterwards the manager's own click must still get the password with every view left.
 */

const SECRET = 'Granite#Heron#Valley#58';
const MAX_VIEWS = 3;
const SCANNER_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 HeadlessChrome/120 Safari/537.36';
const availability = chromiumAvailability();

describe.skipIf(!availability.run)('secure link vs mail scanners', () => {
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

  /** What the store says: views left on the link and views counted in its record. */
  async function state(link: { ref: string }) {
    const views = await server.redis.hget(`${server.keyPrefix}link:${link.ref}`, 'views');
    const meta = await readLinkMeta(server.redis, server.keyPrefix, link.ref);
    return { views, revealed: meta?.revealed };
  }

  /** The manager, in a fresh browser: opens the link and clicks the button. */
  async function managerClicksThrough(url: string): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await Promise.all([
      page.waitForURL(url),
      page.getByRole('button', { name: 'Click Here to Proceed' }).click(),
    ]);
    await page.locator('#secret').waitFor();
    return page;
  }

  async function expectFullViews(link: { url: string; ref: string }) {
    expect(await state(link)).toEqual({ views: String(MAX_VIEWS), revealed: 0 });
    expect(server.reveals).toHaveLength(0);
    const page = await managerClicksThrough(link.url);
    expect(await page.locator('#secret').textContent()).toBe(SECRET);
    expect(await page.locator('.views').innerText()).toContain(`${MAX_VIEWS - 1} more times`);
    expect(await state(link)).toEqual({ views: String(MAX_VIEWS - 1), revealed: 1 });
    await page.context().close();
    server.reveals.length = 0;
  }

  it('plain HTTP GET and HEAD, repeated, as Safe Links does before delivery and at click time', async () => {
    const link = await server.createLink(SECRET, MAX_VIEWS);
    for (let i = 0; i < 5; i++) {
      for (const method of ['GET', 'HEAD']) {
        const res = await fetch(link.url, {
          method,
          headers: { 'User-Agent': SCANNER_UA, 'Sec-Fetch-Site': 'cross-site' },
          redirect: 'manual',
        });
        expect(res.status).toBe(200);
        const body = await res.text();
        expect(body).not.toContain(SECRET);
        if (method === 'HEAD') expect(body).toBe('');
      }
    }
    await expectFullViews(link);
  });

  it('a headless browser that loads the page, runs its scripts and waits, without clicking', async () => {
    const link = await server.createLink(SECRET, MAX_VIEWS);
    for (const javaScriptEnabled of [true, false]) {
      const context = await browser.newContext({ javaScriptEnabled, userAgent: SCANNER_UA });
      const page = await context.newPage();
      const posts: string[] = [];
      page.on('request', (r) => {
        if (r.method() !== 'GET') posts.push(`${r.method()} ${r.url()}`);
      });
      await page.goto(link.url, { waitUntil: 'networkidle' });
      await page.waitForTimeout(1000);
      expect(posts).toEqual([]);
      expect(await page.content()).not.toContain(SECRET);
      await context.close();
    }
    await expectFullViews(link);
  });

  it('a crawler that follows every <a href> (and every other URL) on the pages it finds', async () => {
    const link = await server.createLink(SECRET, MAX_VIEWS);
    const seen = new Set<string>();
    const queue = [link.url];
    while (queue.length > 0 && seen.size < 50) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const res = await fetch(url, { headers: { 'User-Agent': 'ExampleCrawler/1.0' } });
      const body = await res.text();
      expect(body).not.toContain(SECRET);
      // <a href>, <link href>, <script src>, and a form's action fetched as a link, as naive crawlers do.
      for (const match of body.matchAll(/\s(?:href|src|action)="([^"]+)"/g)) {
        const next = new URL(match[1]!.replace(/&amp;/g, '&'), url);
        if (next.origin === server.origin) queue.push(next.toString());
      }
    }
    expect(seen.has(link.url)).toBe(true);
    expect([...seen].some((u) => u.endsWith('/s/assets/secure-link.css'))).toBe(true);
    await expectFullViews(link);
  });
});
