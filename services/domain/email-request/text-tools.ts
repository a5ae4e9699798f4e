/**
 * Small text helpers shared by the email reader: folding for comparison, word tokens with positions,
 * sentences, and a bounded edit distance. All pure and linear in their input.
 */

const SPECIAL_LETTERS: Readonly<Record<string, string>> = {
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  þ: 'th',
  ı: 'i',
};

/** Typographic apostrophes and quotes, as typed by Outlook, Word and phones. */
export const APOSTROPHES = /[\u2018\u2019\u02bc\u00b4\u0060\u2032]/g;

/** Lower case, accents removed, typographic apostrophes made plain: for comparing, never for showing. */
export function fold(text: string): string {
  // Most names and emails are plain ASCII (the backtick aside, an apostrophe here): lower case is enough.
  if (/^[ -_a-~\s]*$/.test(text)) return text.toLowerCase();
  return text
    .replace(APOSTROPHES, "'")
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[øłđßæœþı]/g, (c) => SPECIAL_LETTERS[c] ?? c);
}

/** A name part folded for matching: apostrophes dropped ("O'Sullivan" = "osullivan"). */
export function foldName(text: string): string {
  return fold(text).replace(/'/g, '');
}

export interface Token {
  /** As written. */
  raw: string;
  /** Folded, possessive "'s" removed, apostrophes dropped. */
  key: string;
  /** Folded, apostrophes kept (for vocabulary such as "don't"). */
  lower: string;
  start: number;
  end: number;
  possessive: boolean;
  capitalised: boolean;
}

const TOKEN = /[\p{L}\p{N}][\p{L}\p{M}\p{N}'\u2019-]*/gu;

/** Word tokens of a sentence, with their offsets. Addresses are not tokens (see `addressesIn`). */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    let raw = m[0].replace(/['\u2019-]+$/, '');
    if (!raw) continue;
    const lower = fold(raw);
    let possessive = false;
    let base = lower;
    if (/'s$/.test(lower) && lower.length > 2) {
      possessive = true;
      base = lower.slice(0, -2);
    } else if (/s'$/.test(fold(m[0]))) {
      possessive = true;
    }
    raw = raw.slice(0, 200);
    out.push({
      raw,
      key: base.replace(/'/g, ''),
      lower,
      start: m.index ?? 0,
      end: (m.index ?? 0) + raw.length,
      possessive,
      capitalised: /^\p{Lu}/u.test(raw) && /\p{Ll}/u.test(raw),
    });
  }
  return out;
}

/** An address whose top-level domain is letters: "[cid:image001.png@01DB8E2A.5F3C1B20]" is no address. */
const ADDRESS =
  /(?<!cid:)\b[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}\b(?![.-]?[A-Za-z0-9])/g;

/** Email addresses in a sentence, lower-cased, with their offsets. */
export function addressesIn(text: string): Array<{ address: string; start: number; end: number }> {
  return [...text.matchAll(ADDRESS)].map((m) => ({
    address: m[0].replace(/^[._%+'-]+|\.+$/g, '').toLowerCase(),
    start: m.index ?? 0,
    end: (m.index ?? 0) + m[0].length,
  }));
}

/** Replaces addresses by spaces so that their parts are not read as names. */
export function blankAddresses(text: string): string {
  return text.replace(ADDRESS, (a) => ' '.repeat(a.length));
}

/**
 * Splits lines into sentences on . ! ? followed by a space, never after "Mr."/"Mrs."/an initial; each line
 * is a sentence boundary too (emails are written in lines).
 */
export function sentencesOf(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    let pending = '';
    for (const piece of line.split(/(?<=[.!?])\s+(?=\S)/)) {
      pending = pending ? `${pending} ${piece}` : piece;
      if (/\b(?:Mr|Mrs|Ms|Dr|Prof|St|e\.g|i\.e|etc|approx|pls|plz)\.$/i.test(pending)) continue;
      if (/(?:^|\s)\p{Lu}\.$/u.test(pending)) continue;
      if (pending.trim()) out.push(pending.trim());
      pending = '';
    }
    if (pending.trim()) out.push(pending.trim());
  }
  return out;
}

/** Three rolling rows, reused: the distance is computed for name-sized words only. */
const MAX_WORD = 64;
const ROWS = [new Int32Array(MAX_WORD + 1), new Int32Array(MAX_WORD + 1), new Int32Array(MAX_WORD + 1)];

/**
 * Damerau–Levenshtein distance (adjacent transpositions count once), or `limit + 1` as soon as it is
 * certain to exceed `limit`. Inputs are name-sized words; longer ones are never within the limit.
 */
export function editDistance(a: string, b: string, limit: number): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  if (a.length > MAX_WORD || b.length > MAX_WORD) return limit + 1;
  let before = ROWS[0] as Int32Array;
  let prev = ROWS[1] as Int32Array;
  let row = ROWS[2] as Int32Array;
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (
        i > 1 &&
        j > 1 &&
        a.charCodeAt(i - 1) === b.charCodeAt(j - 2) &&
        a.charCodeAt(i - 2) === b.charCodeAt(j - 1)
      )
        v = Math.min(v, (before[j - 2] as number) + 1);
      row[j] = v;
      if (v < best) best = v;
    }
    if (best > limit) return limit + 1;
    const spare = before;
    before = prev;
    prev = row;
    row = spare;
  }
  return Math.min(prev[b.length] as number, limit + 1);
}

/** The text of a regex match, trimmed and cut short, in quotes: for evidence, never the email at length. */
export function quoted(text: string, pattern: RegExp): string {
  const m = pattern.exec(text);
  return m ? `"${m[0].trim().replace(/\s+/g, ' ').slice(0, 40)}"` : '';
}
