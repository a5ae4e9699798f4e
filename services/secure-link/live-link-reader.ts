import type { RedisClient } from '../redis/redis-client.js';
import { storeKeys } from '../redis/redis-keys.js';
import { scanKeys } from '../redis/redis-scan.js';
import { parseLinkContext } from '../one-time-links/link-token.js';
import { linkMetaKey } from './link-meta.js';
import type { SecureLinkContext } from './secure-link-store.js';

/** A live link as the operator console lists it: never the secret, the token or anything derived from it. */
export interface LiveLinkSummary {
  /** The first 12 characters of the link's reference (as in the logs). */
  ref: string;
  context: SecureLinkContext;
  /** The staff member's sign-in name, when the link was made with one. */
  target?: string;
  viewsLeft: number;
  expiresAt: Date;
}

/** The read side of the secure-link store the operator console uses: bounded, read-only. */
export interface LiveLinkReader {
  /** Up to `limit` unexpired links with views left, soonest expiry first (found with a bounded SCAN). */
  listLive(limit: number): Promise<LiveLinkSummary[]>;
}

/**
 * Reads the links of the secure-link store (secure-link-store.ts: `<keyPrefix>link:<ref>` and its
 * reporting record) without ever reading a ciphertext, IV or tag: only the view count, context and expiry.
 */
export function createLiveLinkReader(redis: RedisClient, keyPrefix: string): LiveLinkReader {
  return {
    async listLive(limit) {
      const pattern = storeKeys.linkPattern(keyPrefix);
      const keys = await scanKeys(redis, pattern, { maxKeys: limit * 4, maxCalls: 50 });
      const now = Date.now();
      const found: LiveLinkSummary[] = [];
      for (const key of keys) {
        const ref = key.slice(keyPrefix.length + 'link:'.length);
        if (!/^[0-9a-f]{64}$/.test(ref)) continue;
        const [views, context, expiresAt] = await redis.hmget(key, 'views', 'context', 'expiresAt');
        const parsedContext = parseLinkContext(context ?? undefined);
        const viewsLeft = Number(views);
        const expiry = Number(expiresAt);
        if (!parsedContext || !(viewsLeft > 0) || !(expiry > now)) continue;
        const target = await redis.hget(linkMetaKey(keyPrefix, ref), 'target');
        found.push({
          ref: ref.slice(0, 12),
          context: parsedContext,
          ...(target ? { target } : {}),
          viewsLeft,
          expiresAt: new Date(expiry),
        });
      }
      found.sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime());
      return found.slice(0, limit);
    },
  };
}
