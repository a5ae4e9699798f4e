import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import express, { type Express } from 'express';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import request, { type Response } from 'supertest';
import { describe, expect, it } from 'vitest';
import type { SecureLinkOptions } from '../../services/domain/ports.js';
import { clientAddressKey, type OneTimeLinkLimits } from '../../services/one-time-links/guess-limiter.js';
import { LINK_PAGE_CSP } from '../../services/one-time-links/link-page-sender.js';
import { createSecureLinkRouter } from '../../services/secure-link/secure-link-routes.js';
import { createRedisSecureLinkStore } from '../../services/secure-link/secure-link-store.js';
import { keysUnder } from '../support/redis.js';
import { proceedNonce } from '../support/secure-link-client.js';
import {
  unknownLinkToken,
  useLinkTestRedis,
  withServer,
  withWrongKeyPart,
} from './one-time-link-test-support.js';

const SECRET = 'Harbor#Lantern#Meadow#83';
const CONTEXT: SecureLinkOptions['context'] = { psa: 'halopsa', ticketId: '77', correlationId: 'corr-77' };
const ATTACKER = '198.51.100.7';
const MANAGER = '203.0.113.20';

let redis: Redis;
const prefixes: string[] = [];
const quiet = () => pino({ level: 'silent' }, new Writable({ write: (_c, _e, cb) => cb() }));

function setup(
  limits: OneTimeLinkLimits = { failedLookups: 5, windowSeconds: 60 },
  limiterRedis: Redis = redis,
) {
  const keyPrefix = `test:sla:${randomBytes(6).toString('hex')}:`;
  prefixes.push(keyPrefix);
  const store = createRedisSecureLinkStore({
    redis,
    keyPrefix,
    serverKey: randomBytes(32),
    publicBaseUrl: 'https://reset.example.test',
    logger: quiet(),
  });
  const app: Express = express();
  app.set('trust proxy', true); // the client address comes from X-Forwarded-For, as behind the real proxy
  app.use(
    '/s',
    createSecureLinkRouter({
      store,
      mspName: 'Ashton Solutions',
      logger: quiet(),
      redis: limiterRedis,
      keyPrefix,
      limits,
    }),
  );
  const create = async (maxViews = 1) =>
    (await store.create(SECRET, { ttlSeconds: 600, maxViews, context: CONTEXT })).token;
  /** Everything Redis holds for the link (ciphertext hash, reporting record) and the link's TTL. */
  const snapshot = async (token: string) => {
    const ref = store.linkRef(token)!;
    return {
      link: await redis.hgetall(`${keyPrefix}link:${ref}`),
      meta: await redis.hgetall(`${keyPrefix}link-meta:${ref}`),
      ttlSet: (await redis.pttl(`${keyPrefix}link:${ref}`)) > 0,
    };
  };
  const views = async (token: string) => redis.hget(`${keyPrefix}link:${store.linkRef(token)}`, 'views');
  const get = (path: string, from: string) => request(app).get(path).set('X-Forwarded-For', from);
  const post = (path: string, from: string, nonce?: string, headers: Record<string, string> = {}) => {
    const req = request(app).post(path).type('form').set('X-Forwarded-For', from);
    for (const [name, value] of Object.entries(headers)) req.set(name, value);
    return req.send(nonce === undefined ? {} : { nonce });
  };
  const nonceFor = async (token: string, from = MANAGER) =>
    proceedNonce((await get(`/s/${token}`, from)).text);
  return { app, store, keyPrefix, create, snapshot, views, get, post, nonceFor };
}

const unknownToken = unknownLinkToken;
const wrongKeyPart = withWrongKeyPart;

function expectSecureHeaders(res: Response) {
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['x-robots-tag']).toBe('noindex, nofollow');
  expect(res.headers['content-security-policy']).toBe(LINK_PAGE_CSP);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
}

useLinkTestRedis(prefixes, (r) => (redis = r));

