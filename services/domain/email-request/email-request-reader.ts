/**
 * Reads a manager's email the way a careful engineer would: whose account, which resets, and whether the
 * email asks for a reset now at all. Names are grounded in the people the requester may ask for (the
 * candidates), never guessed from capital letters. Pure: no I/O, never throws, deterministic.
 *
 * The result decides whose account is reset, so every doubt ends in `unclear` or `not-a-request`:
 * - automatic replies, receipts, thanks, status chases, cancellations, future or conditional resets,
 *   other systems, turning MFA off, setting a chosen password, "I'll get back to you", how-to questions
 *   and a subject without a request in the body are `not-a-request`, by reason;
 * - a request names exactly one candidate (a correction takes the corrected name, "not X" drops X),
 *   or names them in an earlier sentence or the subject and refers back ("she is locked out");
 * - "and X too", "same for X" add a person: `several-people`;
 * - a forwarded plea is a request for its sender only when the writer approves it above the forward;
 * - a name that fits no candidate or several, the writer's own account, a group, family or a supplier
 *   are `unclear`.
 */
import {
  NOT_A_REQUEST_REASONS as NOT_REQUEST,
  UNCLEAR_REASONS as UNCLEAR,
  type CandidatePerson,
  type EmailInput,
  type EmailReading,
  type EmailRequester,
} from './email-reading.js';
import { readForward } from './forwarded-plea.js';
import { cleanMessage } from './message-cleaner.js';
import { describe } from './name-matcher.js';
import { buildIndex } from './person-index.js';
import { checkRequests, decide, notARequest, unclear } from './reading-outcome.js';
import {
  looksLikeAutoReply,
  looksLikeReceipt,
  readSentence,
  signalWords,
  type SentenceSignals,
} from './request-classifier.js';
import {
  isRequestSentence,
  people,
  sentence,
  sentencesNear,
  standingMentions,
  targetMentions,
  threadScopeTexts,
  type Sentence,
} from './target-finder.js';
import { readScope } from './scope-reader.js';
import { sentencesOf } from './text-tools.js';

export * from './email-reading.js';

/**
 * Reads one email. `candidates` are the people the requester may ask for (their reports down the manager
 * chain, or the whole tenant for an approver); `requester` is the sender, whose own account is never a
 * target. Never throws: a failure is `unclear` with reason `internal-error`.
 */
export function readEmailRequest(
  input: EmailInput,
  candidates: readonly CandidatePerson[],
  requester?: EmailRequester,
): EmailReading {
  try {
    const subject = typeof input?.subject === 'string' ? input.subject : '';
    const body = typeof input?.body === 'string' ? input.body : '';
    return read(subject, body, Array.isArray(candidates) ? candidates : [], requester ?? {});
  } catch {
    return unclear(UNCLEAR.internal, ['the email could not be read']);
  }
}

