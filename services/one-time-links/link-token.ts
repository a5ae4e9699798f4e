import { randomBytes } from 'node:crypto';
import type { PsaKind } from '../domain/ports.js';
import { isPsaKind } from '../domain/ports.js';

/**
 * Token handling shared by the one-time links (secure link `/s`, confirmation `/c`).
 *
 * A token is base64url(32 random bytes): 43 characters in the canonical encoding. Shape checks are cheap and
 * Redis-free, so the HTTP edge can reject junk before touching a store.
 */

/** Random bytes in a token. */
export const LINK_TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** True when `token` is 43 base64url characters in the canonical encoding of 32 bytes. */
export function isWellFormedLinkToken(token: unknown): token is string {
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return false;
  const bytes = Buffer.from(token, 'base64url');
  // Canonical check: 43 chars carry 258 bits, so two spellings could decode to the same 32 bytes.
  return bytes.length === LINK_TOKEN_BYTES && bytes.toString('base64url') === token;
}

/** The raw bytes of a new token. The caller encodes them (`toString('base64url')`) and may zero them after. */
export function newLinkTokenBytes(): Buffer {
  return randomBytes(LINK_TOKEN_BYTES);
}

/** Non-secret context stored beside a link, to find the ticket again. */
export interface LinkContext {
  psa: PsaKind;
  ticketId: string;
  correlationId: string;
}

/** The stored JSON form of a context: only the three known fields, in a fixed order. */
export function linkContextJson(context: LinkContext): string {
  return JSON.stringify({
    psa: context.psa,
    ticketId: context.ticketId,
    correlationId: context.correlationId,
  });
}

/** Parses a stored context; null when missing, not JSON, or not a valid context. */
export function parseLinkContext(json: string | undefined): LinkContext | null {
  if (!json) return null;
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value !== 'object' || value === null) return null;
    const { psa, ticketId, correlationId } = value as Record<string, unknown>;
    if (!isPsaKind(psa)) return null;
    if (typeof ticketId !== 'string' || typeof correlationId !== 'string') return null;
    return { psa: psa as PsaKind, ticketId, correlationId };
  } catch {
    return null;
  }
}
