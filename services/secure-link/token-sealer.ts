import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { TokenSealer } from '../domain/reset/reset-deps.js';
import { createKeyRing } from '../one-time-links/key-ring.js';

/**
 * Seals a secure-link token for the short time it sits in a job's data (between the reset and the delivery
 * note), so that a Redis dump alone never holds a usable link. AES-256-GCM under a key derived from the
 * server key for this purpose only; the sealed value is dropped from the job once the note is written.
 *
 * Format `v2.<key id>.<iv>.<ciphertext>.<tag>`: the key id names the ring's server key it was sealed under
 * (see one-time-links/key-ring.ts), so a job queued before a key rotation still opens after it, as long as
 * the old key stays in the ring. `v1.<iv>.<ciphertext>.<tag>` (sealed before the ring existed) is tried with
 * every key of the ring.
 */
export function createTokenSealer(
  serverKey: Buffer,
  previousServerKeys: readonly Buffer[] = [],
): TokenSealer {
  const ring = createKeyRing(serverKey, previousServerKeys);
  const sealKeys = new Map(
    ring.keys.map((k) => [
      k.id,
      Buffer.from(hkdfSync('sha256', k.key, Buffer.alloc(0), 'resetdesk job token seal v1', 32)),
    ]),
  );
  const decrypt = (key: Buffer, iv: string, ct: string, tag: string): string => {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  };
  return {
    seal(token: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', sealKeys.get(ring.current.id)!, iv);
      const ct = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
      return [
        'v2',
        ring.current.id,
        iv.toString('base64url'),
        ct.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
      ].join('.');
    },
    open(sealed: string): string {
      const parts = sealed.split('.');
      if (parts[0] === 'v2' && parts.length === 5 && parts.every(Boolean)) {
        const [, kid, iv, ct, tag] = parts as [string, string, string, string, string];
        const key = sealKeys.get(kid);
        if (!key) throw new Error('sealed token was sealed under a server key that is no longer in the ring');
        return decrypt(key, iv, ct, tag);
      }
      if (parts[0] === 'v1' && parts.length === 4 && parts.every(Boolean)) {
        const [, iv, ct, tag] = parts as [string, string, string, string];
        for (const key of sealKeys.values()) {
          try {
            return decrypt(key, iv, ct, tag);
          } catch {
            // Another key of the ring may have sealed it.
          }
        }
        throw new Error('sealed token opens under no server key of the ring');
      }
      throw new Error('sealed token has an unknown format');
    },
  };
}
