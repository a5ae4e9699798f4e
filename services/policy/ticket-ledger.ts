import type { RedisClient } from '../redis/redis-client.js';
import type { LedgerEntry, PsaKind, TicketLedger } from '../domain/ports.js';
import { redisKeys } from '../redis/redis-keys.js';
import { scanKeys } from '../redis/redis-scan.js';
import { isPsaKind } from '../domain/ports.js';

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

/** A ticket the service handed to the engineers, as the operator console lists it. */
export interface RecordedHandOff {
  psa: PsaKind;
  ticketId: string;
  /** The outcome code (services/domain/outcome-codes.ts); `unknown` for an unreadable record. */
  outcome: string;
  finishedAt: Date;
}

/** The read side of the ledger the operator console uses: bounded, read-only. */
export interface HandOffReader {
  /** Up to `limit` hand-offs finished after `since`, newest first, among the records a bounded SCAN finds. */
  listHandOffs(since: Date, limit: number): Promise<RecordedHandOff[]>;
}

/**
 * Reads hand-offs from the ledger. The ledger keeps every finished ticket for months, so the SCAN is bounded
 * (about 10,000 records looked at per page view): on a very busy service the list can miss older hand-offs.
 */
export function createHandOffReader(redis: RedisClient, prefix: string): HandOffReader {
  return {
    async listHandOffs(since, limit) {
      const { ledgerStart: keyStart, ledgerPattern } = redisKeys(prefix);
      const keys = await scanKeys(redis, ledgerPattern, { maxKeys: 10_000, maxCalls: 50 });
      const found: RecordedHandOff[] = [];
      for (let i = 0; i < keys.length; i += 100) {
        const batch = keys.slice(i, i + 100);
        // One slot for every key (the hash-tagged prefix on Cluster), so one MGET per batch.
        const values = await redis.mget(...batch);
        batch.forEach((key, index) => {
          const raw = values[index];
          const [psa, ...rest] = key.slice(keyStart.length).split(':');
          if (!raw || !psa || !isPsaKind(psa) || rest.length === 0) return;
          let entry: Partial<LedgerEntry>;
          try {
            entry = JSON.parse(raw) as Partial<LedgerEntry>;
          } catch {
            return;
          }
          const finishedAt = new Date(String(entry.finishedAt));
          if (entry.handedOff !== true || !(finishedAt.getTime() >= since.getTime())) return;
          found.push({
            psa: psa as PsaKind,
            ticketId: rest.join(':'),
            outcome: typeof entry.outcome === 'string' ? entry.outcome : 'unknown',
            finishedAt,
          });
        });
      }
      found.sort((a, b) => b.finishedAt.getTime() - a.finishedAt.getTime());
      return found.slice(0, limit);
    },
  };
}
