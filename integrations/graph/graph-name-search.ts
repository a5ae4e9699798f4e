import type { DirectoryUser } from '../../services/domain/ports.js';
import { MAX_TOP, type GraphTransport } from './graph-transport.js';
import { SEARCH_SELECT, usersOf } from './graph-users.js';
import { odataString, queryString } from './odata.js';

/** The user properties a typed name is matched against (each supports `startsWith` without advanced queries). */
const NAME_FIELDS = ['displayName', 'givenName', 'surname', 'userPrincipalName', 'mail'] as const;
/** Longest name text searched for; Graph refuses `startsWith` values over 120 characters. */
export const MAX_NAME_SEARCH_LENGTH = 100;
/**
 * Words sent to Graph in one name search. Entra refuses a filter whose tree is higher than 3 (`and` → `or` →
 * `startsWith` is 3) or an `or` with more than 15 children; 4 words of 5 fields stay well inside both. Further
 * words are applied to the returned users here, with the same rule.
 */
export const MAX_NAME_SEARCH_WORDS = 4;

/**
 * Users matching a partial name typed on a form ("jo smi"): every word must be the start of the display name,
 * given name, surname, UPN or mail. One `GET /users?$filter=…&$select=…&$top=limit`, with `startsWith` (which
 * Entra supports on these five properties without advanced queries) rather than `$search`: the result is read
 * from the consistent store instead of the eventually-consistent index, the escaping is OData's ('' inside a
 * literal, done by `odataString`) rather than `$search`'s own quoting rules, and the match is prefix-only and
 * the same on every property, which the simulator can check strictly.
 *
 * Refused without a call (returns [], so the caller hands off): empty text, text over
 * `MAX_NAME_SEARCH_LENGTH` characters, text with control characters, more than `MAX_NAME_SEARCH_WORDS`
 * different words, and a limit below 1.
 */
export async function searchUsersByName(
  graph: GraphTransport,
  text: string,
  limit: number,
): Promise<DirectoryUser[]> {
  const words = nameSearchWords(text);
  const top = Math.min(Math.floor(limit), MAX_TOP);
  if (!words || !(top >= 1)) return [];
  const operation = 'search users by name';
  const result = await graph.call({
    operation,
    method: 'GET',
    path: `/users${queryString({ $filter: nameFilter(words), $select: SEARCH_SELECT, $top: String(top) })}`,
  });
  return usersOf(graph.okValues(result, operation));
}

/** Control characters (C0, DEL, C1) and the Unicode line/paragraph separators: never part of a typed name. */
const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029]/u;

/**
 * The distinct words (case-insensitively) of a typed name, or undefined when the text is refused: empty after
 * trimming, longer than `MAX_NAME_SEARCH_LENGTH`, holding a control character, or of more than
 * `MAX_NAME_SEARCH_WORDS` words.
 */
export function nameSearchWords(text: string): string[] | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > MAX_NAME_SEARCH_LENGTH || CONTROL_CHARACTERS.test(trimmed)) {
    return undefined;
  }
  const words: string[] = [];
  const seen = new Set<string>();
  for (const word of trimmed.split(/\s+/u)) {
    const key = word.toLowerCase();
    if (word === '' || seen.has(key)) continue;
    seen.add(key);
    words.push(word);
  }
  return words.length === 0 || words.length > MAX_NAME_SEARCH_WORDS ? undefined : words;
}

/**
 * The `$filter` for a name search: per word, `startsWith` on each name field joined by `or`; the words joined
 * by `and`. Every word goes through `odataString`, so a quote in a name stays inside its literal.
 */
export function nameFilter(words: readonly string[]): string {
  const groups = words.map((word) =>
    NAME_FIELDS.map((field) => `startswith(${field},${odataString(word)})`).join(' or '),
  );
  return groups.length === 1 ? groups[0]! : groups.map((g) => `(${g})`).join(' and ');
}