describe('token guessing', () => {
  it('limits failed lookups per client address: 429 with Retry-After and the secure headers; others unaffected', async () => {
    const { create, get, post, keyPrefix } = setup({ failedLookups: 5, windowSeconds: 60 });
    const token = await create(1);
    for (let i = 0; i < 5; i++) {
      const res =
        i % 2
          ? await post(`/s/${unknownToken()}`, ATTACKER, 'x')
          : await get(`/s/${unknownToken()}`, ATTACKER);
      expect(res.status).toBe(404);
    }
    const limited = await get(`/s/${unknownToken()}`, ATTACKER);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.text).toContain('Too many attempts');
    expectSecureHeaders(limited);
    // The manager, elsewhere, opens the link as if nothing happened.
    const page = await get(`/s/${token}`, MANAGER);
    expect(page.status).toBe(200);
    const revealed = await post(`/s/${token}`, MANAGER, proceedNonce(page.text), {
      'Sec-Fetch-Site': 'same-origin',
    });
    expect(revealed.status).toBe(200);
    expect(revealed.text).toContain(SECRET);
    // The limiter's keys live under the configured prefix.
    expect(await keysUnder(redis, `${keyPrefix}link-guess:`)).toEqual([`${keyPrefix}link-guess:${ATTACKER}`]);
  });

  it('good lookups cost nothing: scanners and repeat visits of a live link are never limited', async () => {
    const { create, get } = setup({ failedLookups: 3, windowSeconds: 60 });
    const token = await create(1);
    for (let i = 0; i < 20; i++) expect((await get(`/s/${token}`, ATTACKER)).status).toBe(200);
  });

  it('counts an IPv6 /64 as one address', async () => {
    const { get } = setup({ failedLookups: 2, windowSeconds: 60 });
    expect((await get(`/s/${unknownToken()}`, '2001:db8:1:2::10')).status).toBe(404);
    expect((await get(`/s/${unknownToken()}`, '2001:db8:1:2:ffff::99')).status).toBe(404);
    expect((await get(`/s/${unknownToken()}`, '2001:db8:1:2:1:2:3:4')).status).toBe(429);
    expect((await get(`/s/${unknownToken()}`, '2001:db8:1:3::10')).status).toBe(404);
    expect(clientAddressKey('2001:DB8:0001:0002:0:0:0:10')).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(clientAddressKey('192.0.2.1')).toBe('192.0.2.1');
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKey('not an address')).toBe('unknown');
    expect(clientAddressKey(undefined)).toBe('unknown');
  });

  it('a burst of wrong tokens (unknown, wrong key part, malformed; GET, HEAD and POST) changes no stored link', async () => {
    const { app, create, snapshot, get, post, store } = setup({ failedLookups: 1000, windowSeconds: 60 });
    const token = await create(2);
    const before = await snapshot(token);
    const forgedNonce = store.formNonce(unknownToken());
    const burst: Array<Promise<Response>> = [];
    for (let i = 0; i < 15; i++) {
      const wrong = wrongKeyPart(token); // same lookup id as the real link: reaches its Redis hash
      burst.push(
        get(`/s/${wrong}`, ATTACKER),
        request(app).head(`/s/${wrong}`).set('X-Forwarded-For', ATTACKER),
        post(`/s/${wrong}`, ATTACKER, forgedNonce),
        post(`/s/${unknownToken()}`, ATTACKER, forgedNonce),
        get(`/s/${token.slice(0, 42)}!`, ATTACKER),
      );
    }
    for (const res of await Promise.all(burst)) expect([404, 403]).toContain(res.status);
    expect(await snapshot(token)).toEqual(before);
    expect(before.meta.revealed).toBe('0');

    const page = await get(`/s/${token}`, MANAGER);
    const revealed = await post(`/s/${token}`, MANAGER, proceedNonce(page.text));
    expect(revealed.status).toBe(200);
    expect(revealed.text).toContain('1 more time');
  });
});

