import type { RedisClient } from '../redis/redis-client.js';
import { storeKeys } from '../redis/redis-keys.js';
import type { DisavowBinding, DisavowLinkIssuer, PsaKind } from '../domain/ports.js';
import {
  createOneTimeRecordStore,
  type OneTimeLink,
  type OneTimeRecordStore,
} from '../one-time-links/one-time-record-store.js';
import { isPsaKind } from '../domain/ports.js';

/**
 * The "this wasn't me" links (`/n/<token>`) of the notices to staff members: one-time records bound to the
 * reset's ticket and to the one account they may act on (psa, ticket, customer, tenant, user object id),
 * MAC'd under the server key (see one-time-record-store.ts). Redis holds the ref, never the token.
 */

const FIELDS = ['psa', 'ticketId', 'correlationId', 'customerId', 'tenantId', 'userId'] as const;

/** 14 days: the configuration asks for far less (`notify.disavowLinkTtlHours`, default 72). */
export const DISAVOW_MAX_TTL_SECONDS = 14 * 24 * 3600;

export interface DisavowStore extends DisavowLinkIssuer {
  /** The binding of a pending link; null for anything unknown, used, expired or tampered with. */
  peek(token: string): Promise<{ ref: string; binding: DisavowBinding } | null>;
  /** Uses the link (once): the binding for the one caller that won, null for everyone else. */
  use(token: string): Promise<{ ref: string; binding: DisavowBinding; usedAt: Date } | null>;
  reopen(token: string): Promise<boolean>;
  logRef(token: unknown): string;
  formNonce(token: string): string;
  checkFormNonce(token: string, nonce: unknown, maxAgeMs: number): boolean;
}

export interface DisavowStoreOptions {
  redis: RedisClient;
  /** The prefix with its trailing colon, e.g. `resetdesk:`. */
  keyPrefix: string;
  serverKey: Buffer;
  previousServerKeys?: readonly Buffer[];
  publicBaseUrl: string;
  ttlHours: number;
  operationTimeoutMs?: number;
}

function bindingOf(fields: Record<(typeof FIELDS)[number], string>): DisavowBinding | null {
  if (!isPsaKind(fields.psa)) return null;
  if (!fields.ticketId || !fields.tenantId || !fields.userId) return null;
  return { ...fields, psa: fields.psa as PsaKind };
}

export function createDisavowStore(opts: DisavowStoreOptions): DisavowStore {
  const records: OneTimeRecordStore<(typeof FIELDS)[number]> = createOneTimeRecordStore({
    redis: opts.redis,
    keyOf: (ref) => storeKeys.disavow(opts.keyPrefix, ref),
    serverKey: opts.serverKey,
    previousServerKeys: opts.previousServerKeys,
    publicBaseUrl: opts.publicBaseUrl,
    path: '/n',
    label: 'disavow',
    fields: FIELDS,
    maxTtlSeconds: DISAVOW_MAX_TTL_SECONDS,
    operationTimeoutMs: opts.operationTimeoutMs,
  });
  const ttlSeconds = opts.ttlHours * 3600;
  return {
    async create(binding): Promise<Pick<OneTimeLink, 'url' | 'ref' | 'expiresAt'>> {
      const link = await records.create(
        {
          psa: binding.psa,
          ticketId: binding.ticketId,
          correlationId: binding.correlationId,
          customerId: binding.customerId,
          tenantId: binding.tenantId,
          userId: binding.userId,
        },
        ttlSeconds,
      );
      return { url: link.url, ref: link.ref, expiresAt: link.expiresAt };
    },
    destroy: (ref) => records.destroyRef(ref),
    async peek(token) {
      const record = await records.peek(token);
      const binding = record && bindingOf(record.fields);
      return binding ? { ref: record.ref, binding } : null;
    },
    async use(token) {
      const record = await records.use(token);
      if (!record) return null;
      const binding = bindingOf(record.fields);
      return binding ? { ref: record.ref, binding, usedAt: record.usedAt } : null;
    },
    reopen: (token) => records.reopen(token),
    logRef: records.logRef,
    formNonce: (token) => records.formNonce(token),
    checkFormNonce: (token, nonce, maxAgeMs) => records.checkFormNonce(token, nonce, maxAgeMs),
  };
}
