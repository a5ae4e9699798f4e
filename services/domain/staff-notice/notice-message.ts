import { escapeHtml } from '../html-escape.js';
import type { NotificationAddresses, NotificationMessage } from '../ports.js';

/**
 * The notice a staff member gets after their password or MFA was reset (NIST SP 800-63B: the subscriber is
 * told when an authenticator is reset). It says what was reset, when, at whose request and by which MSP, and
 * offers a one-time "this wasn't me" link. Contract: built from non-secret facts only; no password, no pass
 * and no secure link can reach it, because none is ever an input.
 */
export interface StaffNoticeFacts {
  staffName: string;
  staffSignInName: string;
  passwordReset: boolean;
  mfaReset: boolean;
  resetAt: Date;
  /** The requester's name as on the ticket. */
  requesterName?: string;
  mspName: string;
  /** The one-time "this wasn't me" link and when it stops working. */
  disavowUrl: string;
  disavowExpiresAt: Date;
}

/** Recipients one notice may have (the mail sender refuses more). */
export const MAX_NOTICE_RECIPIENTS = 10;

/**
 * Whom the notice goes to: the independent addresses, never one of the reset mailboxes (the account's own
 * mail and UPN: whoever holds the account reads those), at most `MAX_NOTICE_RECIPIENTS`. Compared
 * case-insensitively. The directory already leaves such addresses out; this is the domain's own check.
 */
export function noticeRecipients(
  addresses: NotificationAddresses,
  resetMailboxes: readonly string[],
): string[] {
  const own = new Set(resetMailboxes.map((a) => a.trim().toLowerCase()));
  const seen = new Set<string>();
  const chosen: string[] = [];
  for (const address of addresses.independent) {
    const key = address.trim().toLowerCase();
    if (!key || own.has(key) || seen.has(key)) continue;
    seen.add(key);
    chosen.push(address.trim());
  }
  return chosen.slice(0, MAX_NOTICE_RECIPIENTS);
}

/** "password", "MFA (multi-factor authentication) sign-in methods" or both. */
export function whatWasReset(facts: Pick<StaffNoticeFacts, 'passwordReset' | 'mfaReset'>): string {
  const mfa = 'MFA (multi-factor authentication) sign-in methods';
  if (facts.passwordReset && facts.mfaReset) return `password and ${mfa}`;
  return facts.passwordReset ? 'password' : mfa;
}

function wasOrWere(facts: Pick<StaffNoticeFacts, 'passwordReset' | 'mfaReset'>): string {
  return facts.passwordReset && !facts.mfaReset ? 'was' : 'were';
}

/** "7 December 2026 at 07:12 UTC": a date nobody reads the wrong way round. */
export function noticeTime(date: Date): string {
  const months = [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ];
  const hh = String(date.getUTCHours()).padStart(2, '0');
  const mm = String(date.getUTCMinutes()).padStart(2, '0');
  return `${date.getUTCDate()} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} at ${hh}:${mm} UTC`;
}

/** One line of plain text: no control characters, bounded. */
function line(value: string, max = 200): string {
  return value
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .trim()
    .slice(0, max);
}

/** The paragraphs of the notice, as plain text; the HTML body is the same words. */
function paragraphs(facts: StaffNoticeFacts): {
  greeting: string;
  body: string[];
  action: string;
  after: string[];
} {
  const msp = line(facts.mspName);
  const who = facts.requesterName ? line(facts.requesterName) : undefined;
  const was = wasOrWere(facts);
  return {
    greeting: `Hello ${line(facts.staffName)},`,
    body: [
      `The ${whatWasReset(facts)} of your work account ${line(facts.staffSignInName)} ${was} reset by ${msp} on ${noticeTime(facts.resetAt)}, ${who ? `at the request of ${who}` : 'at a request made to our helpdesk'}.`,
      `If you expected this, there is nothing to do: ${who ?? 'the person who asked'} has the sign-in steps.`,
      'If you did not expect it, tell us straight away: open the link below and press "This wasn\'t me". Your account\'s open sign-in sessions will be ended and your IT team told.',
    ],
    action: facts.disavowUrl,
    after: [
      `The link works once, until ${noticeTime(facts.disavowExpiresAt)}.`,
      `This email holds no password, and ${msp} will never ask you for one by email.`,
      `You receive this at an address your organisation keeps on file for you besides your work mailbox. — ${msp}`,
    ],
  };
}

/** The notice, as plain text and as simple HTML (the mail sender sends the HTML, which carries the same words). */
export function staffNoticeMessage(to: string[], facts: StaffNoticeFacts): NotificationMessage {
  const p = paragraphs(facts);
  const subject = line(
    `${line(facts.mspName)}: the ${whatWasReset(facts)} of your work account ${wasOrWere(facts)} reset`,
    255,
  );
  const text = [
    p.greeting,
    '',
    ...p.body.flatMap((b) => [b, '']),
    `This wasn't me: ${p.action}`,
    '',
    ...p.after.flatMap((a) => [a, '']),
  ]
    .join('\n')
    .trimEnd();
  const html = [
    '<!doctype html><html lang="en"><body style="font-family: sans-serif; line-height: 1.5">',
    `<p>${escapeHtml(p.greeting)}</p>`,
    ...p.body.map((b) => `<p>${escapeHtml(b)}</p>`),
    `<p><a href="${escapeHtml(p.action)}" style="font-weight: bold">This wasn&#39;t me</a></p>`,
    ...p.after.map((a) => `<p>${escapeHtml(a)}</p>`),
    '</body></html>',
  ].join('\n');
  return { to, subject, text, html };
}
