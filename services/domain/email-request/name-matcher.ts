/**
 * Finds the people a sentence names among the candidates (the people the requester may ask for), never
 * by guessing from capital letters: display names, given names and surnames, case-insensitively, with
 * accents and typographic apostrophes folded, small typos forgiven, "Surname, Given", middle initials,
 * nicknames with the surname, and addresses equal to a candidate's UPN or mail. A name that fits several
 * candidates is narrowed by a department or job title next to it ("Sarah in accounts", "Tom (our MD)").
 */
import type { CandidatePerson } from './email-reading.js';
import {
  COMMON_WORD_NAMES,
  DEPARTMENT_SYNONYMS,
  NOT_A_NAME,
  NOT_STAFF_BEFORE,
  PERSONAL_DOMAINS,
} from './name-words.js';
import { entriesFor, typoLimit, type Entry, type PersonIndex } from './person-index.js';
import { addressesIn, blankAddresses, editDistance, fold, tokenize, type Token } from './text-tools.js';

export interface Mention {
  start: number;
  end: number;
  /** Candidates the words fit (one when clear); empty for the requester. */
  people: CandidatePerson[];
  self: boolean;
  how: string;
  /** Preceded by "not" ("not Tom but Tim"). */
  negated: boolean;
  /** Named as family, a customer or a supplier. */
  notStaff: boolean;
}

export interface SentencePeople {
  mentions: Mention[];
  /** Capitalised words in a target slot that fit no candidate ("reset the password for Dave"). */
  unknownNames: string[];
  /** Addresses in the sentence that are no candidate's and not a personal delivery address. */
  unknownAddresses: string[];
  /** Personal delivery addresses ("send it to her gmail"): never a target. */
  deliveryAddresses: string[];
}

/** Does text word `w` stand for name word `name`? Exact (0), a typo (1), or no (-1). */
function fits(w: string, name: string, index: PersonIndex): number {
  if (w === name) return 0;
  const limit = typoLimit(name);
  if (!limit || index.words.has(w) || NOT_A_NAME.has(w) || COMMON_WORD_NAMES.has(w)) return -1;
  return editDistance(w, name, limit) <= limit ? 1 : -1;
}

function seqAt(tokens: readonly Token[], i: number, seq: readonly string[], index: PersonIndex): number {
  let typos = 0;
  for (let k = 0; k < seq.length; k++) {
    const t = tokens[i + k];
    if (!t) return -1;
    const f = fits(t.key, seq[k] as string, index);
    if (f < 0) return -1;
    typos += f;
    if (k < seq.length - 1 && t.possessive) return -1;
  }
  return typos;
}

interface Hit {
  entry: Entry;
  length: number;
  typos: number;
  how: string;
}

/** Whether the text between two tokens is only a space (names are not read across punctuation). */
function joined(text: string, a: Token, b: Token | undefined): boolean {
  return !!b && /^\.?\s{1,3}$/.test(text.slice(a.end, b.start));
}

