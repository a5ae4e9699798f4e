import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PASSWORD_FORMAT,
  generateTemporaryPassword,
  meetsEntraComplexity,
  passwordEntropyBits,
  passwordFloorProblem,
  PASSWORD_SEPARATORS,
  TEMPORARY_PASSWORD_ENTROPY_BITS,
  type PasswordFormat,
} from '../../services/domain/temporary-password.js';
import { PASSWORD_WORDS } from '../../services/domain/password-words.js';

const classes = (pw: string) =>
  [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(pw)).length;

describe('generateTemporaryPassword', () => {
  it('10,000 draws all meet Entra complexity, are ASCII, >= 14 chars and hold all four classes', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const pw = generateTemporaryPassword();
      seen.add(pw);
      expect(meetsEntraComplexity(pw), pw).toBe(true);
      expect(pw.length).toBeGreaterThanOrEqual(14);
      expect(/^[\x21-\x7e]+$/.test(pw), pw).toBe(true); // printable ASCII, no space, no non-ASCII
      expect(classes(pw), pw).toBe(4);
    }
    // 10k draws from ~2^41 outcomes: a collision would mean a broken RNG or list.
    expect(seen.size).toBe(10_000);
  });

  it('has the documented shape: three capitalised list words, one repeated separator, a number 10-99', () => {
    const words = new Set(PASSWORD_WORDS);
    for (let i = 0; i < 2_000; i++) {
      const pw = generateTemporaryPassword();
      const sep = pw.charAt(pw.length - 3);
      expect(PASSWORD_SEPARATORS).toContain(sep);
      const parts = pw.split(sep);
      expect(parts).toHaveLength(4);
      const [a, b, c, n] = parts as [string, string, string, string];
      for (const w of [a, b, c]) {
        expect(w.charAt(0)).toMatch(/[A-Z]/);
        expect(words.has(w.toLowerCase()), w).toBe(true);
      }
      expect(Number(n)).toBeGreaterThanOrEqual(10);
      expect(Number(n)).toBeLessThanOrEqual(99);
    }
  });

  it('uses every separator and spreads words across the list (no stuck RNG)', () => {
    const seps = new Set<string>();
    const firstLetters = new Set<string>();
    for (let i = 0; i < 3_000; i++) {
      const pw = generateTemporaryPassword();
      seps.add(pw.charAt(pw.length - 3));
      firstLetters.add(pw.charAt(0));
    }
    expect(seps.size).toBe(PASSWORD_SEPARATORS.length);
    expect(firstLetters.size).toBeGreaterThan(18);
  });

  it('has at least ~40 bits of entropy (about 41 with the current list)', () => {
    expect(TEMPORARY_PASSWORD_ENTROPY_BITS).toBeGreaterThanOrEqual(40);
    expect(TEMPORARY_PASSWORD_ENTROPY_BITS).toBeCloseTo(
      3 * Math.log2(PASSWORD_WORDS.length) + Math.log2(PASSWORD_SEPARATORS.length) + Math.log2(90),
      6,
    );
  });
});

/** Splits a draw into its words, its separator (or ''), and its number (or ''), by the format it was drawn in. */
function partsOf(pw: string, format: PasswordFormat) {
  const number = format.digits > 0 ? pw.slice(pw.length - format.digits) : '';
  const rest = format.digits > 0 ? pw.slice(0, pw.length - format.digits) : pw;
  const words = rest.match(/[A-Z][a-z]+/g) ?? [];
  const separators = rest.replace(/[A-Za-z]/g, '');
  return { words, separators, number };
}

