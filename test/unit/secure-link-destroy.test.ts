import { randomBytes } from 'node:crypto';
import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import request, { type Response } from 'supertest';
import { describe, expect, it } from 'vitest';
import type { SecureLinkOptions } from '../../services/domain/ports.js';
import {
  createSecureLinkRouter,
  type DestroyedViewer,
  type RevealedViewer,
} from '../../services/secure-link/secure-link-routes.js';
import { createRedisSecureLinkStore, linkRefOf } from '../../services/secure-link/secure-link-store.js';
import { dumpUnder, keysUnder } from '../support/redis.js';
import { captureLogger, useLinkTestRedis, withWrongKeyPart } from './one-time-link-test-support.js';

/**
 * The viewer's "I have saved it, destroy this link": the store ends the link at once and keeps nothing of
 * its secret, and the `/s/:token/destroy` POST is guarded like the reveal POST.
 */

const SECRET = 'Harbor#Lantern#Meadow#58';
const MSP = 'Ashton Solutions';
const CONTEXT: SecureLinkOptions['context'] = { psa: 'halopsa', ticketId: '4711', correlationId: 'corr-d' };

let redis: Redis;
const prefixes: string[] = [];
const logLines: string[] = [];

useLinkTestRedis(prefixes, (r) => (redis = r));

function setup() {
  const keyPrefix = `test:sld:${randomBytes(6).toString('hex')}:`;
  prefixes.push(keyPrefix);
  const store = createRedisSecureLinkStore({
    redis,
    keyPrefix,
    serverKey: randomBytes(32),
    publicBaseUrl: 'https://reset.example.test',
    logger: captureLogger(logLines),
  });
  const reveals: RevealedViewer[] = [];
  const destroyed: { context: SecureLinkOptions['context']; viewer: DestroyedViewer }[] = [];
  const app: Express = express();
  app.set('trust proxy', false);
  app.use(
    '/s',
    createSecureLinkRouter({
      store,
      mspName: MSP,
      logger: captureLogger(logLines),
      onRevealed: (_c, viewer) => void reveals.push(viewer),
      onDestroyed: (context, viewer) => void destroyed.push({ context, viewer }),
    }),
  );
  const create = async (maxViews = 3) =>
    (await store.create(SECRET, { ttlSeconds: 3600, maxViews, context: CONTEXT })).token;
  return { app, store, keyPrefix, create, reveals, destroyed };
}

/** The manager's click on "Click Here to Proceed": the revealed page. */
async function reveal(app: Express, token: string): Promise<Response> {
  const page = await request(app).get(`/s/${token}`);
  const nonce = /name="nonce" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  return request(app).post(`/s/${token}`).type('form').send({ nonce });
}

