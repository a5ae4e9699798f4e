import type { RedisClient } from '../redis/redis-client.js';
import type { LedgerEntry, PsaKind, TicketLedger } from '../domain/ports.js';
import { redisKeys } from '../redis/redis-keys.js';

/** Long enough to outlive any redelivery or echo of a ticket's webhooks. */
const LEDGER_TTL_SECONDS = 400 * 86400;

/**
 * The once-only record of every ticket that ended (delivered, handed off, refused), in Redis beside the
 * queue. It outlives the BullMQ job, so a delivery months later still changes nothing. Holds no secret.
 */
export function createRedisTicketLedger(redis: RedisClient, prefix: string): TicketLedger {
  const key = (psa: PsaKind, ticketId: string) => redisKeys(prefix).ledger(psa, ticketId);
  return {
    async get(psa, ticketId) {
      const raw = await redis.get(key(psa, ticketId));
      if (!raw) return undefined;
      try {
        return JSON.parse(raw) as LedgerEntry;
      } catch {
        // An unreadable record still means "worked before": fail closed.
        return { outcome: 'unknown', handedOff: false, finishedAt: new Date(0).toISOString() };
      }
    },
    async record(psa, ticketId, entry) {
      await redis.set(key(psa, ticketId), JSON.stringify(entry), 'EX', LEDGER_TTL_SECONDS);
    },
    async clear(psa, ticketId) {
      await redis.del(key(psa, ticketId));
    },
  };
}
