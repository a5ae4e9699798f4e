import { randomBytes } from 'node:crypto';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import type { DisavowBinding, DisavowReport } from '../../services/domain/ports.js';
import { LINK_PAGE_CSP } from '../../services/one-time-links/link-page-sender.js';
import { createDisavowRouter } from '../../services/staff-notice/disavow-routes.js';
import { createDisavowStore } from '../../services/staff-notice/disavow-store.js';
import { dumpUnder, keysUnder } from '../support/redis.js';
import { captureLogger, unknownLinkToken, useLinkTestRedis } from './one-time-link-test-support.js';

const MSP = 'Ashton Solutions';
const BINDING: DisavowBinding = {
  psa: 'halopsa',
  ticketId: '4242',
  correlationId: 'halopsa-4242',
  customerId: '12',
  tenantId: '3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f',
  userId: 'u-sam',
};
const STAFF = '203.0.113.9';

let redis: Redis;
const prefixes: string[] = [];
const logLines: string[] = [];
useLinkTestRedis(prefixes, (r) => (redis = r));

function setup(onDisavow?: (report: DisavowReport) => Promise<void>, ttlHours = 72) {
  const keyPrefix = `test:disavow:${randomBytes(6).toString('hex')}:`;
  prefixes.push(keyPrefix);
  const store = createDisavowStore({
    redis,
    keyPrefix,
    serverKey: randomBytes(32),
    publicBaseUrl: 'https://reset.example.test/',
    ttlHours,
  });
  const reports: DisavowReport[] = [];
  const app: Express = express();
  app.set('trust proxy', true);
  app.use(helmet());
  app.use(
    '/n',
    createDisavowRouter({
      store,
      mspName: MSP,
      logger: captureLogger(logLines),
      onDisavow:
        onDisavow ??
        (async (report) => {
          reports.push(report);
        }),
      redis,
      keyPrefix,
    }),
  );
  const create = async () => {
    const link = await store.create(BINDING);
    return { ...link, token: link.url.split('/n/')[1]! };
  };
  const get = (token: string) => request(app).get(`/n/${token}`).set('X-Forwarded-For', STAFF);
  const post = (token: string, fields: Record<string, string>, site = 'same-origin') =>
    request(app)
      .post(`/n/${token}`)
      .type('form')
      .set('X-Forwarded-For', STAFF)
      .set('Sec-Fetch-Site', site)
      .set('User-Agent', 'Mozilla/5.0 (test)')
      .send(fields);
  const press = async (token: string) => post(token, { nonce: nonceOf((await get(token)).text) });
  return { app, store, reports, create, get, post, press, keyPrefix };
}

function nonceOf(html: string): string {
  return /<input type="hidden" name="nonce" value="([^"]*)">/.exec(html)?.[1] ?? '';
}

