import { createHmac, randomBytes } from 'node:crypto';
import { deriveServerSubkey } from '../../services/one-time-links/form-nonce.js';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import request, { type Response } from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  createConfirmationRouter,
  type ConfirmationRouterOptions,
  type DecisionViewer,
} from '../../services/confirmation/confirmation-routes.js';
import {
  createConfirmationStore,
  type ConfirmationContext,
  type ConfirmationDecision,
  type ConfirmationQuestion,
} from '../../services/confirmation/confirmation-store.js';
import { LINK_PAGE_CSP } from '../../services/one-time-links/link-page-sender.js';
import { dumpUnder, keysUnder } from '../support/redis.js';
import {
  captureLogger,
  unknownLinkToken,
  useLinkTestRedis,
  withServer,
} from './one-time-link-test-support.js';

const MSP = 'Ashton Solutions';
const CONTEXT: ConfirmationContext = { psa: 'halopsa', ticketId: '5150', correlationId: 'corr-c1' };
const MANAGER = '203.0.113.20';
const ATTACKER = '198.51.100.7';

let redis: Redis;
const prefixes: string[] = [];
const logLines: string[] = [];

const logger = () => captureLogger(logLines);

interface Call {
  decision: ConfirmationDecision;
  context: ConfirmationContext;
  viewer: DecisionViewer;
}

function setup(extra: Partial<ConfirmationRouterOptions> = {}, withLimiter = false) {
  const keyPrefix = `test:conf:${randomBytes(6).toString('hex')}:`;
  prefixes.push(keyPrefix);
  const serverKey = randomBytes(32);
  const store = createConfirmationStore({
    redis,
    keyPrefix,
    serverKey,
    publicBaseUrl: 'https://reset.example.test/',
  });
  const calls: Call[] = [];
  const app: Express = express();
  app.set('trust proxy', true);
  app.use(helmet()); // as services/http/app.ts does: the router must override its looser defaults
  app.use(
    '/c',
    createConfirmationRouter({
      store,
      mspName: MSP,
      logger: logger(),
      onDecision: async (decision, context, viewer) => {
        calls.push({ decision, context, viewer });
      },
      ...(withLimiter ? { redis, keyPrefix } : {}),
      ...extra,
    }),
  );
  const create = async (
    question: ConfirmationQuestion = { targetDisplayName: 'Jane Doe', what: 'both' },
    ttlSeconds = 3600,
  ) => store.create({ ...CONTEXT, question, ttlSeconds });
  const record = async () => {
    const [key] = await keysUnder(redis, `${keyPrefix}confirm:`);
    return key ? await redis.hgetall(key) : null;
  };
  const get = (token: string, from = MANAGER) => request(app).get(`/c/${token}`).set('X-Forwarded-For', from);
  const post = (
    token: string,
    fields: Record<string, string>,
    headers: Record<string, string> = { 'Sec-Fetch-Site': 'same-origin' },
    from = MANAGER,
  ) => {
    const req = request(app).post(`/c/${token}`).type('form').set('X-Forwarded-For', from);
    for (const [name, value] of Object.entries(headers)) req.set(name, value);
    return req.send(fields);
  };
  /** The manager's click: GET the page, then POST the chosen button's form with its nonce. */
  const answer = async (token: string, decision: ConfirmationDecision, headers?: Record<string, string>) => {
    const page = await get(token);
    return post(token, { nonce: nonceOf(page.text), decision }, headers);
  };
  return { app, store, calls, create, record, get, post, answer, keyPrefix, serverKey };
}

function nonceOf(html: string): string {
  return /<input type="hidden" name="nonce" value="([^"]*)">/.exec(html)?.[1] ?? '';
}

const unknownToken = unknownLinkToken;

function expectSecureHeaders(res: Response) {
  const h = res.headers;
  expect(h['cache-control']).toBe('no-store');
  expect(h['pragma']).toBe('no-cache');
  expect(h['referrer-policy']).toBe('no-referrer');
  expect(h['x-robots-tag']).toBe('noindex, nofollow');
  expect(h['content-security-policy']).toBe(LINK_PAGE_CSP);
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['x-frame-options']).toBe('DENY');
  expect(h['cross-origin-opener-policy']).toBe('same-origin');
  expect(h['x-powered-by']).toBeUndefined();
  expect(h['etag']).toBeUndefined();
}

