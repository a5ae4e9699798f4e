import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis/redis-client.js';
import { describeError } from './link-token.js';

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
      throw toError(`${storeName} store could not ${what}: ${describeError(err)}`, err);
    } finally {
      clearTimeout(timer);
    }
  };
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
    if (!describeError(err).includes('NOSCRIPT')) throw err;
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
