/**
 * The candidates (the people the requester may ask for) indexed by the words of their names: given names
 * (and the first word of the display name), surnames, display names, nicknames of the given name, and
 * their addresses. The requester is in the index too, marked as such, so that their own name is never a
 * target. Built once per reading, in time linear in the number of candidates.
 */
import type { CandidatePerson, EmailRequester } from './email-reading.js';
import { COMMON_WORD_NAMES, NICKNAMES, NOT_A_NAME } from './name-words.js';
import { editDistance, fold, foldName, type Token } from './text-tools.js';

/** At most this many candidates are indexed; a longer list is cut (the caller is told in evidence). */
export const MAX_CANDIDATES = 20_000;

export interface Entry {
  person: CandidatePerson;
  self: boolean;
  given: string[][];
  surname: string[][];
  nick: string[];
  display: string[][];
  addresses: string[];
  /** Folded words of the department and of the job title, read only to tell apart people who share a name. */
  department: () => Set<string>;
  title: () => Set<string>;
}

export interface PersonIndex {
  entries: Entry[];
  /** Every name word of every entry: for typo matching and for "is this word a name here?". */
  words: Map<string, Entry[]>;
  nicknames: Map<string, Entry[]>;
  byLength: Map<number, string[]>;
  addresses: Map<string, Entry>;
  truncated: boolean;
  /** Name words within a typo of a written word, remembered per reading: emails repeat their words. */
  nearWords: Map<string, string[]>;
}

function parts(value: string | undefined): string[][] {
  if (!value) return [];
  const words = value
    .replace(/\([^)]*\)/g, ' ')
    .split(/\s+/)
    .map(foldName)
    .filter((w) => /\p{L}/u.test(w));
  if (!words.length) return [];
  const out = [words];
  const split = words.flatMap((w) => w.split('-')).filter(Boolean);
  if (split.length !== words.length) out.push(split);
  return out;
}

function namesOf(person: CandidatePerson): { given?: string; surname?: string; display: string } {
  const display = person.displayName.replace(/\([^)]*\)|\[[^\]]*\]/g, ' ').trim();
  const comma = /^([^,]+),\s*(.+)$/.exec(display);
  const displayOrdered = comma ? `${comma[2]} ${comma[1]}` : display;
  const words = displayOrdered.split(/\s+/).filter(Boolean);
  const given = person.givenName?.trim() || (words.length > 1 ? words[0] : undefined);
  const surname = person.surname?.trim() || (words.length > 1 ? words[words.length - 1] : undefined);
  return { ...(given ? { given } : {}), ...(surname ? { surname } : {}), display: displayOrdered };
}

function lazyWords(text: string | undefined): () => Set<string> {
  let words: Set<string> | undefined;
  return () =>
    (words ??= new Set(
      fold(text ?? '')
        .split(/[^a-z0-9]+/)
        .filter((w) => w.length > 1),
    ));
}

export function buildIndex(candidates: readonly CandidatePerson[], requester?: EmailRequester): PersonIndex {
  const requesterEmail = requester?.email?.trim().toLowerCase();
  const requesterName = requester?.displayName ? foldName(requester.displayName).replace(/\s+/g, ' ') : '';
  const entries: Entry[] = [];
  const list = candidates.slice(0, MAX_CANDIDATES);
  const make = (person: CandidatePerson, self: boolean): Entry => {
    const n = namesOf(person);
    const given = parts(n.given);
    const displayFirst = parts(n.display)[0];
    if (displayFirst && displayFirst.length > 1 && !given.some((g) => g[0] === displayFirst[0]))
      given.push([displayFirst[0] as string]);
    const formal = given[0]?.[0] ?? '';
    return {
      person,
      self,
      given,
      surname: parts(n.surname),
      nick: NICKNAMES[formal] ? [...NICKNAMES[formal]] : [],
      display: parts(n.display),
      addresses: [person.userPrincipalName, person.mail]
        .filter((a): a is string => typeof a === 'string' && a.includes('@'))
        .map((a) => a.trim().toLowerCase()),
      department: lazyWords(person.department),
      title: lazyWords(person.jobTitle),
    };
  };
  for (const person of list) {
    if (!person || typeof person.displayName !== 'string' || typeof person.userPrincipalName !== 'string')
      continue;
    const entry = make(person, false);
    const isSelf =
      (requesterEmail !== undefined && entry.addresses.includes(requesterEmail)) ||
      (!!requesterName && entry.display.some((d) => d.join(' ') === requesterName) && !requesterEmail);
    entry.self = isSelf;
    entries.push(entry);
  }
  if (requester?.displayName && !entries.some((e) => e.self)) {
    const pseudo = make(
      { id: '', displayName: requester.displayName, userPrincipalName: requesterEmail ?? '' },
      true,
    );
    if (pseudo.given.length || pseudo.surname.length) entries.push(pseudo);
  } else if (requesterEmail && !entries.some((e) => e.self)) {
    entries.push({
      ...make({ id: '', displayName: '', userPrincipalName: requesterEmail }, true),
      display: [],
    });
  }

  const words = new Map<string, Entry[]>();
  const nicknames = new Map<string, Entry[]>();
  const addresses = new Map<string, Entry>();
  const add = (map: Map<string, Entry[]>, w: string, e: Entry) => {
    const list = map.get(w);
    if (!list) map.set(w, [e]);
    else if (!list.includes(e)) list.push(e);
  };
  for (const e of entries) {
    for (const seq of [...e.given, ...e.surname, ...e.display]) for (const w of seq) add(words, w, e);
    for (const n of e.nick) add(nicknames, n, e);
    for (const a of e.addresses) addresses.set(a, e);
  }
  const byLength = new Map<number, string[]>();
  for (const w of words.keys()) {
    const l = byLength.get(w.length) ?? [];
    l.push(w);
    byLength.set(w.length, l);
  }
  return {
    entries,
    words,
    nicknames,
    byLength,
    addresses,
    truncated: candidates.length > MAX_CANDIDATES,
    nearWords: new Map(),
  };
}

/** How far a written word may be from a name word: none for short words, one typo, two for long ones. */
export function typoLimit(word: string): number {
  if (word.length >= 9) return 2;
  if (word.length >= 5) return 1;
  return 0;
}

/** The entries whose name words the token could stand for: exactly, as a nickname or with a typo. */
export function entriesFor(t: Token, index: PersonIndex): Entry[] {
  const found = new Set<Entry>([...(index.words.get(t.key) ?? []), ...(index.nicknames.get(t.key) ?? [])]);
  const w = t.key;
  if (
    !index.words.has(w) &&
    !NOT_A_NAME.has(w) &&
    !COMMON_WORD_NAMES.has(w) &&
    w.length >= 5 &&
    w.length <= 40
  ) {
    let near = index.nearWords.get(w);
    if (!near) {
      near = [];
      for (let len = w.length - 2; len <= w.length + 2; len++) {
        for (const name of index.byLength.get(len) ?? []) {
          const limit = typoLimit(name);
          if (limit && Math.abs(len - w.length) <= limit && editDistance(w, name, limit) <= limit)
            near.push(name);
        }
      }
      index.nearWords.set(w, near);
    }
    for (const name of near) for (const e of index.words.get(name) ?? []) found.add(e);
  }
  return [...found];
}
