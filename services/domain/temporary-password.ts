import { randomInt } from 'node:crypto';
import { PASSWORD_WORDS } from './password-words.js';

/**
 * Temporary passwords for a manager to read aloud to a staff member, who must change it at the next sign-in.
 *
 * Shape: `Word<s>Word<s>Word<s>NN`, for example `Maple#Rocket#Canyon#47`: three capitalised words drawn
 * independently from {@link PASSWORD_WORDS}, one separator symbol repeated between every part (so it is said
 * once: "hash"), and a two-digit number from 10 to 99 (no leading zero to drop when typing).
 *
 * Every draw holds all four character classes (upper, lower, digit, symbol), is pure ASCII and is at least
 * 4 + 1 + 4 + 1 + 4 + 1 + 2 = 17 characters long, so it always meets Entra's cloud password rules
 * (Entra password policy docs). Entra's banned-password list scores each banned term as one point plus one point
 * per other character and needs 5; even three banned-looking words leave the separators and digits above it.
 */

/**
 * Separators: a subset of the symbols Entra accepts, picked because each has a short unambiguous spoken name
 * and none is special in a URL path, a CSV cell or a shell word (no quotes, backslash, space, `&`, `$`, `;`).
 */
export const PASSWORD_SEPARATORS: readonly string[] = Object.freeze(['-', '!', '#', '%', '+', '=', '?', '@']);

const NUMBER_MIN = 10;
const NUMBER_MAX_EXCLUSIVE = 100;

/**
 * Entropy of one {@link generateTemporaryPassword} draw, in bits:
 * 3 × log2(words) + log2(8 separators) + log2(90 numbers). With the 1,460-word list this is about **41.0 bits**
 * (31.5 + 3 + 6.5). Enough for a secret that can only be guessed online against Entra's smart lockout, lives
 * for hours, and is replaced at first sign-in; not meant as a long-term password.
 */
export const TEMPORARY_PASSWORD_ENTROPY_BITS: number =
  3 * Math.log2(PASSWORD_WORDS.length) +
  Math.log2(PASSWORD_SEPARATORS.length) +
  Math.log2(NUMBER_MAX_EXCLUSIVE - NUMBER_MIN);

function pick<T>(items: readonly T[]): T {
  // randomInt draws from the CSPRNG without modulo bias.
  const item = items[randomInt(items.length)];
  if (item === undefined) throw new Error('empty list');
  return item;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * A fresh temporary password, about 41 bits of entropy (see {@link TEMPORARY_PASSWORD_ENTROPY_BITS}), e.g.
 * `Maple#Rocket#Canyon#47`. Uses only `crypto.randomInt`. Always satisfies {@link meetsEntraComplexity}; it
 * checks that before returning and throws otherwise (a broken word list must never yield a weak password).
 */
export function generateTemporaryPassword(): string {
  const separator = pick(PASSWORD_SEPARATORS);
  const words = [pick(PASSWORD_WORDS), pick(PASSWORD_WORDS), pick(PASSWORD_WORDS)].map(capitalise);
  const number = String(randomInt(NUMBER_MIN, NUMBER_MAX_EXCLUSIVE));
  const password = [...words, number].join(separator);
  if (!meetsEntraComplexity(password) || password.length < 14 || characterClassCount(password) < 4) {
    throw new Error('generated temporary password failed its own complexity check');
  }
  return password;
}

/** Symbols Entra ID accepts in a cloud password (Entra password policy docs), besides letters, digits and space. */
const ENTRA_SYMBOLS = new Set('@#$%^&*-_!+=[]{}|\\:\',.?/`~"();<>');

function characterClassCount(pw: string): number {
  let upper = 0;
  let lower = 0;
  let digit = 0;
  let symbol = 0;
  for (const ch of pw) {
    if (ch >= 'A' && ch <= 'Z') upper = 1;
    else if (ch >= 'a' && ch <= 'z') lower = 1;
    else if (ch >= '0' && ch <= '9') digit = 1;
    else if (ENTRA_SYMBOLS.has(ch)) symbol = 1;
  }
  return upper + lower + digit + symbol;
}

/**
 * True when Entra ID would accept `pw` under its complexity rules for cloud accounts: 8 to 256 characters,
 * only A–Z, a–z, 0–9, Entra's listed symbols and the blank space (no Unicode), and at least three of the four
 * classes upper, lower, digit, symbol. Conservative on one point: a blank space is allowed but not counted
 * as a symbol, since the documentation does not say it is one. The banned-password list is not checked here.
 */
export function meetsEntraComplexity(pw: string): boolean {
  // Length in UTF-16 units is fine: any non-ASCII character fails the character check below anyway.
  if (pw.length < 8 || pw.length > 256) return false;
  for (const ch of pw) {
    const allowed = /^[A-Za-z0-9 ]$/.test(ch) || ENTRA_SYMBOLS.has(ch);
    if (!allowed) return false;
  }
  return characterClassCount(pw) >= 3;
}