function hitsAt(
  text: string,
  tokens: readonly Token[],
  i: number,
  index: PersonIndex,
  initial: boolean,
): Hit[] {
  const hits: Hit[] = [];
  const t = tokens[i] as Token;
  const nextTok = tokens[i + 1];
  for (const e of entriesFor(t, index)) {
    // Given [middle] Surname, and the display name.
    for (const g of [...e.given, ...e.nick.map((n) => [n])]) {
      const gt = seqAt(tokens, i, g, index);
      if (gt < 0) continue;
      const isNick = !e.given.some((x) => x === g);
      const j = i + g.length;
      const mid = tokens[j];
      const afterMid = tokens[j + 1];
      const middle = mid && /^\p{L}\.?$/u.test(text.slice(mid.start, mid.end + 1).trim()) && afterMid ? 1 : 0;
      for (const s of e.surname) {
        for (const skip of middle ? [0, 1] : [0]) {
          const st = seqAt(tokens, j + skip, s, index);
          if (st < 0 || !joined(text, tokens[j + skip - 1] as Token, tokens[j + skip])) continue;
          if (gt + st > 2 || (gt && st && !(g[0]!.length >= 5 && s[0]!.length >= 5))) continue;
          hits.push({
            entry: e,
            length: g.length + skip + s.length,
            typos: gt + st,
            how: isNick ? 'nickname and surname' : 'full name',
          });
        }
      }
      if (!isNick && gt === 0 && g.length >= 1)
        hits.push({ entry: e, length: g.length, typos: 0, how: 'first name' });
      else if (!isNick && gt > 0 && g[0]!.length >= 6)
        hits.push({ entry: e, length: g.length, typos: gt, how: 'first name' });
    }
    for (const d of e.display) {
      const dt = seqAt(tokens, i, d, index);
      if (dt >= 0 && d.length >= 2 && dt <= 1)
        hits.push({ entry: e, length: d.length, typos: dt, how: 'display name' });
    }
    // Surname, Given
    for (const s of e.surname) {
      const st = seqAt(tokens, i, s, index);
      if (st < 0) continue;
      const last = tokens[i + s.length - 1] as Token;
      const after = tokens[i + s.length];
      if (after && /^\s*,\s*$/.test(text.slice(last.end, after.start))) {
        for (const g of e.given) {
          const gt = seqAt(tokens, i + s.length, g, index);
          if (gt >= 0 && gt + st <= 1)
            hits.push({ entry: e, length: s.length + g.length, typos: gt + st, how: 'surname, given name' });
        }
      }
      // A surname alone: written as a name (capitalised) or after Mr/Mrs/Ms/Dr.
      const prev = tokens[i - 1];
      const honorific = !!prev && /^(?:mr|mrs|ms|miss|dr|mx)$/.test(prev.key);
      // Lower case, a surname alone counts when it is no English word ("reset thompson's password").
      const plainSurname =
        st === 0 && s.join('').length >= 4 && !COMMON_WORD_NAMES.has(t.key) && !NOT_A_NAME.has(t.key);
      if (((t.capitalised || honorific) && (st === 0 || honorific)) || plainSurname)
        hits.push({
          entry: e,
          length: s.length,
          typos: st,
          how: honorific ? 'title and surname' : 'surname',
        });
    }
  }
  // A common English word is a name only when written as one ("Mark", not "mark it"), and not "Will you".
  return hits.filter((h) => {
    if (h.length > 1) return true;
    if (!COMMON_WORD_NAMES.has(t.key)) return true;
    if (!t.capitalised) return false;
    return !(
      initial &&
      joined(text, t, nextTok) &&
      /^(?:you|u|i|we|they|it|he|she|someone|somebody|anyone|the|this|that|as|sure|be)$/.test(
        (nextTok as Token).key,
      )
    );
  });
}

function narrowByContext(text: string, end: number, start: number, people: Entry[]): Entry[] {
  const around = fold(`${text.slice(Math.max(0, start - 40), start)} ${text.slice(end, end + 60)}`);
  const words = new Set(
    around
      .split(/[^a-z0-9]+/)
      .flatMap((w) => [w, ...(DEPARTMENT_SYNONYMS[w] ?? [])])
      .filter(
        (w) => w.length > 1 && !['in', 'at', 'of', 'the', 'our', 'from', 'on', 'is', 'and'].includes(w),
      ),
  );
  for (const field of ['department', 'title'] as const) {
    const fitting = people.filter((e) => [...e[field]()].some((w) => words.has(w)));
    if (fitting.length === 1) return fitting;
  }
  // "Sarah L." or "Sarah L": the surname's initial.
  const initial = /^\s+(\p{L})\.?(?:\s|$|[,;:!?])/u.exec(text.slice(end, end + 4));
  if (initial?.[1]) {
    const letter = fold(initial[1]);
    const byInitial = people.filter((e) => e.surname[0]?.[0]?.startsWith(letter));
    if (byInitial.length === 1) return byInitial;
  }
  return people;
}

const SLOT_BEFORE = /^(?:for|reset|unlock|resetting|user|colleague|staff|called|named|is)$/;
const SLOT_AFTER_POSSESSIVE =
  /^(?:password|passwords|mfa|2fa|account|login|authenticator|phone|sign-?in|details)$/;