/** The destroy form of a revealed page: its action and nonce. */
function destroyFormOf(html: string): { action: string; nonce: string } | null {
  const m =
    /<form method="post" action="([^"]+)" class="destroy">\s*<input type="hidden" name="nonce" value="([^"]+)">/.exec(
      html,
    );
  return m ? { action: m[1]!, nonce: m[2]! } : null;
}

describe('store.destroyByViewer', () => {
  it('When the viewer destroys a link with views left, Then Redis holds neither it nor its ciphertext', async () => {
    // Arrange
    const { store, keyPrefix, create } = setup();
    const token = await create(3);
    const [linkKey] = await keysUnder(redis, `${keyPrefix}link:`);
    const ct = await redis.hget(linkKey!, 'ct');
    expect(ct).toBeTruthy();
    expect((await store.reveal(token)).status).toBe('revealed');

    // Act
    const result = await store.destroyByViewer(token, { ip: '198.51.100.4', userAgent: 'ua' });

    // Assert
    expect(result).toMatchObject({ status: 'destroyed', context: CONTEXT, ref: linkRefOf(token) });
    expect(await redis.exists(linkKey!)).toBe(0);
    const dump = await dumpUnder(redis, keyPrefix);
    expect(dump).not.toContain(ct!);
    expect(dump).not.toContain(SECRET);
    expect(dump).not.toContain(token);
    expect(await store.peek(token)).toBe(false);
    expect((await store.reveal(token)).status).toBe('unavailable');
    const meta = await store.linkMeta(linkRefOf(token)!);
    expect(meta).toMatchObject({ destroyed: true, revealed: 1 });
    expect(meta?.viewerDestroyedAt).toBeInstanceOf(Date);
    expect(logLines.join('')).not.toContain(SECRET);
    expect(logLines.join('')).not.toContain(token);
  });

  it('When the token has a wrong key part, Then nothing is destroyed', async () => {
    const { store, create } = setup();
    const token = await create(2);
    expect(await store.destroyByViewer(withWrongKeyPart(token))).toEqual({ status: 'unavailable' });
    expect(await store.peek(token)).toBe(true);
  });

  it('When the link is already gone, Then destroy is unavailable, twice alike', async () => {
    const { store, create } = setup();
    const token = await create(2);
    expect((await store.destroyByViewer(token)).status).toBe('destroyed');
    expect(await store.destroyByViewer(token)).toEqual({ status: 'unavailable' });
  });
});

describe('POST /s/:token/destroy', () => {
  it('When the revealed page has views left, Then it offers the destroy form with a destroy nonce', async () => {
    const { app, create } = setup();
    const token = await create(2);
    const page = await reveal(app, token);
    expect(page.status).toBe(200);
    const form = destroyFormOf(page.text);
    expect(form?.action).toBe(`/s/${token}/destroy`);
    expect(page.text).toContain('I have saved it, destroy this link');
  });

  it('When the last view was taken, Then no destroy form is offered (the link is gone already)', async () => {
    const { app, create } = setup();
    const token = await create(1);
    const page = await reveal(app, token);
    expect(page.status).toBe(200);
    expect(destroyFormOf(page.text)).toBeNull();
  });

  it('When the viewer clicks destroy, Then the link ends and a later GET is the same 404 as a used link', async () => {
    // Arrange
    const { app, create, destroyed, reveals } = setup();
    const token = await create(3);
    const form = destroyFormOf((await reveal(app, token)).text)!;

    // Act
    const res = await request(app)
      .post(form.action)
      .set('Sec-Fetch-Site', 'same-origin')
      .set('User-Agent', 'Viewer Browser')
      .type('form')
      .send({ nonce: form.nonce });

    // Assert
    expect(res.status).toBe(200);
    expect(res.text).toContain('This link has been destroyed');
    expect(res.text).not.toContain(SECRET);
    expect(res.headers['cache-control']).toBe('no-store');
    const after = await request(app).get(`/s/${token}`);
    const used = await create(1);
    await reveal(app, used);
    const usedPage = await request(app).get(`/s/${used}`);
    expect(after.status).toBe(404);
    expect(after.text).toBe(usedPage.text);
    expect(reveals).toHaveLength(2);
    await expect.poll(() => destroyed.length).toBe(1);
    expect(destroyed[0]!.context).toEqual(CONTEXT);
    expect(destroyed[0]!.viewer).toMatchObject({ ref: linkRefOf(token), userAgent: 'Viewer Browser' });
    expect(destroyed[0]!.viewer.destroyedAt).toBeInstanceOf(Date);
    // A second click (a double submit) is the ordinary 404.
    const again = await request(app).post(form.action).type('form').send({ nonce: form.nonce });
    expect(again.status).toBe(404);
    expect(destroyed).toHaveLength(1);
  });

  it('When the POST is cross-site, Then it is refused with 403 and the link lives on', async () => {
    const { app, store, create, destroyed } = setup();
    const token = await create(3);
    const form = destroyFormOf((await reveal(app, token)).text)!;
    for (const headers of [{ 'Sec-Fetch-Site': 'cross-site' }, { Origin: 'https://evil.example' }]) {
      const res = await request(app).post(form.action).set(headers).type('form').send({ nonce: form.nonce });
      expect(res.status).toBe(403);
    }
    expect(await store.peek(token)).toBe(true);
    expect(destroyed).toHaveLength(0);
  });

  it('When the nonce is missing, a proceed nonce, or stale, Then nothing is destroyed and the viewer is asked again', async () => {
    const { app, store, create } = setup();
    const token = await create(3);
    const proceedNonce = store.formNonce(token);
    const stale = store.destroyNonce(token, Date.now() - 2 * 3600_000);
    for (const body of [{}, { nonce: proceedNonce }, { nonce: stale }]) {
      const res = await request(app).post(`/s/${token}/destroy`).type('form').send(body);
      expect(res.status).toBe(403);
      expect(res.text).toContain('Destroy this link?');
      expect(res.text).not.toContain(SECRET);
      expect(await store.peek(token)).toBe(true);
    }
    // The page asked again carries a fresh nonce that works.
    const again = await request(app).post(`/s/${token}/destroy`).type('form').send({});
    const form = destroyFormOf(again.text)!;
    expect(form.action).toBe(`/s/${token}/destroy`);
    const res = await request(app).post(form.action).type('form').send({ nonce: form.nonce });
    expect(res.status).toBe(200);
    expect(await store.peek(token)).toBe(false);
  });

  it('When the token is unknown or has a wrong key part, Then the answer is the ordinary 404', async () => {
    const { app, store, create } = setup();
    const token = await create(3);
    const wrong = withWrongKeyPart(token);
    const res = await request(app)
      .post(`/s/${wrong}/destroy`)
      .type('form')
      .send({ nonce: store.destroyNonce(wrong) });
    expect(res.status).toBe(404);
    expect(res.text).toContain('This link is no longer available');
    expect(await store.peek(token)).toBe(true);
  });
});
