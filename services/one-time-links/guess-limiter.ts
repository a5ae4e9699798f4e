import { isIPv4, isIPv6 } from 'node:net';
import type { RedisClient } from '../redis/redis-client.js';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../logging/logger.js';
import { describeError } from './link-token.js';

/**
 * Failed-lookup limiting of the one-time-link pages. Every *failed* lookup costs the client address one point
 * in a Redis-backed fixed window (keys `<keyPrefix><name>:<address>`, shared by every API process); once an
 * address has used its points, its token requests get 429 until the window ends. Successful lookups cost
 * nothing. IPv6 addresses count per /64, IPv4 per address.
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
  /** Seconds until the address may try again, or 0 when it may try now. */
  retryAfter(address: string): Promise<number>;
  recordFailure(address: string): Promise<void>;
}

/**
 * The failed-lookup limiter; `name` names its Redis keys (`<keyPrefix><name>:<address>`): the secure link's
 * `link-guess` by default, the confirmation pages count theirs under another name.
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
    keyPrefix: `${keyPrefix}${name}`,
    points,
    duration,
    // Redis down: limit per process in memory rather than not at all (the store fails closed meanwhile).
    insuranceLimiter: new RateLimiterMemory({ points, duration }),
  });
  return {
    async retryAfter(address) {
      try {
        const res = await limiter.get(address);
        return res && res.consumedPoints >= points ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : 0;
      } catch (err) {
        log.warn({ err: { message: describeError(err) } }, 'secure link limiter unavailable');
        return 0;
      }
    },
    async recordFailure(address) {
      try {
        await limiter.penalty(address, 1);
      } catch (err) {
        if (!(err instanceof RateLimiterRes))
          log.warn({ err: { message: describeError(err) } }, 'secure link limiter unavailable');
      }
    },
  };
}
