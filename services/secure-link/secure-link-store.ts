import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis/redis-client.js';
import { SecureLinkStoreError, TransientError } from '../domain/errors.js';
import type { SecureLink, SecureLinkOptions, SecureLinkStore } from '../domain/ports.js';
import type { Logger } from '../logging/logger.js';
import { createFormNonces, deriveServerSubkey } from '../one-time-links/form-nonce.js';
import { createKeyRing, type ServerKey } from '../one-time-links/key-ring.js';
import {
  isWellFormedLinkToken,
  linkContextJson,
  newLinkTokenBytes,
  parseLinkContext,
} from '../one-time-links/link-token.js';
import { createLinkRedis, isRedisRefusal, luaScript } from '../one-time-links/redis-deadline.js';
import { storeKeys } from '../redis/redis-keys.js';

/**
 * The secure-link store: keeps a temporary password encrypted in Redis behind a one-time link.
 *
 * Token = base64url(32 random bytes), 43 characters. Bytes 0–15 are the lookup id, bytes 16–31 the key part.
 * - Redis key: `<keyPrefix>link:<sha256(id) hex>`. Redis never sees the token, the id or the key part.
 * - Encryption: AES-256-GCM with key = HKDF-SHA256(ikm = serverKey, salt = key part,
 *   info = "resetdesk secure-link v1"), a random 12-byte IV, and AAD binding the ciphertext to its Redis key,
 *   its context and its expiry (see `aadFor`), so Redis tampering cannot re-point a link at another ticket.
 * - Stored: a hash { v, kid, ct, iv, tag, views (remaining), context (JSON, non-secret), expiresAt (epoch ms) }
 *   with `PEXPIRE` = ttl. A Redis dump alone lacks the key part; the server key alone lacks the ciphertext's
 *   salt; a password needs the server key *and* the token.
 * - Key ring (`previousServerKeys`, see one-time-links/key-ring.ts): `kid` names the server key a link was
 *   made under. New links use the current key; a link made under a previous key still opens with it until it
 *   expires; a link whose key left the ring is unavailable. A link stored without `kid` (made before the
 *   ring existed) is tried with every key of the ring. Rotation rewrites nothing in Redis.
 * - Reveal decrypts first (HGETALL) and only then claims a view with an atomic Lua compare-and-decrement on
 *   the same ciphertext, deleting the key at zero. So a token with a wrong key part never burns a view, and
 *   concurrent reveals never exceed `maxViews`.
 * - Fail closed, and tell an outage from a refusal: a Redis that cannot be reached or does not answer in
 *   time (or is failing over) throws `TransientError`, so the work is tried again once Redis is back; a Redis
 *   that answers and refuses (out of memory) throws `SecureLinkStoreError`, a decision. Neither message ever
 *   holds the secret or the token.
 * - Reporting record: beside each link the store keeps `<keyPrefix>link-meta:<sha256(id) hex>`, a small hash
 *   with nothing secret in it ({ revealed, expiresAt, createdAt, target?, lastRevealedAt?, destroyed? }). It outlives
 *   the link by `LINK_META_GRACE_SECONDS`, so the expiry report can tell "expired unviewed" from "revealed"
 *   or "destroyed" after the link itself is gone. `revealed` is incremented inside the same Lua claim that
 *   takes the view, so the count can never disagree with the views actually served.
 * - Proceed-form nonces (`formNonce` / `checkFormNonce`): an HMAC, under a key derived from the server key for
 *   this purpose only, over the link's lookup-id hash and the time the "Click Here to Proceed" page was
 *   served. The reveal POST must echo it, which binds the POST to a GET of that page (see the routes).
 */

/** Non-secret facts kept beside the ciphertext, for reporting views back to the ticket. */
export type SecureLinkContext = SecureLinkOptions['context'];

/** Who opened a link, as the HTTP edge saw it (for the audit log and the ticket note). */
export interface SecureLinkViewer {
  ip?: string;
  userAgent?: string;
}