describe('generateTemporaryPassword with a format', () => {
  const formats: PasswordFormat[] = [
    { words: 3, separators: '-!#%+=?@', digits: 2 },
    { words: 4, separators: '.', digits: 0 },
    { words: 2, separators: '_~', digits: 4 },
    { words: 5, separators: '', digits: 1 },
    { words: 2, separators: ':^', digits: 5 },
    { words: 10, separators: '@', digits: 8 },
  ];

  it.each(formats)(
    'Every draw of %j is >= 14 chars, >= 3 classes, Entra-valid, and has exactly that shape',
    (format) => {
      const list = new Set(PASSWORD_WORDS);
      const seenSeparators = new Set<string>();
      for (let i = 0; i < 1_000; i++) {
        const pw = generateTemporaryPassword(format);
        expect(pw.length, pw).toBeGreaterThanOrEqual(14);
        expect(classes(pw), pw).toBeGreaterThanOrEqual(3);
        expect(meetsEntraComplexity(pw), pw).toBe(true);
        expect(/^[\x21-\x7e]+$/.test(pw), pw).toBe(true);

        const { words, separators, number } = partsOf(pw, format);
        expect(words, pw).toHaveLength(format.words);
        for (const w of words) expect(list.has(w.toLowerCase()), w).toBe(true);
        const joints = format.separators ? format.words + (format.digits > 0 ? 1 : 0) - 1 : 0;
        expect(separators, pw).toHaveLength(joints);
        // One separator per password, drawn from the format's set, repeated between every part.
        if (joints > 0) {
          expect(format.separators, pw).toContain(separators.charAt(0));
          expect(new Set(separators).size, pw).toBe(1);
          seenSeparators.add(separators.charAt(0));
        }
        expect(number, pw).toMatch(
          new RegExp(`^${format.digits > 0 ? `[1-9]\\d{${format.digits - 1}}` : ''}$`),
        );
      }
      if (format.separators && format.words + (format.digits > 0 ? 1 : 0) > 1) {
        expect(seenSeparators.size).toBe(format.separators.length);
      }
    },
  );

  it('The default format is the documented one: three words, the eight separators, two digits', () => {
    expect(DEFAULT_PASSWORD_FORMAT).toEqual({
      words: 3,
      separators: PASSWORD_SEPARATORS.join(''),
      digits: 2,
    });
    expect(passwordEntropyBits({ words: 4, separators: '.', digits: 0 })).toBeCloseTo(
      4 * Math.log2(PASSWORD_WORDS.length),
      6,
    );
  });

  it.each([
    [{ words: 2, separators: '-', digits: 2 }, /at least 14 characters/], // 4+1+4+1+2 = 12
    [{ words: 3, separators: '', digits: 0 }, /at least 14 characters of 3 classes/], // 2 classes
    [{ words: 1, separators: '-', digits: 0 }, /at least 14/], // a lone word has no joint
    [{ words: 3, separators: '-', digits: 9 }, /digits must be/],
    [{ words: 0, separators: '-', digits: 8 }, /words must be/],
    [{ words: 3, separators: '-$', digits: 2 }, /separators may only hold/],
    [{ words: 3, separators: '--', digits: 2 }, /twice/],
  ])('A format that cannot guarantee the floor is refused: %j', (format, why) => {
    expect(passwordFloorProblem(format)).toMatch(why);
    expect(() => generateTemporaryPassword(format)).toThrowError(/format refused/);
  });

  it('A format right on the floor is accepted: 14 characters of 3 classes at the shortest', () => {
    // 2 words (>= 8) + 2 separators + 4 digits = 14; upper, lower, digit, symbol.
    expect(passwordFloorProblem({ words: 2, separators: '-', digits: 4 })).toBeUndefined();
    // 3 words (>= 12) + no separator + 2 digits = 14; upper, lower, digit.
    expect(passwordFloorProblem({ words: 3, separators: '', digits: 2 })).toBeUndefined();
  });
});

describe('PASSWORD_WORDS', () => {
  it('holds 1,000+ unique, sorted, lower-case ASCII words of 4-7 letters, none starting with "i"', () => {
    expect(PASSWORD_WORDS.length).toBeGreaterThanOrEqual(1_000);
    expect(new Set(PASSWORD_WORDS).size).toBe(PASSWORD_WORDS.length);
    expect([...PASSWORD_WORDS].sort()).toEqual([...PASSWORD_WORDS]);
    for (const w of PASSWORD_WORDS) {
      expect(w, w).toMatch(/^[a-z]{4,7}$/);
      expect(w.startsWith('i'), w).toBe(false);
    }
  });

  it('avoids the obvious banned-password stems and US/UK spelling pairs', () => {
    const avoided = ['password', 'welcome', 'summer', 'winter', 'spring', 'autumn', 'dragon', 'monkey'];
    const variants = [
      'harbor',
      'harbour',
      'gray',
      'grey',
      'color',
      'colour',
      'cozy',
      'cosy',
      'center',
      'centre',
    ];
    for (const w of [...avoided, ...variants]) expect(PASSWORD_WORDS, w).not.toContain(w);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(PASSWORD_WORDS)).toBe(true);
  });
});

describe('meetsEntraComplexity', () => {
  it.each([
    ['Abcdefg1', true],
    ['abcdef1!', true],
    ['ABCDEF1!', true],
    ['Abcdefg!', true],
    ['Abc def 1', true],
    ['abcdefgh', false], // one class
    ['abcdefg1', false], // two classes
    ['Abc1!', false], // too short
    ['Aa1!' + 'x'.repeat(253), false], // 257 chars
    ['Aa1!' + 'x'.repeat(252), true], // 256 chars
    ['Pässword1!', false], // non-ASCII
    ['Password1€', false], // non-ASCII symbol
    ['Pass\tword1', false], // control character
    ['abc def gh1', false], // space does not count as a symbol: two classes
  ])('%j -> %s', (pw, ok) => {
    expect(meetsEntraComplexity(pw)).toBe(ok);
  });

  it('accepts every symbol Entra lists', () => {
    for (const s of '@#$%^&*-_!+=[]{}|\\:\',.?/`~"();<>')
      expect(meetsEntraComplexity(`abcdefG${s}`), s).toBe(true);
  });
});
