import { createHash } from 'node:crypto';
import { SecureLinkStoreError, TransientError } from '../domain/errors.js';
import type { LinkSecret, SecureLink, SecureLinkOptions } from '../domain/ports.js';
import { decodeSecrets, encodeSecrets, LINK_FORMAT_VERSION, normaliseSecrets } from './link-secrets.js';
import { createFormNonces, deriveServerSubkey, type FormNonces } from '../one-time-links/form-nonce.js';
import { createKeyRing, type ServerKey } from '../one-time-links/key-ring.js';
import {
  isWellFormedLinkToken,
  linkContextJson,
  newLinkTokenBytes,
  parseLinkContext,
} from '../one-time-links/link-token.js';
import { createLinkRedis, isRedisRefusal, type LuaScript } from '../one-time-links/redis-deadline.js';
import { openPayload, sealPayload, type PayloadBinding } from './link-cipher.js';
import { CLAIM, DESTROY, VIEWER_DESTROY } from './link-scripts.js';
import { linkMetaKey, readLinkMeta, type LinkMeta, LINK_META_GRACE_SECONDS } from './link-meta.js';
import {
  SECURE_LINK_LIMITS,
  type RedisSecureLinkStore,
  type RedisSecureLinkStoreOptions,
  type RevealResult,
  type SecureLinkContext,
  type SecureLinkViewer,
  type ViewerDestroyResult,
} from './secure-link-store-types.js';

// Callers import the store's types from here; the types module holds nothing else.
export * from './secure-link-store-types.js';
import { storeKeys } from '../redis/redis-keys.js';