/**
 * Outcome of a reveal. `unavailable` covers malformed, unknown, expired, used-up and wrong-key tokens alike:
 * callers must not (and cannot) tell them apart.
 */
export type RevealResult =
  | {
      status: 'revealed';
      secret: string;
      viewsLeft: number;
      context: SecureLinkContext;
      /** The link's non-secret reference (sha256 of the lookup id, hex): the same as `SecureLink.ref`. */
      ref: string;
      /** 1 for the first view of this link, 2 for the second, …; counted atomically with the claim. */
      viewNumber: number;
    }
  | { status: 'unavailable' };

/** The non-secret reporting record of a link (see the module comment). */
export interface LinkMeta {
  /** Views served so far. */
  revealed: number;
  expiresAt: Date;
  /** Set when the link was destroyed before its time (its password was superseded or never delivered). */
  destroyed: boolean;
  lastRevealedAt?: Date;
}

/** The Redis-backed store: the `SecureLinkStore` port plus the reading side used by the secure-link pages. */
export interface RedisSecureLinkStore extends SecureLinkStore {
  /**
   * Claims one view and returns the secret, or `unavailable`. Throws `TransientError` when Redis cannot be
   * reached and `SecureLinkStoreError` when it refuses.
   */
  reveal(token: string, viewer?: SecureLinkViewer): Promise<RevealResult>;
  /**
   * True when the link exists, is unexpired, has views left and the token's key part opens it. Consumes
   * nothing and writes nothing. Throws like `reveal` when Redis fails.
   */
  peek(token: string): Promise<boolean>;
  /**
   * The link's non-secret reference (sha256 of the token's lookup id, hex), or null for a malformed token.
   * Names the link in Redis, in job ids and in the reporting record; the 12-character `secureLinkRef` is its
   * prefix, for logs.
   */
  linkRef(token: string): string | null;
  /** Reads a link's reporting record by its reference; null when there is none (never created, or aged out). */
  linkMeta(ref: string): Promise<LinkMeta | null>;
  /**
   * A nonce for the "Click Here to Proceed" form of this token, issued at `nowMs`. Not secret on its own: it
   * proves the POST comes after a GET of the page, within `checkFormNonce`'s age limit.
   */
  formNonce(token: string, nowMs?: number): string;
  /** True when `nonce` was issued by `formNonce` for this token at most `maxAgeMs` ago. Constant-time. */
  checkFormNonce(token: string, nonce: unknown, maxAgeMs: number, nowMs?: number): boolean;
}

export interface RedisSecureLinkStoreOptions {
  redis: RedisClient;
  /** Namespaces every key, e.g. `resetdesk:`. */
  keyPrefix: string;
  /** 32 random bytes, from config/secret storage; never stored in Redis. New links are made under it. */
  serverKey: Buffer;
  /** Older server keys: they only open links made under them (key rotation). */
  previousServerKeys?: readonly Buffer[];
  /** Origin (and optional base path) the public links live under, e.g. `https://reset.example.com`. */
  publicBaseUrl: string;
  logger: Logger;
  /** A Redis call slower than this fails closed (default 5000 ms), even when the client would queue it. */
  operationTimeoutMs?: number;
}

/** Bounds on `SecureLinkOptions`. */
export const SECURE_LINK_LIMITS = Object.freeze({
  maxViews: 20,
  /** 30 days: an initial password must expire soon (ASVS 6.4.1); config should ask for far less. */
  maxTtlSeconds: 30 * 24 * 3600,
  /** Longer secrets are refused: this store is for temporary passwords, not files. */
  maxSecretLength: 1024,
});

const ID_BYTES = 16;
const HKDF_INFO = Buffer.from('resetdesk secure-link v1', 'utf8');
const FORMAT_VERSION = '1';
const NONCE_INFO = 'resetdesk secure-link proceed nonce v1';

/** How long a link's reporting record outlives the link: room for a delayed expiry report to read it. */
export const LINK_META_GRACE_SECONDS = 3 * 86400;

