/**
 * Turns the request sentences and the people they name into the reading: the reasons that make them no
 * request now, the checks on who (the writer, family, a name that fits several people, a name not in the
 * list, a group), and the scope.
 */
import {
  NOT_A_REQUEST_REASONS as NOT_REQUEST,
  UNCLEAR_REASONS as UNCLEAR,
  type CandidatePerson,
  type EmailReading,
  type NotARequestReason,
  type UnclearReason,
} from './email-reading.js';
import { describe, type Mention } from './name-matcher.js';
import { signalWords } from './request-classifier.js';
import { readScope, type ScopeReading } from './scope-reader.js';
import { people, targetMentions, type Sentence } from './target-finder.js';

export const MAX_EVIDENCE = 12;

export const MAX_EVIDENCE_CHARS = 180;

export function evidenceOf(lines: readonly string[]): string[] {
  return [...new Set(lines.filter(Boolean))]
    .slice(0, MAX_EVIDENCE)
    .map((l) => l.slice(0, MAX_EVIDENCE_CHARS));
}

export const notARequest = (reason: NotARequestReason, evidence: string[]): EmailReading => ({
  kind: 'not-a-request',
  reason,
  evidence: evidenceOf(evidence),
});

export const unclear = (reason: UnclearReason, evidence: string[]): EmailReading => ({
  kind: 'unclear',
  reason,
  evidence: evidenceOf(evidence),
});

/**
 * "Thanks for fixing Will's yesterday. Today it's Michael – locked out": a chase or a thanks that names
 * someone does not stop a request about other people. A chase that names no one ("any update? Tom is
 * still locked out") still does.
 */
function namesSomeoneElse(about: Sentence, requests: readonly Sentence[]): boolean {
  const there = people(targetMentions(about));
  if (!there.length) return false;
  const asked = people(requests.filter((s) => s !== about).flatMap(targetMentions));
  return asked.length > 0 && asked.every((p) => !there.some((t) => t.id === p.id));
}

/** Reasons in the request sentences that make them no request now. */
export function checkRequests(
  requests: readonly Sentence[],
  own: readonly Sentence[],
  evidence: string[],
): EmailReading | undefined {
  const self = requests.find((s) => s.signals.selfStrong);
  if (self)
    return unclear(UNCLEAR.selfRequest, [
      ...evidence,
      `the writer asks for their own account: ${signalWords(self.signals, 'selfStrong')}`,
    ]);
  const future = requests.find((s) => s.signals.future);
  if (future)
    return notARequest(NOT_REQUEST.futureDate, [
      ...evidence,
      `the reset is wanted later: ${signalWords(future.signals, 'future') || signalWords(future.signals, 'futureWeak')}`,
    ]);
  const conditional = requests.find((s) => s.signals.conditional);
  if (conditional)
    return notARequest(NOT_REQUEST.conditional, [
      ...evidence,
      'the reset is wanted only if something happens ("if …")',
    ]);
  const topical = requests.filter((s) => s.signals.topic);
  const other = topical.find((s) => s.signals.otherSystem);
  if (other)
    return notARequest(NOT_REQUEST.otherSystem, [
      ...evidence,
      `speaks of another system's sign-in: ${signalWords(other.signals, 'otherSystem')}`,
    ]);
  const chase = own.find((s) => s.signals.chase);
  if (chase && !requests.some((s) => s.signals.addition) && !namesSomeoneElse(chase, requests))
    return notARequest(NOT_REQUEST.statusChase, [
      ...evidence,
      `asks about an earlier request: ${signalWords(chase.signals, 'chase')}`,
    ]);
  const resolved = own.find((s) => s.signals.resolved);
  if (
    resolved &&
    !requests.some((s) => s.signals.addition || s.signals.explicitAsk) &&
    !namesSomeoneElse(resolved, requests)
  )
    return notARequest(NOT_REQUEST.thanks, [
      ...evidence,
      `thanks or word that it works: ${signalWords(resolved.signals, 'resolved')}`,
    ]);
  const how = own.find((s) => s.signals.howTo);
  if (how && !requests.some((s) => s.signals.explicitAsk))
    return notARequest(NOT_REQUEST.howTo, [
      ...evidence,
      `asks how to do it: ${signalWords(how.signals, 'howTo')}`,
    ]);
  return undefined;
}

