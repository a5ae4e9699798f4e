import { describeOutcome, type OutcomeCode } from './outcome-codes.js';
import type { DirectoryUser, MfaMethodResult, RequestChannel, TicketNote } from './ports.js';

/** An internal note: `lines`, a blank line, then `Ref <marker>` (what a retried job looks for). */
export function internalNote(lines: readonly string[], marker: string): TicketNote {
  return { text: [...lines, '', `Ref ${marker}`].join('\n'), visibility: 'internal', marker };
}

/**
 * The words the service writes on tickets. Notes are plain text; adapters render them for their PSA.
 * Contract: nothing here ever receives a password; a delivery note carries only the secure link.
 */

export interface RequestSummary {
  requesterName?: string;
  requesterEmail?: string;
  channel: RequestChannel;
  targetLabel: string;
  resetPassword: boolean;
  resetMfa: boolean;
}

const SIGN_IN_STEPS = (mfaReset: boolean): string[] => [
  'User sign-in:',
  '1. Have the staff member go to https://outlook.office.com on a computer or phone.',
  '2. Enter their username and click Next; on the password screen enter the temporary password and click Sign In.',
  ...(mfaReset ? ['3. They will be asked to register for MFA again; follow the prompts.'] : []),
  `${mfaReset ? '4' : '3'}. They will be asked to choose a new password: enter the temporary password, then a new password twice, and click Sign In.`,
  'Hint: whole words or a phrase mixing upper-case, lower-case, numbers and symbols are easier to remember than random letters.',
];

const PASS_STEPS = [
  'Setting up MFA with the Temporary Access Pass:',
  '1. Have the staff member go to https://aka.ms/mysecurityinfo and enter their username (work email address).',
  '2. When asked, enter the Temporary Access Pass instead of a password and click Sign in.',
  '3. Click "Add sign-in method", choose Microsoft Authenticator (or another method offered) and follow the prompts.',
];

function asked(r: RequestSummary): string {
  const what = [r.resetPassword ? 'password reset' : '', r.resetMfa ? 'MFA reset' : '']
    .filter(Boolean)
    .join(' and ');
  return what || 'nothing (both options were No)';
}

function mfaLines(results: MfaMethodResult[] | undefined): string[] {
  if (!results) return [];
  if (results.length === 0) return ['- MFA: no MFA methods were registered; nothing to remove.'];
  return results.map(
    (m) =>
      `- MFA ${m.kind} (${m.id}): ${m.outcome}${m.outcome === 'failed' && m.detail ? ` — ${m.detail}` : ''}`,
  );
}

export function deliveryNote(input: {
  request: RequestSummary;
  target: DirectoryUser;
  linkUrl?: string;
  linkExpiresAt?: Date;
  maxViews: number;
  passwordReset: boolean;
  mfaRemoved: boolean;
  mfaIncomplete: boolean;
  sessionsRevoked: boolean;
  /** A Temporary Access Pass is behind the link, expiring then. */
  passExpiresAt?: Date;
  /** The tenant refused a pass and the reset went on: MFA registration is open. */
  passUnavailable?: boolean;
  mspName: string;
  /** Notices to staff members are off: the manager is asked to tell the staff member. */
  staffNoticesOff?: boolean;
  marker: string;
}): TicketNote {
  const { request, target } = input;
  const withPass = input.passExpiresAt !== undefined;
  const who = `${target.displayName} (${target.userPrincipalName})`;
  const lines: string[] = [`Hello${request.requesterName ? ` ${request.requesterName}` : ''},`, ''];
  const done: string[] = [];
  if (input.passwordReset)
    done.push('- A temporary password was set; it must be changed at the first sign-in.');
  if (input.mfaRemoved) {
    done.push(
      input.mfaIncomplete
        ? '- Most MFA methods were removed; an engineer will remove the rest.'
        : '- Every MFA method was removed; they will be asked to register MFA again.',
    );
  }
  if (withPass)
    done.push(
      `- A Temporary Access Pass was issued so they can set up MFA again; it expires on ${utcMinute(input.passExpiresAt!)} UTC.`,
    );
  if (input.passUnavailable)
    done.push(
      '- MFA registration is open: no Temporary Access Pass could be issued, so at their next sign-in they will be asked to set up MFA again.',
    );
  if (input.sessionsRevoked) done.push('- Existing sign-in sessions were ended.');
  lines.push(`The reset you asked for ${who} is done:`, ...done, '');
  const what = input.passwordReset
    ? withPass
      ? 'temporary password and the Temporary Access Pass'
      : 'temporary password'
    : 'Temporary Access Pass';
  if (input.linkUrl) {
    lines.push(
      `Get the ${what} here (secure link): ${input.linkUrl}`,
      `The link opens a page that is blank except for "Click Here to Proceed". Click or tap it, then click or tap the blurred text to see the ${what}.`,
      `The link can be opened ${input.maxViews === 1 ? 'once' : `${input.maxViews} times`} and expires ${input.linkExpiresAt ? `on ${utcMinute(input.linkExpiresAt)} UTC` : 'soon'}.`,
      '',
      `Warning: you are responsible for ensuring this ${input.passwordReset ? 'password' : 'pass'} is not given to the wrong person. If the staff member is not with you, be sure you are speaking to the right person before you give them any information.`,
      '',
      ...(withPass ? [...PASS_STEPS, ''] : []),
      ...(input.passwordReset ? [...SIGN_IN_STEPS(input.mfaRemoved && !withPass), ''] : []),
    );
  } else if (input.mfaRemoved) {
    lines.push(
      'The staff member can sign in with their existing password at https://outlook.office.com and will be prompted to register MFA again.',
      '',
    );
  }
  if (input.staffNoticesOff && (input.passwordReset || input.mfaRemoved)) {
    lines.push(
      `We could not send ${target.displayName} an independent notice of this reset: ${input.mspName} does not send these notices yet. Please tell them yourself, in person or by phone rather than by email to their work mailbox, so that they can tell us at once if they did not expect it.`,
      '',
    );
  }
  lines.push(
    'Once the staff member is signed in and able to work normally, please reply to this ticket to confirm. If something is still not right, reply with the details and an engineer will follow up.',
    '',
    `${input.mspName} — Ref ${input.marker}`,
  );
  return { text: lines.join('\n'), visibility: 'customer', marker: input.marker };
}

