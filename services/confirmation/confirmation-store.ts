import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis/redis-client.js';
import { storeKeys } from '../redis/redis-keys.js';
import type { PsaKind } from '../domain/ports.js';
import { isWellFormedLinkToken, linkContextJson, parseLinkContext } from '../one-time-links/link-token.js';
import { createOneTimeRecordStore, type OneTimeRecord } from '../one-time-links/one-time-record-store.js';
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
 * - The record machinery (ref, MAC, key ring, compare-and-set, nonces) is the generic one-time record store
 *   (one-time-links/one-time-record-store.ts); this module adds the question and the two record formats.
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

const FIELDS = ['context', 'name', 'what', 'dept', 'upn', 'req', 'asked'] as const;
type Field = (typeof FIELDS)[number];

/** What versions 1 to 3 cover, each adding fields at the end of its MAC's input. */
const V1 = ['context', 'name', 'what'] as const;
const V2 = [...V1, 'dept', 'upn'] as const;
const macPartsOf = (version: string, extra: readonly Field[]) => (ref: string, r: Record<string, string>) => [
  version,
  ref,
  r.context ?? '',
  r.name ?? '',
  r.what ?? '',
  r.expiresAt ?? '',
  ...extra.map((field) => r[field] ?? ''),
];

/**
 * Version 3 (current) also covers the requester and the time asked, shown to operators; version 2 the
 * department and sign-in name shown beside the name. Records of versions 1 and 2 are still read: links
 * outlive a deployment.
 */
const FORMATS = {
  current: '3',
  versions: {
    '1': { covers: V1, macParts: macPartsOf('1', []) },
    '2': { covers: V2, macParts: macPartsOf('2', ['dept', 'upn']) },
    '3': { covers: FIELDS, macParts: macPartsOf('3', ['dept', 'upn', 'req', 'asked']) },
  },
};

/** One line of plain text for the page: no control characters, trimmed, bounded. */
function pageText(value: unknown): string {
  return String(value ?? '')
    .replace(/\p{Cc}+/gu, ' ')
    .trim()
    .slice(0, CONFIRMATION_LIMITS.maxNameLength);
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

/** The question and context of an intact record; null when they do not parse. */
function readRecord(
  record: OneTimeRecord<Field>,
): { context: ConfirmationContext; question: ConfirmationQuestion } | null {
  const { context, name, what, dept, upn } = record.fields;
  if (!(WHATS as readonly string[]).includes(what)) return null;
  const parsed = parseLinkContext(context);
  if (!parsed) return null;
  return {
    context: parsed,
    question: {
      targetDisplayName: name,
      ...(dept ? { targetDepartment: dept } : {}),
      ...(upn ? { targetSignInName: upn } : {}),
      what: what as ConfirmationQuestion['what'],
    },
  };
}

/** Builds the store. Throws at construction on a bad server key or base URL. */
export function createConfirmationStore(opts: ConfirmationStoreOptions): ConfirmationStore {
  if (!Buffer.isBuffer(opts.serverKey) || opts.serverKey.length !== 32) {
    throw new Error('confirmation server key must be exactly 32 bytes');
  }
  const baseUrl = new URL(opts.publicBaseUrl);
  if (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:') {
    throw new Error('confirmation publicBaseUrl must be an http(s) URL');
  }
  const publicBase = baseUrl.toString().replace(/\/+$/, '');
  const records = createOneTimeRecordStore<Field>({
    redis: opts.redis,
    keyOf: (ref) => storeKeys.confirmation(opts.keyPrefix, ref),
    serverKey: opts.serverKey,
    previousServerKeys: opts.previousServerKeys,
    publicBaseUrl: opts.publicBaseUrl,
    path: '/c',
    label: 'confirmation',
    nonceLabel: 'confirm',
    fields: FIELDS,
    maxTtlSeconds: CONFIRMATION_LIMITS.maxTtlSeconds,
    operationTimeoutMs: opts.operationTimeoutMs,
    formats: FORMATS,
    acceptRecordsWithoutKid: true,
  });

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
      if (!name) throw new RangeError('confirmation question.targetDisplayName must not be empty');
      const context = linkContextJson(input);
      if (!parseLinkContext(context)) throw new RangeError('confirmation context is invalid');
      return records.create(
        {
          context,
          name,
          what: question.what,
          dept: pageText(question.targetDepartment),
          upn: pageText(question.targetSignInName),
          req: pageText(input.requesterSignInName),
          asked: String(Date.now()),
        },
        ttlSeconds,
      );
    },

    async peek(token) {
      const record = await records.peek(token);
      const read = record && readRecord(record);
      if (!record || !read) return null;
      return { ref: record.ref, ...read, expiresAt: record.expiresAt };
    },

    async decide(token, decision, _viewer) {
      if (decision !== 'confirmed' && decision !== 'denied') return { status: 'unavailable' };
      const used = await records.use(token, decision);
      const read = used && readRecord(used);
      if (!used || !read) return { status: 'unavailable' };
      return { status: 'decided', decision, ...read, ref: used.ref, decidedAt: used.usedAt };
    },

    reopen: (token, decision) => records.reopen(token, decision),

    urlFor(token) {
      if (!isWellFormedConfirmationToken(token)) throw new RangeError('not a confirmation token');
      return `${publicBase}/c/${token}`;
    },

    refOf: confirmationRefOf,

    formNonce: (token, nowMs) => records.formNonce(token, nowMs),

    checkFormNonce: (token, nonce, maxAgeMs, nowMs) => records.checkFormNonce(token, nonce, maxAgeMs, nowMs),

    async destroy(token) {
      const ref = confirmationRefOf(token);
      if (ref) await records.destroyRef(ref);
    },

    async listPending(limit) {
      const keys = await scanKeys(opts.redis, storeKeys.confirmationPattern(opts.keyPrefix), {
        maxKeys: limit * 4,
        maxCalls: 50,
      });
      const found: PendingConfirmationSummary[] = [];
      for (const key of keys) {
        // The same namespace holds each ticket's confirmation state (confirmation-gate.ts): links only.
        const ref = key.slice(storeKeys.confirmation(opts.keyPrefix, '').length);
        if (!/^[0-9a-f]{64}$/.test(ref)) continue;
        const record = await records.peekRef(ref);
        const read = record && readRecord(record);
        if (!record || !read) continue;
        const askedAt = Number(record.fields.asked);
        found.push({
          ref: ref.slice(0, 12),
          ...read,
          ...(record.fields.req ? { requesterSignInName: record.fields.req } : {}),
          ...(askedAt > 0 ? { askedAt: new Date(askedAt) } : {}),
          expiresAt: record.expiresAt,
        });
      }
      found.sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime());
      return found.slice(0, limit);
    },
  };
}
