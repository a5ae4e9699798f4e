import type { RedisClient } from '../redis/redis-client.js';
import { TransientError } from '../domain/errors.js';
import { PacingDelay } from './pacing-delay.js';
import type { BucketLimit } from './pacing-options.js';
import { redisKeys } from '../redis/redis-keys.js';

/**
 * One atomic step of a Redis token bucket, shared by every worker process. Keys: the bucket (hash of tokens
 * and last refill time), the pause set by a 429 (a string with a TTL) and the wake-up schedule of parked
 * tickets. Time is Redis's own clock, so processes on different hosts agree.
 *
 * Takes ARGV[3] tokens when the bucket, refilled to now, would still hold at least ARGV[4] afterwards (a
 * negative floor lets the caller borrow ahead and wait in-process for its turn). A refusal books a wake-up
 * time: parked tickets are woken ARGV[5] ms apart instead of all at once.
 *
 * Returns {granted, waitMs, paused, tokens before the take × 1000} (Redis turns Lua numbers into integers).
 */
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local floor = tonumber(ARGV[4])
local spacing = tonumber(ARGV[5])

local function defer(earliest, paused)
  local last = tonumber(redis.call('GET', KEYS[3]) or '0')
  local at = math.max(now + earliest, last + spacing)
  redis.call('SET', KEYS[3], tostring(at), 'PX', at - now + spacing + 1000)
  return {0, at - now, paused, 0}
end

local pausedFor = redis.call('PTTL', KEYS[2])
if pausedFor > 0 then return defer(pausedFor, 1) end

local state = redis.call('HMGET', KEYS[1], 't', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate) end

