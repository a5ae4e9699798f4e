import { noteMarker } from '../note-markers.js';
import { describeOutcome, nextStepFor, type OutcomeCode } from '../outcome-codes.js';
import type { DeliveredReset, SignInState, TicketActivity, TicketNote } from '../ports.js';
import type { Seen, SignInEvidence } from '../sign-in-evidence.js';
import { internalNote } from '../ticket-notes.js';

/**
 * The internal notes a watch writes. Plain text, nothing secret (the watch never holds a password, a pass or
 * a link). Each carries a marker distinct per ticket, reset and kind, so a retried check recognises its note.
 */

/** Each way a watch ends, with the letter its note's marker carries; also the outcome code it ends with. */
const LETTERS = {
  'back-in': 'B',
  'not-back-in': 'W',
  'watch-stopped': 'S',
  'watch-unreadable': 'U',
} as const satisfies Partial<Record<OutcomeCode, string>>;
export type WatchEnd = keyof typeof LETTERS;

export function watchMarker(reset: DeliveredReset, kind: WatchEnd): string {
  return noteMarker(LETTERS[kind], `${reset.psa}:${reset.ticketId}:${reset.resetAt}:${kind}`);
}

function resetWords(reset: DeliveredReset): string {
  const parts = [reset.passwordReset ? 'password' : '', reset.mfaRemoved ? 'MFA' : ''].filter(Boolean);
  const what = `${parts.join(' and ')} reset`;
  return reset.passIssued ? `${what} (with a Temporary Access Pass)` : what;
}

const SEEN_WORDS: Record<Seen, string> = { yes: 'seen', no: 'not seen yet', unknown: 'could not be read' };

/** One line per fact the watch looks at, each with what Graph said (or that it could not say). */
export function evidenceLines(reset: DeliveredReset, evidence: SignInEvidence, state: SignInState): string[] {
  const lines: string[] = [];
  if (reset.passwordReset) {
    const at = state.password.lastChangedAt ? ` (last change ${state.password.lastChangedAt})` : '';
    lines.push(`Own password set after the reset: ${SEEN_WORDS[evidence.passwordChanged]}${at}.`);
  }
  if (reset.mfaRemoved) {
    const kinds = evidence.newStrongMethods.length ? ` (${evidence.newStrongMethods.join(', ')})` : '';
    const unread = state.methods.state === 'read' ? '' : ` — ${state.methods.problem}`;
    lines.push(
      `Second factor registered again: ${SEEN_WORDS[evidence.strongMethodRegistered]}${kinds}${unread}.`,
    );
  }
  const signIn =
    state.signIn.state === 'read'
      ? state.signIn.lastSuccessfulAt
        ? ` (last successful sign-in ${state.signIn.lastSuccessfulAt}; sign-in activity may lag by hours)`
        : ' (sign-in activity may lag by hours)'
      : ` — ${state.signIn.problem}`;
  lines.push(`Successful sign-in after the reset: ${SEEN_WORDS[evidence.signedIn]}${signIn}.`);
  return lines;
}

function note(reset: DeliveredReset, kind: WatchEnd, body: string[]): TicketNote {
  const marker = watchMarker(reset, kind);
  const who = `${reset.target.displayName} <${reset.target.userPrincipalName}>`;
  return internalNote(
    [`resetdesk — after the ${resetWords(reset)} of ${who} at ${reset.resetAt}:`, '', ...body],
    marker,
  );
}

export function backInNote(reset: DeliveredReset, evidence: SignInEvidence, state: SignInState): TicketNote {
  return note(reset, 'back-in', [
    `The staff member is back in (checked ${state.readAt}).`,
    ...evidenceLines(reset, evidence, state).map((l) => `- ${l}`),
    '',
    'The ticket moves to its resolved status (where one is configured for this customer or PSA). Reopen it if the requester says otherwise.',
  ]);
}

export function notBackInNote(
  reset: DeliveredReset,
  evidence: SignInEvidence,
  state: SignInState,
  windowHours: number,
): TicketNote {
  return note(reset, 'not-back-in', [
    `Reason: not-back-in — ${describeOutcome('not-back-in')}`,
    `Watched for ${windowHours} hours; last checked ${state.readAt}.`,
    ...evidenceLines(reset, evidence, state).map((l) => `- ${l}`),
    '',
    `Next step: ${nextStepFor('not-back-in')}`,
  ]);
}

export function watchStoppedNote(reset: DeliveredReset, activity: TicketActivity): TicketNote {
  const reply = activity.replies[0];
  const why = reply
    ? `a reply or note by ${reply.author ?? `the ${reply.by === 'unknown' ? 'PSA user' : reply.by}`} at ${reply.at.toISOString()}`
    : `the ticket's status changed to ${activity.currentStatusId ?? 'another status'}`;
  return note(reset, 'watch-stopped', [
    `Stopped watching for the staff member to be back in: ${why}.`,
    'resetdesk will not resolve or hand off this ticket on its own; it stays where it is.',
  ]);
}

export function watchUnreadableNote(reset: DeliveredReset, problem: string): TicketNote {
  return note(reset, 'watch-unreadable', [
    `Reason: watch-unreadable — ${describeOutcome('watch-unreadable')}`,
    `Graph answered: ${problem}`,
    '',
    `Next step: ${nextStepFor('watch-unreadable')}`,
  ]);
}