describe('the "This wasn\'t me" link', () => {
  it("is /n/<token>; Redis holds a MAC'd record under the ref, never the token, and expires with the link", async () => {
    const { create, keyPrefix } = setup();
    const link = await create();
    expect(link.url).toMatch(/^https:\/\/reset\.example\.test\/n\/[A-Za-z0-9_-]{43}$/);
    const keys = await keysUnder(redis, keyPrefix);
    expect(keys).toEqual([`${keyPrefix}disavow:${link.ref}`]);
    const ttl = await redis.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(71 * 3600_000);
    expect(ttl).toBeLessThanOrEqual(72 * 3600_000);
    const dump = await dumpUnder(redis, keyPrefix);
    expect(dump).not.toContain(link.token);
    expect(Object.keys(await redis.hgetall(keys[0]!)).sort()).toEqual(
      [
        'correlationId',
        'customerId',
        'expiresAt',
        'kid',
        'mac',
        'psa',
        'status',
        'tenantId',
        'ticketId',
        'userId',
        'v',
      ].sort(),
    );
  });

  it('When a scanner (or anyone) fetches it, Then it shows the button, names nobody, and does nothing', async () => {
    const { app, create, get, reports, store } = setup();
    const link = await create();
    for (let i = 0; i < 3; i++) {
      const res = await get(link.token);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['content-security-policy']).toBe(LINK_PAGE_CSP);
      expect(res.text).toContain('This wasn&#39;t me</button>');
      expect(res.text).not.toContain('u-sam');
      expect(res.text).not.toContain('4242');
      expect(res.text).not.toMatch(/<script/i);
    }
    expect((await request(app).head(`/n/${link.token}`)).status).toBe(200);
    expect(reports).toEqual([]);
    expect(await store.peek(link.token)).not.toBeNull();
  });

  it('When the staff member presses the button, Then the report is handed over once with the binding, and the page thanks them', async () => {
    const { create, press, reports } = setup();
    const link = await create();
    const res = await press(link.token);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Thank you, your IT team has been told');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      ...BINDING,
      ref: link.ref,
      ip: STAFF,
      userAgent: 'Mozilla/5.0 (test)',
    });
    expect(JSON.stringify(reports[0])).not.toContain(link.token);
  });

  it('When the button is pressed again (a replay), Then it is refused like any dead link and nothing more is reported', async () => {
    const { create, get, post, press, reports } = setup();
    const link = await create();
    const nonce = nonceOf((await get(link.token)).text);
    expect((await post(link.token, { nonce })).status).toBe(200);
    expect((await post(link.token, { nonce })).status).toBe(404);
    expect((await press(link.token)).status).toBe(404);
    expect((await get(link.token)).status).toBe(404);
    expect(reports).toHaveLength(1);
  });

  it('When two presses race, Then exactly one is reported', async () => {
    const { create, get, post, reports } = setup();
    const link = await create();
    const nonce = nonceOf((await get(link.token)).text);
    const answers = await Promise.all([1, 2, 3, 4].map(() => post(link.token, { nonce })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 404, 404, 404]);
    expect(reports).toHaveLength(1);
  });

  it('When the link has expired, Then it is unavailable and nothing is reported', async () => {
    const { create, get, post, reports, keyPrefix } = setup();
    const link = await create();
    const nonce = nonceOf((await get(link.token)).text);
    await redis.hset(`${keyPrefix}disavow:${link.ref}`, { expiresAt: String(Date.now() - 1000) });
    expect((await get(link.token)).status).toBe(404);
    expect((await post(link.token, { nonce })).status).toBe(404);
    expect(reports).toEqual([]);
  });

  it('refuses a record re-pointed in Redis at another account (no server key)', async () => {
    const { create, press, reports, keyPrefix } = setup();
    const link = await create();
    await redis.hset(`${keyPrefix}disavow:${link.ref}`, { userId: 'u-maria' });
    expect((await press(link.token)).status).toBe(404);
    expect(reports).toEqual([]);
  });

  it('refuses a cross-site POST or one without the page nonce, and uses nothing', async () => {
    const { create, get, post, reports, store } = setup();
    const link = await create();
    const nonce = nonceOf((await get(link.token)).text);
    expect((await post(link.token, { nonce }, 'cross-site')).status).toBe(403);
    const noNonce = await post(link.token, {});
    expect(noNonce.status).toBe(403);
    expect(noNonce.text).toContain('This page had expired');
    expect(reports).toEqual([]);
    expect(await store.peek(link.token)).not.toBeNull();
  });

  it('When the report cannot be queued, Then the page says try again and the link still works', async () => {
    const failing = vi.fn().mockRejectedValueOnce(new Error('Redis down')).mockResolvedValue(undefined);
    const { create, press } = setup(failing);
    const link = await create();
    const first = await press(link.token);
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('60');
    expect((await press(link.token)).status).toBe(200);
    expect(failing).toHaveBeenCalledTimes(2);
  });

  it('limits guessing: unknown tokens from one address get 429 after the allowance', async () => {
    const { get } = setup();
    let last = 0;
    for (let i = 0; i < 21; i++) last = (await get(unknownLinkToken())).status;
    expect(last).toBe(429);
  });

  it('never logs a token', async () => {
    const { create, press } = setup();
    const link = await create();
    await press(link.token);
    expect(logLines.join('\n')).not.toContain(link.token);
  });
});