/** Redis key of a link's reporting record. `keyPrefix` as given to the store, e.g. `resetdesk:`. */
export function linkMetaKey(keyPrefix: string, ref: string): string {
  return storeKeys.linkMeta(keyPrefix, ref);
}

/**
 * Reads a link's reporting record straight from Redis (for processes that hold no store, e.g. a worker).
 * Null when absent or unreadable.
 */
export async function readLinkMeta(
  redis: RedisClient,
  keyPrefix: string,
  ref: string,
): Promise<LinkMeta | null> {
  if (!/^[0-9a-f]{64}$/.test(ref)) return null;
  const fields = await redis.hgetall(linkMetaKey(keyPrefix, ref));
  const expiresAt = Number(fields.expiresAt);
  const revealed = Number(fields.revealed);
  if (!Number.isFinite(expiresAt) || !Number.isInteger(revealed)) return null;
  const last = Number(fields.lastRevealedAt);
  return {
    revealed,
    expiresAt: new Date(expiresAt),
    destroyed: fields.destroyed === '1',
    ...(Number.isFinite(last) && last > 0 ? { lastRevealedAt: new Date(last) } : {}),
  };
}

/**
 * Decrements `views` only if the hash still holds the ciphertext the caller decrypted (same GCM tag) and has
 * a view left; deletes the key when the last view is taken; counts the view in the reporting record (KEYS[2],
 * only when it exists, so it never gains a record without a TTL). Returns { views left, view number }, or
 * { -1, 0 } when nothing was claimed. Atomic in Redis, so racing reveals are serialised here.
 */
const CLAIM_SCRIPT = `
local tag = redis.call('HGET', KEYS[1], 'tag')
if (not tag) or tag ~= ARGV[1] then return {-1, 0} end
local views = tonumber(redis.call('HGET', KEYS[1], 'views'))
local max = tonumber(redis.call('HGET', KEYS[1], 'maxViews') or '0')
if (not views) or views < 1 then
  redis.call('DEL', KEYS[1])
  return {-1, 0}
end
views = views - 1
if views == 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'views', views)
end
local seen = 0
if redis.call('EXISTS', KEYS[2]) == 1 then
  seen = redis.call('HINCRBY', KEYS[2], 'revealed', 1)
  redis.call('HSET', KEYS[2], 'lastRevealedAt', ARGV[2])
else
  seen = max - views
end
return {views, seen}
`;

/** Deletes a link and marks its reporting record destroyed (without creating one that has no TTL). */
const DESTROY_SCRIPT = `
local removed = redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('HSET', KEYS[2], 'destroyed', '1') end
return removed
`;

const CLAIM = luaScript(CLAIM_SCRIPT);
const DESTROY = luaScript(DESTROY_SCRIPT);

interface ParsedToken {
  keyPart: Buffer;
  /** sha256(lookup id), hex: the only form of the token Redis ever sees. */
  idHash: string;
}

/**
 * True when `token` has the shape of a link token: exactly 43 base64url characters in canonical encoding
 * of 32 bytes. Cheap and Redis-free, so the HTTP edge can reject junk before touching the store.
 */
export const isWellFormedToken: (token: unknown) => token is string = isWellFormedLinkToken;

function parseToken(token: unknown): ParsedToken | null {
  if (!isWellFormedToken(token)) return null;
  const bytes = Buffer.from(token, 'base64url');
  const id = bytes.subarray(0, ID_BYTES);
  return {
    keyPart: Buffer.from(bytes.subarray(ID_BYTES)),
    idHash: createHash('sha256').update(id).digest('hex'),
  };
}

/**
 * The full non-secret reference of a link: sha256 of the token's lookup id, hex (64 characters), or null for
 * anything that is not a token. The same value names the link in Redis and is `SecureLink.ref`.
 */
export function linkRefOf(token: unknown): string | null {
  return parseToken(token)?.idHash ?? null;
}

