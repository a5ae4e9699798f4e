import { isIPv4, isIPv6 } from 'node:net';
import type { RedisClient } from '../redis/redis-client.js';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../logging/logger.js';
import { storeKeys } from '../redis/redis-keys.js';
import { errorMessage } from '../domain/errors.js';

/**
 * Failed-lookup limiting of the one-time-link pages. Every *failed* lookup costs the client address one point
 * in a Redis-backed fixed window (keys `<keyPrefix><name>:<address>`, shared by every API process); a failed
 * lookup over the address's allowance is answered 429 until the window ends. The limiter is asked only after a
 * lookup failed, never before: a link that opens costs nothing and is never refused, so strangers sharing an
 * address (an office NAT, the MSP's proxy) cannot lock a manager out of a good link. Counting and checking are
 * one atomic Redis step, so parallel guesses cannot all slip under the limit. IPv6 addresses count per /64,
 * IPv4 per address.
 */

/** Limits of a one-time-link router; every field has a default. */
export interface OneTimeLinkLimits {
  /** Failed token lookups allowed per client address per window (default 20). */
  failedLookups?: number;
  /** Length of the failed-lookup window in seconds (default 600). */
  windowSeconds?: number;
  /** How long a page's form nonce stays valid, in seconds (default 3600). */
  nonceMaxAgeSeconds?: number;
}

/** Defaults of `OneTimeLinkLimits`. */
export const ONE_TIME_LINK_DEFAULT_LIMITS: Readonly<Required<OneTimeLinkLimits>> = Object.freeze({
  failedLookups: 20,
  windowSeconds: 600,
  nonceMaxAgeSeconds: 3600,
});

/**
 * The key an address is limited under: IPv4 (also IPv4-mapped IPv6) as is, IPv6 reduced to its /64, since
 * one subscriber usually holds a whole /64 and could otherwise rotate addresses.
 */
export function clientAddressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (isIPv4(ip)) return ip;
  const bare = ip.split('%')[0] ?? '';
  if (!isIPv6(bare)) return 'unknown';
  const groupsOf = (part: string) =>
    part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : [];
  const [head = '', tail] = bare.split('::');
  const left = groupsOf(head);
  const right = tail === undefined ? [] : groupsOf(tail);
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

export interface GuessLimiter {
  /**
   * Counts one failed lookup against the address and, in the same atomic step, checks it against the
   * allowance: the seconds until the address may try again when this failure is over the limit, else 0.
   * Never throws: a limiter that cannot count answers 0 (and logs why).
   */
  recordFailure(address: string): Promise<number>;
}

/**
 * The failed-lookup limiter; `name` names its Redis keys (`<keyPrefix><name>:<address>`): the secure link's
 * `link-guess` by default, the confirmation pages count theirs under another name. `consume` increments and
 * reads the count in one Lua script, so the count holds under any number of parallel requests.
 */
export function createGuessLimiter(
  redis: RedisClient,
  keyPrefix: string,
  points: number,
  duration: number,
  log: Logger,
  name = 'link-guess',
): GuessLimiter {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: storeKeys.guessLimiter(keyPrefix, name),
    points,
    duration,
    // Redis down: limit per process in memory rather than not at all. Only failed lookups reach the limiter,
    // so this never blocks a link that opens (the store itself fails closed meanwhile).
    insuranceLimiter: new RateLimiterMemory({ points, duration }),
  });
  return {
    async recordFailure(address) {
      try {
        await limiter.consume(address, 1);
        return 0;
      } catch (err) {
        if (err instanceof RateLimiterRes) return Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        log.warn({ err: { message: errorMessage(err) } }, 'one-time link limiter unavailable');
        return 0;
      }
    },
  };
}

/**
 * What every one-time-link router starts from: its limits with the defaults filled in, the nonce lifetime,
 * its logger, and its failed-lookup limiter (named `limiterName`; off without Redis, in tests only).
 */
export function oneTimeLinkBasics(
  opts: { logger: Logger; redis?: RedisClient; keyPrefix?: string; limits?: OneTimeLinkLimits },
  component: string,
  limiterName?: string,
  defaults: Readonly<Required<OneTimeLinkLimits>> = ONE_TIME_LINK_DEFAULT_LIMITS,
) {
  const limits = { ...defaults, ...opts.limits };
  const log = opts.logger.child({ component });
  const limiter = opts.redis
    ? createGuessLimiter(
        opts.redis,
        opts.keyPrefix ?? '',
        limits.failedLookups,
        limits.windowSeconds,
        log,
        limiterName,
      )
    : undefined;
  return { limits, nonceMaxAgeMs: limits.nonceMaxAgeSeconds * 1000, log, limiter };
}
