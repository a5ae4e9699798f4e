import type { RedisClient } from '../redis/redis-client.js';
import { storeKeys } from '../redis/redis-keys.js';

/**
 * The reporting record of a secure link, `<keyPrefix>link-meta:<ref>`: nothing secret, kept beside the link
 * and outliving it, so the expiry report can tell "expired unviewed" from "revealed" or "destroyed".
 */

/** The non-secret reporting record of a link (see the module comment). */
export interface LinkMeta {
  /** Views served so far. */
  revealed: number;
  expiresAt: Date;
  /**
   * Set when the link was destroyed before its time: by the service (its password was superseded or never
   * delivered), or by the viewer once they had saved the password (`viewerDestroyedAt`).
   */
  destroyed: boolean;
  viewerDestroyedAt?: Date;
  lastRevealedAt?: Date;
}

/** How long a link's reporting record outlives the link: room for a delayed expiry report to read it. */
export const LINK_META_GRACE_SECONDS = 3 * 86400;

/** Redis key of a link's reporting record. `keyPrefix` as given to the store, e.g. `resetdesk:`. */
export function linkMetaKey(keyPrefix: string, ref: string): string {
  return storeKeys.linkMeta(keyPrefix, ref);
}

/**
 * Reads a link's reporting record straight from Redis (for processes that hold no store, e.g. a worker).
 * Null when absent or unreadable.
 */
export async function readLinkMeta(
  redis: RedisClient,
  keyPrefix: string,
  ref: string,
): Promise<LinkMeta | null> {
  if (!/^[0-9a-f]{64}$/.test(ref)) return null;
  const fields = await redis.hgetall(linkMetaKey(keyPrefix, ref));
  const expiresAt = Number(fields.expiresAt);
  const revealed = Number(fields.revealed);
  if (!Number.isFinite(expiresAt) || !Number.isInteger(revealed)) return null;
  const last = Number(fields.lastRevealedAt);
  const byViewer = Number(fields.viewerDestroyedAt);
  return {
    revealed,
    expiresAt: new Date(expiresAt),
    destroyed: fields.destroyed === '1',
    ...(Number.isFinite(last) && last > 0 ? { lastRevealedAt: new Date(last) } : {}),
    ...(Number.isFinite(byViewer) && byViewer > 0 ? { viewerDestroyedAt: new Date(byViewer) } : {}),
  };
}
