import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { RedisClient } from '../redis/redis-client.js';
import { TransientError } from '../domain/errors.js';
import type { PsaKind } from '../domain/ports.js';
import { createFormNonces, deriveServerSubkey } from '../one-time-links/form-nonce.js';
import { createKeyRing } from '../one-time-links/key-ring.js';
import {
  isWellFormedLinkToken,
  linkContextJson,
  newLinkTokenBytes,
  parseLinkContext,
} from '../one-time-links/link-token.js';
import { createLinkRedis, luaScript } from '../one-time-links/redis-deadline.js';
import { storeKeys } from '../redis/redis-keys.js';
import { scanKeys } from '../redis/redis-scan.js';

/**
 * The confirmation store: one-time "did you ask for this?" links for requests that arrived by email
 * (brief §4). The PSA emails the link to the manager's address on file; the manager answers with one POST.
 *
 * Token = base64url(32 random bytes), 43 characters (256 random bits).
 * - Redis key: `<keyPrefix>confirm:<ref>` where ref = sha256("resetdesk confirmation v1\n" ‖ token bytes), hex.
 *   Redis never sees the token. `ref` is the link's non-secret name (job ids, logs use its first 12 chars).
 * - Stored: a hash { v, status ('pending' | 'confirmed' | 'denied'), context (JSON {psa, ticketId,
 *   correlationId}), name, dept, upn, req (requester's sign-in name), asked and expiresAt (epoch ms), kid,
 *   mac } with `PEXPIRE` = ttl. `mac` is an HMAC,
 *   under a key derived from the server key `kid` names (see one-time-links/key-ring.ts), over ref, context,
 *   question and expiry: someone who can write to Redis but lacks the server key cannot plant a confirmation
 *   for another ticket or re-point one. A record whose key left the ring is unavailable; one without `kid`
 *   (made before the ring existed) is checked under every key of the ring.
 * - `decide` is a Lua compare-and-set (status must be `pending`, mac the one just verified, unexpired), so of
 *   two racing POSTs exactly one wins. The decided record stays until the link's expiry, only so that
 *   `reopen` can undo a decision whose hand-over (`onDecision`) failed; no further decision is possible.
 * - Form nonces: as for the secure link, an HMAC (own derived key) over ref and the time the page was served.
 * - Fail closed: any Redis failure or timeout throws `TransientError` (message without token).
 */

/** Who the link is about and what would be reset. Shown on the page, so it must not be secret. */
export interface ConfirmationQuestion {
  targetDisplayName: string;
  /** The target's department and sign-in name, so the manager can tell two people of one name apart. */
  targetDepartment?: string;
  targetSignInName?: string;
  what: 'password' | 'mfa' | 'both';
}

/** Non-secret context handed back with the decision, to find the ticket again. */
export interface ConfirmationContext {
  psa: PsaKind;
  ticketId: string;
  correlationId: string;
}

export type ConfirmationDecision = 'confirmed' | 'denied';

export interface ConfirmationViewer {
  ip?: string;
  userAgent?: string;
}

export interface CreateConfirmationInput extends ConfirmationContext {
  question: ConfirmationQuestion;
  ttlSeconds: number;
  /** Sign-in name of whoever asked (the ticket's requester): shown to the MSP's operators, not on the page. */
  requesterSignInName?: string;
}

export interface ConfirmationLink {
  url: string;
  /** Holding it is holding the link. Never log it. */
  token: string;
  /** Non-secret reference: sha256 of the token (see the module comment), hex, 64 characters. */
  ref: string;
  expiresAt: Date;
}

/** What a pending link shows; null from `peek` means unavailable (unknown, expired, decided, malformed). */
export interface PendingConfirmation {
  ref: string;
  context: ConfirmationContext;
  question: ConfirmationQuestion;
  expiresAt: Date;
}

export type DecideResult =
  | {
      status: 'decided';
      decision: ConfirmationDecision;
      context: ConfirmationContext;
      question: ConfirmationQuestion;
      ref: string;
      decidedAt: Date;
    }
  | { status: 'unavailable' };

/** A pending link as the operator console lists it: no token, nothing secret. */
export interface PendingConfirmationSummary {
  /** The first 12 characters of the link's reference (as in the logs). */
  ref: string;
  context: ConfirmationContext;
  question: ConfirmationQuestion;
  /** Unknown for links made before the requester was recorded. */
  requesterSignInName?: string;
  askedAt?: Date;
  expiresAt: Date;
}

/** The read side the operator console uses: bounded, read-only, never a token. */
export interface PendingConfirmationReader {
  /** Up to `limit` intact, pending, unexpired links, soonest expiry first (found with a bounded SCAN). */
  listPending(limit: number): Promise<PendingConfirmationSummary[]>;
}