const SLOT_VERB = /^(?:is|has|can't|cannot|cant|needs|got|lost|forgot|keeps|isn't|hasn't|was)$/;

/** The people a sentence names; with `names` false, only its addresses are read (a cheap pass). */
export function findPeople(sentence: string, index: PersonIndex, names = true): SentencePeople {
  const result: SentencePeople = {
    mentions: [],
    unknownNames: [],
    unknownAddresses: [],
    deliveryAddresses: [],
  };
  for (const a of addressesIn(sentence)) {
    const entry = index.addresses.get(a.address);
    if (entry) {
      result.mentions.push({
        start: a.start,
        end: a.end,
        people: entry.self ? [] : [entry.person],
        self: entry.self,
        how: 'address',
        negated: false,
        notStaff: false,
      });
    } else if (
      PERSONAL_DOMAINS.test(a.address) ||
      /\b(?:send|email|mail|forward|text)\b[^.]{0,40}\bto\b[^.]{0,20}$|\b(?:personal|private|home)\b[^.]{0,20}$/i.test(
        sentence.slice(0, a.start),
      )
    ) {
      result.deliveryAddresses.push(a.address);
    } else if (
      !/^(?:no-?reply|do-?not-?reply|help|helpdesk|support|servicedesk|it|admin|postmaster)@/.test(a.address)
    ) {
      result.unknownAddresses.push(a.address);
    }
  }
  if (!names) return result;
  const text = blankAddresses(sentence);
  const tokens = tokenize(text);
  const folded = fold(text);
  for (let i = 0; i < tokens.length;) {
    const t = tokens[i] as Token;
    const initial =
      i === 0 ||
      (/[.!?:]\s*$/.test(text.slice(0, t.start)) &&
        !/\b(?:mr|mrs|ms|dr|mx)\.\s*$/i.test(text.slice(0, t.start)));
    const hits = hitsAt(text, tokens, i, index, initial);
    if (!hits.length) {
      i++;
      continue;
    }
    const longest = Math.max(...hits.map((h) => h.length));
    let best = hits.filter((h) => h.length === longest);
    const fewest = Math.min(...best.map((h) => h.typos));
    best = best.filter((h) => h.typos === fewest);
    const end = (tokens[i + longest - 1] as Token).end;
    let entries = [...new Set(best.map((h) => h.entry))];
    const selfHit = entries.some((e) => e.self);
    entries = entries.filter((e) => !e.self);
    if (entries.length > 1) entries = narrowByContext(text, end, t.start, entries);
    const before = folded.slice(Math.max(0, t.start - 40), t.start);
    result.mentions.push({
      start: t.start,
      end,
      people: entries.map((e) => e.person),
      self: selfHit && entries.length === 0,
      how: `${best[0]?.how ?? 'name'}${fewest ? ' (with a typo)' : ''}`,
      negated: /\bnot (?:for )?$|\bnot [a-z]+'s $|\b(?:instead of|rather than)(?: for)? $/.test(before),
      notStaff: NOT_STAFF_BEFORE.test(before.split(/[.,;]/).pop() ?? ''),
    });
    i += longest;
  }
  // Capitalised words in a target slot that fit no one: a name that is not in the list.
  const covered = (tok: Token) => result.mentions.some((m) => tok.start >= m.start && tok.end <= m.end);
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] as Token;
    if (
      covered(tok) ||
      !tok.capitalised ||
      NOT_A_NAME.has(tok.key) ||
      NOT_A_NAME.has(tok.lower) ||
      tok.key.length < 2
    )
      continue;
    if (/^(?:i|you|we|they|he|she|it|that|there|who|what)'/.test(tok.lower)) continue;
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    const slot =
      (prev &&
        SLOT_BEFORE.test(prev.key) &&
        !(prev.key === 'is' && i > 2) &&
        /^\s{1,3}$/.test(text.slice(prev.end, tok.start))) ||
      (tok.possessive && next && SLOT_AFTER_POSSESSIVE.test(next.key)) ||
      (i === 0 && next && SLOT_VERB.test(next.lower));
    if (slot) result.unknownNames.push(tok.raw.slice(0, 40));
  }
  return result;
}

/** "Name (Department)" for evidence. */
export function describe(person: CandidatePerson): string {
  return `${person.displayName}${person.department ? ` (${person.department})` : ''}`;
}