/**
 * The secure-link store: keeps a temporary password encrypted in Redis behind a one-time link.
 *
 * Token = base64url(32 random bytes), 43 characters. Bytes 0–15 are the lookup id, bytes 16–31 the key part.
 * - Redis key: `<keyPrefix>link:<sha256(id) hex>`. Redis never sees the token, the id or the key part.
 * - Encryption (link-cipher.ts): AES-256-GCM with key = HKDF-SHA256(ikm = serverKey, salt = key part,
 *   info = "resetdesk secure-link v1"), a random 12-byte IV, and AAD binding the ciphertext to its Redis key,
 *   its context and its expiry (see `aadFor`), so Redis tampering cannot re-point a link at another ticket.
 * - Stored: a hash { v, kid, ct, iv, tag, views (remaining), context (JSON, non-secret), expiresAt (epoch ms) }.
 *   The plaintext is a list of labelled secrets (format `v` 2, see link-secrets.ts); a record of format 1
 *   (one bare password) still opens, as one "Temporary password".
 *   with `PEXPIRE` = ttl. A Redis dump alone lacks the key part; the server key alone lacks the ciphertext's
 *   salt; a password needs the server key *and* the token.
 * - Key ring (`previousServerKeys`, see one-time-links/key-ring.ts): `kid` names the server key a link was
 *   made under. New links use the current key; a link made under a previous key still opens with it until it
 *   expires; a link whose key left the ring is unavailable. A link stored without `kid` (made before the
 *   ring existed) is tried with every key of the ring. Rotation rewrites nothing in Redis.
 * - Reveal decrypts first (HGETALL) and only then claims a view with an atomic Lua compare-and-decrement on
 *   the same ciphertext, deleting the key at zero. So a token with a wrong key part never burns a view, and
 *   concurrent reveals never exceed `maxViews`.
 * - The viewer may end a link early (`destroyByViewer`): like a reveal it decrypts first, so only the full
 *   token can do it, then deletes the hash in one Lua step that checks the same ciphertext is still there.
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

const ID_BYTES = 16;
const NONCE_INFO = 'resetdesk secure-link proceed nonce v1';
const DESTROY_NONCE_INFO = 'resetdesk secure-link destroy nonce v1';

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
  const destroyNonces = createFormNonces(
    ring.keys.map((k) => deriveServerSubkey(k.key, DESTROY_NONCE_INFO)),
    'destroy',
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

  /** Runs one of the link scripts on a link's record and its meta record, in one atomic step. */
  function runOnLink(what: string, script: LuaScript, idHash: string, args: string[]): Promise<unknown> {
    return guarded(what, () => run(script, [redisKey(idHash), metaKey(idHash)], args));
  }

  /** A nonce of `family` for the page of the link behind `token`; a malformed token has no page. */
  function issueNonce(family: FormNonces, token: string, nowMs: number): string {
    const parsed = parseToken(token);
    if (!parsed) throw new SecureLinkStoreError('not a secure-link token');
    return family.issue(parsed.idHash, nowMs);
  }

  function checkNonce(
    family: FormNonces,
    token: string,
    nonce: unknown,
    maxAgeMs: number,
    nowMs: number,
  ): boolean {
    const parsed = parseToken(token);
    return parsed !== null && family.check(parsed.idHash, nonce, maxAgeMs, nowMs);
  }

  /** The link behind a viewer's token, loaded and opened (`opened` null when it cannot be); undefined for junk. */
  async function loadForViewer(token: string) {
    const parsed = parseToken(token);
    if (!parsed) return undefined;
    const fields = await load(parsed);
    return { parsed, link: parsed.idHash.slice(0, 12), fields, opened: open(parsed, fields) };
  }

  async function claim(idHash: string, tag: string): Promise<{ viewsLeft: number; viewNumber: number }> {
    const result = await runOnLink('claim a view', CLAIM, idHash, [tag, String(Date.now())]);
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
  ): { secrets: LinkSecret[]; context: SecureLinkContext } | null {
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
  ): { secrets: LinkSecret[]; context: SecureLinkContext } | null {
    const { v, ct, iv, tag, views, context, expiresAt } = fields;
    if ((v !== '1' && v !== LINK_FORMAT_VERSION) || !ct || !iv || !tag || !views || !context || !expiresAt)
      return null;
    if (!(Number(views) >= 1)) return null;
    // Redis's PEXPIRE is authoritative; this covers the gap between the two clocks.
    if (!(Number(expiresAt) > Date.now())) return null;
    const binding: PayloadBinding = { idHash: parsed.idHash, contextJson: context, expiresAt };
    return openPayload(serverKey, parsed.keyPart, binding, { ct, iv, tag }, (plain) => {
      const parsedContext = parseLinkContext(context);
      const secrets = decodeSecrets(v, plain);
      return parsedContext && secrets ? { secrets, context: parsedContext } : null;
    });
  }

  async function load(parsed: ParsedToken): Promise<Record<string, string>> {
    return guarded('read a link', () => redis.hgetall(redisKey(parsed.idHash)));
  }

  return {
    async create(given: string | readonly LinkSecret[], options: SecureLinkOptions): Promise<SecureLink> {
      const { ttlSeconds, maxViews, context } = options;
      // One line of plain text, bounded: it is shown on the console's pages.
      const target = (options.target ?? '')
        // eslint-disable-next-line no-control-regex
        .replace(/[\u0000-\u001f\u007f]+/g, ' ')
        .trim()
        .slice(0, 256);
      const secrets = normaliseSecrets(given);
      if (!secrets) {
        throw new SecureLinkStoreError(
          'secure-link secrets must be 1 to 4 labelled, non-empty strings of at most 1024 characters',
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
      const binding: PayloadBinding = { idHash: parsed.idHash, contextJson, expiresAt };
      let sealed;
      try {
        sealed = sealPayload(ring.current.key, parsed.keyPart, binding, encodeSecrets(secrets));
      } finally {
        parsed.keyPart.fill(0);
      }

      const redisKeyName = redisKey(parsed.idHash);
      await guarded('store a link', async () => {
        const results = await redis
          .multi()
          .hset(redisKeyName, {
            v: LINK_FORMAT_VERSION,
            kid: ring.current.id,
            ...sealed,
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
      const removed = await runOnLink('destroy a link', DESTROY, parsed.idHash, []);
      log.info({ link: parsed.idHash.slice(0, 12), removed: removed === 1 }, 'secure link destroyed');
    },

    linkRef(token: string): string | null {
      return linkRefOf(token);
    },

    linkMeta(ref: string): Promise<LinkMeta | null> {
      return guarded('read a link record', () => readLinkMeta(redis, keyPrefix, ref));
    },

    formNonce(token: string, nowMs = Date.now()): string {
      return issueNonce(nonces, token, nowMs);
    },

    checkFormNonce(token: string, nonce: unknown, maxAgeMs: number, nowMs = Date.now()): boolean {
      return checkNonce(nonces, token, nonce, maxAgeMs, nowMs);
    },

    destroyNonce(token: string, nowMs = Date.now()): string {
      return issueNonce(destroyNonces, token, nowMs);
    },

    checkDestroyNonce(token: string, nonce: unknown, maxAgeMs: number, nowMs = Date.now()): boolean {
      return checkNonce(destroyNonces, token, nonce, maxAgeMs, nowMs);
    },

    async destroyByViewer(token: string, viewer?: SecureLinkViewer): Promise<ViewerDestroyResult> {
      const found = await loadForViewer(token);
      if (!found) return { status: 'unavailable' };
      const { parsed, link, fields, opened } = found;
      if (!opened) {
        if (fields.tag)
          log.warn({ link, ip: viewer?.ip }, 'secure link destroy refused: token does not open it');
        return { status: 'unavailable' };
      }
      const destroyedAt = new Date();
      const removed = await runOnLink('destroy a link', VIEWER_DESTROY, parsed.idHash, [
        fields.tag as string,
        String(destroyedAt.getTime()),
      ]);
      if (removed !== 1) return { status: 'unavailable' };
      log.info(
        { link, ...opened.context, ip: viewer?.ip, userAgent: viewer?.userAgent },
        'secure link destroyed by its viewer',
      );
      return { status: 'destroyed', context: opened.context, ref: parsed.idHash, destroyedAt };
    },

    async peek(token: string): Promise<boolean> {
      const parsed = parseToken(token);
      if (!parsed) return false;
      return open(parsed, await load(parsed)) !== null;
    },

    async reveal(token: string, viewer?: SecureLinkViewer): Promise<RevealResult> {
      const found = await loadForViewer(token);
      if (!found) return { status: 'unavailable' };
      const { parsed, link, fields, opened } = found;
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
        secret: opened.secrets[0]!.value,
        secrets: opened.secrets,
        viewsLeft,
        context: opened.context,
        ref: parsed.idHash,
        viewNumber,
      };
    },
  };
}
