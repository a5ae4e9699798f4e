import { describe, expect, it } from 'vitest';
import {
  NOT_A_REQUEST_REASONS,
  UNCLEAR_REASONS,
  readEmailRequest,
  type CandidatePerson,
  type EmailReading,
} from '../../services/domain/email-request/email-request-reader.js';

const person = (
  id: string,
  givenName: string,
  surname: string,
  department: string,
  extra: Partial<CandidatePerson> = {},
): CandidatePerson => ({
  id,
  displayName: `${givenName} ${surname}`,
  givenName,
  surname,
  userPrincipalName: `${id}@contoso.example`,
  mail: `${id}@contoso.example`,
  department,
  ...extra,
});

const TEAM: CandidatePerson[] = [
  person('tom.reed', 'Tom', 'Reed', 'Sales'),
  person('tim.reed', 'Tim', 'Reed', 'Finance'),
  person('siobhan', 'Siobhán', "O'Sullivan", 'Finance'),
  person('amelia', 'Amelia', 'Frost', 'Finance'),
  person('rebecca', 'Rebecca', 'Smith', 'Finance', { displayName: 'Smith, Rebecca' }),
  person('john', 'John', 'Carter', 'Warehouse', { displayName: 'John P. Carter' }),
  person('michael', 'Michael', 'Chen', 'Sales'),
  person('mark', 'Mark', 'Ellis', 'Finance'),
  person('will', 'Will', 'Hughes', 'Sales'),
  person('sarah.a', 'Sarah', 'Adams', 'Sales'),
  person('sarah.b', 'Sarah', 'Brook', 'Finance'),
  person('anne', 'Anne-Marie', 'Dubois-Clarke', 'Finance'),
];
const REQUESTER = { displayName: 'Kate Moss', email: 'kate.moss@contoso.example' };

const read = (body: string, subject = '', candidates = TEAM) =>
  readEmailRequest({ subject, body }, candidates, REQUESTER);

/** The reading in one short line, so that a table can state it. */
function summary(r: EmailReading): string {
  const what = (p: boolean, m: boolean) => (p && m ? 'both' : p ? 'password' : 'mfa');
  if (r.kind === 'reset-request') return `${r.target.id} ${what(r.resetPassword, r.resetMfa)}`;
  if (r.kind === 'several-people')
    return `several ${r.targets.map((t) => t.id).join('+')} ${what(r.resetPassword, r.resetMfa)}`;
  return `${r.kind} ${r.reason}`;
}

