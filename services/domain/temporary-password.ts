import { randomInt } from 'node:crypto';
import { PASSWORD_WORDS } from './password-words.js';

/**
 * Temporary passwords for a manager to read aloud to a staff member, who must change it at the next sign-in.
 *
 * Shape (the default {@link PasswordFormat}): `Word<s>Word<s>Word<s>NN`, for example `Maple#Rocket#Canyon#47`:
 * capitalised words drawn independently from {@link PASSWORD_WORDS}, one separator symbol drawn from the
 * format's set and repeated between every part (so it is said once: "hash"), and a number of the format's
 * digit count with no leading zero (nothing to drop when typing). A customer may choose another format
 * (more words, other separators, more digits); the configuration refuses any format that cannot always meet
 * {@link PASSWORD_FLOOR} (see {@link passwordFloorProblem}).
 *
 * Every draw is pure ASCII and meets Entra's cloud password rules (Entra password policy docs). Entra's
 * banned-password list scores each banned term as one point plus one point per other character and needs 5;
 * even three banned-looking words leave the separators and digits above it.
 */

/** How a temporary password is drawn: the parts a manager reads out. */
export interface PasswordFormat {
  /** How many capitalised list words. */
  words: number;
  /** The separator symbols one is drawn from (per password); empty: the parts are joined with none. */
  separators: string;
  /** How many digits the trailing number has (no leading zero); 0: no number. */
  digits: number;
}

/**
 * The floor every temporary password meets, whatever the format: the strictest cloud-tenant policy the
 * service is deployed against asks for 14 characters and three of the four character classes.
 */
export const PASSWORD_FLOOR = Object.freeze({ minLength: 14, minClasses: 3 });

/**
 * Separators: a subset of the symbols Entra accepts, picked because each has a short unambiguous spoken name
 * and none is special in a URL path, a CSV cell or a shell word (no quotes, backslash, space, `&`, `$`, `;`).
 */
export const PASSWORD_SEPARATORS: readonly string[] = Object.freeze(['-', '!', '#', '%', '+', '=', '?', '@']);

/** Every symbol a format may use as a separator: {@link PASSWORD_SEPARATORS} and a few more of the same kind. */
export const PASSWORD_SEPARATOR_CHOICES: readonly string[] = Object.freeze([
  ...PASSWORD_SEPARATORS,
  '.',
  '_',
  '~',
  ':',
  '^',
]);

/** The bounds a format's counts must stay within (besides the floor). */
export const PASSWORD_FORMAT_LIMITS = Object.freeze({ words: [1, 10], digits: [0, 8] } as const);

export const DEFAULT_PASSWORD_FORMAT: Readonly<PasswordFormat> = Object.freeze({
  words: 3,
  separators: PASSWORD_SEPARATORS.join(''),
  digits: 2,
});

const SHORTEST_WORD = Math.min(...PASSWORD_WORDS.map((w) => w.length));

/** The parts of a password of this format, and how many separators join them. */
function partsOf(format: PasswordFormat): { parts: number; separators: number } {
  const parts = format.words + (format.digits > 0 ? 1 : 0);
  return { parts, separators: format.separators.length > 0 ? Math.max(parts - 1, 0) : 0 };
}

/**
 * What every password of the format is sure to have: its shortest length and the character classes of its
 * every draw (a capitalised word of 4+ letters gives upper and lower case, the number a digit, a separator
 * between two parts a symbol).
 */
export function passwordFormatGuarantees(format: PasswordFormat): { minLength: number; classes: number } {
  const { separators } = partsOf(format);
  return {
    minLength: format.words * SHORTEST_WORD + separators + format.digits,
    classes: (format.words > 0 ? 2 : 0) + (format.digits > 0 ? 1 : 0) + (separators > 0 ? 1 : 0),
  };
}

/**
 * Why the format cannot always meet {@link PASSWORD_FLOOR} or is not one the generator can draw, in words
 * for a configuration error; undefined when it is fine.
 */
export function passwordFloorProblem(format: PasswordFormat): string | undefined {
  const { words, digits, separators } = format;
  const [minWords, maxWords] = PASSWORD_FORMAT_LIMITS.words;
  const [minDigits, maxDigits] = PASSWORD_FORMAT_LIMITS.digits;
  if (!Number.isInteger(words) || words < minWords || words > maxWords) {
    return `words must be a whole number from ${minWords} to ${maxWords}`;
  }
  if (!Number.isInteger(digits) || digits < minDigits || digits > maxDigits) {
    return `digits must be a whole number from ${minDigits} to ${maxDigits}`;
  }
  const chars = [...separators];
  const unknown = chars.find((c) => !PASSWORD_SEPARATOR_CHOICES.includes(c));
  if (unknown !== undefined) {
    return `separators may only hold ${PASSWORD_SEPARATOR_CHOICES.join(' ')} (not ${JSON.stringify(unknown)})`;
  }
  if (new Set(chars).size !== chars.length) return 'separators lists a symbol twice';
  const sure = passwordFormatGuarantees(format);
  if (sure.minLength < PASSWORD_FLOOR.minLength || sure.classes < PASSWORD_FLOOR.minClasses) {
    return `${words} word(s), ${separators.length > 0 ? 'a separator' : 'no separator'} and ${digits} digit(s) can give ${sure.minLength} characters of ${sure.classes} character classes; every temporary password needs at least ${PASSWORD_FLOOR.minLength} characters of ${PASSWORD_FLOOR.minClasses} classes (upper, lower, digit, symbol): add words, digits or separators`;
  }
  return undefined;
}

/**
 * Entropy of one draw of the format, in bits: words × log2(list) + log2(separators) + log2(numbers). The
 * default format with the 1,460-word list gives about **41.0 bits** (31.5 + 3 + 6.5): enough for a secret
 * that can only be guessed online against Entra's smart lockout, lives for hours, and is replaced at first
 * sign-in; not meant as a long-term password.
 */
export function passwordEntropyBits(format: PasswordFormat): number {
  const { separators } = partsOf(format);
  const numbers = format.digits > 0 ? 9 * 10 ** (format.digits - 1) : 1;
  return (
    format.words * Math.log2(PASSWORD_WORDS.length) +
    (separators > 0 ? Math.log2(format.separators.length) : 0) +
    Math.log2(numbers)
  );
}

/** Entropy of one draw of the default format (see {@link passwordEntropyBits}). */
export const TEMPORARY_PASSWORD_ENTROPY_BITS: number = passwordEntropyBits(DEFAULT_PASSWORD_FORMAT);

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
 * A fresh temporary password of the format (default: about 41 bits, e.g. `Maple#Rocket#Canyon#47`). Uses
 * only `crypto.randomInt`. Always satisfies {@link meetsEntraComplexity} and {@link PASSWORD_FLOOR}; it checks
 * both before returning and throws otherwise (a broken list or format must never yield a weak password).
 */
export function generateTemporaryPassword(format: PasswordFormat = DEFAULT_PASSWORD_FORMAT): string {
  const problem = passwordFloorProblem(format);
  if (problem) throw new Error(`temporary password format refused: ${problem}`);
  const separator = format.separators.length > 0 ? pick([...format.separators]) : '';
  const parts = Array.from({ length: format.words }, () => capitalise(pick(PASSWORD_WORDS)));
  if (format.digits > 0) {
    parts.push(String(randomInt(10 ** (format.digits - 1), 10 ** format.digits)));
  }
  const password = parts.join(separator);
  if (
    !meetsEntraComplexity(password) ||
    password.length < PASSWORD_FLOOR.minLength ||
    characterClassCount(password) < PASSWORD_FLOOR.minClasses
  ) {
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
