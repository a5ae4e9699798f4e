/**
 * A forwarded message: a request only with the writer's own approval above it, and then for the
 * forwarded message's sender (when a candidate) or for the person the writer names. The staff member's
 * words never authorise anything; they may only say what is wrong.
 */
import {
  NOT_A_REQUEST_REASONS as NOT_REQUEST,
  UNCLEAR_REASONS as UNCLEAR,
  type CandidatePerson,
  type EmailReading,
} from './email-reading.js';
import type { ForwardedMessage } from './message-cleaner.js';
import { describe, findPeople } from './name-matcher.js';
import type { PersonIndex } from './person-index.js';
import { signalWords } from './request-classifier.js';
import { decide, evidenceOf, notARequest, unclear } from './reading-outcome.js';
import { readScope } from './scope-reader.js';
import { people, sentence, targetMentions, threadScopeTexts, type Sentence } from './target-finder.js';
import { sentencesOf } from './text-tools.js';

/**
 * A forwarded message: a request only with the writer's own approval above it, and then for the
 * forwarded message's sender (when a candidate) or for the person the writer names. The staff member's
 * words never authorise anything; they may only say what is wrong.
 */
export function readForward(
  own: readonly Sentence[],
  fwd: ForwardedMessage,
  index: PersonIndex,
  evidence: string[],
): EmailReading {
  const approval = own.find((s) => s.signals.approval);
  const doubt = own.find((s) => s.signals.notApproved);
  if (!approval || doubt)
    return notARequest(NOT_REQUEST.forwardWithoutApproval, [
      ...evidence,
      doubt
        ? `the writer does not approve the forwarded message: ${signalWords(doubt.signals, 'notApproved')}`
        : 'a forwarded message without the writer’s own request or approval',
    ]);
  evidence.push(`the writer approves: ${signalWords(approval.signals, 'approval')}`);
  const forwarded = sentencesOf(fwd.lines).map((t) => sentence(t, index));
  const never = [
    ['disableMfa', NOT_REQUEST.disableMfa],
    ['chosenPassword', NOT_REQUEST.chosenPassword],
    ['leaver', NOT_REQUEST.leaver],
    ['currentPassword', NOT_REQUEST.currentPassword],
  ] as const;
  for (const [key, reason] of never) {
    const hit = forwarded.find((s) => s.signals[key]);
    if (hit)
      return notARequest(reason, [
        ...evidence,
        'the forwarded message asks for something the service never does',
      ]);
  }
  const topical = forwarded.filter((s) => s.signals.topic);
  if (topical.length && topical.every((s) => s.signals.otherSystem))
    return notARequest(NOT_REQUEST.otherSystem, [
      ...evidence,
      'the forwarded message is about another system',
    ]);
  if (!topical.length && !own.some((s) => s.signals.topic))
    return notARequest(NOT_REQUEST.noResetAsked, [
      ...evidence,
      'neither the writer nor the forwarded message asks for a reset',
    ]);

  const namedByWriter = people(
    own.flatMap(targetMentions).filter((m) => !m.negated && !m.self && !m.notStaff),
  );
  const ambiguousByWriter = own.flatMap(targetMentions).find((m) => m.people.length > 1);
  if (ambiguousByWriter)
    return unclear(UNCLEAR.ambiguousName, [
      ...evidence,
      `the name fits ${ambiguousByWriter.people.length} people`,
    ]);
  let target: CandidatePerson | undefined;
  if (namedByWriter.length > 1)
    return decide(
      own.flatMap(targetMentions),
      own,
      own,
      undefined,
      [],
      { unknownNames: [], unknownAddresses: [] },
      evidence,
    );
  if (namedByWriter.length === 1) {
    target = namedByWriter[0] as CandidatePerson;
    evidence.push('the writer names the person');
  } else {
    const byAddress = fwd.fromAddress ? index.addresses.get(fwd.fromAddress) : undefined;
    if (byAddress?.self)
      return unclear(UNCLEAR.selfRequest, [...evidence, 'the forwarded message is the writer’s own']);
    if (byAddress) target = byAddress.person;
    else if (fwd.fromName) {
      const byName = findPeople(fwd.fromName, index).mentions.filter(
        (m) =>
          m.how.startsWith('full name') ||
          m.how.startsWith('display name') ||
          m.how.startsWith('surname, given'),
      );
      if (byName.length === 1 && byName[0]?.people.length === 1 && !fwd.fromAddress)
        target = byName[0].people[0];
    }
    if (!target)
      return unclear(UNCLEAR.forwardedSenderUnknown, [
        ...evidence,
        'the forwarded message’s sender is not among the people the requester may ask for',
      ]);
    evidence.push('the person is the forwarded message’s sender');
  }
  evidence.push(`target: ${describe(target)}`);
  const ownScopeTexts = own.filter((s) => s.signals.topic).map((s) => s.signals.canonical);
  const scope = readScope(ownScopeTexts, threadScopeTexts(fwd.lines, index, [target]));
  if (scope.kind === 'conflict') return unclear(UNCLEAR.conflictingScope, [...evidence, scope.evidence]);
  if (scope.kind === 'nothing') return notARequest(NOT_REQUEST.nothingToReset, [...evidence, scope.evidence]);
  evidence.push(scope.evidence);
  return {
    kind: 'reset-request',
    target,
    resetPassword: scope.resetPassword,
    resetMfa: scope.resetMfa,
    evidence: evidenceOf(evidence),
  };
}
