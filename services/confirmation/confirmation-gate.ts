import type { RedisClient } from '../redis/redis-client.js';
import type { ConfirmationGate, ConfirmationStatus, PsaKind } from '../domain/ports.js';

const RECORD_TTL_SECONDS = 30 * 86400;

export interface ConfirmationLinks {
  create(input: {
    psa: PsaKind;
    ticketId: string;
    correlationId: string;
    question: { targetDisplayName: string; what: 'password' | 'mfa' | 'both' };
    ttlSeconds: number;
  }): Promise<{ url: string; expiresAt: Date; ref: string }>;
}

export interface ConfirmationGateOptions {
  redis: RedisClient;
  prefix: string;
  links: ConfirmationLinks;
  /** Queues another run of the ticket's job (after a decision, or when the link expires). */
  followUp(psa: PsaKind, ticketId: string, reason: string, delayMs?: number): Promise<void>;
}

/** Records the manager's answer; only a pending, unexpired request can be decided, and only once. */
const DECIDE = `
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'pending' then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) < tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'decidedAt', ARGV[2])
return 1
`;

/**
 * The state of each email request's confirmation, kept per ticket in Redis (not in job data, so it holds
 * across job runs). Expiry is read lazily: a pending request past its time is expired; a follow-up job at
 * the expiry time makes sure the ticket is looked at then.
 */
export function createConfirmationGate(options: ConfirmationGateOptions): ConfirmationGate & {
  decide(psa: PsaKind, ticketId: string, decision: 'confirmed' | 'denied'): Promise<boolean>;
} {
  const { redis } = options;
  const key = (psa: PsaKind, ticketId: string) => `${options.prefix}:confirm:${psa}:${ticketId}`;
  return {
    async status(psa, ticketId): Promise<ConfirmationStatus> {
      const record = await redis.hgetall(key(psa, ticketId));
      const status = record.status as ConfirmationStatus | undefined;
      if (!status) return 'none';
      if (status === 'pending' && Number(record.expiresAt) < Date.now()) return 'expired';
      return status;
    },
    async request(input) {
      const link = await options.links.create({
        psa: input.psa,
        ticketId: input.ticketId,
        correlationId: input.correlationId,
        question: { targetDisplayName: input.targetDisplayName, what: input.what },
        ttlSeconds: input.ttlMinutes * 60,
      });
      const k = key(input.psa, input.ticketId);
      await redis
        .multi()
        .hset(k, 'status', 'pending', 'expiresAt', String(link.expiresAt.getTime()), 'ref', link.ref)
        .expire(k, RECORD_TTL_SECONDS)
        .exec();
      await options.followUp(
        input.psa,
        input.ticketId,
        'confirm-expiry',
        link.expiresAt.getTime() - Date.now() + 1000,
      );
      return { url: link.url, expiresAt: link.expiresAt };
    },
    async decide(psa, ticketId, decision) {
      const changed = (await redis.eval(DECIDE, 1, key(psa, ticketId), decision, Date.now())) as number;
      if (changed === 1) await options.followUp(psa, ticketId, `confirm-${decision}`);
      return changed === 1;
    },
  };
}