describe('readEmailRequest: who', () => {
  it.each([
    ['a full name', 'Please reset the password for Amelia Frost', 'amelia password'],
    ['a lower-case name', 'pls reset mfa for amelia frost', 'amelia mfa'],
    ['a typographic apostrophe and no accent', 'Siobhan O’Sullivan is locked out', 'siobhan password'],
    ['"Surname, Given"', 'Smith, Rebecca - password reset please', 'rebecca password'],
    ['a middle initial the directory lacks', 'Please reset Amelia J. Frost', 'amelia both'],
    ['a middle initial the display name has', 'John Carter needs a new password', 'john password'],
    ['a nickname with the surname', 'Mike Chen forgot his password', 'michael password'],
    ['a unique first name', 'Tim is locked out, reset his password please', 'tim.reed password'],
    ['a typo in the surname', 'Please reset MFA for Amelia Forst', 'amelia mfa'],
    ['a hyphenated name written with spaces', 'Anne Marie Dubois Clarke needs her MFA reset', 'anne mfa'],
    ['a UPN', 'Please reset the password for amelia@contoso.example', 'amelia password'],
    [
      'the name in the subject, the request in the body',
      'She is locked out, please reset',
      'amelia password',
      'Amelia Frost',
    ],
    [
      'a name and the request in separate sentences',
      'Tim Reed is travelling. He cannot log in, please help.',
      'tim.reed password',
    ],
    ['singular "they"', 'Amelia Frost lost her phone. They need their MFA reset.', 'amelia mfa'],
    ['"X (role) is locked out"', 'Mark (our accountant) is locked out', 'mark password'],
    ['"for the user X"', 'reset MFA for the user Will Hughes', 'will mfa'],
    ['a department narrows a shared first name', 'Sarah in finance is locked out', 'sarah.b password'],
    [
      'a person named in a clause about something else',
      'Mark is off today so I am asking for him – Tim Reed needs his MFA reset',
      'tim.reed mfa',
    ],
    [
      'the writer signing off in the same line',
      'hi can u reset amelia frost pw thanks kate',
      'amelia password',
    ],
    [
      'an inline image id is no address',
      "Amelia Frost can't access her emails, please reset.\n[cid:image001.png@01DB8E2A.5F3C1B20]",
      'amelia password',
    ],
    ["a login that isn't working", "Tim's login isn't working, can you sort it?", 'tim.reed password'],
    [
      'a hold on one person, a request for another',
      'Hold off on Mark for now, but please reset Tim Reed',
      'tim.reed both',
    ],
  ])('%s', (_title, body, expected, subject = '') => {
    expect(summary(read(body, subject))).toBe(expected);
  });

  it.each([
    ['a first name two people share', 'Sarah is locked out', 'unclear ambiguous-name'],
    [
      'a name not among the candidates',
      'Please reset the password for Dave Jones',
      'unclear person-not-in-list',
    ],
    [
      'an address that is no candidate’s',
      'reset the password for dave@contoso.example',
      'unclear person-not-in-list',
    ],
    ['the writer’s own account', 'I am locked out of my account', 'unclear self-request'],
    ['the writer named as a candidate', 'Please reset MFA for Kate Moss', 'unclear self-request'],
    ['family', 'Can you reset the password for my son Tim?', 'unclear not-staff'],
    ['a group', 'Reset MFA for the whole sales team please', 'unclear group-request'],
    ['no one named', 'Please reset the password for the new starter', 'unclear no-person-named'],
    ['"Will you …" is not Will', 'Will you reset the password please?', 'unclear no-person-named'],
    [
      '"mark" as a verb is not Mark',
      'please mark this urgent and reset the password',
      'unclear no-person-named',
    ],
  ])('hands off: %s', (_title, body, expected) => {
    expect(summary(read(body))).toBe(expected);
  });

  it('never targets the requester, even when the whole tenant is the candidate list', () => {
    const tenant = [...TEAM, person('kate.moss', 'Kate', 'Moss', 'Management')];
    expect(summary(read('Please reset MFA for Kate Moss, new phone', '', tenant))).toBe(
      'unclear self-request',
    );
    expect(summary(read('Reset Amelia Frost please.\nKate', '', tenant))).toBe('amelia both');
  });

  it('never takes a personal delivery address for the target', () => {
    const r = read('Please reset Amelia Frost and send the password to amelia.frost@gmail.com');
    expect(summary(r)).toBe('amelia password');
    expect(r.evidence.join('\n')).not.toContain('amelia.frost@gmail.com');
  });
});

describe('readEmailRequest: what is asked', () => {
  it.each([
    ['nothing said: both, the procedure’s default', 'Please reset Amelia Frost', 'amelia both'],
    ['a new phone: MFA', 'Amelia Frost has a new phone', 'amelia mfa'],
    ['a negation takes out what it negates', "Don't reset Amelia's password, just the MFA", 'amelia mfa'],
    ['"is fine" takes a reset out', "Amelia Frost's password is fine, it's the authenticator", 'amelia mfa'],
    ['"only"', 'Reset the password only for Amelia Frost, not the MFA', 'amelia password'],
    ['a correction of what', 'Reset Amelia Frost’s password – sorry, I mean her MFA', 'amelia mfa'],
    ['a typo in the trigger words', 'resest the pasword for amelia frost', 'amelia password'],
  ])('%s', (_title, body, expected) => {
    expect(summary(read(body))).toBe(expected);
  });

  it.each([
    ['a correction', 'Please reset the password for Tom Reed – sorry, I mean Tim Reed', 'tim.reed password'],
    ['"not X but Y"', 'Not Tom Reed but Tim Reed, password please', 'tim.reed password'],
    [
      '"ignore my previous email, it’s X"',
      "Ignore my previous email, it's Mark who needs the password reset",
      'mark password',
    ],
    [
      '"and X needs his doing too"',
      'Reset Tim Reed’s password. And Mark needs his doing too',
      'several tim.reed+mark password',
    ],
    [
      '"same for X"',
      'Amelia Frost has a new phone, reset her MFA. Same for Will.',
      'several amelia+will mfa',
    ],
  ])('%s', (_title, body, expected) => {
    expect(summary(read(body))).toBe(expected);
  });
});

