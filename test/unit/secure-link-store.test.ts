import { createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { SecureLinkStoreError, TransientError } from '../../services/domain/errors.js';
import type { SecureLinkOptions } from '../../services/domain/ports.js';
import {
  createRedisSecureLinkStore,
  isWellFormedToken,
  secureLinkRef,
} from '../../services/secure-link/secure-link-store.js';
import { dumpUnder, keysUnder, testRedis } from '../support/redis.js';
import { startOwnRedis } from '../support/redis-server.js';
import { captureLogger, useLinkTestRedis, withWrongKeyPart } from './one-time-link-test-support.js';

const SECRET = 'Maple#Rocket#Canyon#47';
const OPTIONS: SecureLinkOptions = {
  ttlSeconds: 3600,
  maxViews: 1,
  context: { psa: 'halopsa', ticketId: 'T-1001', correlationId: 'corr-abc' },
};

let redis: Redis;
const prefixes: string[] = [];
const logLines: string[] = [];

function setup(overrides: { maxViews?: number; ttlSeconds?: number } = {}) {
  const keyPrefix = `test:sls:${randomBytes(6).toString('hex')}:`;
  prefixes.push(keyPrefix);
  const serverKey = randomBytes(32);
  const store = createRedisSecureLinkStore({
    redis,
    keyPrefix,
    serverKey,
    publicBaseUrl: 'https://reset.example.test/',
    logger: captureLogger(logLines),
  });
  const options = { ...OPTIONS, ...overrides };
  return { store, keyPrefix, serverKey, options };
}

useLinkTestRedis(prefixes, (r) => (redis = r));

describe('createRedisSecureLinkStore', () => {
  it('round trip: create returns a 43-char token URL, reveal returns the secret and context', async () => {
    const { store, options } = setup();
    const link = await store.create(SECRET, options);
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(isWellFormedToken(link.token)).toBe(true);
    expect(link.url).toBe(`https://reset.example.test/s/${link.token}`);
    expect(store.urlFor(link.token)).toBe(link.url);
    expect(link.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3_500_000);

    expect(await store.peek(link.token)).toBe(true);
    const result = await store.reveal(link.token, { ip: '203.0.113.9', userAgent: 'test' });
    expect(result).toEqual({
      status: 'revealed',
      secret: SECRET,
      secrets: [{ kind: 'password', label: 'Temporary password', value: SECRET }],
      viewsLeft: 0,
      context: options.context,
      ref: link.ref,
      viewNumber: 1,
    });
    expect(link.ref).toMatch(/^[0-9a-f]{64}$/);
    expect(secureLinkRef(link.token)).toBe(link.ref?.slice(0, 12));
  });

  it('enforces the view limit: maxViews 2 -> third reveal unavailable and the key is gone', async () => {
    const { store, keyPrefix, options } = setup({ maxViews: 2 });
    const { token } = await store.create(SECRET, options);
    expect(await store.reveal(token)).toMatchObject({ status: 'revealed', viewsLeft: 1 });
    expect(await keysUnder(redis, `${keyPrefix}link:`)).toHaveLength(1);
    expect(await store.reveal(token)).toMatchObject({ status: 'revealed', viewsLeft: 0 });
    expect(await keysUnder(redis, `${keyPrefix}link:`)).toHaveLength(0);
    expect(await store.reveal(token)).toEqual({ status: 'unavailable' });
    expect(await store.peek(token)).toBe(false);
  });

  it('sets the TTL on the key and is unavailable after expiry', async () => {
    const { store, keyPrefix, options } = setup();
    const { token } = await store.create(SECRET, options);
    const [key] = await keysUnder(redis, `${keyPrefix}link:`);
    const pttl = await redis.pttl(key as string);
    expect(pttl).toBeGreaterThan(3_590_000);
    expect(pttl).toBeLessThanOrEqual(3_600_000);

    const short = await store.create(SECRET, { ...options, ttlSeconds: 0.3 });
    expect(await store.peek(short.token)).toBe(true);
    await new Promise((r) => setTimeout(r, 450));
    expect(await store.peek(short.token)).toBe(false);
    expect(await store.reveal(short.token)).toEqual({ status: 'unavailable' });
    expect(await keysUnder(redis, `${keyPrefix}link:`)).toHaveLength(1); // only the long-lived link is left
    expect(await store.reveal(token)).toMatchObject({ status: 'revealed' });
  });

  it('20 concurrent reveals of a 1-view link: exactly one succeeds', async () => {
    const { keyPrefix, serverKey, options } = setup();
    // Several connections and store instances, as several API processes would have.
    const clients = await Promise.all([1, 2, 3, 4].map(() => testRedis()));
    try {
      const stores = clients.map((client) =>
        createRedisSecureLinkStore({
          redis: client,
          keyPrefix,
          serverKey,
          publicBaseUrl: 'https://reset.example.test',
          logger: captureLogger(logLines),
        }),
      );
      const { token } = await stores[0]!.create(SECRET, options);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => stores[i % stores.length]!.reveal(token)),
      );
      expect(results.filter((r) => r.status === 'revealed')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'unavailable')).toHaveLength(19);
      expect(await keysUnder(redis, `${keyPrefix}link:`)).toHaveLength(0);
    } finally {
      await Promise.all(clients.map((c) => c.quit()));
    }
  });

  it('concurrent reveals never exceed maxViews (maxViews 3, 20 racers)', async () => {
    const { store, options } = setup({ maxViews: 3 });
    const { token } = await store.create(SECRET, options);
    const results = await Promise.all(Array.from({ length: 20 }, () => store.reveal(token)));
    const revealed = results.filter((r) => r.status === 'revealed');
    expect(revealed).toHaveLength(3);
    expect(revealed.map((r) => (r.status === 'revealed' ? r.viewsLeft : -1)).sort()).toEqual([0, 1, 2]);
  });

  it('a wrong key part is unavailable and does not burn a view', async () => {
    const { store, keyPrefix, options } = setup({ maxViews: 1 });
    const { token } = await store.create(SECRET, options);
    const wrong = withWrongKeyPart(token);
    expect(isWellFormedToken(wrong)).toBe(true);
    for (let i = 0; i < 5; i++) expect(await store.reveal(wrong)).toEqual({ status: 'unavailable' });
    expect(await store.peek(wrong)).toBe(false);
    const [key] = await keysUnder(redis, `${keyPrefix}link:`);
    expect(await redis.hget(key as string, 'views')).toBe('1');
    expect(await store.reveal(token)).toMatchObject({ status: 'revealed', secret: SECRET });
  });

  it('malformed tokens are unavailable without touching Redis', async () => {
    const explode = new Proxy({} as Redis, {
      get() {
        throw new Error('Redis must not be touched for a malformed token');
      },
    });
    const store = createRedisSecureLinkStore({
      redis: explode,
      keyPrefix: 'never:',
      serverKey: randomBytes(32),
      publicBaseUrl: 'https://reset.example.test',
      logger: captureLogger(logLines),
    });
    const valid = randomBytes(32).toString('base64url');
    const lastChar = valid.at(-1) as string;
    // 43 base64url chars carry 258 bits; flipping the 2 unused low bits gives a non-canonical spelling.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const nonCanonical = valid.slice(0, 42) + alphabet[alphabet.indexOf(lastChar) ^ 1];
    for (const bad of ['', 'abc', valid.slice(0, 42), `${valid}A`, `${valid.slice(0, 42)}+`, nonCanonical]) {
      expect(isWellFormedToken(bad), bad).toBe(false);
      expect(await store.reveal(bad)).toEqual({ status: 'unavailable' });
      expect(await store.peek(bad)).toBe(false);
      await store.destroy(bad);
    }
  });

  it('Redis holds neither the secret, the token, the id nor the key part, in any common encoding', async () => {
    const { store, keyPrefix, options } = setup();
    const { token } = await store.create(SECRET, options);
    const dump = await dumpUnder(redis, keyPrefix);
    const bytes = Buffer.from(token, 'base64url');
    const id = bytes.subarray(0, 16);
    const keyPart = bytes.subarray(16);
    const forms = (b: Buffer) => [
      b.toString('base64url'),
      b.toString('hex'),
      b.toString('base64').replace(/=+$/, ''),
    ];
    expect(dump).not.toContain(SECRET);
    expect(dump.toLowerCase()).not.toContain(SECRET.toLowerCase());
    expect(dump).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(dump).not.toContain(Buffer.from(SECRET).toString('hex'));
    for (const f of [...forms(bytes), ...forms(id), ...forms(keyPart)]) expect(dump).not.toContain(f);
    // Non-secret context is there (the write-back needs it), and the key is named by sha256(id) only.
    expect(dump).toContain('T-1001');
    expect(dump).toContain(`${keyPrefix}link:${createHash('sha256').update(id).digest('hex')}`);
  });

  it('decrypting needs both the server key and the token: Redis content + server key alone fail', async () => {
    const { store, keyPrefix, serverKey, options } = setup();
    const { token } = await store.create(SECRET, options);
    const [key] = await keysUnder(redis, `${keyPrefix}link:`);
    const stored = await redis.hgetall(key as string);
    const idHash = (key as string).slice(`${keyPrefix}link:`.length);
    const keyPart = Buffer.from(token, 'base64url').subarray(16);

    // An independent implementation of the documented scheme.
    const tryDecrypt = (ikm: Buffer, salt: Buffer): string | null => {
      const aesKey = Buffer.from(hkdfSync('sha256', ikm, salt, 'resetdesk secure-link v1', 32));
      try {
        const d = createDecipheriv('aes-256-gcm', aesKey, Buffer.from(stored.iv as string, 'base64'));
        d.setAAD(
          Buffer.from(`resetdesk-secure-link-v1\n${idHash}\n${stored.context}\n${stored.expiresAt}`, 'utf8'),
        );
        d.setAuthTag(Buffer.from(stored.tag as string, 'base64'));
        return Buffer.concat([d.update(Buffer.from(stored.ct as string, 'base64')), d.final()]).toString(
          'utf8',
        );
      } catch {
        return null;
      }
    };

    // Control: with both halves, the scheme as documented opens it (so the failures below are meaningful).
    expect(stored.v).toBe('2');
    expect(JSON.parse(tryDecrypt(serverKey, keyPart) ?? 'null')).toEqual([
      { kind: 'password', label: 'Temporary password', value: SECRET },
    ]);
    // Server key + everything Redis holds, but no token: every salt an attacker could build from Redis fails.
    const redisDerivedSalts = [
      Buffer.alloc(16),
      Buffer.alloc(0),
      Buffer.from(idHash, 'hex'),
      Buffer.from(idHash, 'hex').subarray(0, 16),
      Buffer.from(stored.iv as string, 'base64'),
      Buffer.from(stored.tag as string, 'base64'),
    ];
    for (const salt of redisDerivedSalts) expect(tryDecrypt(serverKey, salt)).toBeNull();
    // The token without the server key fails too.
    expect(tryDecrypt(randomBytes(32), keyPart)).toBeNull();
    expect(tryDecrypt(Buffer.alloc(32), keyPart)).toBeNull();
    // And a store with another server key cannot reveal it (nor burn its view).
    const other = createRedisSecureLinkStore({
      redis,
      keyPrefix,
      serverKey: randomBytes(32),
      publicBaseUrl: 'https://reset.example.test',
      logger: captureLogger(logLines),
    });
    expect(await other.reveal(token)).toEqual({ status: 'unavailable' });
    expect(await store.reveal(token)).toMatchObject({ status: 'revealed', secret: SECRET });
  });

  it('tampering with the stored context makes the link unavailable (context is authenticated)', async () => {
    const { store, keyPrefix, options } = setup();
    const { token } = await store.create(SECRET, options);
    const [key] = await keysUnder(redis, `${keyPrefix}link:`);
    await redis.hset(key as string, 'context', JSON.stringify({ ...options.context, ticketId: 'T-9999' }));
    expect(await store.reveal(token)).toEqual({ status: 'unavailable' });
    expect(await redis.hget(key as string, 'views')).toBe('1');
  });

  it('destroy removes the link; destroying twice or a junk token is harmless', async () => {
    const { store, keyPrefix, options } = setup({ maxViews: 5 });
    const { token } = await store.create(SECRET, options);
    await store.destroy(token);
    expect(await keysUnder(redis, `${keyPrefix}link:`)).toHaveLength(0);
    expect(await store.reveal(token)).toEqual({ status: 'unavailable' });
    await store.destroy(token);
    await store.destroy('not-a-token');
  });

  it('validates options and the secret', async () => {
    const { store, options } = setup();
    for (const bad of [
      { ...options, ttlSeconds: 0 },
      { ...options, ttlSeconds: -5 },
      { ...options, ttlSeconds: Number.NaN },
      { ...options, maxViews: 0 },
      { ...options, maxViews: 21 },
      { ...options, maxViews: 1.5 },
    ]) {
      await expect(store.create(SECRET, bad)).rejects.toBeInstanceOf(SecureLinkStoreError);
    }
    await expect(store.create('', options)).rejects.toBeInstanceOf(SecureLinkStoreError);
    await expect(store.create('x'.repeat(1025), options)).rejects.toBeInstanceOf(SecureLinkStoreError);
    await expect(store.create(SECRET, { ...options, maxViews: 20 })).resolves.toHaveProperty('token');
  });

  it('refuses a server key that is not 32 bytes', () => {
    expect(() =>
      createRedisSecureLinkStore({
        redis,
        keyPrefix: 'x:',
        serverKey: randomBytes(16),
        publicBaseUrl: 'https://reset.example.test',
        logger: captureLogger(logLines),
      }),
    ).toThrow(/32 bytes/);
  });

  it('never logs the token, the key part or the secret', async () => {
    logLines.length = 0;
    const { store, options } = setup({ maxViews: 2 });
    const { token } = await store.create(SECRET, options);
    await store.reveal(token, { ip: '198.51.100.7', userAgent: 'Mozilla/5.0' });
    await store.reveal(withWrongKeyPart(token));
    await store.destroy(token);
    const logs = logLines.join('\n');
    expect(logs).toContain('secure link revealed');
    expect(logs).toContain(secureLinkRef(token));
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.slice(22)); // the key part's characters
    expect(logs).not.toContain(Buffer.from(token, 'base64url').subarray(16).toString('hex'));
  });
});

