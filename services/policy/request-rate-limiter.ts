import type { RedisClient } from '../redis/redis-client.js';
import type { RateWindow, RequestRateLimiter } from '../domain/ports.js';
import { redisKeys } from '../redis/redis-keys.js';

/**
 * Fixed-window budgets per requester and per customer, in Redis so every worker process shares them. Both
 * budgets are checked and taken in one Lua call, so a request refused by one budget takes nothing from the
 * other.
 */
const TAKE = `
if redis.call('EXISTS', KEYS[3]) == 1 then return 'ok' end
local requesterCount = tonumber(redis.call('GET', KEYS[1]) or '0')
local customerCount = tonumber(redis.call('GET', KEYS[2]) or '0')
if requesterCount >= tonumber(ARGV[1]) then return 'requester' end
if customerCount >= tonumber(ARGV[3]) then return 'customer' end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if redis.call('INCR', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ARGV[4]) end
redis.call('SET', KEYS[3], '1', 'EX', math.max(tonumber(ARGV[2]), tonumber(ARGV[4])))
return 'ok'
`;

export function createRedisRequestRateLimiter(redis: RedisClient, prefix: string): RequestRateLimiter {
  const keys = redisKeys(prefix);
  const windowKey = (kind: 'requester' | 'customer', id: string, w: RateWindow) =>
    keys.budgetWindow(kind, id.toLowerCase(), Math.floor(Date.now() / (w.windowMinutes * 60_000)));
  return {
    async take(customer, requesterEmail, limits, ticketRef) {
      const result = (await redis.eval(
        TAKE,
        3,
        windowKey('requester', `${customer}:${requesterEmail}`, limits.requester),
        windowKey('customer', customer, limits.customer),
        keys.budgetTicket(ticketRef),
        limits.requester.count,
        limits.requester.windowMinutes * 60,
        limits.customer.count,
        limits.customer.windowMinutes * 60,
      )) as string;
      return result === 'requester' || result === 'customer' ? result : 'ok';
    },
  };
}
