import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deriveServerSubkey } from '../one-time-links/form-nonce.js';

/**
 * The console's cookies: a session (who signed in, until when, the CSRF token) and, during sign-in, the
 * OpenID Connect state, nonce and PKCE verifier. Both are sealed with AES-256-GCM under a key derived from
 * the secure-link server key (HKDF, this purpose only): the browser cannot read or change them, and nothing
 * is kept in Redis. Rotating the server key signs every operator out. A cookie that does not open (another
 * key, tampered, truncated) is no cookie.
 */

export const SESSION_COOKIE = 'resetdesk_console';
export const SIGN_IN_COOKIE = 'resetdesk_console_sign_in';

/** Who is signed in: the Entra object id and sign-in name of the operator, and until when. */
export interface ConsoleSession {
  oid: string;
  upn: string;
  name: string;
  /** Compared with the `_csrf` field of every POST. */
  csrf: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** The sign-in under way: checked on the callback, then dropped. */
export interface SignInState {
  state: string;
  nonce: string;
  verifier: string;
  /** Where to go after signing in: a path under the console, never another origin. */
  returnTo: string;
  expiresAt: number;
}

export interface CookieSealer {
  seal(purpose: 'session' | 'sign-in', value: object): string;
  /** The value, or undefined when the cookie does not open under this key and purpose. */
  open<T>(purpose: 'session' | 'sign-in', sealed: string | undefined): T | undefined;
}

export function createCookieSealer(serverKey: Buffer): CookieSealer {
  const key = deriveServerSubkey(serverKey, 'resetdesk console cookie v1');
  return {
    seal(purpose, value) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(purpose));
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open<T>(purpose: 'session' | 'sign-in', sealed: string | undefined): T | undefined {
      if (!sealed || sealed.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(sealed)) return undefined;
      const raw = Buffer.from(sealed, 'base64url');
      if (raw.length < 29) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAAD(Buffer.from(purpose));
        decipher.setAuthTag(raw.subarray(12, 28));
        const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
        return JSON.parse(plain.toString('utf8')) as T;
      } catch {
        return undefined;
      }
    },
  };
}

/** The cookies of a request header, by name (the first of a repeated name wins). */
export function readCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(at + 1).trim());
  }
  return cookies;
}

/** A Set-Cookie value: HttpOnly, Secure, SameSite=Lax, scoped to the console's path. */
export function cookieHeader(name: string, value: string, path: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=${path}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; Secure; SameSite=Lax`;
}

/** The session in a request's cookie when it opens and has not expired. */
export function sessionOf(
  sealer: CookieSealer,
  cookieHeaderValue: string | undefined,
  nowMs = Date.now(),
): ConsoleSession | undefined {
  const session = sealer.open<ConsoleSession>('session', readCookies(cookieHeaderValue).get(SESSION_COOKIE));
  if (!session || typeof session.oid !== 'string' || typeof session.csrf !== 'string') return undefined;
  if (!(typeof session.expiresAt === 'number' && session.expiresAt > nowMs)) return undefined;
  return session;
}
