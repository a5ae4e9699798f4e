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
  type NotARequestReason,
  type UnclearReason,
} from './email-reading.js';
import { cleanMessage, type ForwardedMessage } from './message-cleaner.js';
import {
  buildIndex,
  describe,
  findPeople,
  type Mention,
  type PersonIndex,
  type SentencePeople,
} from './name-matcher.js';
import {
  canonicalise,
  looksLikeAutoReply,
  looksLikeReceipt,
  readSentence,
  signalWords,
  type SentenceSignals,
} from './request-classifier.js';
import { readScope, type ScopeReading } from './scope-reader.js';
import { fold, sentencesOf } from './text-tools.js';

export * from './email-reading.js';

const MAX_EVIDENCE = 12;
const MAX_EVIDENCE_CHARS = 180;

interface Sentence {
  text: string;
  folded: string;
  signals: SentenceSignals;
  people: SentencePeople;
}

function evidenceOf(lines: readonly string[]): string[] {
  return [...new Set(lines.filter(Boolean))]
    .slice(0, MAX_EVIDENCE)
    .map((l) => l.slice(0, MAX_EVIDENCE_CHARS));
}

const notARequest = (reason: NotARequestReason, evidence: string[]): EmailReading => ({
  kind: 'not-a-request',
  reason,
  evidence: evidenceOf(evidence),
});
const unclear = (reason: UnclearReason, evidence: string[]): EmailReading => ({
  kind: 'unclear',
  reason,
  evidence: evidenceOf(evidence),
});

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

function sentence(text: string, index: PersonIndex): Sentence {
  return { text, folded: fold(text), signals: readSentence(text), people: findPeople(text, index) };
}

/** Mentions that stand for a target: not in a greeting, not a messenger ("Tom asked me to …"). */
function targetMentions(s: Sentence): Mention[] {
  return s.people.mentions.filter((m) => {
    if (
      s.signals.greeting &&
      m.start < 25 &&
      /^\s*(?:[,!.:;\-–]|$)/.test(s.text.slice(m.end)) &&
      /^\W*(?:hi|hello|hey|dear|morning|good \w+|hiya|to)\W+$/i.test(s.text.slice(0, m.start))
    )
      return false;
    const after = fold(s.text.slice(m.end, m.end + 40));
    return !/^\s*(?:has |had |just )?(?:asked (?:me|us) to|told (?:me|us) to|suggested|recommended|wants me to|cc'?d|copied|approved|signed off|is cc)/.test(
      after,
    );
  });
}

function people(mentions: readonly Mention[]): CandidatePerson[] {
  const out = new Map<string, CandidatePerson>();
  for (const m of mentions)
    if (m.people.length === 1) out.set((m.people[0] as CandidatePerson).id, m.people[0] as CandidatePerson);
  return [...out.values()];
}

const ADDITION_AFTER = /\b(?:too|as well|also|same for|and)\b/;

/**
 * Applies corrections and cancellations in order: "for Tom – sorry, I mean Tim" keeps Tim; "ignore my last
 * email, it's Mark who needs it" keeps Mark; "not Tom" drops Tom. Returns the mentions that stand.
 */