/** A short customer-visible note when part of the request went to an engineer (e.g. a synced user's password). */
export function partialHandOffCustomerNote(input: {
  request: RequestSummary;
  target: DirectoryUser;
  mfaRemoved: boolean;
  /** Some MFA methods could not be removed (an engineer finishes them). */
  mfaIncomplete?: boolean;
  mspName: string;
  marker: string;
}): TicketNote {
  const who = `${input.target.displayName} (${input.target.userPrincipalName})`;
  const lines = [
    `Hello${input.request.requesterName ? ` ${input.request.requesterName}` : ''},`,
    '',
    ...(input.mfaRemoved && input.mfaIncomplete
      ? [`Most MFA methods of ${who} were removed; an engineer will remove the rest.`]
      : input.mfaRemoved
        ? [
            `Every MFA method of ${who} was removed; they will be asked to register MFA again at their next sign-in.`,
          ]
        : []),
    `${who} also has a computer login tied to their name, so their password cannot be reset automatically. An engineer will follow up as soon as possible to help with the password.`,
    '',
    `${input.mspName} — Ref ${input.marker}`,
  ];
  return { text: lines.join('\n'), visibility: 'customer', marker: input.marker };
}

export interface HandOffFacts {
  reason: OutcomeCode;
  request: RequestSummary;
  target?: DirectoryUser;
  mfaResults?: MfaMethodResult[];
  /** The temporary password was set and its secure link reached the ticket. */
  passwordReset?: boolean;
  /** The temporary password was set, but its secure link never reached the ticket. */
  passwordUndelivered?: boolean;
  /** The service lost its record of what it changed: "Done" cannot be told (see `notDone`). */
  changesUnknown?: boolean;
  sessionsRevoked?: boolean;
  notDone: string[];
  facts: string[];
  nextStep: string;
  marker: string;
}

/** The internal hand-off packet: one screen that tells an engineer what was asked, done, not done and why. */
export function handOffNote(f: HandOffFacts): TicketNote {
  const r = f.request;
  const lines = [
    `resetdesk handed this ticket to an engineer. Reason: ${f.reason} — ${describeOutcome(f.reason)}`,
    '',
    `Asked: ${asked(r)} for "${r.targetLabel}" by ${r.requesterName ?? 'an unnamed contact'}${r.requesterEmail ? ` <${r.requesterEmail}>` : ''} via ${r.channel}.`,
    '',
    'Done:',
    ...(f.changesUnknown ? ['- Unknown: see "Not done".'] : []),
    ...(f.passwordReset
      ? [
          '- Password: temporary password set (must change at next sign-in); secure link sent to the contact on file.',
        ]
      : []),
    ...(f.passwordUndelivered
      ? [
          '- Password: temporary password set (must change at next sign-in); its secure link was NOT delivered.',
        ]
      : []),
    ...mfaLines(f.mfaResults),
    ...(f.sessionsRevoked ? ['- Sign-in sessions revoked.'] : []),
    ...(!f.changesUnknown && !f.passwordReset && !f.passwordUndelivered && !f.mfaResults && !f.sessionsRevoked
      ? ['- Nothing was changed in the tenant.']
      : []),
    '',
    'Not done:',
    ...(f.notDone.length ? f.notDone.map((n) => `- ${n}`) : ['- (nothing)']),
    '',
    'Facts used:',
    ...(f.target
      ? [
          `- Target: ${f.target.displayName} <${f.target.userPrincipalName}> (object id ${f.target.id}), account ${f.target.accountEnabled ? 'enabled' : 'disabled'}, onPremisesSyncEnabled=${f.target.onPremisesSyncEnabled}`,
        ]
      : []),
    ...(f.target?.onPremises
      ? [
          `- On-premises: onPremisesSamAccountName=${f.target.onPremises.samAccountName ?? 'unknown'}, domain=${f.target.onPremises.domainName ?? 'unknown'}, last sync=${f.target.onPremises.lastSyncDateTime ?? 'unknown'}${f.target.onPremises.distinguishedName ? `, DN=${f.target.onPremises.distinguishedName}` : ''}`,
        ]
      : []),
    ...f.facts.map((x) => `- ${x}`),
    '',
    `Next step: ${f.nextStep}`,
  ];
  return internalNote(lines, f.marker);
}