describe('readEmailRequest: not a request', () => {
  const R = NOT_A_REQUEST_REASONS;
  it.each([
    [R.autoReply, 'Automatic reply: Password reset', 'I am out of the office until Monday.'],
    [R.autoReply, 'RE: reset', 'I am currently on annual leave and will reply on my return.'],
    [R.receipt, 'Read: Password reset for Amelia', 'Your message was read on Monday.'],
    [R.receipt, 'Undeliverable: reset', 'Delivery has failed to these recipients.'],
    [R.thanks, 'RE: reset', 'Thanks, that worked!'],
    [R.statusChase, 'RE: reset', 'Any update on the reset I asked for Amelia?'],
    [R.statusChase, 'RE: reset', 'Amelia is still locked out. Can you try resetting her password again?'],
    [R.futureDate, '', 'Please reset Amelia Frost’s password next Monday'],
    [R.otherSystem, '', 'Please reset Tim Reed’s Salesforce password'],
    [R.nothingToReset, '', "Amelia's password is fine, it's Teams that won't load"],
    [R.disableMfa, '', 'Please turn off MFA for Amelia Frost permanently'],
    [R.chosenPassword, '', 'Please set Amelia Frost’s password to Summer2025!'],
    [R.leaver, '', 'Tim Reed has left the company. Please reset his password so I can check his emails.'],
    [R.currentPassword, '', 'Please send me Tim Reed’s current password'],
    [R.disableMfa, '', 'Please turn MFA back on for Amelia Frost'],
    [R.conditional, '', 'If Amelia still cannot get in after lunch, reset her password'],
    [R.pending, '', 'Let me check with Amelia and get back to you'],
    [R.cancelled, '', 'Please ignore my last email, Amelia remembered her password'],
    [R.howTo, '', 'How do I reset a password for my team myself?'],
    [
      R.forwardWithoutApproval,
      'Fwd: help',
      'FYI\n\n---------- Forwarded message ---------\nFrom: Tim Reed <tim.reed@contoso.example>\nSubject: help\n\nPlease reset my password',
    ],
    [R.subjectOnly, 'Password reset for Amelia Frost', ''],
    [R.noResetAsked, '', 'Amelia needs a new laptop'],
    [R.empty, '', '   '],
  ])('%s', (reason, subject, body) => {
    expect(summary(read(body, subject))).toBe(`not-a-request ${reason}`);
  });

  it('never repeats a proposed password in its evidence', () => {
    const r = read('Please set Amelia Frost’s password to Summer2025!');
    expect(r.evidence.join('\n')).not.toContain('Summer2025');
  });
});

describe('readEmailRequest: a forwarded plea', () => {
  const plea = (top: string, from = 'Tim Reed <tim.reed@contoso.example>') =>
    `${top}\n\n---------- Forwarded message ---------\nFrom: ${from}\nDate: Tue, 4 Mar 2025\nSubject: locked out\n\nHi Kate, I got a new phone and lost the authenticator. Also please reset Tom Reed's password.\nTim`;

  it('is a request for its sender with the writer’s approval, scoped by what the sender says for themself', () => {
    expect(summary(read(plea('Approved, please action.'), 'Fwd: locked out'))).toBe('tim.reed mfa');
  });

  it('is no request without the writer’s approval', () => {
    expect(summary(read(plea(''), 'Fwd: locked out'))).toBe('not-a-request forward-without-approval');
    expect(summary(read(plea('Is this legit?'), 'Fwd: locked out'))).toBe(
      'not-a-request forward-without-approval',
    );
  });

  it('is handed off when its sender is not a candidate', () => {
    expect(summary(read(plea('Approved', 'Dave <dave@elsewhere.example>'), 'Fwd: locked out'))).toBe(
      `unclear ${UNCLEAR_REASONS.forwardedSenderUnknown}`,
    );
  });
});

