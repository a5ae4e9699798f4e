import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { RedisClient } from '../redis/redis-client.js';
import { TransientError } from '../domain/errors.js';
import { createFormNonces, deriveServerSubkey } from './form-nonce.js';
import { createKeyRing } from './key-ring.js';
import { isWellFormedLinkToken, newLinkTokenBytes } from './link-token.js';
import { createLinkRedis, luaScript } from './redis-deadline.js';

/**
 * A store of one-time links whose record is a few non-secret fields, used once by a POST: the shape of the
 * confirmation link, for any page that asks a yes/no question once (the "this wasn't me" link is one).
 *
 * Token = base64url(32 random bytes). Redis never sees it: the key is `keyOf(ref)`, ref = sha256(label
 * line ‖ token bytes) in hex. The record is a hash { v, status ('pending', then the use's status: `used` or
 * a decision), each field, expiresAt, kid, mac } with `PEXPIRE` = ttl; `mac` is an HMAC (key derived from
 * the server key `kid` names) over what the record's format covers (by default the ref, every field in a
 * fixed order and the expiry), so whoever can write to Redis but lacks the server key can neither plant a
 * link nor re-point one. `use` is a Lua compare-and-set (pending, the mac just verified, unexpired), so of
 * two racing POSTs exactly one wins; `reopen` undoes a use whose hand-over failed. Form nonces: an HMAC over
 * the ref and the serving time (see form-nonce.ts). Any Redis failure throws `TransientError`.
 */

export interface OneTimeLink {
  /** Holding it is holding the link. Never log it. */
  url: string;
  token: string;
  /** Non-secret reference (hex sha256, see above); logs carry its first 12 characters. */
  ref: string;
  expiresAt: Date;
}

export interface OneTimeRecord<F extends string> {
  ref: string;
  fields: Record<F, string>;
  expiresAt: Date;
  /** The record's format version (see `formats`). */
  version: string;
}

export interface OneTimeRecordStore<F extends string> {
  create(fields: Record<F, string>, ttlSeconds: number): Promise<OneTimeLink>;
  /** The pending, intact, unexpired record; null otherwise. Changes nothing. */
  peek(token: string): Promise<OneTimeRecord<F> | null>;
  /** `peek` by the link's reference (for an operator's list): the pending, intact record, or null. */
  peekRef(ref: string): Promise<OneTimeRecord<F> | null>;
  /**
   * Marks the link used (status `status`, default `used`), atomically: the record for the one caller that
   * won, null for everyone else.
   */
  use(token: string, status?: string): Promise<(OneTimeRecord<F> & { usedAt: Date }) | null>;
  /** Makes a link used with `status` (default `used`) pending again (its hand-over failed). True when reopened. */
  reopen(token: string, status?: string): Promise<boolean>;
  /** Removes a link by its reference; a later visit finds nothing. */
  destroyRef(ref: string): Promise<void>;
  refOf(token: unknown): string | null;
  logRef(token: unknown): string;
  formNonce(token: string, nowMs?: number): string;
  checkFormNonce(token: string, nonce: unknown, maxAgeMs: number, nowMs?: number): boolean;
}

export interface OneTimeRecordStoreOptions<F extends string> {
  redis: RedisClient;
  /** The Redis key of a ref (see services/redis/redis-keys.ts). */
  keyOf: (ref: string) => string;
  serverKey: Buffer;
  previousServerKeys?: readonly Buffer[];
  /** Origin (and optional base path) of the links, e.g. `https://reset.example.com`. */
  publicBaseUrl: string;
  /** Where the pages are mounted, e.g. `/n`. */
  path: string;
  /** Names the link kind in the ref, MAC and nonce derivations (`resetdesk <label> ...`), e.g. `disavow`. */
  label: string;
  /** The record's fields, in the order the MAC covers them. */
  fields: readonly F[];
  maxTtlSeconds: number;
  operationTimeoutMs?: number;
  /** The label of the form nonces (default `label`). */
  nonceLabel?: string;
  /**
   * Record formats, for a store whose records outlive a deployment: the version new records are written in,
   * and per readable version the fields its MAC covers and the MAC's input (default: one version `1` covering
   * every field; its MAC input is the version, the ref, every field in order and the expiry). A field the
   * version does not cover reads as empty.
   */
  formats?: {
    current: string;
    versions: Record<
      string,
      { covers: readonly F[]; macParts: (ref: string, stored: Record<string, string>) => string[] }
    >;
  };
  /** Records written without `kid` (before key rotation) are checked under every key of the ring. */
  acceptRecordsWithoutKid?: boolean;
}

