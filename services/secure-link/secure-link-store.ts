import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SecureLinkStoreError } from '../domain/errors.js';
import type { PsaKind, SecureLink, SecureLinkOptions, SecureLinkStore } from '../domain/ports.js';
import type { Logger } from '../logging/logger.js';

/**
 * The secure-link store: keeps a temporary password encrypted in Redis behind a one-time link.
 *
 * Token = base64url(32 random bytes), 43 characters. Bytes 0–15 are the lookup id, bytes 16–31 the key part.
 * - Redis key: `<keyPrefix>link:<sha256(id) hex>`. Redis never sees the token, the id or the key part.
 * - Encryption: AES-256-GCM with key = HKDF-SHA256(ikm = serverKey, salt = key part,
 *   info = "resetdesk secure-link v1"), a random 12-byte IV, and AAD binding the ciphertext to its Redis key,
 *   its context and its expiry (see `aadFor`), so Redis tampering cannot re-point a link at another ticket.
 * - Stored: a hash { v, ct, iv, tag, views (remaining), context (JSON, non-secret), expiresAt (epoch ms) } with
 *   `PEXPIRE` = ttl. A Redis dump alone lacks the key part; the server key alone lacks the ciphertext's salt;
 *   a password needs the server key *and* the token.
 * - Reveal decrypts first (HGETALL) and only then claims a view with an atomic Lua compare-and-decrement on
 *   the same ciphertext, deleting the key at zero. So a token with a wrong key part never burns a view, and
 *   concurrent reveals never exceed `maxViews`.
 * - Fail closed: every Redis failure or timeout becomes a `SecureLinkStoreError` whose message never holds
 *   the secret or the token.
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
  | { status: 'revealed'; secret: string; viewsLeft: number; context: SecureLinkContext }
  | { status: 'unavailable' };

/** The Redis-backed store: the `SecureLinkStore` port plus the reading side used by the secure-link pages. */
export interface RedisSecureLinkStore extends SecureLinkStore {
  /** Claims one view and returns the secret, or `unavailable`. Throws `SecureLinkStoreError` when Redis fails. */
  reveal(token: string, viewer?: SecureLinkViewer): Promise<RevealResult>;
  /**
   * True when the link exists, is unexpired, has views left and the token's key part opens it. Consumes
   * nothing and writes nothing. Throws `SecureLinkStoreError` when Redis fails.
   */
  peek(token: string): Promise<boolean>;
}