describe("someone else's failures never lock a manager out of a good link", () => {
  it('a valid link opens (page and reveal) from an address that has used up its failed lookups; unknown tokens from it still get 429', async () => {
    const { create, get, post } = setup({ failedLookups: 3, windowSeconds: 60 });
    const token = await create(1);
    // Everyone behind one office NAT or the MSP's proxy shares this address.
    for (let i = 0; i < 3; i++) expect((await get(`/s/${unknownToken()}`, MANAGER)).status).toBe(404);
    expect((await get(`/s/${unknownToken()}`, MANAGER)).status).toBe(429);
    const page = await get(`/s/${token}`, MANAGER);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Click Here to Proceed');
    const revealed = await post(`/s/${token}`, MANAGER, proceedNonce(page.text), {
      'Sec-Fetch-Site': 'same-origin',
    });
    expect(revealed.status).toBe(200);
    expect(revealed.text).toContain(SECRET);
    // The used-up link is now as unknown as any other: 429 for the limited address, like a random token,
    // so the answer tells nothing about which links ever existed.
    const dead = await get(`/s/${token}`, MANAGER);
    expect(dead.status).toBe(429);
    expect(dead.text).toBe((await get(`/s/${unknownToken()}`, MANAGER)).text);
  });

  it('counts failed lookups atomically: of 300 parallel wrong tokens exactly the allowed number get 404, the rest 429, and a valid link still opens', async () => {
    const { app, create, nonceFor, keyPrefix } = setup({ failedLookups: 20, windowSeconds: 60 });
    const token = await create(1);
    const nonce = await nonceFor(token);
    await withServer(app, async (origin) => {
      const wrong = (i: number): Promise<globalThis.Response> => {
        const headers = { 'X-Forwarded-For': ATTACKER };
        switch (i % 5) {
          case 0:
            return fetch(`${origin}/s/${unknownToken()}`, { headers });
          case 1:
            return fetch(`${origin}/s/${unknownToken()}`, { method: 'HEAD', headers });
          case 2:
            return fetch(`${origin}/s/${unknownToken()}`, {
              method: 'POST',
              headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
              body: `nonce=${encodeURIComponent(nonce)}`,
            });
          case 3:
            return fetch(`${origin}/s/${wrongKeyPart(token)}`, { headers });
          default:
            return fetch(`${origin}/s/not-a-token-${i}`, { headers });
        }
      };
      const statuses = await Promise.all(
        Array.from({ length: 300 }, async (_, i) => {
          const res = await wrong(i);
          await res.arrayBuffer();
          return res.status;
        }),
      );
      expect(statuses.filter((s) => s === 404)).toHaveLength(20);
      expect(statuses.filter((s) => s === 429)).toHaveLength(280);
      // In the middle of the flood, from the same address: the good link opens and reveals.
      const page = await fetch(`${origin}/s/${token}`, { headers: { 'X-Forwarded-For': ATTACKER } });
      expect(page.status).toBe(200);
      const revealed = await fetch(`${origin}/s/${token}`, {
        method: 'POST',
        headers: {
          'X-Forwarded-For': ATTACKER,
          'Content-Type': 'application/x-www-form-urlencoded',
          'Sec-Fetch-Site': 'same-origin',
        },
        body: `nonce=${encodeURIComponent(proceedNonce(await page.text()))}`,
      });
      expect(revealed.status).toBe(200);
      expect(await revealed.text()).toContain(SECRET);
    });
    expect(await redis.get(`${keyPrefix}link-guess:${ATTACKER}`)).toBe('300');
  });

  it('a limiter whose Redis is unavailable blocks no valid link; failed lookups are still limited in process memory', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      const { create, get, post } = setup({ failedLookups: 2, windowSeconds: 60 }, down);
      const token = await create(1);
      expect((await get(`/s/${unknownToken()}`, ATTACKER)).status).toBe(404);
      expect((await get(`/s/${unknownToken()}`, ATTACKER)).status).toBe(404);
      expect((await get(`/s/${unknownToken()}`, ATTACKER)).status).toBe(429);
      const page = await get(`/s/${token}`, ATTACKER);
      expect(page.status).toBe(200);
      const revealed = await post(`/s/${token}`, ATTACKER, proceedNonce(page.text));
      expect(revealed.status).toBe(200);
      expect(revealed.text).toContain(SECRET);
    } finally {
      down.disconnect();
    }
  });
});

