import { PASSWORD_LABEL, type LinkSecret } from '../domain/ports.js';

/**
 * The plaintext behind a secure link. Format 2 (written now): UTF-8 JSON, a list of labelled secrets
 * `[{ kind, label, value, expiresAt?, usableOnce? }]`. Format 1 (older records, still read): the bare
 * temporary password. The plaintext only ever exists inside the store's encrypt and decrypt steps.
 */

export const LINK_FORMAT_VERSION = '2';

/** Bounds: this store is for a few short secrets, not files. */
const MAX_SECRETS = 4;
const MAX_VALUE_LENGTH = 1024;
const MAX_LABEL_LENGTH = 100;

function isLinkSecret(x: unknown): x is LinkSecret {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Record<string, unknown>;
  return (
    (s.kind === 'password' || s.kind === 'temporary-access-pass') &&
    typeof s.label === 'string' &&
    s.label.length > 0 &&
    s.label.length <= MAX_LABEL_LENGTH &&
    typeof s.value === 'string' &&
    s.value.length > 0 &&
    s.value.length <= MAX_VALUE_LENGTH &&
    (s.expiresAt === undefined ||
      (typeof s.expiresAt === 'string' && !Number.isNaN(Date.parse(s.expiresAt)))) &&
    (s.usableOnce === undefined || typeof s.usableOnce === 'boolean')
  );
}

/** The secrets to store (a bare string is one temporary password), or null when any is out of bounds. */
export function normaliseSecrets(given: unknown): LinkSecret[] | null {
  const list =
    typeof given === 'string' ? [{ kind: 'password', label: PASSWORD_LABEL, value: given }] : given;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_SECRETS) return null;
  if (!list.every(isLinkSecret)) return null;
  return list.map((s: LinkSecret) => ({
    kind: s.kind,
    label: s.label,
    value: s.value,
    ...(s.expiresAt !== undefined ? { expiresAt: s.expiresAt } : {}),
    ...(s.usableOnce !== undefined ? { usableOnce: s.usableOnce } : {}),
  }));
}

/** The plaintext of format 2. The caller's buffer is zeroed by the cipher once encrypted. */
export function encodeSecrets(secrets: readonly LinkSecret[]): Buffer {
  return Buffer.from(JSON.stringify(secrets), 'utf8');
}

/** The secrets of a decrypted plaintext of format `v`, or null when it does not hold a valid list. */
export function decodeSecrets(v: string, plain: Buffer): LinkSecret[] | null {
  const text = plain.toString('utf8');
  if (v === '1') return normaliseSecrets(text);
  try {
    return normaliseSecrets(JSON.parse(text));
  } catch {
    return null;
  }
}