const MAX_FIELD_LENGTH = 1000;

/** Sets status ARGV[3] when pending, carrying mac ARGV[1] and unexpired at ARGV[2]. 1 when this call won. */
const USE_SCRIPT = luaScript(`
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 0 end
if redis.call('HGET', KEYS[1], 'mac') ~= ARGV[1] then return 0 end
local exp = tonumber(redis.call('HGET', KEYS[1], 'expiresAt') or '0')
if (not exp) or exp <= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'usedAt', ARGV[2])
return 1
`);

/** Sets status back to pending when it is still ARGV[1]. 1 when reopened. */
const REOPEN_SCRIPT = luaScript(`
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', 'pending')
redis.call('HDEL', KEYS[1], 'usedAt')
return 1
`);

const DEFAULT_VERSION = '1';

export function createOneTimeRecordStore<F extends string>(
  opts: OneTimeRecordStoreOptions<F>,
): OneTimeRecordStore<F> {
  const { redis, keyOf, label, fields: names } = opts;
  if (!Buffer.isBuffer(opts.serverKey) || opts.serverKey.length !== 32) {
    throw new Error(`${label} server key must be exactly 32 bytes`);
  }
  const ring = createKeyRing(opts.serverKey, opts.previousServerKeys ?? []);
  const macKeys = new Map(
    ring.keys.map((k) => [k.id, deriveServerSubkey(k.key, `resetdesk ${label} record v1`)]),
  );
  const nonces = createFormNonces(
    ring.keys.map((k) => deriveServerSubkey(k.key, `resetdesk ${label} nonce v1`)),
    opts.nonceLabel ?? label,
  );
  const formats = opts.formats ?? {
    current: DEFAULT_VERSION,
    versions: {
      [DEFAULT_VERSION]: {
        covers: names,
        macParts: (ref: string, stored: Record<string, string>) => [
          DEFAULT_VERSION,
          ref,
          ...names.map((n) => stored[n] ?? ''),
          stored.expiresAt ?? '',
        ],
      },
    },
  };
  const baseUrl = new URL(opts.publicBaseUrl);
  if (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:') {
    throw new Error(`${label} publicBaseUrl must be an http(s) URL`);
  }
  const publicBase = `${baseUrl.toString().replace(/\/+$/, '')}${opts.path}`;
  const { guarded, run } = createLinkRedis({
    redis,
    timeoutMs: opts.operationTimeoutMs,
    storeName: label,
    toError: (message, cause) => new TransientError(message, undefined, { cause }),
  });

  const refOf = (token: unknown): string | null => {
    if (!isWellFormedLinkToken(token)) return null;
    return createHash('sha256')
      .update(`resetdesk ${label} v1\n`)
      .update(Buffer.from(token, 'base64url'))
      .digest('hex');
  };
  const macOf = (key: Buffer, parts: string[]) =>
    createHmac('sha256', key).update(parts.join('\n')).digest('base64url');

  function open(ref: string, stored: Record<string, string>, nowMs: number) {
    const { v, status, expiresAt, mac, kid } = stored;
    const format = v === undefined ? undefined : formats.versions[v];
    const parts = format?.macParts(ref, stored);
    if (!parts || !status || !expiresAt || !mac) return null;
    if (!(Number(expiresAt) > nowMs)) return null;
    const keys =
      kid === undefined
        ? opts.acceptRecordsWithoutKid
          ? [...macKeys.values()]
          : []
        : [macKeys.get(kid)].filter((k) => k !== undefined);
    const given = Buffer.from(mac);
    const intact = keys.some((key) => {
      const expected = Buffer.from(macOf(key, parts));
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!intact) return null;
    // Only what the version's MAC covers is read: a field it does not cover reads as empty.
    const covered = new Set<string>(format!.covers);
    const values = Object.fromEntries(
      names.map((n) => [n, covered.has(n) ? (stored[n] ?? '') : '']),
    ) as Record<F, string>;
    return { ref, status, mac, version: v!, fields: values, expiresAt: new Date(Number(expiresAt)) };
  }

  async function read(token: string) {
    const ref = refOf(token);
    if (!ref) return null;
    const stored = await guarded('read a link', () => redis.hgetall(keyOf(ref)));
    return open(ref, stored, Date.now());
  }

  return {
    async create(values, ttlSeconds) {
      if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > opts.maxTtlSeconds) {
        throw new RangeError(
          `${label} ttlSeconds must be > 0 and <= ${opts.maxTtlSeconds} (got ${ttlSeconds})`,
        );
      }
      for (const n of names) {
        const value = values[n];
        if (typeof value !== 'string' || value.length > MAX_FIELD_LENGTH || /[\p{Cc}]/u.test(value)) {
          throw new RangeError(
            `${label} field ${n} must be one line of at most ${MAX_FIELD_LENGTH} characters`,
          );
        }
      }
      const token = newLinkTokenBytes().toString('base64url');
      const ref = refOf(token)!;
      const ttlMs = Math.ceil(ttlSeconds * 1000);
      const expiresAtMs = Date.now() + ttlMs;
      const expiresAt = String(expiresAtMs);
      const key = keyOf(ref);
      const unsigned: Record<string, string> = {
        v: formats.current,
        status: 'pending',
        ...Object.fromEntries(names.map((n) => [n, values[n]])),
        expiresAt,
        kid: ring.current.id,
      };
      const parts = formats.versions[formats.current]!.macParts(ref, unsigned);
      const record = { ...unsigned, mac: macOf(macKeys.get(ring.current.id)!, parts) };
      await guarded('store a link', async () => {
        const results = await redis.multi().hset(key, record).pexpire(key, ttlMs).exec();
        if (!results) throw new Error('transaction aborted');
        for (const [err] of results) if (err) throw err;
      });
      return { url: `${publicBase}/${token}`, token, ref, expiresAt: new Date(expiresAtMs) };
    },

    async peek(token) {
      const record = await read(token);
      if (!record || record.status !== 'pending') return null;
      return { ref: record.ref, version: record.version, fields: record.fields, expiresAt: record.expiresAt };
    },

    async peekRef(ref) {
      const stored = await guarded('read a link', () => redis.hgetall(keyOf(ref)));
      const record = open(ref, stored, Date.now());
      if (!record || record.status !== 'pending') return null;
      return { ref, version: record.version, fields: record.fields, expiresAt: record.expiresAt };
    },

    async use(token, status = 'used') {
      if (status === 'pending') throw new RangeError('a link is used with a status other than pending');
      const record = await read(token);
      if (!record || record.status !== 'pending') return null;
      const now = Date.now();
      const won = await guarded('use a link', () =>
        run(USE_SCRIPT, [keyOf(record.ref)], [record.mac, String(now), status]),
      );
      if (won !== 1) return null;
      return {
        ref: record.ref,
        version: record.version,
        fields: record.fields,
        expiresAt: record.expiresAt,
        usedAt: new Date(now),
      };
    },

    async reopen(token, status = 'used') {
      const ref = refOf(token);
      if (!ref) return false;
      return (await guarded('reopen a link', () => run(REOPEN_SCRIPT, [keyOf(ref)], [status]))) === 1;
    },

    async destroyRef(ref) {
      if (!/^[0-9a-f]{64}$/.test(ref)) return;
      await guarded('destroy a link', () => redis.del(keyOf(ref)));
    },

    refOf,
    logRef: (token) => refOf(token)?.slice(0, 12) ?? 'malformed',

    formNonce(token, nowMs = Date.now()) {
      const ref = refOf(token);
      if (!ref) throw new RangeError(`not a ${label} token`);
      return nonces.issue(ref, nowMs);
    },

    checkFormNonce(token, nonce, maxAgeMs, nowMs = Date.now()) {
      const ref = refOf(token);
      return ref !== null && nonces.check(ref, nonce, maxAgeMs, nowMs);
    },
  };
}
