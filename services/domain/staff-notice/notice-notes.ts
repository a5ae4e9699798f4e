import { describeOutcome, nextStepFor } from '../outcome-codes.js';
import type { NotificationAddresses, TicketNote } from '../ports.js';
import { internalNote } from '../ticket-notes.js';
import { noticeTime, whatWasReset } from './notice-message.js';

/**
 * The ticket notes of the staff notice and of "this wasn't me". Plain text, no secret: never a link token,
 * a password or a pass (the notice's link is in the notice only).
 */

/** Why no independent notice could be sent. */
export type NoNoticeReason = 'disabled' | 'no-address' | 'addresses-unreadable';

/** The reason in the manager's words. */
export function noNoticeWhy(reason: NoNoticeReason, mspName: string): string {
  switch (reason) {
    case 'disabled':
      return `${mspName} does not send these notices yet`;
    case 'no-address':
      return 'their account has no personal email address on file besides their work mailbox (an administrator can add one as an alternate email address)';
    case 'addresses-unreadable':
      return 'their alternate email addresses could not be read from your directory';
  }
}

/**
 * Customer-visible: no independent notice reached the staff member, why, and what the manager can do. The
 * manager is the only other person who knows of the reset, so they are asked to tell the staff member by a
 * route that does not go through the account that was reset.
 */
export function noNoticeCustomerNote(input: {
  requesterName?: string;
  staffName: string;
  passwordReset: boolean;
  mfaReset: boolean;
  reason: NoNoticeReason;
  mspName: string;
  marker: string;
}): TicketNote {
  const lines = [
    `Hello${input.requesterName ? ` ${input.requesterName}` : ''},`,
    '',
    `We could not send ${input.staffName} an independent notice that the ${whatWasReset(input)} of their account was reset: ${noNoticeWhy(input.reason, input.mspName)}.`,
    'Please tell them yourself, in person or by phone rather than by email to their work mailbox, so that they can tell us at once if they did not expect it.',
    '',
    `${input.mspName} — Ref ${input.marker}`,
  ];
  return { text: lines.join('\n'), visibility: 'customer', marker: input.marker };
}

const EXCLUSION_WORDS: Record<NotificationAddresses['excluded'][number]['reason'], string> = {
  'own-address': "the account's own mail, sign-in name or alias",
  'same-domain': "on one of the account's own mail domains (may reach the same mailbox)",
  'not-an-address': 'not a plain email address',
  'aliases-unknown': "the account's aliases could not be read, so it may be the same mailbox",
};

/** Internal: why no notice was sent, with each alternate address left out and the reason. */
export function noNoticeInternalNote(input: {
  reason: NoNoticeReason;
  excluded: NotificationAddresses['excluded'];
  detail?: string;
  mspName: string;
  marker: string;
}): TicketNote {
  const lines = [
    `resetdesk sent no independent notice of this reset to the staff member: ${noNoticeWhy(input.reason, input.mspName)}. The requester was asked, in a customer-visible note, to tell them another way.`,
    ...(input.detail ? ['', `Detail: ${input.detail}`] : []),
    ...(input.excluded.length
      ? [
          '',
          'Alternate addresses left out:',
          ...input.excluded.map((e) => `- ${e.address}: ${EXCLUSION_WORDS[e.reason]}`),
        ]
      : []),
  ];
  return internalNote(lines, input.marker);
}

/** Internal: the mail service refused the notice for good; what to fix, and that nobody told the staff member. */
export function noticeRefusedInternalNote(input: { detail: string; marker: string }): TicketNote {
  const lines = [
    'resetdesk could not send the staff member the notice that their account was reset: the mail service refused it.',
    `Detail: ${input.detail}`,
    '',
    'Next step: fix the sender mailbox setup (README, "Mail from the MSP\'s tenant"), and tell the staff member of the reset by a route other than their work mailbox.',
  ];
  return internalNote(lines, input.marker);
}

/** What the disavow note reports; the same facts the use case returns. */
export interface DisavowNoteFacts {
  ref: string;
  reportedAt: Date;
  ip?: string;
  userAgent?: string;
  userId: string;
  tenantId: string;
  sessions: 'revoked' | 'failed' | 'not-attempted';
  signIn: 'blocked' | 'not-configured' | 'synced-user' | 'failed' | 'not-attempted';
  problems: string[];
  marker: string;
}

/** Internal: the staff member says they did not expect the reset: a possible account takeover. */
export function disavowNote(f: DisavowNoteFacts): TicketNote {
  const sessions = {
    revoked: 'Sign-in sessions revoked (every refresh token of the account is invalid now).',
    failed: 'Sign-in sessions NOT revoked: see "Problems".',
    'not-attempted': 'Sign-in sessions NOT revoked: the account could not be acted on (see "Problems").',
  }[f.sessions];
  const signIn = {
    blocked:
      'Sign-in blocked (accountEnabled = false), as the customer\'s setting "blockSignInOnDisavow" asks.',
    'not-configured':
      'Sign-in NOT blocked: the customer\'s setting "blockSignInOnDisavow" is off. The temporary password still works.',
    'synced-user':
      'Sign-in NOT blocked: the account is synchronised from on-premises AD, so it cannot be blocked in the cloud. Disable it in on-premises AD.',
    failed: 'Sign-in NOT blocked: see "Problems".',
    'not-attempted': 'Sign-in NOT blocked: the account could not be acted on (see "Problems").',
  }[f.signIn];
  const lines = [
    `POSSIBLE ACCOUNT TAKEOVER. Reason: staff-disavowed — ${describeOutcome('staff-disavowed')}`,
    '',
    `The staff member pressed "This wasn't me" in the notice of this reset on ${noticeTime(f.reportedAt)} (from ${f.ip ?? 'an unknown address'}${f.userAgent ? `, ${f.userAgent.slice(0, 160)}` : ''}; link ${f.ref.slice(0, 12)}).`,
    '',
    'Done:',
    `- ${sessions}`,
    `- ${signIn}`,
    ...(f.problems.length ? ['', 'Problems:', ...f.problems.map((p) => `- ${p}`)] : []),
    '',
    `Account: object id ${f.userId} in tenant ${f.tenantId}.`,
    '',
    `Next step: ${nextStepFor('staff-disavowed')}`,
  ];
  return internalNote(lines, f.marker);
}
