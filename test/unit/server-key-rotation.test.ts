import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/load-config.js';
import { createConfirmationStore } from '../../services/confirmation/confirmation-store.js';
import type { SecureLinkOptions } from '../../services/domain/ports.js';
import { createKeyRing, serverKeyId } from '../../services/one-time-links/key-ring.js';
import { createRedisSecureLinkStore } from '../../services/secure-link/secure-link-store.js';
import { createTokenSealer } from '../../services/secure-link/token-sealer.js';
import { planWiring } from '../../app/wiring-plan.js';
import { dumpUnder, keysUnder } from '../support/redis.js';
import { validEnv } from '../support/test-config.js';
import { captureLogger, useLinkTestRedis } from './one-time-link-test-support.js';

/**
 * Rotating SECURE_LINK_SERVER_KEY: the new key makes everything new, the old key (kept in
 * SECURE_LINK_PREVIOUS_KEYS) still opens what was made under it until it expires, a key dropped from the ring
 * retires what was made under it, and nothing stored in Redis is rewritten.
 */

const SECRET = 'Harbor#Violet#Summit#82';
const LINK: SecureLinkOptions = {
  ttlSeconds: 3600,
  maxViews: 2,
  context: { psa: 'halopsa', ticketId: '4242', correlationId: 'halopsa-4242' },
};
const QUESTION = {
  psa: 'halopsa' as const,
  ticketId: '4242',
  correlationId: 'halopsa-4242',
  question: { targetDisplayName: 'Sam Staff', what: 'both' as const },
  ttlSeconds: 3600,
};

let redis: Redis;
const prefixes: string[] = [];
const logLines: string[] = [];
useLinkTestRedis(prefixes, (r) => (redis = r));

function newPrefix(): string {
  const prefix = `test:rotation:${randomBytes(6).toString('hex')}:`;
  prefixes.push(prefix);
  return prefix;
}

/** The secure-link store as a process configured with this ring would build it. */
function linkStore(keyPrefix: string, serverKey: Buffer, previousServerKeys: Buffer[] = []) {
  return createRedisSecureLinkStore({
    redis,
    keyPrefix,
    serverKey,
    previousServerKeys,
    publicBaseUrl: 'https://reset.example.test',
    logger: captureLogger(logLines),
  });
}

function confirmationStore(keyPrefix: string, serverKey: Buffer, previousServerKeys: Buffer[] = []) {
  return createConfirmationStore({
    redis,
    keyPrefix,
    serverKey,
    previousServerKeys,
    publicBaseUrl: 'https://reset.example.test',
  });
}

/** Every key and value under the prefix, for "rotation rewrites nothing" comparisons. */
async function snapshot(prefix: string): Promise<string> {
  return dumpUnder(redis, prefix);
}

describe('secure links across a server key rotation', () => {
  it('When the key is rotated, then a link made before still opens (under its old key), and nothing in Redis was rewritten', async () => {
    const prefix = newPrefix();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const link = await linkStore(prefix, oldKey).create(SECRET, LINK);
    const before = await snapshot(prefix);

    const rotated = linkStore(prefix, newKey, [oldKey]);
    expect(await rotated.peek(link.token)).toBe(true);
    expect(await snapshot(prefix)).toBe(before);
    const revealed = await rotated.reveal(link.token);
    expect(revealed).toMatchObject({ status: 'revealed', secret: SECRET, viewsLeft: 1 });
  });

  it('When a link is made after the rotation, then it is made under the new key: the old key alone cannot open it', async () => {
    const prefix = newPrefix();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const link = await linkStore(prefix, newKey, [oldKey]).create(SECRET, LINK);
    const [key] = (await keysUnder(redis, `${prefix}link:`)).filter((k) => !k.includes('link-meta'));
    expect(await redis.hget(key!, 'kid')).toBe(serverKeyId(newKey));
    expect(await linkStore(prefix, oldKey).peek(link.token)).toBe(false);
    expect(await linkStore(prefix, newKey).reveal(link.token)).toMatchObject({ secret: SECRET });
  });

  it('When the old key is removed from the ring, then a link made under it is unavailable, and nothing is consumed', async () => {
    const prefix = newPrefix();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const link = await linkStore(prefix, oldKey).create(SECRET, LINK);
    const before = await snapshot(prefix);
    const retired = linkStore(prefix, newKey);
    expect(await retired.peek(link.token)).toBe(false);
    expect(await retired.reveal(link.token)).toEqual({ status: 'unavailable' });
    expect(await snapshot(prefix)).toBe(before);
    expect(logLines.join('\n')).toContain('its server key left the key ring');
  });

  it('A link stored before key ids existed (no kid) opens with whichever key of the ring made it', async () => {
    const prefix = newPrefix();
    const oldKey = randomBytes(32);
    const link = await linkStore(prefix, oldKey).create(SECRET, LINK);
    const [key] = (await keysUnder(redis, `${prefix}link:`)).filter((k) => !k.includes('link-meta'));
    await redis.hdel(key!, 'kid');
    expect(await linkStore(prefix, randomBytes(32), [oldKey]).peek(link.token)).toBe(true);
    expect(await linkStore(prefix, randomBytes(32)).peek(link.token)).toBe(false);
  });

  it('The "Click Here to Proceed" nonce of a page served before the rotation is accepted after it', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const token = Buffer.alloc(32, 7).toString('base64url');
    const nonce = linkStore('unused:', oldKey).formNonce(token);
    expect(linkStore('unused:', newKey, [oldKey]).checkFormNonce(token, nonce, 60_000)).toBe(true);
    expect(linkStore('unused:', newKey).checkFormNonce(token, nonce, 60_000)).toBe(false);
  });

  it('No server key, current or previous, is ever written to Redis', async () => {
    const prefix = newPrefix();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    await linkStore(prefix, oldKey).create(SECRET, LINK);
    await linkStore(prefix, newKey, [oldKey]).create(SECRET, LINK);
    await confirmationStore(prefix, newKey, [oldKey]).create(QUESTION);
    const dump = await snapshot(prefix);
    for (const key of [oldKey, newKey]) {
      expect(dump).not.toContain(key.toString('base64'));
      expect(dump).not.toContain(key.toString('hex'));
    }
    expect(dump).not.toContain(SECRET);
  });
});