function expectNoScript(html: string) {
  expect(html).not.toMatch(/<script/i);
  for (const tag of html.match(/<[a-z][^>]*>/gi) ?? []) {
    expect(tag).not.toMatch(/\son[a-z]+\s*=/i);
    expect(tag).not.toMatch(/\sstyle\s*=/i);
    expect(tag).not.toMatch(/javascript:/i);
  }
}

useLinkTestRedis(prefixes, (r) => (redis = r));

describe('the confirmation store', () => {
  it('makes /c/<token> links with ≥128 random bits; Redis holds neither the token nor more than the question', async () => {
    const { store, create, keyPrefix } = setup();
    const link = await create();
    expect(link.url).toBe(`https://reset.example.test/c/${link.token}`);
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(link.token, 'base64url')).toHaveLength(32);
    expect(link.ref).toMatch(/^[0-9a-f]{64}$/);
    expect(store.refOf(link.token)).toBe(link.ref);
    expect(link.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    const keys = await keysUnder(redis, keyPrefix);
    expect(keys).toEqual([`${keyPrefix}confirm:${link.ref}`]);
    expect(await redis.pttl(keys[0]!)).toBeGreaterThan(3500_000);
    const dump = await dumpUnder(redis, keyPrefix);
    expect(dump).not.toContain(link.token);
    expect(dump).not.toContain(Buffer.from(link.token, 'base64url').toString('hex'));
    expect(Object.keys((await redis.hgetall(keys[0]!)) ?? {}).sort()).toEqual(
      [
        'asked',
        'context',
        'dept',
        'expiresAt',
        'kid',
        'mac',
        'name',
        'req',
        'status',
        'upn',
        'v',
        'what',
      ].sort(),
    );
  });

  it('two links never share a token', async () => {
    const { create } = setup();
    const tokens = new Set<string>();
    for (let i = 0; i < 20; i++) tokens.add((await create()).token);
    expect(tokens.size).toBe(20);
  });

  it('refuses a record altered in Redis (another ticket planted without the server key)', async () => {
    const { store, create, record, keyPrefix } = setup();
    const link = await create();
    const before = await record();
    await redis.hset(`${keyPrefix}confirm:${link.ref}`, {
      context: JSON.stringify({ ...CONTEXT, ticketId: '9999' }),
    });
    expect(await store.peek(link.token)).toBeNull();
    expect(await store.decide(link.token, 'confirmed', {})).toEqual({ status: 'unavailable' });
    expect((await record())?.status).toBe(before?.status);
  });

  it('refuses a record whose department or sign-in name was altered in Redis', async () => {
    const { store, create, keyPrefix } = setup();
    const question: ConfirmationQuestion = {
      targetDisplayName: 'Jane Doe',
      targetDepartment: 'Finance',
      targetSignInName: 'jane.doe@contoso.example',
      what: 'both',
    };
    const dept = await create(question);
    await redis.hset(`${keyPrefix}confirm:${dept.ref}`, { dept: 'Sales' });
    expect(await store.peek(dept.token)).toBeNull();
    const upn = await create(question);
    await redis.hset(`${keyPrefix}confirm:${upn.ref}`, { upn: 'jane.doe2@contoso.example' });
    expect(await store.peek(upn.token)).toBeNull();
    expect(await store.decide(upn.token, 'confirmed', {})).toEqual({ status: 'unavailable' });
  });

  it('refuses a record whose requester or time asked was altered in Redis (both are shown to operators)', async () => {
    const { store, keyPrefix } = setup();
    const make = () =>
      store.create({
        ...CONTEXT,
        question: { targetDisplayName: 'Jane Doe', what: 'password' },
        requesterSignInName: 'maria@contoso.example',
        ttlSeconds: 600,
      });
    const req = await make();
    expect((await store.listPending(10)).map((p) => p.requesterSignInName)).toEqual([
      'maria@contoso.example',
    ]);
    await redis.hset(`${keyPrefix}confirm:${req.ref}`, { req: 'someone.else@contoso.example' });
    expect(await store.peek(req.token)).toBeNull();
    const asked = await make();
    await redis.hset(`${keyPrefix}confirm:${asked.ref}`, { asked: '1' });
    expect(await store.peek(asked.token)).toBeNull();
    expect(await store.listPending(10)).toEqual([]);
  });

  it('still opens a link made before pages showed the department (record version 1)', async () => {
    const { store, keyPrefix, serverKey, get } = setup();
    const link = await store.create({
      ...CONTEXT,
      question: { targetDisplayName: 'Jane Doe', what: 'mfa' },
      ttlSeconds: 600,
    });
    const key = `${keyPrefix}confirm:${link.ref}`;
    const r = await redis.hgetall(key);
    // What a version-1 deployment wrote: no department or sign-in name, and a MAC that did not cover them.
    const v1Mac = createHmac('sha256', deriveServerSubkey(serverKey, 'resetdesk confirmation record v1'))
      .update(['1', link.ref, r.context, r.name, r.what, r.expiresAt].join('\n'))
      .digest('base64url');
    await redis.hdel(key, 'dept', 'upn');
    await redis.hset(key, { v: '1', mac: v1Mac });
    expect(await store.peek(link.token)).toMatchObject({
      question: { targetDisplayName: 'Jane Doe', what: 'mfa' },
    });
    const page = await get(link.token);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<dt>Department</dt><dd>Not recorded in your directory</dd>');
    expect(page.text).not.toContain('Sign-in name');
    // A version-1 record cannot be given a department: the MAC of version 1 does not vouch for one.
    await redis.hset(key, { dept: 'Finance' });
    expect((await store.peek(link.token))?.question).not.toHaveProperty('targetDepartment');
  });

  it('rejects bad input at create', async () => {
    const { store } = setup();
    await expect(
      store.create({ ...CONTEXT, question: { targetDisplayName: 'X', what: 'both' }, ttlSeconds: 0 }),
    ).rejects.toThrow(RangeError);
    await expect(
      store.create({ ...CONTEXT, question: { targetDisplayName: '  ', what: 'both' }, ttlSeconds: 60 }),
    ).rejects.toThrow(RangeError);
    await expect(
      store.create({
        ...CONTEXT,
        question: { targetDisplayName: 'X', what: 'all' as ConfirmationQuestion['what'] },
        ttlSeconds: 60,
      }),
    ).rejects.toThrow(RangeError);
    expect(() =>
      createConfirmationStore({
        redis,
        keyPrefix: 'x:',
        serverKey: randomBytes(16),
        publicBaseUrl: 'https://a',
      }),
    ).toThrow(/32 bytes/);
  });
});

