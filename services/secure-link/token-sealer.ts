import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { TokenSealer } from '../domain/reset-use-case.js';

/**
 * Seals a secure-link token for the short time it sits in a job's data (between the reset and the delivery
 * note), so that a Redis dump alone never holds a usable link. AES-256-GCM under a key derived from the
 * server key for this purpose only; the sealed value is dropped from the job once the note is written.
 */
export function createTokenSealer(serverKey: Buffer): TokenSealer {
  const key = Buffer.from(hkdfSync('sha256', serverKey, Buffer.alloc(0), 'resetdesk job token seal v1', 32));
  return {
    seal(token: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
      return [
        'v1',
        iv.toString('base64url'),
        ct.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
      ].join('.');
    },
    open(sealed: string): string {
      const [version, iv, ct, tag] = sealed.split('.');
      if (version !== 'v1' || !iv || !ct || !tag) throw new Error('sealed token has an unknown format');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}