export interface ConfirmationStore extends PendingConfirmationReader {
  create(input: CreateConfirmationInput): Promise<ConfirmationLink>;
  /** Reads a pending link without changing anything. Throws `TransientError` when Redis fails. */
  peek(token: string): Promise<PendingConfirmation | null>;
  /** Records the decision atomically; only the first decision of a pending, unexpired link wins. */
  decide(token: string, decision: ConfirmationDecision, viewer: ConfirmationViewer): Promise<DecideResult>;
  /**
   * Undoes `decision` (the link becomes pending again) when it is still the link's recorded decision. For a
   * decision whose hand-over failed, so that the manager can press the button again. True when reopened.
   */
  reopen(token: string, decision: ConfirmationDecision): Promise<boolean>;
  /** Rebuilds the public URL of a token. */
  urlFor(token: string): string;
  /** Non-secret reference of a token, or null when it is not a token. */
  refOf(token: string): string | null;
  formNonce(token: string, nowMs?: number): string;
  checkFormNonce(token: string, nonce: unknown, maxAgeMs: number, nowMs?: number): boolean;
  /** Removes a link (the ticket was closed or superseded); a later visit shows "no longer available". */
  destroy(token: string): Promise<void>;
}

export interface ConfirmationStoreOptions {
  redis: RedisClient;
  /** Namespaces every key, e.g. `resetdesk:`. */
  keyPrefix: string;
  /** 32 bytes (the secure-link server key may be shared: every use derives its own key). */
  serverKey: Buffer;
  /** Older server keys: they only verify records made under them (key rotation). */
  previousServerKeys?: readonly Buffer[];
  /** Origin (and optional base path) the links live under, e.g. `https://reset.example.com`. */
  publicBaseUrl: string;
  /** A Redis call slower than this fails (default 5000 ms). */
  operationTimeoutMs?: number;
}

export const CONFIRMATION_LIMITS = Object.freeze({
  /** 14 days. Config should ask for far less (a day or two). */
  maxTtlSeconds: 14 * 24 * 3600,
  maxNameLength: 200,
});

/**
 * Records of version 1 (no department or sign-in name) and 2 (no requester or time asked) are still read:
 * links outlive a deployment.
 */
const FORMAT_VERSION = '3';
const READABLE_VERSIONS = ['1', '2', FORMAT_VERSION];

/** One line of plain text for the page: no control characters, trimmed, bounded. */
function pageText(value: unknown): string {
  return (
    String(value ?? '')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .trim()
      .slice(0, CONFIRMATION_LIMITS.maxNameLength)
  );
}
const WHATS: readonly ConfirmationQuestion['what'][] = ['password', 'mfa', 'both'];

/** True when `token` is 43 base64url characters in the canonical encoding of 32 bytes. */
export const isWellFormedConfirmationToken: (token: unknown) => token is string = isWellFormedLinkToken;

/** The link's full non-secret reference, or null for anything that is not a token. */
export function confirmationRefOf(token: unknown): string | null {
  if (!isWellFormedConfirmationToken(token)) return null;
  return createHash('sha256')
    .update('resetdesk confirmation v1\n')
    .update(Buffer.from(token, 'base64url'))
    .digest('hex');
}

/** A 12-character reference for logs; `malformed` for anything that is not a token. */
export function confirmationLogRef(token: unknown): string {
  return confirmationRefOf(token)?.slice(0, 12) ?? 'malformed';
}

/**
 * Sets status to ARGV[1] when the record is pending, carries mac ARGV[2] and is unexpired at ARGV[3].
 * Returns 1 when this call decided, 0 otherwise.
 */