function read(
  subject: string,
  body: string,
  candidates: readonly CandidatePerson[],
  requester: EmailRequester,
): EmailReading {
  const cleaned = cleanMessage(subject, body);
  const evidence = [...cleaned.evidence];
  if (cleaned.subject.autoReply)
    return notARequest(NOT_REQUEST.autoReply, [
      `the subject starts "${cleaned.subject.autoReply.slice(0, 40)}"`,
    ]);
  if (cleaned.subject.receipt)
    return notARequest(NOT_REQUEST.receipt, [`the subject starts "${cleaned.subject.receipt.slice(0, 40)}"`]);
  const ownText = cleaned.own.join('\n');
  if (looksLikeReceipt(ownText.slice(0, 600)))
    return notARequest(NOT_REQUEST.receipt, [...evidence, 'the body is a delivery report or read receipt']);

  const index = buildIndex(candidates, requester);
  if (index.truncated) evidence.push('more candidates than can be read: only the first were');
  const own = sentencesNear(sentencesOf(cleaned.own), index);
  if (looksLikeAutoReply(ownText) && !own.some((s) => s.signals.explicitAsk))
    return notARequest(NOT_REQUEST.autoReply, [...evidence, 'the body is an automatic reply']);
  const subj = cleaned.subject.text ? sentence(cleaned.subject.text, index) : undefined;
  const fwd = cleaned.forwarded;

  if (!own.length) {
    if (fwd)
      return notARequest(NOT_REQUEST.forwardWithoutApproval, [
        ...evidence,
        'a forwarded message with no word from the writer',
      ]);
    if (subj?.signals.topic)
      return notARequest(NOT_REQUEST.subjectOnly, [
        ...evidence,
        'only the subject speaks of a reset; the body asks for nothing',
      ]);
    return notARequest(NOT_REQUEST.empty, [...evidence, 'no text to read']);
  }

  // Whole-message signals that stop everything, wherever they are.
  const find = (key: keyof SentenceSignals, list: readonly Sentence[] = own) =>
    list.find((s) => s.signals[key] === true);
  // "Hold off on Jess, but please go ahead with Greg": the hold is for the people before "but".
  for (const s of own.filter((x) => x.signals.pending)) {
    const but = /\bbut\b/.exec(s.folded);
    if (!but || !/\b(?:please|pls|go ahead|can you|could you|do|reset)\b/.test(s.folded.slice(but.index)))
      continue;
    if (!s.people.mentions.some((m) => m.start > but.index)) continue;
    s.people.mentions = s.people.mentions.map((m) => (m.start < but.index ? { ...m, negated: true } : m));
    s.signals = { ...s.signals, pending: false };
    evidence.push('a hold on one person, a request for another');
  }
  const pending = find('pending');
  if (pending)
    return notARequest(NOT_REQUEST.pending, [
      ...evidence,
      `the writer will confirm later: ${signalWords(pending.signals, 'pending')}`,
    ]);
  const disable = find('disableMfa');
  if (disable)
    return notARequest(NOT_REQUEST.disableMfa, [
      ...evidence,
      `asks to turn MFA off or on, not to reset it: ${signalWords(disable.signals, 'disableMfa')}`,
    ]);
  const leaver = find('leaver');
  if (leaver)
    return notARequest(NOT_REQUEST.leaver, [
      ...evidence,
      `the person has left, or the writer wants into their mailbox: ${signalWords(leaver.signals, 'leaver')}`,
    ]);
  const current = find('currentPassword');
  if (current)
    return notARequest(NOT_REQUEST.currentPassword, [
      ...evidence,
      'asks for a current password, which no one knows or sends',
    ]);
  // A proposed password may hold a "!" or "." that splits sentences: read the whole text for it too.
  const chosen = find('chosenPassword') ?? (readSentence(cleaned.own.join(' ')).chosenPassword || undefined);
  if (chosen)
    return notARequest(NOT_REQUEST.chosenPassword, [
      ...evidence,
      'asks for a password of the writer’s choosing (never set by the service)',
    ]);

  let requests = own.filter((s) => isRequestSentence(s, !!fwd));
  const anyAsk = own.some((s) => s.signals.explicitAsk || s.signals.refersToSubject || s.signals.approval);
  let subjectUsed = false;
  if (
    !requests.length &&
    !fwd &&
    subj?.signals.topic &&
    anyAsk &&
    !own.some((s) => s.signals.resolved || s.signals.chase || s.signals.cancel)
  ) {
    requests = [subj];
    subjectUsed = true;
    evidence.push('the body asks for what the subject says');
  }
  const writerNames = own.some((s) => targetMentions(s).some((m) => !m.self && !m.negated));
  if (fwd && (!requests.some((s) => s.signals.topic) || !writerNames))
    return readForward(own, fwd, index, evidence);
  if (!requests.length) {
    const why = (
      [
        ['cancel', NOT_REQUEST.cancelled, 'withdraws an earlier request'],
        ['resolved', NOT_REQUEST.thanks, 'thanks or word that it works'],
        ['chase', NOT_REQUEST.statusChase, 'asks about an earlier request'],
        ['howTo', NOT_REQUEST.howTo, 'asks how to do it'],
      ] as const
    ).find(([key]) => find(key));
    if (why)
      return notARequest(why[1], [
        ...evidence,
        `${why[2]}: ${signalWords(find(why[0])!.signals, why[0] as 'chase')}`,
      ]);
    const spoken = own.filter((s) => s.signals.topic);
    const said = spoken.length ? readScope(spoken.map((s) => s.signals.canonical)) : undefined;
    if (said?.kind === 'nothing')
      return notARequest(NOT_REQUEST.nothingToReset, [...evidence, said.evidence]);
    if (subj?.signals.topic)
      return notARequest(NOT_REQUEST.subjectOnly, [
        ...evidence,
        'only the subject speaks of a reset; the body asks for nothing',
      ]);
    return notARequest(NOT_REQUEST.noResetAsked, [...evidence, 'no request for a password or MFA reset']);
  }

  const blocking = checkRequests(requests, own, evidence);
  if (blocking) return blocking;

  // Who.
  const orderedForCorrections = own.filter(
    (s) => requests.includes(s) || s.signals.correction || s.signals.cancel,
  );
  const standing = standingMentions(subjectUsed ? [subj as Sentence] : orderedForCorrections, evidence);
  if (standing.cancelledAll && !standing.mentions.length)
    return notARequest(NOT_REQUEST.cancelled, [...evidence, 'withdraws an earlier request']);
  let mentions = standing.mentions;
  const requestPeople = requests.map((s) => s.people);
  const unknownNames = requestPeople.flatMap((p) => p.unknownNames);
  // An address that is no candidate's contradicts a name anywhere in the writer's words ("her email is …").
  const unknownAddresses = [...new Set([...own, ...requests].flatMap((s) => s.people.unknownAddresses))];
  for (const a of requestPeople.flatMap((p) => p.deliveryAddresses))
    evidence.push(
      `ignored the delivery address ${a.replace(/^(.).*@/, '$1…@')}: the link only ever goes to the requester`,
    );

  if (!mentions.length) {
    const refersBack =
      requests.some((s) => s.signals.pronoun) || !requests.some((s) => s.signals.unnamedPerson);
    if (!refersBack)
      return unclear(UNCLEAR.noPerson, [
        ...evidence,
        'the person is described, not named ("the new starter")',
      ]);
    const contextSentences = own.filter(
      (s) => !requests.includes(s) && !s.signals.chase && !s.signals.resolved && targetMentions(s).length,
    );
    const context = [
      ...contextSentences.flatMap(targetMentions),
      ...(subj && !subjectUsed ? targetMentions(subj) : []),
    ].filter((m) => !m.negated && !m.self);
    const later = contextSentences.find((s) => s.signals.future);
    if (later)
      return notARequest(NOT_REQUEST.futureDate, [
        ...evidence,
        `the reset is wanted later: ${signalWords(later.signals, 'future') || signalWords(later.signals, 'futureWeak')}`,
      ]);
    if (context.length) {
      mentions = context;
      evidence.push('the person is named in another sentence or the subject');
    }
  } else if (subj && !subjectUsed && !cleaned.subject.reply && !cleaned.subject.forward) {
    const inSubject = people(targetMentions(subj).filter((m) => !m.negated && !m.self));
    const named = people(mentions);
    // A subject person the body speaks of without asking ("Ewan is fine") is no conflict.
    const spokenOf = people(own.flatMap((s) => s.people.mentions));
    const other = inSubject.find(
      (p) => !named.some((n) => n.id === p.id) && !spokenOf.some((n) => n.id === p.id),
    );
    if (other && !requests.some((s) => s.signals.addition))
      return unclear(UNCLEAR.ambiguousReference, [
        ...evidence,
        `the subject names ${describe(other)}, the body someone else`,
      ]);
  }

  const thread = threadScopeTexts(fwd ? fwd.lines : cleaned.quoted, index, people(mentions));
  return decide(mentions, requests, own, subj, thread, { unknownNames, unknownAddresses }, evidence);
}