export function decide(
  mentions: readonly Mention[],
  requests: readonly Sentence[],
  own: readonly Sentence[],
  subj: Sentence | undefined,
  thread: readonly string[],
  unknown: { unknownNames: string[]; unknownAddresses: string[] },
  evidence: string[],
): EmailReading {
  const self = requests.find((s) => s.signals.selfStrong);
  if (self || mentions.some((m) => m.self))
    return unclear(UNCLEAR.selfRequest, [
      ...evidence,
      `the writer asks for their own account${self ? `: ${signalWords(self.signals, 'selfStrong')}` : ''}`,
    ]);
  const notStaff = mentions.filter((m) => m.notStaff);
  const staff = mentions.filter((m) => !m.notStaff);
  if (notStaff.length && !staff.length)
    return unclear(UNCLEAR.notStaff, [
      ...evidence,
      'the person is named as family, a customer or a supplier',
    ]);
  const ambiguous = staff.find((m) => m.people.length > 1);
  if (ambiguous)
    return unclear(UNCLEAR.ambiguousName, [
      ...evidence,
      `the name fits ${ambiguous.people.length} people: ${ambiguous.people.slice(0, 4).map(describe).join(', ')}`,
    ]);
  if (unknown.unknownNames.length || unknown.unknownAddresses.length)
    return unclear(UNCLEAR.notInList, [
      ...evidence,
      `named but not among the people the requester may ask for: ${[
        ...unknown.unknownNames,
        ...unknown.unknownAddresses,
      ]
        .slice(0, 3)
        .map((n) => `"${n}"`)
        .join(', ')}`,
    ]);
  const targets = people(staff);
  const group = requests.find((s) => s.signals.group);
  if (group && targets.length < 2)
    return unclear(UNCLEAR.group, [
      ...evidence,
      `asks about a group: ${signalWords(group.signals, 'group')}`,
    ]);
  if (!targets.length) {
    const weakSelf = requests.find((s) => s.signals.selfWeak);
    if (weakSelf)
      return unclear(UNCLEAR.selfRequest, [
        ...evidence,
        'the writer seems to ask for their own account ("for me")',
      ]);
    return unclear(UNCLEAR.noPerson, [...evidence, 'no one the requester may ask for is named']);
  }
  const who = staff.filter((m) => m.people.length === 1);
  for (const p of targets)
    evidence.push(`target: ${describe(p)}, by ${who.find((m) => m.people[0]?.id === p.id)?.how ?? 'name'}`);

  const scope = scopeOf(requests, own, subj, thread);
  if (scope.kind === 'conflict') return unclear(UNCLEAR.conflictingScope, [...evidence, scope.evidence]);
  if (scope.kind === 'nothing') return notARequest(NOT_REQUEST.nothingToReset, [...evidence, scope.evidence]);
  evidence.push(scope.evidence);
  if (targets.length > 1)
    return {
      kind: 'several-people',
      targets,
      resetPassword: scope.resetPassword,
      resetMfa: scope.resetMfa,
      evidence: evidenceOf(evidence),
    };
  return {
    kind: 'reset-request',
    target: targets[0] as CandidatePerson,
    resetPassword: scope.resetPassword,
    resetMfa: scope.resetMfa,
    evidence: evidenceOf(evidence),
  };
}

/**
 * The scope from the request sentences; when they say nothing, the subject, then the earlier message (the
 * forwarded or quoted one: it says what "go ahead", "same again" or "as below" refer to).
 */
export function scopeOf(
  requests: readonly Sentence[],
  own: readonly Sentence[],
  subj: Sentence | undefined,
  thread: readonly string[],
): ScopeReading {
  const texts = own
    .filter((s) => requests.includes(s) || s.signals.correction)
    .map((s) => s.signals.canonical);
  if (requests.includes(subj as Sentence)) texts.push((subj as Sentence).signals.canonical);
  const fromSubject = subj?.signals.topic ? [subj.signals.canonical] : undefined;
  return readScope(texts, fromSubject, thread.length ? thread : undefined);
}
