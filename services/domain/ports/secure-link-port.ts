import type { PsaKind } from './psa-port.js';
/** The encrypted store behind the one-time secure link. */

/** What the service knows about a stored link; never the secret. */
export interface SecureLink {
  url: string;
  /** Opaque token (its last path segment). Holding it is holding the link. */
  token: string;
  expiresAt: Date;
  /**
   * Non-secret reference of the link (sha256 of its lookup id, hex), when the store has one: names the
   * link's expiry job and its reporting record without holding the token.
   */
  ref?: string;
}

export interface SecureLinkOptions {
  ttlSeconds: number;
  maxViews: number;
  /** Non-secret context kept beside the ciphertext, for reporting views back to the ticket. */
  context: { psa: PsaKind; ticketId: string; correlationId: string };
  /** Sign-in name of the staff member the password is for: shown to the MSP's operators, never the secret. */
  target?: string;
}

export interface SecureLinkStore {
  create(secret: string, options: SecureLinkOptions): Promise<SecureLink>;
  /** Rebuilds the public URL of a token (for a retried write-back). */
  urlFor(token: string): string;
  /** Destroys a link so it can never be revealed (used when its password was superseded). */
  destroy(token: string): Promise<void>;
}