describe('readEmailRequest: robustness', () => {
  it('reads HTML from Outlook and ignores the quoted reply', () => {
    const html =
      '<html><head><style>p{color:red}</style></head><body><p class="MsoNormal">Please reset MFA for Amelia&nbsp;Frost &#8211; new phone.</p>' +
      '<div style="border-top:solid #E1E1E1 1.0pt"><p><b>From:</b> Helpdesk &lt;help@msp.example&gt;<br><b>Sent:</b> Monday<br><b>To:</b> Kate<br><b>Subject:</b> RE: reset</p></div><p>We reset the password for Tim Reed.</p></body></html>';
    expect(summary(read(html, 'RE: reset'))).toBe('amelia mfa');
  });

  it.each([
    ['English', 'On Mon, 3 Mar 2025 at 09:12, Kate Moss <kate.moss@contoso.example> wrote:'],
    ['German', 'Am 03.03.2025 um 09:12 schrieb Kate Moss <kate.moss@contoso.example>:'],
    ['French', 'Le lun. 3 mars 2025 à 09:12, Kate Moss <kate.moss@contoso.example> a écrit :'],
    ['Polish', 'W dniu 3.03.2025 o 09:12 Kate Moss <kate.moss@contoso.example> napisał:'],
    ['Danish', 'Den 3. mar. 2025 kl. 09.12 skrev Kate Moss <kate.moss@contoso.example>:'],
  ])('ignores a quoted reply under a %s header', (_language, header) => {
    const body = `Please reset MFA for Amelia Frost, new phone.\n\n${header}\nPlease reset the password for Tim Reed.`;
    expect(summary(read(body, 'RE: reset'))).toBe('amelia mfa');
  });

  it('never throws, whatever it is given, and answers the same twice', () => {
    const odd: Array<[unknown, unknown, unknown]> = [
      [undefined, undefined, undefined],
      [null, null, null],
      [{ subject: 42, body: {} }, [{}], null],
      [{ subject: 'x'.repeat(500_000), body: 'y'.repeat(500_000) }, TEAM, undefined],
      [{ subject: '', body: '<'.repeat(100_000) }, TEAM, undefined],
      [
        { subject: '', body: `${'<div>'.repeat(20_000)}reset the password for Amelia Frost` },
        TEAM,
        undefined,
      ],
      [{ subject: '', body: 'Amelia '.repeat(20_000) + 'is locked out' }, TEAM, undefined],
      [{ subject: '', body: '\u0000\uffff\ud800 reset for \u{1F600}' }, TEAM, undefined],
      [{ subject: '', body: 'reset Amelia Frost' }, [{ id: 1 }, null, { displayName: 'x' }], undefined],
    ];
    for (const [input, candidates, requester] of odd) {
      const call = () => readEmailRequest(input as never, candidates as never, requester as never);
      const first = call();
      expect(['reset-request', 'several-people', 'not-a-request', 'unclear']).toContain(first.kind);
      expect(call()).toEqual(first);
    }
  });

  it('reads at most 20 KB of text: a request beyond it is not seen', () => {
    const r = read(
      `${'Some filler about the quarter. '.repeat(800)}\nPlease reset the password for Amelia Frost`,
    );
    expect(r.kind).not.toBe('reset-request');
  });

  it('reads a 100 KB HTML body', () => {
    const body = `<div>${'<p>Quarter figures <b>attached</b> &amp; notes.</p>'.repeat(1_900)}</div><p>Please reset MFA for Amelia Frost</p>`;
    expect(body.length).toBeGreaterThan(90_000);
    expect(['not-a-request', 'unclear', 'reset-request']).toContain(read(body).kind);
  });

  it('keeps each reason code stable', () => {
    expect(Object.values(NOT_A_REQUEST_REASONS).sort()).toEqual(
      [
        'auto-reply',
        'cancelled',
        'chosen-password',
        'conditional',
        'disable-mfa',
        'empty',
        'forward-without-approval',
        'future-date',
        'how-to-question',
        'leaver-or-mailbox-access',
        'current-password',
        'no-reset-asked',
        'nothing-to-reset',
        'other-system',
        'pending-confirmation',
        'receipt',
        'status-chase',
        'subject-only',
        'thanks-or-resolved',
      ].sort(),
    );
    expect(Object.values(UNCLEAR_REASONS).sort()).toEqual(
      [
        'ambiguous-name',
        'ambiguous-reference',
        'conflicting-scope',
        'forwarded-sender-unknown',
        'group-request',
        'internal-error',
        'no-person-named',
        'not-staff',
        'person-not-in-list',
        'self-request',
      ].sort(),
    );
  });
});
