import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Form nonces of the one-time-link pages: `<issued at, base-36 seconds>.<base64url HMAC>`, the HMAC (under a
 * key derived from the server key for this purpose only) over a label, the link's non-secret reference and
 * the issue time. The POST must echo the nonce of a page served for the same link, which binds the POST to a
 * GET of that page; checking is constant-time. Nonces are issued under the current key and checked under
 * every key of the ring, so a page served just before a key rotation still posts.
 */

/** Clock skew tolerated between API processes for a nonce issued "in the future". */
const NONCE_SKEW_MS = 60_000;
const NONCE_PATTERN = /^([0-9a-z]{1,10})\.([A-Za-z0-9_-]{32})$/;

/** A 32-byte key derived from the server key with HKDF-SHA256 (empty salt) for one use named by `info`. */
export function deriveServerSubkey(serverKey: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', serverKey, Buffer.alloc(0), info, 32));
}

export interface FormNonces {
  /** A nonce for the link named `ref`, issued at `nowMs`. */
  issue(ref: string, nowMs: number): string;
  /** True when `nonce` was issued by `issue` for `ref` at most `maxAgeMs` ago. Constant-time. */
  check(ref: string, nonce: unknown, maxAgeMs: number, nowMs: number): boolean;
}

/** `nonceKeys`: the current key's nonce key first (nonces are issued under it), then older ones. */
export function createFormNonces(nonceKeys: Buffer | readonly Buffer[], label: string): FormNonces {
  const keys = Buffer.isBuffer(nonceKeys) ? [nonceKeys] : [...nonceKeys];
  if (keys.length === 0) throw new Error('form nonces need a key');
  const mac = (key: Buffer, ref: string, issuedAt: string) =>
    createHmac('sha256', key).update(`${label}\n${ref}\n${issuedAt}`).digest().subarray(0, 24);
  return {
    issue(ref, nowMs) {
      const issuedAt = Math.floor(nowMs / 1000).toString(36);
      return `${issuedAt}.${mac(keys[0]!, ref, issuedAt).toString('base64url')}`;
    },
    check(ref, nonce, maxAgeMs, nowMs) {
      if (typeof nonce !== 'string' || nonce.length > 64) return false;
      const match = NONCE_PATTERN.exec(nonce);
      if (!match) return false;
      const [, issuedAt = '', given64 = ''] = match;
      const issuedMs = parseInt(issuedAt, 36) * 1000;
      if (!Number.isFinite(issuedMs) || issuedMs > nowMs + NONCE_SKEW_MS || nowMs - issuedMs > maxAgeMs)
        return false;
      const given = Buffer.from(given64, 'base64url');
      let valid = false;
      for (const key of keys) {
        const expected = mac(key, ref, issuedAt);
        // Every key is tried, so the time taken does not tell which one matched.
        if (given.length === expected.length && timingSafeEqual(given, expected)) valid = true;
      }
      return valid;
    },
  };
}