describe('GET /c/:token', () => {
  it('asks the question with two POST buttons, runs no script and sends the secure-link headers', async () => {
    const { get, create } = setup();
    const link = await create({ targetDisplayName: 'Jane Doe', what: 'mfa' });
    const res = await get(link.token);
    expect(res.status).toBe(200);
    expectSecureHeaders(res);
    expectNoScript(res.text);
    expect(res.text).toContain(
      'Did you ask Ashton Solutions to reset MFA (multi-factor authentication) for <strong>Jane Doe</strong>?',
    );
    const forms = res.text.match(/<form method="post" action="\/c\/[^"]+">/g) ?? [];
    expect(forms).toEqual([
      `<form method="post" action="/c/${link.token}">`,
      `<form method="post" action="/c/${link.token}">`,
    ]);
    expect(res.text).toMatch(
      /name="decision" value="confirmed">\n<button type="submit"[^>]*>Yes, I asked for this</,
    );
    expect(res.text).toMatch(
      /name="decision" value="denied">\n<button type="submit"[^>]*>No, this wasn&#39;t me</,
    );
    expect(res.text).toContain('href="/c/assets/confirmation.css"');
    const css = await request(setup().app).get('/c/assets/confirmation.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expectSecureHeaders(css);
  });

  it('restates exactly who (full name, department, sign-in name) and each change a "yes" makes', async () => {
    const { get, create } = setup();
    const res = await get(
      (
        await create({
          targetDisplayName: 'Tim Reed',
          targetDepartment: 'Accounts & Payroll',
          targetSignInName: 'tim.reed@contoso.example',
          what: 'both',
        })
      ).token,
    );
    expect(res.text).toContain(
      [
        '<dl class="who">',
        '<dt>Name</dt><dd>Tim Reed</dd>',
        '<dt>Department</dt><dd>Accounts &amp; Payroll</dd>',
        '<dt>Sign-in name</dt><dd>tim.reed@contoso.example</dd>',
        '</dl>',
      ].join('\n'),
    );
    expect(res.text).toContain('Their password is replaced by a temporary one');
    expect(res.text).toContain('Their MFA (multi-factor authentication) methods');
    expect(res.text).toContain('If this is not the person you meant');
    const mfaOnly = await get((await create({ targetDisplayName: 'Tim Reed', what: 'mfa' })).token);
    expect(mfaOnly.text).toContain('Their MFA (multi-factor authentication) methods');
    expect(mfaOnly.text).not.toContain('password is replaced');
    const passwordOnly = await get((await create({ targetDisplayName: 'Tim Reed', what: 'password' })).token);
    expect(passwordOnly.text).toContain('password is replaced');
    expect(passwordOnly.text).not.toContain('MFA (multi-factor authentication) methods');
  });

  it('says what will be reset: password, MFA or both', async () => {
    const { get, create } = setup();
    const pw = await get((await create({ targetDisplayName: 'A B', what: 'password' })).token);
    expect(pw.text).toContain('to reset the password for <strong>A B</strong>?');
    const both = await get((await create({ targetDisplayName: 'A B', what: 'both' })).token);
    expect(both.text).toContain('to reset the password and MFA (multi-factor authentication) for');
  });

  it('changes nothing, however often it is fetched (GET and HEAD, 20× each)', async () => {
    const { app, get, create, record, calls } = setup();
    const link = await create();
    const before = await record();
    for (let i = 0; i < 20; i++) {
      expect((await get(link.token)).status).toBe(200);
      expect((await request(app).head(`/c/${link.token}`)).status).toBe(200);
    }
    expect(await record()).toEqual(before);
    expect(calls).toHaveLength(0);
  });

  it('escapes the target name (and the MSP name)', async () => {
    const { get, create } = setup({ mspName: 'A&B <MSP>' });
    const link = await create({ targetDisplayName: '<script>alert("x")</script> O\'Neil', what: 'both' });
    const res = await get(link.token);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('<script>');
    expect(res.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Neil');
    expect(res.text).toContain('A&amp;B &lt;MSP&gt;');
    expectNoScript(res.text);
  });

  it('unknown, malformed, decided and expired links all get the identical 404 page', async () => {
    const { get, create, answer, app } = setup();
    const decided = await create();
    expect((await answer(decided.token, 'denied')).status).toBe(200);
    const expiring = await create(undefined, 0.2);
    await new Promise((r) => setTimeout(r, 300));
    const unknown = await get(unknownToken());
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('This link is no longer available');
    expectSecureHeaders(unknown);
    for (const path of [`/c/${decided.token}`, `/c/${expiring.token}`, '/c/short', '/c/x/y', '/c/']) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(404);
      expect(res.text, path).toBe(unknown.text);
      expectSecureHeaders(res);
    }
  });
});

describe('POST /c/:token', () => {
  it('"Yes, I asked for this" calls onDecision(confirmed) once and uses the link up', async () => {
    const { answer, create, calls, get, record } = setup();
    const link = await create({ targetDisplayName: 'Jane Doe', what: 'password' });
    const res = await answer(link.token, 'confirmed', {
      'Sec-Fetch-Site': 'same-origin',
      'User-Agent': 'Mozilla/5.0 test',
    });
    expect(res.status).toBe(200);
    expectSecureHeaders(res);
    expect(res.text).toContain('We are going ahead with the reset');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.decision).toBe('confirmed');
    expect(calls[0]!.context).toEqual(CONTEXT);
    expect(calls[0]!.viewer).toMatchObject({
      ip: MANAGER,
      userAgent: 'Mozilla/5.0 test',
      ref: link.ref,
      targetDisplayName: 'Jane Doe',
      what: 'password',
    });
    expect(calls[0]!.viewer.decidedAt).toBeInstanceOf(Date);
    expect((await record())?.status).toBe('confirmed');

    const again = await get(link.token);
    expect(again.status).toBe(404);
    expect(again.text).toContain('This link is no longer available');
    const replay = await answer(link.token, 'denied');
    expect(replay.status).toBe(404);
    expect(calls).toHaveLength(1);
  });

  it('"No, this wasn\'t me" calls onDecision(denied) once and uses the link up', async () => {
    const { answer, create, calls, get, post } = setup();
    const link = await create();
    const page = await get(link.token);
    const res = await answer(link.token, 'denied');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Nothing has been changed');
    expect(calls.map((c) => c.decision)).toEqual(['denied']);
    expect((await get(link.token)).status).toBe(404);
    // The page's nonce is no use any more either.
    const replay = await post(link.token, { nonce: nonceOf(page.text), decision: 'confirmed' });
    expect(replay.status).toBe(404);
    expect(calls).toHaveLength(1);
  });

  it('concurrent POSTs (both buttons, many times) → exactly one decision', async () => {
    const { create, calls, get, post, record } = setup();
    const link = await create();
    const nonce = nonceOf((await get(link.token)).text);
    const posts = Array.from({ length: 16 }, (_, i) =>
      post(link.token, { nonce, decision: i % 2 ? 'denied' : 'confirmed' }),
    );
    const results = await Promise.all(posts);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 404)).toHaveLength(15);
    expect(calls).toHaveLength(1);
    expect((await record())?.status).toBe(calls[0]!.decision);
  });

  it('refuses a cross-site POST with 403 without deciding', async () => {
    const { create, calls, get, post, record } = setup();
    const link = await create();
    const nonce = nonceOf((await get(link.token)).text);
    for (const headers of <Array<Record<string, string>>>[
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
      { 'Sec-Fetch-Site': 'cross-site', Origin: 'null' },
      { Origin: 'https://evil.example' },
      { Origin: 'not a url' },
    ]) {
      const res = await post(link.token, { nonce, decision: 'confirmed' }, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.text).toContain('Open the link from your email');
      expectSecureHeaders(res);
    }
    expect(calls).toHaveLength(0);
    expect((await record())?.status).toBe('pending');
    // Origin: null (our no-referrer policy) with same-origin fetch metadata is the browser's own form POST.
    const ok = await post(
      link.token,
      { nonce, decision: 'confirmed' },
      { 'Sec-Fetch-Site': 'same-origin', Origin: 'null' },
    );
    expect(ok.status).toBe(200);
    expect(calls).toHaveLength(1);
  });

  it('refuses a missing, forged, foreign or stale nonce, and a bad decision value, with the question again (403)', async () => {
    const { create, calls, get, post, store, record } = setup();
    const link = await create();
    const other = await create();
    const good = nonceOf((await get(link.token)).text);
    const stale = store.formNonce(link.token, Date.now() - 2 * 3600_000);
    for (const fields of <Array<Record<string, string>>>[
      { decision: 'confirmed' },
      { nonce: 'abc.def', decision: 'confirmed' },
      { nonce: `${good.split('.')[0]}.${'A'.repeat(32)}`, decision: 'confirmed' },
      { nonce: store.formNonce(other.token), decision: 'confirmed' },
      { nonce: stale, decision: 'confirmed' },
      { nonce: good },
      { nonce: good, decision: 'yes' },
    ]) {
      const res = await post(link.token, fields);
      expect(res.status, JSON.stringify(fields)).toBe(403);
      expect(res.text).toContain('Please choose your answer again');
      expect(nonceOf(res.text)).not.toBe('');
      expectSecureHeaders(res);
    }
    expect(calls).toHaveLength(0);
    expect((await record())?.status).toBe('pending');
    // A nonce for a dead link: the usual 404.
    const res = await post(unknownToken(), { nonce: good, decision: 'confirmed' });
    expect(res.status).toBe(404);
  });

  it('an expired link is unavailable to a POST too', async () => {
    const { create, calls, get, post } = setup();
    const link = await create(undefined, 0.3);
    const nonce = nonceOf((await get(link.token)).text);
    await new Promise((r) => setTimeout(r, 400));
    const res = await post(link.token, { nonce, decision: 'confirmed' });
    expect(res.status).toBe(404);
    expect(res.text).toContain('This link is no longer available');
    expect(calls).toHaveLength(0);
  });

  it('an onDecision failure → 503 page, nothing decided, and the link works afterwards', async () => {
    let fail = true;
    const seen: ConfirmationDecision[] = [];
    const { create, answer, record, get } = setup({
      onDecision: async (decision) => {
        if (fail) throw new Error('queue down');
        seen.push(decision);
      },
    });
    const link = await create();
    const res = await answer(link.token, 'confirmed');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('60');
    expect(res.text).toContain('Please try again in a few minutes');
    expectSecureHeaders(res);
    expect((await record())?.status).toBe('pending');
    expect((await get(link.token)).status).toBe(200);
    fail = false;
    const retry = await answer(link.token, 'denied');
    expect(retry.status).toBe(200);
    expect(seen).toEqual(['denied']);
    expect((await get(link.token)).status).toBe(404);
  });

  it('Redis failing → 503 with the secure headers, nothing decided', async () => {
    const { create, app } = setup();
    const link = await create();
    const broken = createConfirmationStore({
      redis,
      keyPrefix: 'unused:',
      serverKey: randomBytes(32),
      publicBaseUrl: 'https://reset.example.test',
    });
    const failing = {
      ...broken,
      peek: async () => {
        throw new Error('connection lost');
      },
    };
    const brokenApp = express();
    brokenApp.use(
      '/c',
      createConfirmationRouter({
        store: failing,
        mspName: MSP,
        logger: logger(),
        onDecision: async () => {},
      }),
    );
    const res = await request(brokenApp).get(`/c/${link.token}`);
    expect(res.status).toBe(503);
    expectSecureHeaders(res);
    expect((await request(app).get(`/c/${link.token}`)).status).toBe(200);
  });

  it('never logs the token', async () => {
    logLines.length = 0;
    const { create, answer } = setup();
    const link = await create();
    await answer(link.token, 'confirmed');
    expect(logLines.join('\n')).toContain(link.ref.slice(0, 12));
    expect(logLines.join('\n')).not.toContain(link.token);
  });
});