/** Who a customer-visible note answers and how it is signed and marked. */
export interface CustomerNoteAddress {
  request: RequestSummary;
  mspName: string;
  marker: string;
}

/** A short customer-visible note: greeting, body lines, the MSP's signature with the note's reference. */
function customerNote(address: CustomerNoteAddress, body: string[]): TicketNote {
  const { request, mspName, marker } = address;
  const lines = [
    `Hello${request.requesterName ? ` ${request.requesterName}` : ''},`,
    '',
    ...body,
    '',
    `${mspName} — Ref ${marker}`,
  ];
  return { text: lines.join('\n'), visibility: 'customer', marker };
}

/** A customer-visible question when the request cannot go on without the requester's answer. */
export function askRequesterNote(input: CustomerNoteAddress & { question: string }): TicketNote {
  return customerNote(input, [input.question, '', 'Nothing has been reset yet.']);
}

/** A customer-visible refusal, with where to go instead. */
export function refusalNote(input: CustomerNoteAddress & { message: string }): TicketNote {
  return customerNote(input, [input.message, '', 'Nothing has been reset.']);
}

/** The customer-visible note that carries the confirmation link of an email request. */
export function confirmationRequestNote(
  input: CustomerNoteAddress & { target: DirectoryUser; url: string; expiresAt: Date },
): TicketNote {
  const what =
    input.request.resetPassword && input.request.resetMfa
      ? 'the password and MFA'
      : input.request.resetPassword
        ? 'the password'
        : 'MFA';
  return customerNote(input, [
    `We received an email asking us to reset ${what} of ${input.target.displayName}.`,
    'To protect their account, please confirm that you sent it:',
    input.url,
    '',
    `The page asks "Did you ask for this?": choose "Yes, I asked for this" to go ahead, or "No, this wasn't me" if you did not send it. The link expires on ${utcMinute(input.expiresAt)} UTC.`,
    'Nothing will be reset until you confirm.',
  ]);
}

function utcMinute(date: Date): string {
  return date.toISOString().replace('T', ' ').slice(0, 16);
}

/** What a customer in dry run would have had done (see `dryRunNote`). */
export type DryRunConclusion =
  | { would: 'reset'; targetName: string; reasons: string; confirmationAskedOf?: string }
  | { would: 'ask'; code: OutcomeCode; question: string }
  | { would: 'hand-off'; code: OutcomeCode };

/**
 * The internal note of a customer in dry run: what resetdesk would have done and why, and that it changed
 * nothing. Never customer-visible: the customer must not see a run that did nothing.
 */
export function dryRunNote(input: {
  request: RequestSummary;
  conclusion: DryRunConclusion;
  target?: DirectoryUser;
  facts: string[];
  nextStep: string;
  marker: string;
}): TicketNote {
  const { request: r, conclusion: c } = input;
  const what = [r.resetPassword ? 'password' : '', r.resetMfa ? 'MFA' : ''].filter(Boolean).join(' and ');
  const headline =
    c.would === 'reset'
      ? `Dry run: would reset ${c.targetName}'s ${what} because ${c.reasons}.`
      : c.would === 'ask'
        ? `Dry run: would ask the requester because ${c.code} — ${describeOutcome(c.code)} The question would have been: "${c.question}"`
        : `Dry run: would hand off because ${c.code} — ${describeOutcome(c.code)}`;
  const lines = [
    headline,
    '',
    'This customer is in dry run: nothing was changed in the tenant, no secure link was made, and nothing was written that the customer sees.',
    ...(c.would === 'reset' && c.confirmationAskedOf
      ? [
          `A confirmation would have been asked of the contact on file <${c.confirmationAskedOf}> through a one-time link before any reset; none was sent.`,
        ]
      : []),
    ...(c.would === 'reset' && input.target?.onPremisesSyncEnabled && r.resetPassword
      ? ['The staff member is synchronised from on-premises AD: the password would have gone to an engineer.']
      : []),
    '',
    `Asked: ${asked(r)} for "${r.targetLabel}" by ${r.requesterName ?? 'an unnamed contact'}${r.requesterEmail ? ` <${r.requesterEmail}>` : ''} via ${r.channel}.`,
    '',
    'Facts used:',
    ...(input.target
      ? [
          `- Target: ${input.target.displayName} <${input.target.userPrincipalName}> (object id ${input.target.id}), onPremisesSyncEnabled=${input.target.onPremisesSyncEnabled}`,
        ]
      : []),
    ...(input.facts.length ? input.facts.map((x) => `- ${x}`) : ['- (none)']),
    '',
    `Next step: ${input.nextStep}`,
  ];
  return internalNote(lines, input.marker);
}