if tokens - cost < floor then return defer(math.ceil((floor + cost - tokens) / rate), 0) end
redis.call('HSET', KEYS[1], 't', tostring(tokens - cost), 'ts', tostring(math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 60000)
local wait = 0
if tokens - cost < 0 then wait = math.ceil((cost - tokens) / rate) end
return {1, wait, 0, math.floor(tokens * 1000)}
`;

/** Gives back tokens a ticket reserved and did not use (never above the burst). */
const REFUND_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 't', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then return 0 end
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate) end
tokens = math.min(burst, tokens + tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(math.max(now, ts)))
return 1
`;

/** Sets the pause unless a longer one is already running. */
const PAUSE_SCRIPT = `
local left = redis.call('PTTL', KEYS[1])
local ms = tonumber(ARGV[1])
if left < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 1
`;

/**
 * A ticket's tokens on one key, taken in one Redis step when the ticket starts calling that key. Its calls
 * then spend them without a Redis round trip, each at the time the bucket would have granted it (so calls
 * stay spaced at the key's rate). Tokens left when the job stops are given back.
 */
export class Reservation {
  private used = 0;
  private readonly grantedAt = performance.now();

  constructor(
    readonly key: string,
    /** Tokens reserved. */
    readonly size: number,
    /** Tokens the bucket held just before the reservation (negative: in debt). */
    private readonly tokensBefore: number,
    private readonly ratePerMs: number,
    private readonly giveBack: (tokens: number) => Promise<void>,
  ) {}

  /**
   * Spends `cost` tokens: the milliseconds to wait before the call may go, or undefined when the reservation
   * is spent (the call must then take tokens of its own).
   */
  spend(cost: number): number | undefined {
    if (this.used + cost > this.size) return undefined;
    this.used += cost;
    const dueAt = this.grantedAt + Math.max(0, this.used - this.tokensBefore) / this.ratePerMs;
    return Math.max(0, dueAt - performance.now());
  }

  /** Gives back what was not spent. Never throws: unreturned tokens only slow the key down until refill. */
  async release(): Promise<void> {
    const left = this.size - this.used;
    this.used = this.size;
    if (left > 0) await this.giveBack(left).catch(() => undefined);
  }
}

export interface Pacer {
  /**
   * A ticket's first call on `key`: reserves a ticket's worth of tokens (`ticketCost`) once the bucket holds
   * half a ticket, so a started ticket finishes without being parked half-way. Throws `PacingDelay` (with a booked
   * wake-up time) when the ticket should come back later.
   */
  admit(key: string): Promise<Reservation>;
  /**
   * One call's `cost` tokens outside a reservation. Resolves when the call may go (after a short in-process
   * wait when it borrowed ahead); throws `PacingDelay` when the caller should come back later.
   */
  take(key: string, cost: number): Promise<void>;
  /** Pauses every call on `key` for `ms` (a 429's Retry-After). */
  pause(key: string, ms: number): Promise<void>;
}

export interface RedisPacerOptions {
  redis: RedisClient;
  /** The service's Redis key prefix; pacing keys live under `<prefix>:pace:`. */
  keyPrefix: string;
  /** The limit of a key such as `graph:<tenantId>` or `psa:halopsa`. */
  limitFor(key: string): BucketLimit;
  maxInlineWaitMs: number;
}

type PacingRedis = RedisClient & {
  resetdeskPaceTake(...args: Array<string | number>): Promise<[number, number, number, number]>;
  resetdeskPaceRefund(...args: Array<string | number>): Promise<number>;
  resetdeskPacePause(...args: Array<string | number>): Promise<number>;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createRedisPacer(options: RedisPacerOptions): Pacer {
  const redis = options.redis as PacingRedis;
  if (typeof redis.resetdeskPaceTake !== 'function') {
    redis.defineCommand('resetdeskPaceTake', { numberOfKeys: 3, lua: TAKE_SCRIPT });
    redis.defineCommand('resetdeskPaceRefund', { numberOfKeys: 1, lua: REFUND_SCRIPT });
    redis.defineCommand('resetdeskPacePause', { numberOfKeys: 1, lua: PAUSE_SCRIPT });
  }
  // The hash tag keeps a key's three Redis keys in one Cluster slot (a hash-tagged prefix wins, same effect).
  const base = redisKeys(options.keyPrefix).paceBucket;

  /** The bucket's figures for `key`: how much a started ticket may borrow, and a ticket's size. */
  function shape(key: string) {
    const limit = options.limitFor(key);
    const ratePerMs = limit.ratePerSecond / 1000;
    const maxDebt = options.maxInlineWaitMs * ratePerMs;
    // A reservation that could not finish within the inline wait even from a full bucket is cut to size.
    const ticketSize = Math.max(1, Math.min(limit.ticketCost, limit.burst + maxDebt));
    return { limit, ratePerMs, maxDebt, ticketSize, spacingMs: Math.ceil(ticketSize / ratePerMs) };
  }

  async function step(key: string, bucket: ReturnType<typeof shape>, cost: number, floor: number) {
    const { limit, ratePerMs, spacingMs } = bucket;
    let answer: [number, number, number, number];
    try {
      answer = await redis.resetdeskPaceTake(
        `${base(key)}:bucket`,
        `${base(key)}:pause`,
        `${base(key)}:wake`,
        ratePerMs,
        limit.burst,
        cost,
        floor,
        spacingMs,
      );
    } catch (err) {
      throw new TransientError(`pacing: Redis did not answer (${(err as Error).message})`, undefined, {
        cause: err,
      });
    }
    const [granted, waitMs, paused, tokensMilli] = answer;
    if (granted !== 1) throw new PacingDelay(key, Math.max(1, waitMs), paused === 1 ? 'paused' : 'budget');
    return { waitMs, tokensBefore: tokensMilli / 1000 };
  }

  return {
    async admit(key) {
      const bucket = shape(key);
      const { limit, ratePerMs, maxDebt, ticketSize } = bucket;
      // Admitted once the bucket holds half a ticket (or half its burst, when smaller), and at least what
      // the inline wait cannot cover: the ticket's calls then wait at most maxInlineWaitMs in-process, and
      // a started ticket holds its worker slot for little more than its own calls. Admitting any earlier
      // (at an empty bucket) makes every ticket sleep for most of its calls, and slots run out first.
      const admitAt = Math.min(
        limit.burst,
        Math.max(ticketSize - maxDebt, Math.min(ticketSize, limit.burst) / 2),
      );
      const floor = admitAt - ticketSize;
      const { tokensBefore } = await step(key, bucket, ticketSize, floor);
      return new Reservation(key, ticketSize, tokensBefore, ratePerMs, (tokens) =>
        redis
          .resetdeskPaceRefund(`${base(key)}:bucket`, ratePerMs, limit.burst, tokens)
          .then(() => undefined),
      );
    },
    async take(key, cost) {
      const bucket = shape(key);
      const { limit, maxDebt } = bucket;
      // A call dearer than a full bucket plus the allowed debt could never go: it takes what can be had.
      const { waitMs } = await step(key, bucket, Math.min(cost, limit.burst + maxDebt), -maxDebt);
      if (waitMs > 0) await sleep(waitMs);
    },
    async pause(key, ms) {
      await redis.resetdeskPacePause(`${base(key)}:pause`, Math.max(1, Math.round(ms)));
    },
  };
}
