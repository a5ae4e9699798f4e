import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import express from 'express';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { SecureLinkStoreError } from '../../services/domain/errors.js';
import type { LinkSecret, SecureLinkOptions } from '../../services/domain/ports.js';
import { createSecureLinkRouter } from '../../services/secure-link/secure-link-routes.js';
import { createRedisSecureLinkStore } from '../../services/secure-link/secure-link-store.js';
import { dumpUnder, keysUnder } from '../support/redis.js';
import { captureLogger, useLinkTestRedis } from './one-time-link-test-support.js';

/**
 * A link holds a list of labelled secrets (record format 2): a temporary password, a Temporary Access Pass,
 * or both. Records of format 1 (one bare password) written before still open.
 */

const PASSWORD = 'Cedar#Beacon#Valley#31';
const PASS = 'tAp9-Qx7!zR2';
const OPTIONS: SecureLinkOptions = {
  ttlSeconds: 3600,
  maxViews: 2,
  context: { psa: 'halopsa', ticketId: 'T-77', correlationId: 'corr-s' },
};
const BOTH: LinkSecret[] = [
  { kind: 'password', label: 'Temporary password', value: PASSWORD },
  {
    kind: 'temporary-access-pass',
    label: 'Temporary Access Pass',
    value: PASS,
    expiresAt: '2026-12-07T16:00:00.000Z',
    usableOnce: true,
  },
];

let redis: Redis;
const prefixes: string[] = [];
useLinkTestRedis(prefixes, (r) => (redis = r));

function setup() {
  const keyPrefix = `test:slx:${randomBytes(6).toString('hex')}:`;
  prefixes.push(keyPrefix);
  const serverKey = randomBytes(32);
  const store = createRedisSecureLinkStore({
    redis,
    keyPrefix,
    serverKey,
    publicBaseUrl: 'https://reset.example.test',
    logger: captureLogger([]),
  });
  return { store, keyPrefix, serverKey };
}

describe('a link with several secrets', () => {
  it('When a password and a pass are stored, Then a reveal returns both, and Redis holds neither in clear', async () => {
    const { store, keyPrefix } = setup();
    const link = await store.create(BOTH, OPTIONS);
    const dump = await dumpUnder(redis, keyPrefix);
    for (const secret of [PASSWORD, PASS]) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(Buffer.from(secret).toString('base64'));
    }
    const result = await store.reveal(link.token);
    expect(result).toMatchObject({ status: 'revealed', secret: PASSWORD, secrets: BOTH });
  });

  it('When a link holds only a pass, Then it reveals only the pass', async () => {
    const { store } = setup();
    const link = await store.create([BOTH[1]!], OPTIONS);
    expect(await store.reveal(link.token)).toMatchObject({ secret: PASS, secrets: [BOTH[1]] });
  });

  it('When the secrets are empty, too many, unlabelled or too long, Then create refuses and stores nothing', async () => {
    const { store, keyPrefix } = setup();
    const bad: unknown[] = [
      [],
      [BOTH[0], BOTH[1], BOTH[0], BOTH[1], BOTH[0]],
      [{ kind: 'password', label: '', value: PASSWORD }],
      [{ kind: 'password', label: 'x', value: '' }],
      [{ kind: 'password', label: 'x', value: 'y'.repeat(1025) }],
      [{ kind: 'other', label: 'x', value: 'y' }],
    ];
    for (const secrets of bad) {
      await expect(store.create(secrets as LinkSecret[], OPTIONS)).rejects.toBeInstanceOf(
        SecureLinkStoreError,
      );
    }
    expect(await keysUnder(redis, keyPrefix)).toEqual([]);
  });

  it('When a record of format 1 (a bare password) is in Redis, Then it still opens as one temporary password', async () => {
    // Arrange: the hash exactly as the store of format 1 wrote it, under the same key scheme.
    const { store, keyPrefix, serverKey } = setup();
    const probe = await store.create(PASSWORD, OPTIONS);
    const [key] = await keysUnder(redis, `${keyPrefix}link:`);
    const fields = await redis.hgetall(key!);
    const idHash = key!.slice(`${keyPrefix}link:`.length);
    const keyPart = Buffer.from(probe.token, 'base64url').subarray(16);
    const aesKey = Buffer.from(hkdfSync('sha256', serverKey, keyPart, 'resetdesk secure-link v1', 32));
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
    cipher.setAAD(
      Buffer.from(`resetdesk-secure-link-v1\n${idHash}\n${fields.context}\n${fields.expiresAt}`, 'utf8'),
    );
    const ct = Buffer.concat([cipher.update(PASSWORD, 'utf8'), cipher.final()]);
    await redis.hset(key!, {
      v: '1',
      ct: ct.toString('base64'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    });

    // Act
    const result = await store.reveal(probe.token);

    // Assert
    expect(result).toMatchObject({
      status: 'revealed',
      secret: PASSWORD,
      secrets: [{ kind: 'password', label: 'Temporary password', value: PASSWORD }],
    });
  });
});

describe('the revealed page of a link with a pass', () => {
  async function revealPage(secrets: LinkSecret[]): Promise<string> {
    const { store } = setup();
    const app = express();
    app.use('/s', createSecureLinkRouter({ store, mspName: 'Ashton Solutions', logger: captureLogger([]) }));
    const { token } = await store.create(secrets, OPTIONS);
    const page = await request(app).get(`/s/${token}`);
    const nonce = /name="nonce" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const res = await request(app).post(`/s/${token}`).type('form').send({ nonce });
    expect(res.status).toBe(200);
    return res.text;
  }

  it('When the link holds a password and a pass, Then both are blurred, the pass shows its expiry and the mysecurityinfo steps come first', async () => {
    const html = await revealPage(BOTH);
    expect(html).toMatch(/<span id="secret" class="secret blurred"[^>]*>Cedar#Beacon#Valley#31<\/span>/);
    expect(html).toMatch(/<span id="secret-2" class="secret blurred"[^>]*>tAp9-Qx7!zR2<\/span>/);
    expect(html).toContain('<h2>Temporary Access Pass</h2>');
    expect(html).toContain('This pass expires on 2026-12-07 16:00 UTC and works for one sign-in only.');
    expect(html).toContain('href="https://aka.ms/mysecurityinfo"');
    expect(html.indexOf('aka.ms/mysecurityinfo')).toBeLessThan(html.indexOf('outlook.office.com'));
    expect(html).toContain('approve with the method they set up with the Temporary Access Pass');
  });

  it('When the link holds only a pass, Then the page is about the pass and has no password steps', async () => {
    const html = await revealPage([BOTH[1]!]);
    expect(html).toContain('<h1>Temporary Access Pass</h1>');
    expect(html).toMatch(/<span id="secret" class="secret blurred"[^>]*>tAp9-Qx7!zR2<\/span>/);
    expect(html).toContain('Show pass');
    expect(html).toContain('aka.ms/mysecurityinfo');
    expect(html).not.toContain('outlook.office.com');
    expect(html).not.toContain('Temporary password');
  });
});
