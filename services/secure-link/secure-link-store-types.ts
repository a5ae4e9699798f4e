import type { RedisClient } from '../redis/redis-client.js';
import type { LinkSecret, SecureLinkOptions, SecureLinkStore } from '../domain/ports.js';
import type { Logger } from '../logging/logger.js';
import type { LinkMeta } from './link-meta.js';

/** The shapes of the Redis secure-link store (secure-link-store.ts), its results and its options. */

/** Non-secret facts kept beside the ciphertext, for reporting views back to the ticket. */
export type SecureLinkContext = SecureLinkOptions['context'];

/** Who opened a link, as the HTTP edge saw it (for the audit log and the ticket note). */
export interface SecureLinkViewer {
  ip?: string;
  userAgent?: string;
}

/**
 * Outcome of a reveal. `unavailable` covers malformed, unknown, expired, used-up and wrong-key tokens alike:
 * callers must not (and cannot) tell them apart.
 */
export type RevealResult =
  | {
      status: 'revealed';
      /** The first secret's value (the temporary password, when the link holds one). */
      secret: string;
      /** Every secret behind the link, in the order stored. */
      secrets: LinkSecret[];
      viewsLeft: number;
      context: SecureLinkContext;
      /** The link's non-secret reference (sha256 of the lookup id, hex): the same as `SecureLink.ref`. */
      ref: string;
      /** 1 for the first view of this link, 2 for the second, …; counted atomically with the claim. */
      viewNumber: number;
    }
  | { status: 'unavailable' };

/** The Redis-backed store: the `SecureLinkStore` port plus the reading side used by the secure-link pages. */
export interface RedisSecureLinkStore extends SecureLinkStore {
  /**
   * Claims one view and returns the secret, or `unavailable`. Throws `TransientError` when Redis cannot be
   * reached and `SecureLinkStoreError` when it refuses.
   */
  reveal(token: string, viewer?: SecureLinkViewer): Promise<RevealResult>;
  /**
   * True when the link exists, is unexpired, has views left and the token's key part opens it. Consumes
   * nothing and writes nothing. Throws like `reveal` when Redis fails.
   */
  peek(token: string): Promise<boolean>;
  /**
   * The link's non-secret reference (sha256 of the token's lookup id, hex), or null for a malformed token.
   * Names the link in Redis, in job ids and in the reporting record; the 12-character `secureLinkRef` is its
   * prefix, for logs.
   */
  linkRef(token: string): string | null;
  /** Reads a link's reporting record by its reference; null when there is none (never created, or aged out). */
  linkMeta(ref: string): Promise<LinkMeta | null>;
  /**
   * A nonce for the "Click Here to Proceed" form of this token, issued at `nowMs`. Not secret on its own: it
   * proves the POST comes after a GET of the page, within `checkFormNonce`'s age limit.
   */
  formNonce(token: string, nowMs?: number): string;
  /** True when `nonce` was issued by `formNonce` for this token at most `maxAgeMs` ago. Constant-time. */
  checkFormNonce(token: string, nonce: unknown, maxAgeMs: number, nowMs?: number): boolean;
  /**
   * The viewer's "I have saved it, destroy this link": deletes the link at once (views left are dropped,
   * the ciphertext is gone from Redis) and marks its reporting record destroyed by the viewer. Only a token
   * that opens the link can destroy it; anything else is `unavailable`, like a reveal. Throws like `reveal`.
   */
  destroyByViewer(token: string, viewer?: SecureLinkViewer): Promise<ViewerDestroyResult>;
  /** A nonce for the "destroy this link" form of this token (a purpose of its own: not a proceed nonce). */
  destroyNonce(token: string, nowMs?: number): string;
  /** True when `nonce` was issued by `destroyNonce` for this token at most `maxAgeMs` ago. Constant-time. */
  checkDestroyNonce(token: string, nonce: unknown, maxAgeMs: number, nowMs?: number): boolean;
}

/** Outcome of the viewer's destroy; `unavailable` for every link that could not be destroyed, as for reveal. */
export type ViewerDestroyResult =
  | { status: 'destroyed'; context: SecureLinkContext; ref: string; destroyedAt: Date }
  | { status: 'unavailable' };

export interface RedisSecureLinkStoreOptions {
  redis: RedisClient;
  /** Namespaces every key, e.g. `resetdesk:`. */
  keyPrefix: string;
  /** 32 random bytes, from config/secret storage; never stored in Redis. New links are made under it. */
  serverKey: Buffer;
  /** Older server keys: they only open links made under them (key rotation). */
  previousServerKeys?: readonly Buffer[];
  /** Origin (and optional base path) the public links live under, e.g. `https://reset.example.com`. */
  publicBaseUrl: string;
  logger: Logger;
  /** A Redis call slower than this fails closed (default 5000 ms), even when the client would queue it. */
  operationTimeoutMs?: number;
}

/** Bounds on `SecureLinkOptions`. */
export const SECURE_LINK_LIMITS = Object.freeze({
  maxViews: 20,
  /** 30 days: an initial password must expire soon (ASVS 6.4.1); config should ask for far less. */
  maxTtlSeconds: 30 * 24 * 3600,
  /** Longer secrets are refused: this store is for temporary passwords, not files. */
  maxSecretLength: 1024,
});