function standingMentions(
  sentences: readonly Sentence[],
  evidence: string[],
): { mentions: Mention[]; cancelledAll: boolean } {
  let kept: Mention[] = [];
  let cancelledAll = false;
  for (const s of sentences) {
    const mentions = targetMentions(s);
    const marker =
      /\b(?:i mean|i meant|sorry,? (?:i mean|it'?s|it should be|should be|meant|wrong)|actually,? (?:it'?s|it is|i mean|it should be|i need|for)|correction|make that|scratch that|no wait|wait,? (?:no|it'?s)|my mistake|my bad|wrong (?:name|person)|it'?s (?:actually )?\S+ who|(?:please )?ignore (?:my|the|this|that) (?:previous |last |earlier |other )?(?:email|message|mail|request)|please ignore|disregard|not \S+(?: \S+)?,? but)\b/.exec(
        s.folded,
      );
    if (s.signals.correction || s.signals.cancel || marker) {
      const at = marker?.index ?? -1;
      const afterMarker = at >= 0 ? mentions.filter((m) => m.start >= at) : [];
      const tail = at >= 0 ? s.folded.slice(at) : '';
      const isAddition = ADDITION_AFTER.test(tail) && !/\bnot\b/.test(tail) && !s.signals.cancel;
      const resolvedAfter =
        s.signals.cancel &&
        /\b(?:found|remembered|sorted|managed|fixed|worked|no longer|not needed|fine now|back in)\b/.test(
          tail,
        );
      if (afterMarker.length && !isAddition && !resolvedAfter) {
        if (kept.length || mentions.some((m) => m.start < at))
          evidence.push(
            `a correction: ${signalWords(s.signals, 'correction') || `"${s.folded.slice(at, at + 30)}"`} replaces the name before it`,
          );
        kept = afterMarker.filter((m) => !m.negated);
        continue;
      }
      if (s.signals.cancel && (!afterMarker.length || resolvedAfter)) {
        kept = [];
        cancelledAll = true;
        continue;
      }
    }
    for (const m of mentions) {
      if (m.negated) {
        evidence.push('a name after "not" is not a target');
        continue;
      }
      kept.push(m);
    }
    if (mentions.length) cancelledAll = false;
  }
  return { mentions: kept, cancelledAll };
}

function isRequestSentence(s: Sentence, forwarded: boolean): boolean {
  const g = s.signals;
  const named = targetMentions(s).length > 0;
  if (g.howTo && !g.explicitAsk) return false;
  if (g.chase && !g.addition) return false;
  if (g.resolved && !g.explicitAsk && !(g.addition && named)) return false;
  if (g.topic) return true;
  if ((g.addition || g.correction || g.cancel) && named) return true;
  if (forwarded && g.approval) return true;
  return false;
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
  const own = sentencesOf(cleaned.own).map((t) => sentence(t, index));
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
      `asks to turn MFA off, not to reset it: ${signalWords(disable.signals, 'disableMfa')}`,
    ]);
  const chosen = find('chosenPassword');
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
  const unknownAddresses = requestPeople.flatMap((p) => p.unknownAddresses);
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
    const other = inSubject.find((p) => !named.some((n) => n.id === p.id));
    if (other && !requests.some((s) => s.signals.addition))
      return unclear(UNCLEAR.ambiguousReference, [
        ...evidence,
        `the subject names ${describe(other)}, the body someone else`,
      ]);
  }

  const thread = threadScopeTexts(fwd ? fwd.lines : cleaned.quoted, index, people(mentions));
  return decide(mentions, requests, own, subj, thread, { unknownNames, unknownAddresses }, evidence);
}

/** Reasons in the request sentences that make them no request now. */
function checkRequests(
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
  if (chase && !requests.some((s) => s.signals.addition))
    return notARequest(NOT_REQUEST.statusChase, [
      ...evidence,
      `asks about an earlier request: ${signalWords(chase.signals, 'chase')}`,
    ]);
  const resolved = own.find((s) => s.signals.resolved);
  if (resolved && !requests.some((s) => s.signals.addition || s.signals.explicitAsk))
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

function decide(
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
function scopeOf(
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

/**
 * The sentences of an earlier (forwarded or quoted) message that say what is wrong, for the scope only:
 * sentences about other people than `targets` are left out, and so are other systems. The words of an
 * earlier message never ask for anyone.
 */
function threadScopeTexts(
  lines: readonly string[],
  index: PersonIndex,
  targets: readonly CandidatePerson[],
): string[] {
  return sentencesOf(lines.slice(0, 200))
    .slice(0, 60)
    .map((t) => sentence(t, index))
    .filter(
      (s) =>
        s.signals.topic &&
        !s.signals.otherSystem &&
        s.people.mentions.every((m) => m.self || m.people.every((p) => targets.some((t) => t.id === p.id))),
    )
    .map((s) => s.signals.canonical);
}

/**
 * A forwarded message: a request only with the writer's own approval above it, and then for the
 * forwarded message's sender (when a candidate) or for the person the writer names. The staff member's
 * words never authorise anything; they may only say what is wrong.
 */
function readForward(
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
  for (const key of ['disableMfa', 'chosenPassword'] as const) {
    const hit = forwarded.find((s) => s.signals[key]);
    if (hit)
      return notARequest(key === 'disableMfa' ? NOT_REQUEST.disableMfa : NOT_REQUEST.chosenPassword, [
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
