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

/**
 * One secret behind a link, shown under its label. A link holds one or more: the temporary password, a
 * Temporary Access Pass, or both.
 */
export interface LinkSecret {
  kind: 'password' | 'temporary-access-pass';
  /** Shown above the secret, e.g. "Temporary password". */
  label: string;
  value: string;
  /** When the secret stops working on its own (ISO 8601 UTC), e.g. a pass's expiry. */
  expiresAt?: string;
  /** A pass that works for one sign-in only. */
  usableOnce?: boolean;
}

/** The label of a temporary password behind a link. */
export const PASSWORD_LABEL = 'Temporary password';
/** The label of a Temporary Access Pass behind a link. */
export const PASS_LABEL = 'Temporary Access Pass';

export interface SecureLinkStore {
  /** Stores the secrets (a plain string is one temporary password) behind a new link. */
  create(secrets: string | readonly LinkSecret[], options: SecureLinkOptions): Promise<SecureLink>;
  /** Rebuilds the public URL of a token (for a retried write-back). */
  urlFor(token: string): string;
  /** Destroys a link so it can never be revealed (used when its password was superseded). */
  destroy(token: string): Promise<void>;
}