describe('failed-lookup limiting', () => {
  it('limits failed lookups per address (429 + Retry-After); the manager elsewhere is unaffected', async () => {
    const { create, get, post, keyPrefix } = setup({ limits: { failedLookups: 4, windowSeconds: 60 } }, true);
    const link = await create();
    for (let i = 0; i < 4; i++) {
      const res =
        i % 2
          ? await post(unknownToken(), { nonce: 'x', decision: 'confirmed' }, undefined, ATTACKER)
          : await get(unknownToken(), ATTACKER);
      expect(res.status).toBe(404);
    }
    const refused = await get(unknownToken(), ATTACKER);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.text).toContain('Too many attempts');
    expectSecureHeaders(refused);
    // Good lookups cost nothing: the manager opens the link as often as they like.
    for (let i = 0; i < 10; i++) expect((await get(link.token, MANAGER)).status).toBe(200);
    expect(await keysUnder(redis, `${keyPrefix}confirm-guess:`)).toEqual([
      `${keyPrefix}confirm-guess:${ATTACKER}`,
    ]);
  });

  it('a valid link opens (question and answer) from an address that has used up its failed lookups; unknown tokens from it still get 429', async () => {
    const { create, get, post, calls } = setup({ limits: { failedLookups: 3, windowSeconds: 60 } }, true);
    const link = await create();
    // Everyone behind one office NAT or the MSP's proxy shares this address.
    for (let i = 0; i < 3; i++) expect((await get(unknownToken(), MANAGER)).status).toBe(404);
    expect((await get(unknownToken(), MANAGER)).status).toBe(429);
    const page = await get(link.token, MANAGER);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Jane Doe');
    const answered = await post(link.token, { nonce: nonceOf(page.text), decision: 'confirmed' });
    expect(answered.status).toBe(200);
    expect(calls.map((c) => c.decision)).toEqual(['confirmed']);
    // The decided link is now as unavailable as any other: the same 429 as a random token.
    const dead = await get(link.token, MANAGER);
    expect(dead.status).toBe(429);
    expect(dead.text).toBe((await get(unknownToken(), MANAGER)).text);
  });

  it('counts failed lookups atomically: of 300 parallel wrong tokens exactly the allowed number get 404, the rest 429', async () => {
    const { app, create, keyPrefix, calls } = setup(
      { limits: { failedLookups: 20, windowSeconds: 60 } },
      true,
    );
    const link = await create();
    await withServer(app, async (origin) => {
      const headers = { 'X-Forwarded-For': ATTACKER };
      const statuses = await Promise.all(
        Array.from({ length: 300 }, async (_, i) => {
          const res =
            i % 2
              ? await fetch(`${origin}/c/${unknownToken()}`, { headers })
              : await fetch(`${origin}/c/${unknownToken()}`, {
                  method: 'POST',
                  headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
                  body: 'nonce=x&decision=confirmed',
                });
          await res.arrayBuffer();
          return res.status;
        }),
      );
      expect(statuses.filter((s) => s === 404)).toHaveLength(20);
      expect(statuses.filter((s) => s === 429)).toHaveLength(280);
      // The same address answers its own good link in the middle of it.
      const page = await fetch(`${origin}/c/${link.token}`, { headers });
      expect(page.status).toBe(200);
      const answered = await fetch(`${origin}/c/${link.token}`, {
        method: 'POST',
        headers: {
          ...headers,
          'Content-Type': 'application/x-www-form-urlencoded',
          'Sec-Fetch-Site': 'same-origin',
        },
        body: `nonce=${encodeURIComponent(nonceOf(await page.text()))}&decision=denied`,
      });
      expect(answered.status).toBe(200);
    });
    expect(calls.map((c) => c.decision)).toEqual(['denied']);
    expect(await redis.get(`${keyPrefix}confirm-guess:${ATTACKER}`)).toBe('300');
  });
});