describe('confirmation links across a server key rotation', () => {
  it('When the key is rotated, then a pending confirmation still opens and can be answered, and the record was not rewritten by the rotation', async () => {
    const prefix = newPrefix();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const link = await confirmationStore(prefix, oldKey).create(QUESTION);
    const before = await snapshot(prefix);
    const rotated = confirmationStore(prefix, newKey, [oldKey]);
    expect(await rotated.peek(link.token)).toMatchObject({ question: QUESTION.question });
    expect(await snapshot(prefix)).toBe(before);
    expect(await rotated.decide(link.token, 'confirmed', {})).toMatchObject({ status: 'decided' });
  });

  it('When a confirmation is made after the rotation, then the old key alone cannot verify it', async () => {
    const prefix = newPrefix();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const link = await confirmationStore(prefix, newKey, [oldKey]).create(QUESTION);
    expect(await confirmationStore(prefix, oldKey).peek(link.token)).toBeNull();
    expect(await confirmationStore(prefix, newKey).peek(link.token)).not.toBeNull();
  });

  it('When the old key is removed from the ring, then a confirmation made under it is unavailable', async () => {
    const prefix = newPrefix();
    const oldKey = randomBytes(32);
    const link = await confirmationStore(prefix, oldKey).create(QUESTION);
    const retired = confirmationStore(prefix, randomBytes(32));
    expect(await retired.peek(link.token)).toBeNull();
    expect(await retired.decide(link.token, 'confirmed', {})).toEqual({ status: 'unavailable' });
  });
});

describe('sealed link tokens in job data across a server key rotation', () => {
  const token = randomBytes(32).toString('base64url');

  it('When the key is rotated, then a token sealed before opens; one sealed after names the new key', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const sealedBefore = createTokenSealer(oldKey).seal(token);
    const rotated = createTokenSealer(newKey, [oldKey]);
    expect(rotated.open(sealedBefore)).toBe(token);
    const sealedAfter = rotated.seal(token);
    expect(sealedAfter.split('.').slice(0, 2)).toEqual(['v2', serverKeyId(newKey)]);
    expect(() => createTokenSealer(oldKey).open(sealedAfter)).toThrow(/no longer in the ring/);
    expect(sealedAfter).not.toContain(token);
  });

  it('When the old key is removed from the ring, then a token sealed under it does not open', () => {
    const oldKey = randomBytes(32);
    const sealed = createTokenSealer(oldKey).seal(token);
    expect(() => createTokenSealer(randomBytes(32)).open(sealed)).toThrow();
  });
});

describe('the key ring in the configuration', () => {
  const oldKey = randomBytes(32).toString('base64');
  const olderKey = randomBytes(32).toString('base64');

  it('SECURE_LINK_PREVIOUS_KEYS lists older keys (commas, spaces or newlines) and reaches the plan', () => {
    const plan = planWiring(
      loadConfig({ env: validEnv({ SECURE_LINK_PREVIOUS_KEYS: `${oldKey},\n${olderKey}` }) }),
    );
    expect(plan.links.previousServerKeys.map((k) => k.toString('base64'))).toEqual([oldKey, olderKey]);
    const ring = createKeyRing(plan.links.serverKey, plan.links.previousServerKeys);
    expect(ring.current.id).toBe(serverKeyId(plan.links.serverKey));
    expect(ring.keys).toHaveLength(3);
  });

  it.each([
    ['an entry that is not a 32-byte key', () => `${oldKey},c2hvcnQ=`, /secureLink\.previousKeys.*entry 2/],
    [
      'the current key again',
      (env: NodeJS.ProcessEnv) => env.SECURE_LINK_SERVER_KEY!,
      /secureLink\.previousKeys/,
    ],
    ['one key twice', () => `${oldKey},${oldKey}`, /secureLink\.previousKeys/],
  ])('When it holds %s, then start-up stops naming the key', (_what, value, named) => {
    const env = validEnv();
    env.SECURE_LINK_PREVIOUS_KEYS = value(env);
    expect(() => loadConfig({ env })).toThrow(ConfigError);
    expect(() => loadConfig({ env })).toThrow(named);
  });

  it.each([`${oldKey},${oldKey}`, `${oldKey},c2hvcnQ=`])(
    'A configuration error about the ring never quotes a key (%#)',
    (previous) => {
      const env = validEnv({ SECURE_LINK_PREVIOUS_KEYS: previous });
      try {
        loadConfig({ env });
        expect.unreachable();
      } catch (err) {
        expect((err as Error).message).not.toContain(oldKey);
        expect((err as Error).message).not.toContain('c2hvcnQ');
        expect((err as Error).message).not.toContain(env.SECURE_LINK_SERVER_KEY!);
      }
    },
  );
});