describe('createRedisSecureLinkStore with Redis down (fail closed, and tried again later)', () => {
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise<void>((r) => server.close(() => r()));
    return port;
  }

  it('create throws TransientError (no offline queue): an outage passes, and the message holds no secret', async () => {
    const down = new Redis({
      host: '127.0.0.1',
      port: await closedPort(),
      enableOfflineQueue: false,
      connectTimeout: 200,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: true,
    });
    down.on('error', () => {});
    const store = createRedisSecureLinkStore({
      redis: down,
      keyPrefix: 'down:',
      serverKey: randomBytes(32),
      publicBaseUrl: 'https://reset.example.test',
      logger: captureLogger(logLines),
    });
    const err = await store.create(SECRET, OPTIONS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err).not.toBeInstanceOf(SecureLinkStoreError);
    expect(String((err as Error).message)).not.toContain(SECRET);
    await expect(store.reveal(randomBytes(32).toString('base64url'))).rejects.toBeInstanceOf(TransientError);
    await expect(store.peek(randomBytes(32).toString('base64url'))).rejects.toBeInstanceOf(TransientError);
    down.disconnect();
  });

  it('create times out into TransientError when the client would queue forever', async () => {
    const down = new Redis({
      host: '127.0.0.1',
      port: await closedPort(),
      maxRetriesPerRequest: null, // BullMQ-style client: commands wait for a reconnect that never comes
      retryStrategy: () => 50,
      lazyConnect: true,
    });
    down.on('error', () => {});
    const store = createRedisSecureLinkStore({
      redis: down,
      keyPrefix: 'down:',
      serverKey: randomBytes(32),
      publicBaseUrl: 'https://reset.example.test',
      logger: captureLogger(logLines),
      operationTimeoutMs: 300,
    });
    const started = Date.now();
    const err = await store.create(SECRET, OPTIONS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(2_000);
    down.disconnect();
  });
});

describe('createRedisSecureLinkStore with a Redis that answers and refuses', () => {
  it('create throws SecureLinkStoreError (a decision: no password is set) and stores nothing', async () => {
    // Out of memory under noeviction: Redis is up and says no to every write.
    const full = await startOwnRedis(['--maxmemory', '1']);
    const client = new Redis(full.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const store = createRedisSecureLinkStore({
        redis: client,
        keyPrefix: 'full:',
        serverKey: randomBytes(32),
        publicBaseUrl: 'https://reset.example.test',
        logger: captureLogger(logLines),
      });
      const err = await store.create(SECRET, OPTIONS).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SecureLinkStoreError);
      expect((err as Error).message).toMatch(/could not store a link: .*OOM command not allowed/);
      expect((err as Error).message).not.toContain(SECRET);
      expect(await client.dbsize()).toBe(0);
    } finally {
      client.disconnect();
      await full.stop();
    }
  });
});
