import { createHash } from 'node:crypto';
import { ReplyError } from 'ioredis';
import type { RedisClient } from '../redis/redis-client.js';
import { errorMessage } from '../domain/errors.js';

/** Default deadline of one store call against Redis. */
export const DEFAULT_REDIS_DEADLINE_MS = 5000;

/**
 * Builds the fail-closed wrapper of a one-time-link store: each Redis operation gets a deadline (even when the
 * client would queue it), and any failure or timeout becomes the error `toError` makes of
 * `<storeName> store could not <what>: <cause message>`. The message never holds a token or a secret.
 */
export function createRedisDeadline(
  timeoutMs: number,
  storeName: string,
  toError: (message: string, cause: unknown) => Error,
): <T>(what: string, op: () => Promise<T>) => Promise<T> {
  return async function guarded<T>(what: string, op: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([op(), deadline]);
    } catch (err) {
      throw toError(`${storeName} store could not ${what}: ${describeRedisError(err)}`, err);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Error replies Redis sends while it is unavailable for a moment: loading, failing over, resharding. */
const PASSING_REPLIES = /^(LOADING|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|BUSY|MOVED|ASK)\b/;

/**
 * Whether a Redis failure is a refusal: Redis answered and said no (out of memory under `noeviction`, a
 * command it will not run). Anything else (no connection, no answer in time, a server still loading its
 * data, a read-only replica during a failover) is an outage that passes, and the caller should try again.
 */
export function isRedisRefusal(err: unknown): boolean {
  if (!(err instanceof ReplyError)) return false;
  const reply = err as Error & { previousErrors?: unknown[] };
  // A MULTI whose queued commands were refused fails as EXECABORT; the refusals themselves decide.
  const previous = reply.previousErrors;
  if (/^EXECABORT\b/.test(reply.message) && Array.isArray(previous) && previous.length > 0) {
    return previous.every((e) => isRedisRefusal(e));
  }
  return !PASSING_REPLIES.test(reply.message);
}

/** A Redis failure in words; a discarded MULTI names the refusal that discarded it. */
function describeRedisError(err: unknown): string {
  const previous = (err as { previousErrors?: unknown[] } | undefined)?.previousErrors;
  const cause = Array.isArray(previous) && previous.length > 0 ? ` (${errorMessage(previous[0])})` : '';
  return `${errorMessage(err)}${cause}`;
}

/** A Lua script with its SHA-1, for `EVALSHA`. */
export interface LuaScript {
  source: string;
  sha: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** Runs a script by SHA, loading it with `EVAL` when Redis does not know it (NOSCRIPT). */
export async function runLuaScript(
  redis: RedisClient,
  script: LuaScript,
  keys: string[],
  args: string[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!errorMessage(err).includes('NOSCRIPT')) throw err;
    return await redis.eval(script.source, keys.length, ...keys, ...args);
  }
}

export interface LinkRedisOptions {
  redis: RedisClient;
  /** Deadline of one operation (default `DEFAULT_REDIS_DEADLINE_MS`). */
  timeoutMs: number | undefined;
  /** Names the store in error messages, e.g. `secure-link`. */
  storeName: string;
  toError: (message: string, cause: unknown) => Error;
}

/** A store's Redis calls: `guarded` (deadline, fail closed) and `run` (a Lua script, unguarded). */
export function createLinkRedis(opts: LinkRedisOptions) {
  const { redis } = opts;
  return {
    guarded: createRedisDeadline(opts.timeoutMs ?? DEFAULT_REDIS_DEADLINE_MS, opts.storeName, opts.toError),
    run: (script: LuaScript, keys: string[], args: string[]) => runLuaScript(redis, script, keys, args),
  };
}