const DECIDE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 0 end
if redis.call('HGET', KEYS[1], 'mac') ~= ARGV[2] then return 0 end
local exp = tonumber(redis.call('HGET', KEYS[1], 'expiresAt') or '0')
if (not exp) or exp <= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'decidedAt', ARGV[3])
return 1
`;

/** Sets status back to pending when it is still ARGV[1]. Returns 1 when reopened. */
const REOPEN_SCRIPT = `
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', 'pending')
redis.call('HDEL', KEYS[1], 'decidedAt')
return 1
`;

const DECIDE = luaScript(DECIDE_SCRIPT);
const REOPEN = luaScript(REOPEN_SCRIPT);

/** Builds the store. Throws at construction on a bad server key or base URL. */
export function createConfirmationStore(opts: ConfirmationStoreOptions): ConfirmationStore {
  const { redis, keyPrefix } = opts;
  if (!Buffer.isBuffer(opts.serverKey) || opts.serverKey.length !== 32) {
    throw new Error('confirmation server key must be exactly 32 bytes');
  }
  const ring = createKeyRing(opts.serverKey, opts.previousServerKeys ?? []);
  const macKeys = new Map(
    ring.keys.map((k) => [k.id, deriveServerSubkey(k.key, 'resetdesk confirmation record v1')]),
  );
  const currentMacKey = macKeys.get(ring.current.id)!;
  const nonces = createFormNonces(
    ring.keys.map((k) => deriveServerSubkey(k.key, 'resetdesk confirmation nonce v1')),
    'confirm',
  );
  const baseUrl = new URL(opts.publicBaseUrl);
  if (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:') {
    throw new Error('confirmation publicBaseUrl must be an http(s) URL');
  }
  const publicBase = baseUrl.toString().replace(/\/+$/, '');
  const redisKey = (ref: string) => storeKeys.confirmation(keyPrefix, ref);

  /**
   * Version 2 also covers the department and sign-in name shown beside the name; version 3 the requester
   * and the time asked, shown to operators.
   */
  const recordMac = (
    macKey: Buffer,
    version: string,
    ref: string,
    fields: {
      context: string;
      name: string;
      what: string;
      expiresAt: string;
      dept?: string;
      upn?: string;
      req?: string;
      asked?: string;
    },
  ) => {
    const parts = [version, ref, fields.context, fields.name, fields.what, fields.expiresAt];
    if (version !== '1') parts.push(fields.dept ?? '', fields.upn ?? '');
    if (version !== '1' && version !== '2') parts.push(fields.req ?? '', fields.asked ?? '');
    return createHmac('sha256', macKey).update(parts.join('\n')).digest('base64url');
  };
  const { guarded, run } = createLinkRedis({
    redis,
    timeoutMs: opts.operationTimeoutMs,
    storeName: 'confirmation',
    toError: (message, cause) => new TransientError(message, undefined, { cause }),
  });

  /** The record when it is intact (mac verifies) and unexpired, whatever its status; else null. */
  function open(
    ref: string,
    fields: Record<string, string>,
    nowMs: number,
  ): (PendingConfirmation & { status: string; mac: string; req?: string; asked?: string }) | null {
    const { v, status, context, name, what, expiresAt, mac, kid } = fields;
    // Only a version whose MAC covers them may show a department, sign-in name, requester or time asked.
    const dept = v === '1' ? undefined : fields.dept;
    const upn = v === '1' ? undefined : fields.upn;
    const req = v === '1' || v === '2' ? undefined : fields.req;
    const asked = v === '1' || v === '2' ? undefined : fields.asked;
    if (!v || !READABLE_VERSIONS.includes(v)) return null;
    if (!status || !context || name === undefined || !what || !expiresAt || !mac) return null;
    if (!(Number(expiresAt) > nowMs)) return null;
    if (!(WHATS as readonly string[]).includes(what)) return null;
    const keys =
      kid === undefined ? [...macKeys.values()] : [macKeys.get(kid)].filter((k) => k !== undefined);
    const given = Buffer.from(mac);
    const intact = keys.some((macKey) => {
      const expected = Buffer.from(
        recordMac(macKey, v, ref, { context, name, what, expiresAt, dept, upn, req, asked }),
      );
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!intact) return null;
    const parsed = parseLinkContext(context);
    if (!parsed) return null;
    return {
      ref,
      status,
      mac,
      context: parsed,
      question: {
        targetDisplayName: name,
        ...(dept ? { targetDepartment: dept } : {}),
        ...(upn ? { targetSignInName: upn } : {}),
        what: what as ConfirmationQuestion['what'],
      },
      expiresAt: new Date(Number(expiresAt)),
      ...(req ? { req } : {}),
      ...(asked ? { asked } : {}),
    };
  }

  return {
    async create(input) {
      const { ttlSeconds, question } = input;
      if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > CONFIRMATION_LIMITS.maxTtlSeconds) {
        throw new RangeError(
          `confirmation ttlSeconds must be > 0 and <= ${CONFIRMATION_LIMITS.maxTtlSeconds} (got ${ttlSeconds})`,
        );
      }
      if (!(WHATS as readonly string[]).includes(question.what)) {
        throw new RangeError('confirmation question.what must be password, mfa or both');
      }
      const name = pageText(question.targetDisplayName);
      const dept = pageText(question.targetDepartment);
      const upn = pageText(question.targetSignInName);
      const req = pageText(input.requesterSignInName);
      if (!name) throw new RangeError('confirmation question.targetDisplayName must not be empty');
      const contextJson = linkContextJson(input);
      if (!parseLinkContext(contextJson)) throw new RangeError('confirmation context is invalid');

      const token = newLinkTokenBytes().toString('base64url');
      const ref = confirmationRefOf(token);
      if (!ref) throw new Error('confirmation token generation failed');
      const ttlMs = Math.ceil(ttlSeconds * 1000);
      const askedAtMs = Date.now();
      const expiresAtMs = askedAtMs + ttlMs;
      const expiresAt = String(expiresAtMs);
      const asked = String(askedAtMs);
      const key = redisKey(ref);
      await guarded('store a link', async () => {
        const results = await redis
          .multi()
          .hset(key, {
            v: FORMAT_VERSION,
            status: 'pending',
            context: contextJson,
            name,
            dept,
            upn,
            req,
            asked,
            what: question.what,
            expiresAt,
            kid: ring.current.id,
            mac: recordMac(currentMacKey, FORMAT_VERSION, ref, {
              context: contextJson,
              name,
              what: question.what,
              expiresAt,
              dept,
              upn,
              req,
              asked,
            }),
          })
          .pexpire(key, ttlMs)
          .exec();
        if (!results) throw new Error('transaction aborted');
        for (const [err] of results) if (err) throw err;
      });
      return { url: `${publicBase}/c/${token}`, token, ref, expiresAt: new Date(expiresAtMs) };
    },

    async peek(token) {
      const ref = confirmationRefOf(token);
      if (!ref) return null;
      const fields = await guarded('read a link', () => redis.hgetall(redisKey(ref)));
      const record = open(ref, fields, Date.now());
      if (!record || record.status !== 'pending') return null;
      return { ref, context: record.context, question: record.question, expiresAt: record.expiresAt };
    },

    async decide(token, decision, _viewer) {
      if (decision !== 'confirmed' && decision !== 'denied') return { status: 'unavailable' };
      const ref = confirmationRefOf(token);
      if (!ref) return { status: 'unavailable' };
      const fields = await guarded('read a link', () => redis.hgetall(redisKey(ref)));
      const now = Date.now();
      const record = open(ref, fields, now);
      if (!record || record.status !== 'pending') return { status: 'unavailable' };
      const won = await guarded('record a decision', () =>
        run(DECIDE, [redisKey(ref)], [decision, record.mac, String(now)]),
      );
      if (won !== 1) return { status: 'unavailable' };
      return {
        status: 'decided',
        decision,
        context: record.context,
        question: record.question,
        ref,
        decidedAt: new Date(now),
      };
    },

    async reopen(token, decision) {
      const ref = confirmationRefOf(token);
      if (!ref) return false;
      const result = await guarded('reopen a link', () => run(REOPEN, [redisKey(ref)], [decision]));
      return result === 1;
    },

    urlFor(token) {
      if (!isWellFormedConfirmationToken(token)) throw new RangeError('not a confirmation token');
      return `${publicBase}/c/${token}`;
    },

    refOf: confirmationRefOf,

    formNonce(token, nowMs = Date.now()) {
      const ref = confirmationRefOf(token);
      if (!ref) throw new RangeError('not a confirmation token');
      return nonces.issue(ref, nowMs);
    },

    checkFormNonce(token, nonce, maxAgeMs, nowMs = Date.now()) {
      const ref = confirmationRefOf(token);
      return ref !== null && nonces.check(ref, nonce, maxAgeMs, nowMs);
    },

    async destroy(token) {
      const ref = confirmationRefOf(token);
      if (!ref) return;
      await guarded('destroy a link', () => redis.del(redisKey(ref)));
    },

    async listPending(limit) {
      const pattern = storeKeys.confirmationPattern(keyPrefix);
      const keys = await guarded('list links', () =>
        scanKeys(redis, pattern, { maxKeys: limit * 4, maxCalls: 50 }),
      );
      const now = Date.now();
      const found: PendingConfirmationSummary[] = [];
      for (const key of keys) {
        // The same namespace holds each ticket's confirmation state (confirmation-gate.ts): links only.
        const ref = key.slice(keyPrefix.length + 'confirm:'.length);
        if (!/^[0-9a-f]{64}$/.test(ref)) continue;
        const fields = await guarded('read a link', () => redis.hgetall(key));
        const record = open(ref, fields, now);
        if (!record || record.status !== 'pending') continue;
        const askedAt = Number(record.asked);
        found.push({
          ref: ref.slice(0, 12),
          context: record.context,
          question: record.question,
          ...(record.req ? { requesterSignInName: record.req } : {}),
          ...(askedAt > 0 ? { askedAt: new Date(askedAt) } : {}),
          expiresAt: record.expiresAt,
        });
      }
      found.sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime());
      return found.slice(0, limit);
    },
  };
}
