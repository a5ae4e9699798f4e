import type { RedisClient } from '../redis/redis-client.js';
import type { ConfirmationQuestion } from './confirmation-store.js';
import type { ConfirmationBinding, ConfirmationGate, ConfirmationStatus, PsaKind } from '../domain/ports.js';
import { redisKeys } from '../redis/redis-keys.js';

const RECORD_TTL_SECONDS = 30 * 86400;

export interface ConfirmationLinks {
  create(input: {
    psa: PsaKind;
    ticketId: string;
    correlationId: string;
    question: ConfirmationQuestion;
    ttlSeconds: number;
    requesterSignInName?: string;
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
 * Reads the confirmation for a binding (ARGV 1-4: requester id, target id, password, mfa; ARGV 5: now) and
 * spends a "yes" in the same step: of two runs racing for one confirmation, exactly one gets `confirmed`.
 * A "yes" for another binding is spent too (`confirmed-other`): the ticket changed after it was asked.
 * A spent confirmation reads as `none`, so a later round asks again.
 */
const CHECK = `
local r = redis.call('HMGET', KEYS[1], 'status', 'expiresAt', 'requesterId', 'targetId', 'password', 'mfa')
local status = r[1]
if not status or status == 'used' then return 'none' end
if status == 'pending' then
  if tonumber(r[2]) < tonumber(ARGV[5]) then return 'expired' end
  return 'pending'
end
if status == 'confirmed' then
  redis.call('HSET', KEYS[1], 'status', 'used', 'usedAt', ARGV[5])
  if r[3] == ARGV[1] and r[4] == ARGV[2] and r[5] == ARGV[3] and r[6] == ARGV[4] then return 'confirmed' end
  return 'confirmed-other'
end
return status
`;

const flag = (value: boolean) => (value ? '1' : '0');

/**
 * The state of each email request's confirmation, kept per ticket in Redis (not in job data, so it holds
 * across job runs), bound to the requester, the target and the resets the page asked about. Expiry is read
 * lazily: a pending request past its time is expired; a follow-up job at the expiry time makes sure the
 * ticket is looked at then.
 */
export function createConfirmationGate(options: ConfirmationGateOptions): ConfirmationGate & {
  decide(psa: PsaKind, ticketId: string, decision: 'confirmed' | 'denied'): Promise<boolean>;
} {
  const { redis } = options;
  const key = (psa: PsaKind, ticketId: string) => redisKeys(options.prefix).ticketConfirmation(psa, ticketId);
  return {
    async check(psa, ticketId, binding: ConfirmationBinding): Promise<ConfirmationStatus> {
      const args = [
        binding.requesterId,
        binding.targetId,
        flag(binding.resetPassword),
        flag(binding.resetMfa),
      ];
      return (await redis.eval(CHECK, 1, key(psa, ticketId), ...args, Date.now())) as ConfirmationStatus;
    },
    async request(input) {
      const { binding } = input;
      const what =
        binding.resetPassword && binding.resetMfa ? 'both' : binding.resetPassword ? 'password' : 'mfa';
      const link = await options.links.create({
        psa: input.psa,
        ticketId: input.ticketId,
        correlationId: input.correlationId,
        question: {
          targetDisplayName: input.target.displayName,
          ...(input.target.department ? { targetDepartment: input.target.department } : {}),
          targetSignInName: input.target.userPrincipalName,
          what,
        },
        ttlSeconds: input.ttlMinutes * 60,
        ...(input.requester ? { requesterSignInName: input.requester.userPrincipalName } : {}),
      });
      const k = key(input.psa, input.ticketId);
      await redis
        .multi()
        .del(k)
        .hset(k, {
          status: 'pending',
          expiresAt: String(link.expiresAt.getTime()),
          ref: link.ref,
          requesterId: binding.requesterId,
          targetId: binding.targetId,
          password: flag(binding.resetPassword),
          mfa: flag(binding.resetMfa),
        })
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
    async forget(psa, ticketId) {
      await redis.del(key(psa, ticketId));
    },
    async decide(psa, ticketId, decision) {
      const changed = (await redis.eval(DECIDE, 1, key(psa, ticketId), decision, Date.now())) as number;
      if (changed === 1) await options.followUp(psa, ticketId, `confirm-${decision}`);
      return changed === 1;
    },
  };
}
