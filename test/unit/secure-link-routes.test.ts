import { randomBytes } from 'node:crypto';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import request, { type Response } from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { SecureLinkStoreError } from '../../services/domain/errors.js';
import type { SecureLinkOptions } from '../../services/domain/ports.js';
import { escapeHtml } from '../../services/domain/html-escape.js';
import { LINK_PAGE_CSP } from '../../services/one-time-links/link-page-sender.js';
import { SECURE_LINK_CSS } from '../../services/secure-link/secure-link-pages.js';
import {
  createSecureLinkRouter,
  type SecureLinkRouterOptions,
} from '../../services/secure-link/secure-link-routes.js';
import { createRedisSecureLinkStore, secureLinkRef } from '../../services/secure-link/secure-link-store.js';
import { keysUnder } from '../support/redis.js';
import { captureLogger, unknownLinkToken, useLinkTestRedis } from './one-time-link-test-support.js';

const SECRET = 'Maple#Rocket#Canyon#47';
const MSP = 'Ashton Solutions';
const CONTEXT: SecureLinkOptions['context'] = {
  psa: 'connectwise',
  ticketId: '4242',
  correlationId: 'corr-1',
};

let redis: Redis;
const prefixes: string[] = [];
const logLines: string[] = [];

const logger = () => captureLogger(logLines);

function setup(extra: Partial<SecureLinkRouterOptions> & { globalHelmet?: boolean } = {}) {
  const keyPrefix = `test:slr:${randomBytes(6).toString('hex')}:`;
  prefixes.push(keyPrefix);
  const store = createRedisSecureLinkStore({
    redis,
    keyPrefix,
    serverKey: randomBytes(32),
    publicBaseUrl: 'https://reset.example.test',
    logger: logger(),
  });
  const app: Express = express();
  if (extra.globalHelmet) app.use(helmet()); // as services/http/app.ts does
  app.use('/s', createSecureLinkRouter({ store, mspName: MSP, logger: logger(), ...extra }));
  const create = async (maxViews = 1, ttlSeconds = 3600) =>
    (await store.create(SECRET, { ttlSeconds, maxViews, context: CONTEXT })).token;
  const views = async () => {
    const [key] = await keysUnder(redis, `${keyPrefix}link:`);
    return key ? await redis.hget(key, 'views') : null;
  };
  return { app, store, create, views, keyPrefix };
}

const unknownToken = unknownLinkToken;

/** The manager's click: GET the proceed page, then POST its form with the page's nonce. */
async function proceed(app: Express, token: string, headers: Record<string, string> = {}): Promise<Response> {
  const page = await request(app).get(`/s/${token}`);
  const nonce = /name="nonce" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  const post = request(app).post(`/s/${token}`).type('form');
  for (const [name, value] of Object.entries(headers)) post.set(name, value);
  return post.send({ nonce });
}

function expectSecureHeaders(res: Response) {
  const h = res.headers;
  expect(h['cache-control']).toBe('no-store');
  expect(h['pragma']).toBe('no-cache');
  expect(h['referrer-policy']).toBe('no-referrer');
  expect(h['x-robots-tag']).toBe('noindex, nofollow');
  expect(h['content-security-policy']).toBe(LINK_PAGE_CSP);
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['x-frame-options']).toBe('DENY');
  expect(h['x-powered-by']).toBeUndefined();
  expect(h['etag']).toBeUndefined();
}

/** The id="secret" element, its class list and text (the pages are ours, so a regex is enough). */
function secretElement(html: string) {
  const m = /<(\w+)([^>]*)\sid="secret"([^>]*)>([^<]*)</.exec(html);
  if (!m) return null;
  const attrs = `${m[2]} ${m[3]}`;
  const cls = /class="([^"]*)"/.exec(attrs)?.[1] ?? '';
  return { classes: cls.split(/\s+/), text: m[4] };
}

function expectNoInlineScript(html: string) {
  for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) expect(tag).toMatch(/\ssrc="[^"]+"/);
  expect(html).not.toMatch(/<script\b[^>]*>[^<]+<\/script>/i);
  // Attributes live inside real tags; escaped text (&lt;...) cannot open one.
  for (const tag of html.match(/<[a-z][^>]*>/gi) ?? []) {
    expect(tag).not.toMatch(/\son[a-z]+\s*=/i);
    expect(tag).not.toMatch(/\sstyle\s*=/i);
    expect(tag).not.toMatch(/javascript:/i);
  }
}

useLinkTestRedis(prefixes, (r) => (redis = r));

