import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The secure link's encryption: AES-256-GCM with key = HKDF-SHA256(ikm = server key, salt = the token's key
 * part, info = "resetdesk secure-link v1"), a random 12-byte IV, and associated data binding the ciphertext
 * to its Redis key, its context and its expiry, so Redis tampering cannot re-point a link at another ticket.
 * Every derived key and plaintext buffer is zeroed once used.
 */

const HKDF_INFO = Buffer.from('resetdesk secure-link v1', 'utf8');

/** The stored, base64-encoded parts of an encrypted link. */
export interface SealedPayload {
  ct: string;
  iv: string;
  tag: string;
}

/** What binds a ciphertext to one link: its Redis name, its non-secret context and its expiry. */
export interface PayloadBinding {
  /** sha256(lookup id), hex. */
  idHash: string;
  contextJson: string;
  /** Epoch ms, as stored. */
  expiresAt: string;
}

function deriveKey(serverKey: Buffer, keyPart: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', serverKey, keyPart, HKDF_INFO, 32));
}

function aadFor(binding: PayloadBinding): Buffer {
  const { idHash, contextJson, expiresAt } = binding;
  return Buffer.from(`resetdesk-secure-link-v1\n${idHash}\n${contextJson}\n${expiresAt}`, 'utf8');
}

/** Encrypts `plain` (zeroed afterwards, as is the derived key). */
export function sealPayload(
  serverKey: Buffer,
  keyPart: Buffer,
  binding: PayloadBinding,
  plain: Buffer,
): SealedPayload {
  const iv = randomBytes(12);
  const key = deriveKey(serverKey, keyPart);
  try {
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    cipher.setAAD(aadFor(binding));
    const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
    return {
      ct: ct.toString('base64'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
  } finally {
    key.fill(0);
    plain.fill(0);
  }
}

/**
 * Decrypts a stored payload and hands the plaintext to `use` (the buffer is zeroed afterwards). Null when
 * the parts are malformed or authentication fails: the GCM tag check is what tells a wrong key part from the
 * right one.
 */
export function openPayload<T>(
  serverKey: Buffer,
  keyPart: Buffer,
  binding: PayloadBinding,
  sealed: SealedPayload,
  use: (plain: Buffer) => T | null,
): T | null {
  const ivBytes = Buffer.from(sealed.iv, 'base64');
  const tagBytes = Buffer.from(sealed.tag, 'base64');
  if (ivBytes.length !== 12 || tagBytes.length !== 16) return null;
  const key = deriveKey(serverKey, keyPart);
  let plain: Buffer | undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: 16 });
    decipher.setAAD(aadFor(binding));
    decipher.setAuthTag(tagBytes);
    plain = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]);
    return use(plain);
  } catch {
    return null;
  } finally {
    key.fill(0);
    plain?.fill(0);
  }
}