/**
 * A short, non-reversible reference to a link for logs and notes: the first 12 hex characters of
 * sha256(lookup id). It reveals nothing about the key part. `malformed` for anything that is not a token.
 */
export function secureLinkRef(token: unknown): string {
  return parseToken(token)?.idHash.slice(0, 12) ?? 'malformed';
}

function deriveKey(serverKey: Buffer, keyPart: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', serverKey, keyPart, HKDF_INFO, 32));
}

/** Associated data: ties a ciphertext to its Redis key, its context and its expiry. */
function aadFor(idHash: string, contextJson: string, expiresAtMs: string): Buffer {
  return Buffer.from(`resetdesk-secure-link-v1\n${idHash}\n${contextJson}\n${expiresAtMs}`, 'utf8');
}

/**
 * Builds the Redis secure-link store. Throws at construction on a bad server key or base URL (configuration
 * errors should stop the service at start, not at the first reset).
 */
export function createRedisSecureLinkStore(opts: RedisSecureLinkStoreOptions): RedisSecureLinkStore {
  const { redis, keyPrefix } = opts;
  if (!Buffer.isBuffer(opts.serverKey) || opts.serverKey.length !== 32) {
    throw new Error('secure-link server key must be exactly 32 bytes');
  }
  const ring = createKeyRing(opts.serverKey, opts.previousServerKeys ?? []);
  // A separate key for form nonces: a nonce can never be confused with, or help attack, a link's ciphertext.
  const nonces = createFormNonces(
    ring.keys.map((k) => deriveServerSubkey(k.key, NONCE_INFO)),
    'proceed',
  );
  const baseUrl = new URL(opts.publicBaseUrl);
  if (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:') {
    throw new Error('secure-link publicBaseUrl must be an http(s) URL');
  }
  const publicBase = baseUrl.toString().replace(/\/+$/, '');
  const log = opts.logger.child({ component: 'secure-link-store' });

  const redisKey = (idHash: string) => storeKeys.link(keyPrefix, idHash);
  const metaKey = (idHash: string) => linkMetaKey(keyPrefix, idHash);

  /** Runs one Redis operation with a deadline; a failure is an outage (transient) or a refusal (decision). */
  const { guarded, run } = createLinkRedis({
    redis,
    timeoutMs: opts.operationTimeoutMs,
    storeName: 'secure-link',
    toError: (message, cause) =>
      isRedisRefusal(cause)
        ? new SecureLinkStoreError(message, { cause })
        : new TransientError(message, undefined, { cause }),
  });

  async function claim(idHash: string, tag: string): Promise<{ viewsLeft: number; viewNumber: number }> {
    const result = await guarded('claim a view', () =>
      run(CLAIM, [redisKey(idHash), metaKey(idHash)], [tag, String(Date.now())]),
    );
    const [viewsLeft, viewNumber] = Array.isArray(result) ? result : [];
    return typeof viewsLeft === 'number' && typeof viewNumber === 'number'
      ? { viewsLeft, viewNumber }
      : { viewsLeft: -1, viewNumber: 0 };
  }

  /** The server keys that may have made a stored link: the one its `kid` names, or all of them (no `kid`). */
  function candidateKeys(fields: Record<string, string>): readonly ServerKey[] {
    if (fields.kid === undefined) return ring.keys;
    const key = ring.find(fields.kid);
    return key ? [key] : [];
  }

  /**
   * Decrypts a stored link with the token's key part. Null when anything is missing, malformed, expired or
   * fails authentication (or its server key left the ring): the GCM tag check is what tells a wrong key part
   * from the right one.
   */
  function open(
    parsed: ParsedToken,
    fields: Record<string, string>,
  ): { secret: string; context: SecureLinkContext } | null {
    for (const serverKey of candidateKeys(fields)) {
      const opened = openWith(serverKey.key, parsed, fields);
      if (opened) return opened;
    }
    return null;
  }

  function openWith(
    serverKey: Buffer,
    parsed: ParsedToken,
    fields: Record<string, string>,
  ): { secret: string; context: SecureLinkContext } | null {
    const { v, ct, iv, tag, views, context, expiresAt } = fields;
    if (v !== FORMAT_VERSION || !ct || !iv || !tag || !views || !context || !expiresAt) return null;
    if (!(Number(views) >= 1)) return null;
    // Redis's PEXPIRE is authoritative; this covers the gap between the two clocks.
    if (!(Number(expiresAt) > Date.now())) return null;
    const ivBytes = Buffer.from(iv, 'base64');
    const tagBytes = Buffer.from(tag, 'base64');
    if (ivBytes.length !== 12 || tagBytes.length !== 16) return null;
    const key = deriveKey(serverKey, parsed.keyPart);
    let plain: Buffer | undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: 16 });
      decipher.setAAD(aadFor(parsed.idHash, context, expiresAt));
      decipher.setAuthTag(tagBytes);
      plain = Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]);
      const parsedContext = parseLinkContext(context);
      if (!parsedContext) return null;
      return { secret: plain.toString('utf8'), context: parsedContext };
    } catch {
      return null;
    } finally {
      key.fill(0);
      plain?.fill(0);
    }
  }

  async function load(parsed: ParsedToken): Promise<Record<string, string>> {
    return guarded('read a link', () => redis.hgetall(redisKey(parsed.idHash)));
  }

  return {
    async create(secret: string, options: SecureLinkOptions): Promise<SecureLink> {
      const { ttlSeconds, maxViews, context } = options;
      // One line of plain text, bounded: it is shown on the console's pages.
      const target = (options.target ?? '')
        // eslint-disable-next-line no-control-regex
        .replace(/[\u0000-\u001f\u007f]+/g, ' ')
        .trim()
        .slice(0, 256);
      if (
        typeof secret !== 'string' ||
        secret.length === 0 ||
        secret.length > SECURE_LINK_LIMITS.maxSecretLength
      ) {
        throw new SecureLinkStoreError(
          'secure-link secret must be a non-empty string of at most 1024 characters',
        );
      }
      if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > SECURE_LINK_LIMITS.maxTtlSeconds) {
        throw new SecureLinkStoreError(
          `secure-link ttlSeconds must be > 0 and <= ${SECURE_LINK_LIMITS.maxTtlSeconds} (got ${ttlSeconds})`,
        );
      }
      if (!Number.isInteger(maxViews) || maxViews < 1 || maxViews > SECURE_LINK_LIMITS.maxViews) {
        throw new SecureLinkStoreError(
          `secure-link maxViews must be an integer from 1 to 20 (got ${maxViews})`,
        );
      }
      const contextJson = linkContextJson(context);
      if (!parseLinkContext(contextJson)) throw new SecureLinkStoreError('secure-link context is invalid');

      const tokenBytes = newLinkTokenBytes();
      const token = tokenBytes.toString('base64url');
      const parsed = parseToken(token);
      tokenBytes.fill(0);
      if (!parsed) throw new SecureLinkStoreError('secure-link token generation failed');

      const ttlMs = Math.ceil(ttlSeconds * 1000);
      const expiresAtMs = Date.now() + ttlMs;
      const expiresAt = String(expiresAtMs);
      const iv = randomBytes(12);
      const key = deriveKey(ring.current.key, parsed.keyPart);
      const plain = Buffer.from(secret, 'utf8');
      let ct: Buffer;
      let tag: Buffer;
      try {
        const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
        cipher.setAAD(aadFor(parsed.idHash, contextJson, expiresAt));
        ct = Buffer.concat([cipher.update(plain), cipher.final()]);
        tag = cipher.getAuthTag();
      } finally {
        key.fill(0);
        plain.fill(0);
        parsed.keyPart.fill(0);
      }

      const redisKeyName = redisKey(parsed.idHash);
      await guarded('store a link', async () => {
        const results = await redis
          .multi()
          .hset(redisKeyName, {
            v: FORMAT_VERSION,
            kid: ring.current.id,
            ct: ct.toString('base64'),
            iv: iv.toString('base64'),
            tag: tag.toString('base64'),
            views: String(maxViews),
            maxViews: String(maxViews),
            context: contextJson,
            expiresAt,
          })
          .pexpire(redisKeyName, ttlMs)
          .hset(metaKey(parsed.idHash), {
            revealed: '0',
            expiresAt,
            createdAt: String(Date.now()),
            ...(target ? { target } : {}),
          })
          .pexpire(metaKey(parsed.idHash), ttlMs + LINK_META_GRACE_SECONDS * 1000)
          .exec();
        if (!results) throw new Error('transaction aborted');
        for (const [err] of results) if (err) throw err;
      });

      log.info({ link: parsed.idHash.slice(0, 12), ttlSeconds, maxViews, ...context }, 'secure link created');
      return {
        url: `${publicBase}/s/${token}`,
        token,
        expiresAt: new Date(expiresAtMs),
        ref: parsed.idHash,
      };
    },

    urlFor(token: string): string {
      if (!isWellFormedToken(token)) throw new SecureLinkStoreError('not a secure-link token');
      return `${publicBase}/s/${token}`;
    },

    async destroy(token: string): Promise<void> {
      const parsed = parseToken(token);
      if (!parsed) return; // nothing could ever have been stored under it
      const removed = await guarded('destroy a link', () =>
        run(DESTROY, [redisKey(parsed.idHash), metaKey(parsed.idHash)], []),
      );
      log.info({ link: parsed.idHash.slice(0, 12), removed: removed === 1 }, 'secure link destroyed');
    },

    linkRef(token: string): string | null {
      return linkRefOf(token);
    },

    linkMeta(ref: string): Promise<LinkMeta | null> {
      return guarded('read a link record', () => readLinkMeta(redis, keyPrefix, ref));
    },

    formNonce(token: string, nowMs = Date.now()): string {
      const parsed = parseToken(token);
      if (!parsed) throw new SecureLinkStoreError('not a secure-link token');
      return nonces.issue(parsed.idHash, nowMs);
    },

    checkFormNonce(token: string, nonce: unknown, maxAgeMs: number, nowMs = Date.now()): boolean {
      const parsed = parseToken(token);
      return parsed !== null && nonces.check(parsed.idHash, nonce, maxAgeMs, nowMs);
    },

    async peek(token: string): Promise<boolean> {
      const parsed = parseToken(token);
      if (!parsed) return false;
      return open(parsed, await load(parsed)) !== null;
    },

    async reveal(token: string, viewer?: SecureLinkViewer): Promise<RevealResult> {
      const parsed = parseToken(token);
      if (!parsed) return { status: 'unavailable' };
      const link = parsed.idHash.slice(0, 12);
      const fields = await load(parsed);
      const opened = open(parsed, fields);
      if (!opened) {
        // A stored link that this token cannot open means a wrong key part: worth a warning (guessing or a
        // mangled link), though the viewer sees the same "unavailable" as for any other failure.
        if (fields.tag && candidateKeys(fields).length === 0)
          log.warn({ link, ip: viewer?.ip }, 'secure link reveal refused: its server key left the key ring');
        else if (fields.tag)
          log.warn({ link, ip: viewer?.ip }, 'secure link reveal refused: token does not open it');
        return { status: 'unavailable' };
      }
      // fields.tag is set: open() succeeded.
      const { viewsLeft, viewNumber } = await claim(parsed.idHash, fields.tag as string);
      if (viewsLeft < 0) return { status: 'unavailable' };
      log.info(
        { link, viewsLeft, viewNumber, ...opened.context, ip: viewer?.ip, userAgent: viewer?.userAgent },
        'secure link revealed',
      );
      return {
        status: 'revealed',
        secret: opened.secret,
        viewsLeft,
        context: opened.context,
        ref: parsed.idHash,
        viewNumber,
      };
    },
  };
}
