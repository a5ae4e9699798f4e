import type { Logger } from '../logging/logger.js';
import type { RedisClient } from '../redis/redis-client.js';
import { redisKeys } from '../redis/redis-keys.js';

/** Entries the audit list keeps; older ones are trimmed as new ones arrive. */
export const CONSOLE_AUDIT_LIMIT = 1000;

/** One operator action. Names and ids only: never a token, a cookie, a password or a client secret. */
export interface ConsoleAuditEntry {
  at: string;
  operator: { oid: string; upn: string };
  /** e.g. `sign-in`, `sign-out`, `job.retry`, `queues.change`. */
  action: string;
  /** What the action was on (a job id, a queue), when anything. */
  target?: string;
  /** `ok`, or `refused: <why>` / `failed: <why>`. */
  result: string;
}

export interface ConsoleAudit {
  /** Logs the action (`event: 'console.audit'`) and keeps it in Redis. Never throws: the log line stays. */
  record(entry: Omit<ConsoleAuditEntry, 'at'>): Promise<void>;
  /** The newest `limit` entries, newest first. */
  recent(limit: number): Promise<ConsoleAuditEntry[]>;
}

export function createConsoleAudit(options: {
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  limit?: number;
}): ConsoleAudit {
  const { redis, logger } = options;
  const key = redisKeys(options.prefix).consoleAudit;
  const limit = options.limit ?? CONSOLE_AUDIT_LIMIT;
  return {
    async record(input) {
      const entry: ConsoleAuditEntry = { at: new Date().toISOString(), ...input };
      logger.info(
        {
          event: 'console.audit',
          operator: entry.operator,
          action: entry.action,
          target: entry.target,
          result: entry.result,
        },
        `console: ${entry.action} ${entry.result}`,
      );
      try {
        const results = await redis
          .multi()
          .lpush(key, JSON.stringify(entry))
          .ltrim(key, 0, limit - 1)
          .exec();
        for (const [err] of results ?? []) if (err) throw err;
      } catch (err) {
        logger.warn(
          { event: 'console.audit-unsaved', err: { message: (err as Error).message } },
          'the console audit entry is in the log only: Redis did not take it',
        );
      }
    },
    async recent(count) {
      const raw = await redis.lrange(key, 0, Math.min(count, limit) - 1);
      return raw.flatMap((line) => {
        try {
          return [JSON.parse(line) as ConsoleAuditEntry];
        } catch {
          return [];
        }
      });
    },
  };
}