export interface RedisSecureLinkStoreOptions {
  redis: Redis;
  /** Namespaces every key, e.g. `resetdesk:`. */
  keyPrefix: string;
  /** 32 random bytes, from config/secret storage; never stored in Redis. */
  serverKey: Buffer;
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

const TOKEN_BYTES = 32;
const ID_BYTES = 16;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const HKDF_INFO = Buffer.from('resetdesk secure-link v1', 'utf8');
const FORMAT_VERSION = '1';
const DEFAULT_TIMEOUT_MS = 5000;

/**
 * Decrements `views` only if the hash still holds the ciphertext the caller decrypted (same GCM tag) and has
 * a view left; deletes the key when the last view is taken. Returns the views left, or -1 when nothing was
 * claimed. Atomic in Redis, so racing reveals are serialised here.
 */
const CLAIM_SCRIPT = `
local tag = redis.call('HGET', KEYS[1], 'tag')
if (not tag) or tag ~= ARGV[1] then return -1 end
local views = tonumber(redis.call('HGET', KEYS[1], 'views'))
if (not views) or views < 1 then
  redis.call('DEL', KEYS[1])
  return -1
end
views = views - 1
if views == 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'views', views)
end
return views
`;
const CLAIM_SHA = createHash('sha1').update(CLAIM_SCRIPT).digest('hex');

interface ParsedToken {
  keyPart: Buffer;
  /** sha256(lookup id), hex: the only form of the token Redis ever sees. */
  idHash: string;
}

/**
 * True when `token` has the shape of a link token: exactly 43 base64url characters in canonical encoding
 * of 32 bytes. Cheap and Redis-free, so the HTTP edge can reject junk before touching the store.
 */
export function isWellFormedToken(token: unknown): token is string {
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return false;
  const bytes = Buffer.from(token, 'base64url');
  // Canonical check: 43 chars carry 258 bits, so two spellings could decode to the same 32 bytes.
  return bytes.length === TOKEN_BYTES && bytes.toString('base64url') === token;
}

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

const PSA_KINDS: readonly PsaKind[] = ['halopsa', 'connectwise', 'autotask'];

function parseContext(json: string): SecureLinkContext | null {
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value !== 'object' || value === null) return null;
    const { psa, ticketId, correlationId } = value as Record<string, unknown>;
    if (typeof psa !== 'string' || !(PSA_KINDS as readonly string[]).includes(psa)) return null;
    if (typeof ticketId !== 'string' || typeof correlationId !== 'string') return null;
    return { psa: psa as PsaKind, ticketId, correlationId };
  } catch {
    return null;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
  const serverKey = Buffer.from(opts.serverKey); // private copy: later changes by the caller cannot affect it
  const baseUrl = new URL(opts.publicBaseUrl);
  if (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:') {
    throw new Error('secure-link publicBaseUrl must be an http(s) URL');
  }
  const publicBase = baseUrl.toString().replace(/\/+$/, '');
  const timeoutMs = opts.operationTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const log = opts.logger.child({ component: 'secure-link-store' });

  const redisKey = (idHash: string) => `${keyPrefix}link:${idHash}`;

  /** Runs one Redis operation with a deadline; any failure becomes a SecureLinkStoreError (fail closed). */
  async function guarded<T>(what: string, op: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([op(), deadline]);
    } catch (err) {
      throw new SecureLinkStoreError(`secure-link store could not ${what}: ${describe(err)}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  async function claim(key: string, tag: string): Promise<number> {
    const result = await guarded('claim a view', async () => {
      try {
        return await redis.evalsha(CLAIM_SHA, 1, key, tag);
      } catch (err) {
        if (!describe(err).includes('NOSCRIPT')) throw err;
        return await redis.eval(CLAIM_SCRIPT, 1, key, tag);
      }
    });
    return typeof result === 'number' ? result : -1;
  }

  /**
   * Decrypts a stored link with the token's key part. Null when anything is missing, malformed, expired or
   * fails authentication: the GCM tag check is what tells a wrong key part from the right one.
   */
  function open(
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
      const parsedContext = parseContext(context);
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
      const contextJson = JSON.stringify({
        psa: context.psa,
        ticketId: context.ticketId,
        correlationId: context.correlationId,
      });
      if (!parseContext(contextJson)) throw new SecureLinkStoreError('secure-link context is invalid');

      const tokenBytes = randomBytes(TOKEN_BYTES);
      const token = tokenBytes.toString('base64url');
      const parsed = parseToken(token);
      tokenBytes.fill(0);
      if (!parsed) throw new SecureLinkStoreError('secure-link token generation failed');

      const ttlMs = Math.ceil(ttlSeconds * 1000);
      const expiresAtMs = Date.now() + ttlMs;
      const expiresAt = String(expiresAtMs);
      const iv = randomBytes(12);
      const key = deriveKey(serverKey, parsed.keyPart);
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
            ct: ct.toString('base64'),
            iv: iv.toString('base64'),
            tag: tag.toString('base64'),
            views: String(maxViews),
            context: contextJson,
            expiresAt,
          })
          .pexpire(redisKeyName, ttlMs)
          .exec();
        if (!results) throw new Error('transaction aborted');
        for (const [err] of results) if (err) throw err;
      });

      log.info({ link: parsed.idHash.slice(0, 12), ttlSeconds, maxViews, ...context }, 'secure link created');
      return { url: `${publicBase}/s/${token}`, token, expiresAt: new Date(expiresAtMs) };
    },

    urlFor(token: string): string {
      if (!isWellFormedToken(token)) throw new SecureLinkStoreError('not a secure-link token');
      return `${publicBase}/s/${token}`;
    },

    async destroy(token: string): Promise<void> {
      const parsed = parseToken(token);
      if (!parsed) return; // nothing could ever have been stored under it
      const removed = await guarded('destroy a link', () => redis.del(redisKey(parsed.idHash)));
      log.info({ link: parsed.idHash.slice(0, 12), removed: removed > 0 }, 'secure link destroyed');
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
        if (fields.tag)
          log.warn({ link, ip: viewer?.ip }, 'secure link reveal refused: token does not open it');
        return { status: 'unavailable' };
      }
      // fields.tag is set: open() succeeded.
      const viewsLeft = await claim(redisKey(parsed.idHash), fields.tag as string);
      if (viewsLeft < 0) return { status: 'unavailable' };
      log.info(
        { link, viewsLeft, ...opened.context, ip: viewer?.ip, userAgent: viewer?.userAgent },
        'secure link revealed',
      );
      return { status: 'revealed', secret: opened.secret, viewsLeft, context: opened.context };
    },
  };
}