describe('the reveal POST is bound to the proceed page', () => {
  it('refuses a cross-site POST (Sec-Fetch-Site or a foreign Origin) with 403 and consumes no view', async () => {
    const { create, post, views, nonceFor } = setup();
    const token = await create(1);
    const nonce = await nonceFor(token);
    for (const headers of <Array<Record<string, string>>>[
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
      { 'Sec-Fetch-Site': 'cross-site', Origin: 'null' },
      { Origin: 'https://evil.example' },
      { Origin: 'not a url' },
    ]) {
      const res = await post(`/s/${token}`, MANAGER, nonce, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.text).toContain('Open the link from your email');
      expect(res.text).not.toContain(SECRET);
      expectSecureHeaders(res);
    }
    expect(await views(token)).toBe('1');
    const ok = await post(`/s/${token}`, MANAGER, nonce, { 'Sec-Fetch-Site': 'same-origin' });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain(SECRET);
  });

  it('refuses a missing, forged, foreign or stale nonce with the proceed page again, consuming nothing', async () => {
    const { create, post, views, store, get } = setup();
    const token = await create(1);
    const other = await create(1);
    const cases: Array<[string, string | undefined]> = [
      ['missing', undefined],
      ['empty', ''],
      ['forged', `${Math.floor(Date.now() / 1000).toString(36)}.${randomBytes(24).toString('base64url')}`],
      ['another link', store.formNonce(other)],
      ['stale', store.formNonce(token, Date.now() - 2 * 3600_000)],
      ['from the future', store.formNonce(token, Date.now() + 3600_000)],
      ['junk', '<script>'],
    ];
    let last: Response | undefined;
    for (const [name, nonce] of cases) {
      last = await post(`/s/${token}`, MANAGER, nonce, { 'Sec-Fetch-Site': 'same-origin' });
      expect(last.status, name).toBe(403);
      expect(last.text, name).toContain('Click Here to Proceed');
      expect(last.text, name).toContain('This page had expired');
      expect(last.text, name).not.toContain(SECRET);
      expectSecureHeaders(last);
    }
    expect(await views(token)).toBe('1');
    // The 403 page carries a fresh nonce that works, like the original page's.
    const retry = await post(`/s/${token}`, MANAGER, proceedNonce(last!.text), {
      'Sec-Fetch-Site': 'same-origin',
    });
    expect(retry.status).toBe(200);
    expect(retry.text).toContain(SECRET);
    // A dead link answers the usual 404 whatever the nonce.
    expect((await post(`/s/${token}`, MANAGER, undefined)).status).toBe(404);
    expect((await get(`/s/${token}`, MANAGER)).status).toBe(404);
  });

  it('accepts a same-origin POST: Sec-Fetch-Site same-origin, a matching Origin, Origin null, or neither header', async () => {
    const { create, post, nonceFor } = setup();
    for (const headers of <Array<Record<string, string>>>[
      { 'Sec-Fetch-Site': 'same-origin', Origin: 'null' }, // what Chromium sends under Referrer-Policy no-referrer
      { Origin: 'null' },
      { Origin: 'http://reset.example.test', Host: 'reset.example.test' },
      { 'Sec-Fetch-Site': 'none' },
      {},
    ]) {
      const token = await create(1);
      const res = await post(`/s/${token}`, MANAGER, await nonceFor(token), headers);
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(res.text).toContain(SECRET);
    }
  });

  it('the proceed page carries the nonce in a hidden field of the real form, and no script', async () => {
    const { create, get } = setup();
    const token = await create(1);
    const page = await get(`/s/${token}`, MANAGER);
    expect(page.text).toMatch(
      new RegExp(
        `<form method="post" action="/s/${token}" class="proceed">\\n<input type="hidden" name="nonce" value="[0-9a-z]+\\.[A-Za-z0-9_-]{32}">`,
      ),
    );
    expect(page.text).not.toMatch(/<script/i);
  });
});
