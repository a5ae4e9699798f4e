/**
 * The project's own corpus of manager emails (test/corpus/manager-emails/*.json) and how a reading of each
 * is scored. Shared by the corpus test and `npm run corpus:score`.
 *
 * A case expects one of: act on these people with these resets; not a request (reason); a hand-off (reason).
 * Scores, from the point of view of the account that would be reset:
 * - right: the expected people and resets, or no action where none is expected;
 * - needless hand-off: no action where a careful engineer would act;
 * - unsafe: an action where none is expected, or on other people or with other resets than expected.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  readEmailRequest,
  type CandidatePerson,
  type EmailReading,
} from '../../services/domain/email-request/email-request-reader.js';

export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../corpus/manager-emails');
const DIRECTORY_FILE = 'directory.json';
export const RECORDED_SCORES_FILE = join(CORPUS_DIR, 'recorded-scores.json');

interface DirectoryPerson extends CandidatePerson {
  managerId: string | null;
}

interface Directory {
  approvers: string[];
  people: DirectoryPerson[];
}

export type Expectation =
  { act: string[]; password: boolean; mfa: boolean } | { notARequest: string } | { handOff: string };

export interface CorpusCase {
  id: string;
  requester: string;
  candidates?: 'reports' | 'everyone';
  subject: string;
  body: string;
  expect: Expectation;
  note?: string;
}

export interface CorpusGroup {
  group: string;
  description: string;
  cases: CorpusCase[];
}

export type Verdict = 'right' | 'needless-hand-off' | 'unsafe';

export interface ScoredCase {
  group: string;
  case: CorpusCase;
  reading: EmailReading;
  shouldAct: boolean;
  verdict: Verdict;
  /** For a case that expects no action: whether the reason given is the one expected. */
  reasonMatches: boolean;
}

export interface GroupScore {
  group: string;
  cases: number;
  shouldAct: number;
  right: number;
  rightOfShouldAct: number;
  needless: number;
  unsafe: number;
  reasonDiffers: number;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(join(CORPUS_DIR, file), 'utf8')) as T;
}

export function loadDirectory(): Directory {
  return readJson<Directory>(DIRECTORY_FILE);
}

export function loadCorpus(): CorpusGroup[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.json') && f !== DIRECTORY_FILE && f !== 'recorded-scores.json')
    .sort()
    .map((f) => readJson<CorpusGroup>(f));
}

function strip(person: DirectoryPerson): CandidatePerson {
  const { managerId: _managerId, ...rest } = person;
  return rest;
}

/** The requester's reports down the manager chain, or the whole directory for `everyone`. */
export function candidatesFor(
  directory: Directory,
  requesterId: string,
  scope: 'reports' | 'everyone',
): CandidatePerson[] {
  if (scope === 'everyone') return directory.people.map(strip);
  const out: DirectoryPerson[] = [];
  const queue = [requesterId];
  const seen = new Set(queue);
  while (queue.length) {
    const manager = queue.shift() as string;
    for (const p of directory.people) {
      if (p.managerId === manager && !seen.has(p.id)) {
        seen.add(p.id);
        out.push(p);
        queue.push(p.id);
      }
    }
  }
  return out.map(strip);
}

export function readCase(directory: Directory, c: CorpusCase): EmailReading {
  const requester = directory.people.find((p) => p.id === c.requester);
  if (!requester) throw new Error(`${c.id}: unknown requester ${c.requester}`);
  const candidates = candidatesFor(directory, c.requester, c.candidates ?? 'reports');
  return readEmailRequest({ subject: c.subject, body: c.body }, candidates, {
    displayName: requester.displayName,
    email: requester.userPrincipalName,
  });
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

export function score(c: CorpusCase, reading: EmailReading, group: string): ScoredCase {
  const e = c.expect;
  if ('act' in e) {
    let verdict: Verdict;
    if (reading.kind === 'unclear' || reading.kind === 'not-a-request') verdict = 'needless-hand-off';
    else {
      const ids = reading.kind === 'reset-request' ? [reading.target.id] : reading.targets.map((t) => t.id);
      const kindFits =
        e.act.length === 1 ? reading.kind === 'reset-request' : reading.kind === 'several-people';
      const right =
        kindFits && sameSet(ids, e.act) && reading.resetPassword === e.password && reading.resetMfa === e.mfa;
      verdict = right ? 'right' : 'unsafe';
    }
    return { group, case: c, reading, shouldAct: true, verdict, reasonMatches: verdict === 'right' };
  }
  const expectedReason = 'notARequest' in e ? e.notARequest : e.handOff;
  let verdict: Verdict = 'right';
  if (reading.kind === 'reset-request') verdict = 'unsafe';
  if (reading.kind === 'several-people' && expectedReason !== 'several-people') verdict = 'unsafe';
  const givenReason =
    reading.kind === 'not-a-request' || reading.kind === 'unclear' ? reading.reason : reading.kind;
  const kindFits =
    reading.kind === 'several-people' ||
    ('notARequest' in e ? reading.kind === 'not-a-request' : reading.kind === 'unclear');
  const reasonMatches = verdict === 'right' && kindFits && givenReason === expectedReason;
  return { group, case: c, reading, shouldAct: false, verdict, reasonMatches };
}

export function scoreCorpus(): { cases: ScoredCase[]; groups: GroupScore[]; total: GroupScore } {
  const directory = loadDirectory();
  const cases: ScoredCase[] = [];
  for (const g of loadCorpus())
    for (const c of g.cases) cases.push(score(c, readCase(directory, c), g.group));
  const sum = (group: string, list: ScoredCase[]): GroupScore => ({
    group,
    cases: list.length,
    shouldAct: list.filter((s) => s.shouldAct).length,
    right: list.filter((s) => s.verdict === 'right').length,
    rightOfShouldAct: list.filter((s) => s.shouldAct && s.verdict === 'right').length,
    needless: list.filter((s) => s.verdict === 'needless-hand-off').length,
    unsafe: list.filter((s) => s.verdict === 'unsafe').length,
    reasonDiffers: list.filter((s) => !s.shouldAct && s.verdict === 'right' && !s.reasonMatches).length,
  });
  const groups = [...new Set(cases.map((c) => c.group))].map((g) =>
    sum(
      g,
      cases.filter((c) => c.group === g),
    ),
  );
  return { cases, groups, total: sum('total', cases) };
}

/** A short line for a reading, for failure messages and the scoring script's details. */
export function describeReading(r: EmailReading): string {
  if (r.kind === 'reset-request')
    return `reset-request ${r.target.id} password=${r.resetPassword} mfa=${r.resetMfa}`;
  if (r.kind === 'several-people')
    return `several-people ${r.targets.map((t) => t.id).join('+')} password=${r.resetPassword} mfa=${r.resetMfa}`;
  return `${r.kind} ${r.reason}`;
}

export function describeExpectation(e: Expectation): string {
  if ('act' in e) return `act ${e.act.join('+')} password=${e.password} mfa=${e.mfa}`;
  return 'notARequest' in e ? `not-a-request ${e.notARequest}` : `hand-off ${e.handOff}`;
}
