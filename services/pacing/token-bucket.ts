import type { Redis } from 'ioredis';
import { TransientError } from '../domain/errors.js';
import { PacingDelay } from './pacing-delay.js';
import type { BucketLimit } from './pacing-options.js';

/**
 * One atomic step of a Redis token bucket, shared by every worker process. Keys: the bucket (hash of tokens
 * and last refill time), the pause set by a 429 (a string with a TTL) and the wake-up schedule of parked
 * tickets. Time is Redis's own clock, so processes on different hosts agree.
 *
 * mode 1 (admit): a ticket's first call on this key; granted only when the bucket holds a ticket's worth of
 * tokens (ARGV[5]). mode 0 (reserve): a later call of a started ticket; may borrow ahead up to ARGV[6]
 * tokens and the caller waits in-process until its turn. A refusal books a wake-up time: parked tickets are
 * woken one ticket's worth of tokens apart instead of all at once.
 *
 * Returns {granted, waitMs, paused}.
 */
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local admit = ARGV[4] == '1'
local need = tonumber(ARGV[5])
local maxDebt = tonumber(ARGV[6])

local function defer(earliest, paused)
  local spacing = math.ceil(need / rate)
  local last = tonumber(redis.call('GET', KEYS[3]) or '0')
  local at = math.max(now + earliest, last + spacing)
  redis.call('SET', KEYS[3], tostring(at), 'PX', at - now + spacing + 1000)
  return {0, at - now, paused}
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

if admit then
  if tokens < need then return defer(math.ceil((need - tokens) / rate), 0) end
elseif tokens - cost < -maxDebt then
  return defer(math.ceil((cost - maxDebt - tokens) / rate), 0)
end
tokens = tokens - cost
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 60000)
local wait = 0
if tokens < 0 then wait = math.ceil(-tokens / rate) end
return {1, wait, 0}
`;

/** Sets the pause unless a longer one is already running. */
const PAUSE_SCRIPT = `
local left = redis.call('PTTL', KEYS[1])
local ms = tonumber(ARGV[1])
if left < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 1
`;

export type TakeMode = 'admit' | 'reserve';

export interface Pacer {
  /**
   * Takes `cost` tokens of `key`. Resolves when the call may go (after a short in-process wait when it
   * borrowed ahead); throws `PacingDelay` when the caller should come back later.
   */
  take(key: string, cost: number, mode: TakeMode): Promise<void>;
  /** Pauses every call on `key` for `ms` (a 429's Retry-After). */
  pause(key: string, ms: number): Promise<void>;
}

export interface RedisPacerOptions {
  redis: Redis;
  /** The service's Redis key prefix; pacing keys live under `<prefix>:pace:`. */
  keyPrefix: string;
  /** The limit of a key such as `graph:<tenantId>` or `psa:halopsa`. */
  limitFor(key: string): BucketLimit;
  maxInlineWaitMs: number;
}

type PacingRedis = Redis & {
  resetdeskPaceTake(...args: Array<string | number>): Promise<[number, number, number]>;
  resetdeskPacePause(...args: Array<string | number>): Promise<number>;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createRedisPacer(options: RedisPacerOptions): Pacer {
  const redis = options.redis as PacingRedis;
  if (typeof redis.resetdeskPaceTake !== 'function') {
    redis.defineCommand('resetdeskPaceTake', { numberOfKeys: 3, lua: TAKE_SCRIPT });
    redis.defineCommand('resetdeskPacePause', { numberOfKeys: 1, lua: PAUSE_SCRIPT });
  }
  // The hash tag keeps a key's three Redis keys in one Cluster slot (a hash-tagged prefix wins, same effect).
  const base = (key: string) => `${options.keyPrefix}:pace:{${key}}`;

  return {
    async take(key, cost, mode) {
      const limit = options.limitFor(key);
      const ratePerMs = limit.ratePerSecond / 1000;
      const need = Math.min(Math.max(limit.ticketCost, cost), limit.burst);
      const maxDebt = Math.max(cost, options.maxInlineWaitMs * ratePerMs);
      let answer: [number, number, number];
      try {
        answer = await redis.resetdeskPaceTake(
          `${base(key)}:bucket`,
          `${base(key)}:pause`,
          `${base(key)}:wake`,
          ratePerMs,
          limit.burst,
          cost,
          mode === 'admit' ? 1 : 0,
          need,
          maxDebt,
        );
      } catch (err) {
        throw new TransientError(`pacing: Redis did not answer (${(err as Error).message})`, undefined, {
          cause: err,
        });
      }
      const [granted, waitMs, paused] = answer;
      if (granted !== 1) throw new PacingDelay(key, Math.max(1, waitMs), paused === 1 ? 'paused' : 'budget');
      if (waitMs > 0) await sleep(waitMs);
    },
    async pause(key, ms) {
      await redis.resetdeskPacePause(`${base(key)}:pause`, Math.max(1, Math.round(ms)));
    },
  };
}