describe('GET /s/:token', () => {
  it('shows only the MSP name and a real POST "Click Here to Proceed" button; reveals and consumes nothing', async () => {
    const { app, create, views } = setup();
    const token = await create();
    const res = await request(app).get(`/s/${token}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain(`<form method="post" action="/s/${token}"`);
    expect(res.text).toMatch(/<button type="submit"[^>]*>Click Here to Proceed<\/button>/);
    expect(res.text).toContain(MSP);
    expect(res.text).toContain('<meta name="viewport"');
    expect(res.text).toContain('<meta name="robots" content="noindex, nofollow">');
    expect(res.text).not.toContain(SECRET);
    expect(res.text).not.toContain('id="secret"');
    expect(res.text).not.toMatch(/<script/i); // the proceed page needs no script at all
    expectNoInlineScript(res.text);
    expectSecureHeaders(res);
    expect(await views()).toBe('1');
  });

  it('GET and HEAD repeated 50 times each consume nothing', async () => {
    const { app, create, views } = setup();
    const token = await create(1);
    for (let i = 0; i < 50; i++) {
      const get = await request(app).get(`/s/${token}`);
      expect(get.status).toBe(200);
      const head = await request(app).head(`/s/${token}`);
      expect(head.status).toBe(200);
      expect(head.text ?? '').toBe('');
      if (i === 0) {
        expectSecureHeaders(get);
        expectSecureHeaders(head);
      }
    }
    expect(await views()).toBe('1');
    const post = await proceed(app, token);
    expect(post.status).toBe(200);
    expect(secretElement(post.text)?.text).toBe(SECRET);
  });

  it('unknown, malformed, used-up and expired links all get the identical 404 page', async () => {
    const { app, create } = setup();
    const used = await create(1);
    expect((await proceed(app, used)).status).toBe(200);
    const expiring = await create(1, 0.2);
    await new Promise((r) => setTimeout(r, 300));

    const unknown = await request(app).get(`/s/${unknownToken()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('This link is no longer available');
    expectSecureHeaders(unknown);
    for (const path of [
      `/s/${used}`,
      `/s/${expiring}`,
      '/s/short',
      `/s/${'A'.repeat(43)}+`,
      '/s/x/y',
      '/s/',
    ]) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(404);
      expect(res.text, path).toBe(unknown.text);
      expectSecureHeaders(res);
    }
  });
});

describe('POST /s/:token', () => {
  it('reveals the password blurred in #secret, unblurrable without JS, with the warning and sign-in steps', async () => {
    const { app, create } = setup();
    const token = await create(1);
    const res = await proceed(app, token);
    expect(res.status).toBe(200);
    expectSecureHeaders(res);
    const secret = secretElement(res.text);
    expect(secret?.text).toBe(SECRET);
    expect(secret?.classes).toContain('blurred');
    expect(res.text.split(SECRET)).toHaveLength(2); // exactly once: not in the title, not in an attribute

    // No-JS reveal: a checkbox toggled by <label for> (over the secret, and a visible "Show password").
    expect(res.text).toMatch(/<input type="checkbox" id="reveal-toggle"[^>]*aria-label="Show password"/);
    expect(res.text.match(/<label for="reveal-toggle"/g)).toHaveLength(2);
    expect(res.text).toContain('Show password</span>');
    expect(SECURE_LINK_CSS).toMatch(
      /\.reveal-toggle:checked ~ \.secret-box \.secret\.blurred \{ filter: none;/,
    );
    // The copy button is hidden until the external script enables it.
    expect(res.text).toMatch(/<button type="button" id="copy-button" class="button" hidden>/);
    expect(res.text).toContain('<script src="/s/assets/secure-link.js" defer></script>');
    expectNoInlineScript(res.text);

    expect(res.text).toContain(
      'You are responsible for ensuring this password is not given to the wrong person',
    );
    expect(res.text).toContain('outlook.office.com');
    expect(res.text).toMatch(/register for MFA again/);
    expect(res.text).toMatch(/choose a new password/);
  });

  it('after the last view a second POST gets the 404 page identical to an unknown token', async () => {
    const { app, create, keyPrefix } = setup();
    const token = await create(2);
    const first = await proceed(app, token);
    expect(first.text).toContain('1 more time,');
    const second = await proceed(app, token);
    expect(second.status).toBe(200);
    expect(second.text).toContain('last time this link can be opened');
    expect(await keysUnder(redis, `${keyPrefix}link:`)).toHaveLength(0);

    const third = await proceed(app, token);
    const unknown = await request(app).post(`/s/${unknownToken()}`);
    const malformed = await request(app).post('/s/not-a-token');
    const getAfter = await request(app).get(`/s/${token}`);
    for (const res of [third, unknown, malformed, getAfter]) {
      expect(res.status).toBe(404);
      expect(res.text).toBe(unknown.text);
      expect(res.text).not.toContain(SECRET);
      expectSecureHeaders(res);
    }
  });

  it('a token with the wrong key part gets the 404 page and burns no view', async () => {
    const { app, create, views } = setup();
    const token = await create(1);
    const bytes = Buffer.from(token, 'base64url');
    randomBytes(16).copy(bytes, 16);
    const wrong = bytes.toString('base64url');
    expect((await request(app).get(`/s/${wrong}`)).status).toBe(404);
    expect((await request(app).post(`/s/${wrong}`)).status).toBe(404);
    expect(await views()).toBe('1');
  });

  it('calls onRevealed with the context and the viewer, without waiting for it', async () => {
    const onRevealed = vi.fn(() => Promise.reject(new Error('PSA down')));
    const { app, create } = setup({ onRevealed });
    const token = await create(3);
    expect((await proceed(app, token, { 'User-Agent': 'TestPhone/1.0' })).status).toBe(200);
    await vi.waitFor(() => expect(onRevealed).toHaveBeenCalledTimes(1));
    expect(onRevealed).toHaveBeenCalledWith(
      CONTEXT,
      expect.objectContaining({ userAgent: 'TestPhone/1.0', viewsLeft: 2, ip: expect.any(String) }),
    );
    // GET never calls it.
    await request(app).get(`/s/${token}`).expect(200);
    expect(onRevealed).toHaveBeenCalledTimes(1);
  });
});

describe('the /s router', () => {
  it('serves the CSS and JS assets with the same headers', async () => {
    const { app } = setup();
    const css = await request(app).get('/s/assets/secure-link.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expectSecureHeaders(css);
    const js = await request(app).get('/s/assets/secure-link.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.text).toContain("getElementById('secret')");
    expectSecureHeaders(js);
    expect((await request(app).get('/s/assets/other.js')).status).toBe(404);
  });

  it('overrides an app-wide helmet(): strict CSP and DENY framing still apply', async () => {
    const { app, create } = setup({ globalHelmet: true });
    const token = await create();
    for (const res of [
      await request(app).get(`/s/${token}`),
      await proceed(app, token),
      await request(app).get(`/s/${token}`),
    ]) {
      expectSecureHeaders(res);
    }
  });

  it('escapes the MSP name', async () => {
    const keyPrefix = `test:slr:${randomBytes(6).toString('hex')}:`;
    prefixes.push(keyPrefix);
    const store = createRedisSecureLinkStore({
      redis,
      keyPrefix,
      serverKey: randomBytes(32),
      publicBaseUrl: 'https://reset.example.test',
      logger: logger(),
    });
    const evil = `<img src=x onerror="alert(1)"> O'Neil & "Sons"`;
    const app = express();
    app.use('/s', createSecureLinkRouter({ store, mspName: evil, logger: logger() }));
    const token = (await store.create(SECRET, { ttlSeconds: 60, maxViews: 1, context: CONTEXT })).token;
    for (const res of [await request(app).get(`/s/${token}`), await proceed(app, token)]) {
      expect(res.text).toContain(escapeHtml(evil));
      expect(res.text).not.toContain('<img');
      expectNoInlineScript(res.text);
    }
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });

  it('a store failure answers 503 "try again" with the secure headers, and consumes nothing', async () => {
    const failing = {
      peek: vi.fn(() => Promise.reject(new SecureLinkStoreError('secure-link store could not read a link'))),
      reveal: vi.fn(() =>
        Promise.reject(new SecureLinkStoreError('secure-link store could not read a link')),
      ),
      formNonce: () => 'n',
      checkFormNonce: () => true,
    } as unknown as SecureLinkRouterOptions['store'];
    const app = express();
    app.use('/s', createSecureLinkRouter({ store: failing, mspName: MSP, logger: logger() }));
    const token = unknownToken();
    for (const res of [await request(app).get(`/s/${token}`), await request(app).post(`/s/${token}`)]) {
      expect(res.status).toBe(503);
      expect(res.text).toContain('Please try again');
      expectSecureHeaders(res);
    }
  });

  it('checks the token shape before touching the store', async () => {
    const store = {
      peek: vi.fn(() => Promise.resolve(true)),
      reveal: vi.fn(() => Promise.resolve({ status: 'unavailable' as const })),
    } as unknown as SecureLinkRouterOptions['store'];
    const app = express();
    app.use('/s', createSecureLinkRouter({ store, mspName: MSP, logger: logger() }));
    for (const bad of ['abc', 'A'.repeat(42), 'A'.repeat(44), `${'A'.repeat(42)}%2B`, `${'A'.repeat(42)}.`]) {
      await request(app).get(`/s/${bad}`).expect(404);
      await request(app).post(`/s/${bad}`).expect(404);
    }
    expect(store.peek).not.toHaveBeenCalled();
    expect(store.reveal).not.toHaveBeenCalled();
  });

  it('never logs the token or the secret', async () => {
    logLines.length = 0;
    const { app, create } = setup();
    const token = await create(1);
    await request(app).get(`/s/${token}`);
    await proceed(app, token);
    await proceed(app, token);
    const logs = logLines.join('\n');
    expect(logs).toContain(secureLinkRef(token));
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.slice(22));
    expect(logs).not.toContain(SECRET);
  });
});
