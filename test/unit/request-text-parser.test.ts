import { describe, expect, it } from 'vitest';
import { parseResetRequestText, type ParsedRequest } from '../../services/domain/request-text-parser.js';

type Expected =
  | { target: { kind: 'address' | 'name'; value: string }; what: 'password' | 'mfa' | 'both' }
  | { unclear: string };

interface Case {
  title: string;
  subject?: string;
  body: string;
  expected: Expected;
}

const address = (value: string, what: 'password' | 'mfa' | 'both') => ({
  target: { kind: 'address' as const, value },
  what,
});
const name = (value: string, what: 'password' | 'mfa' | 'both') => ({
  target: { kind: 'name' as const, value },
  what,
});
const unclear = (reason: string) => ({ unclear: reason });

const CASES: Case[] = [
  // --- plain requests --------------------------------------------------------------------------------------
  {
    title: 'address after "for", password',
    body: 'Please reset the password for jane.doe@contoso.com',
    expected: address('jane.doe@contoso.com', 'password'),
  },
  {
    title: 'name after "for", MFA because of a new phone',
    body: 'Can you reset MFA for John Smith, he got a new phone',
    expected: name('John Smith', 'mfa'),
  },
  {
    title: '"Jane in accounts is locked out", password and authenticator',
    body: 'Jane in accounts is locked out, please reset her password and authenticator',
    expected: name('Jane', 'both'),
  },
  {
    title: '"reset both for" an address',
    body: 'reset both for bob@x.com',
    expected: address('bob@x.com', 'both'),
  },
  {
    title: '"Sam needs a new password"',
    body: 'Sam needs a new password',
    expected: name('Sam', 'password'),
  },
  {
    title: 'possessive name',
    body: "Hi team,\n\nCould you please reset Priya Patel's password? She's back from leave and can't remember it.\n\nThanks,\nMaria",
    expected: name('Priya Patel', 'password'),
  },
  {
    title: 'nothing said about what: both (the default)',
    subject: 'Reset request',
    body: 'Hello,\nPlease reset Tom Baker. He is on the road today.\nRegards\nAnn',
    expected: name('Tom Baker', 'both'),
  },
  {
    title: 'subject names the target with a dash',
    subject: 'RE: FW: Password reset - Olivia Brown',
    body: 'As per subject, thanks',
    expected: name('Olivia Brown', 'password'),
  },
  {
    title: 'Title Case subject, body empty',
    subject: 'Password Reset For Liam Wilson',
    body: '',
    expected: name('Liam Wilson', 'password'),
  },
  {
    title: 'lost phone means MFA only',
    body: 'Good morning,\nNoah Taylor lost his phone on the train yesterday. Could you sort out his authenticator?\nCheers\nBen',
    expected: name('Noah Taylor', 'mfa'),
  },
  {
    title: '"can\'t sign in" with a new phone is MFA, not the password',
    body: "Emma Jones can't sign in since she got a new mobile. Please help.",
    expected: name('Emma Jones', 'mfa'),
  },
  {
    title: 'verification codes mean MFA',
    body: 'Lucas Martin is not getting verification codes any more, can you reset his MFA please',
    expected: name('Lucas Martin', 'mfa'),
  },
  {
    title: '2FA spelled out with an address',
    body: 'pls reset 2FA of mia.clark@contoso.com asap',
    expected: address('mia.clark@contoso.com', 'mfa'),
  },
  {
    title: '"password only" excludes MFA',
    body: 'Reset the password for ethan.hall@contoso.com only the password please, not her MFA',
    expected: address('ethan.hall@contoso.com', 'password'),
  },
  {
    title: 'just the MFA',
    body: 'Could you reset just the MFA for Grace Lee? Her password is fine.',
    expected: name('Grace Lee', 'mfa'),
  },
  {
    title: 'name and a matching address are one person',
    body: 'Please reset the password for Jane Doe (jane.doe@contoso.com), she is locked out.',
    expected: address('jane.doe@contoso.com', 'password'),
  },
  {
    title: 'label form "User:" with an address',
    subject: 'MFA reset',
    body: 'User: henry.king@contoso.com\nReason: new phone',
    expected: address('henry.king@contoso.com', 'mfa'),
  },
  {
    title: 'address alone on its own line',
    subject: 'Locked out',
    body: 'Hi, can you unlock this one please\n\nzoe.wright@contoso.com\n\nThank you',
    expected: address('zoe.wright@contoso.com', 'password'),
  },
  {
    title: 'polite "for me" with a named target',
    body: "Can you reset Oscar Green's password for me please? He is locked out.",
    expected: name('Oscar Green', 'password'),
  },
  {
    title: 'particles in a surname',
    body: 'Please reset MFA for Anna van der Berg, new phone.',
    expected: name('Anna van der Berg', 'mfa'),
  },
  {
    title: 'accented name, non-English greeting and thanks',
    body: 'Hola! Please reset MFA for María García, she lost her phone. Gracias!!',
    expected: name('María García', 'mfa'),
  },
  {
    title: 'honorific is skipped',
    body: 'Please reset the password of Mrs. Eleanor Rigby',
    expected: name('Eleanor Rigby', 'password'),
  },
  {
    title: 'helpdesk address in the text is not a target',
    body: 'Please reset the password for leo.adams@contoso.com. If you need me, email help@ashtonhelps.com is fine too.',
    expected: address('leo.adams@contoso.com', 'password'),
  },

  // --- quoted replies, signatures, forwarded mail, HTML ---------------------------------------------------
  {
    title: 'a target in the quoted reply is ignored ("On … wrote:")',
    body: 'Please reset the password for Chloe Evans.\n\nOn Mon, 3 Jun 2024 at 09:12, Someone <x@contoso.com> wrote:\n> Can you reset the password for Jack Turner?\n',
    expected: name('Chloe Evans', 'password'),
  },
  {
    title: 'two-line "On … wrote:" header',
    body: 'Reset MFA for Isla Scott please\n\nOn Tue, Jun 4, 2024 at 10:00 AM Jack Turner <jack.turner@contoso.com>\nwrote:\nreset my password too',
    expected: name('Isla Scott', 'mfa'),
  },
  {
    title: 'Outlook "-----Original Message-----" thread',
    body: 'Same again for Ruby Hughes please, password only.\n\n-----Original Message-----\nFrom: Helpdesk\nSent: Monday\nSubject: Password reset for Jack Turner\nWe reset the password for jack.turner@contoso.com',
    expected: name('Ruby Hughes', 'password'),
  },
  {
    title: 'only a quoted request: no target',
    body: 'Can you do this one?\n\n> Please reset the password for jack.turner@contoso.com\n> Thanks',
    expected: unclear('no-request'),
  },
  {
    title: 'only a quoted target, with a request word above it',
    body: 'Can you reset this one?\n\n> Please reset the password for jack.turner@contoso.com\n> Thanks',
    expected: unclear('no-target'),
  },
  {
    title: 'forwarded message: only the note above it counts',
    body: "Please reset Alfie Walker's MFA, he forwarded me this.\n\n---------- Forwarded message ---------\nFrom: Alfie Walker <alfie.walker@contoso.com>\nDate: Tue\nSubject: help\nI lost my phone, please reset my MFA",
    expected: name('Alfie Walker', 'mfa'),
  },
  {
    title: 'a forward with nothing above it',
    body: '---------- Forwarded message ---------\nFrom: Alfie Walker <alfie.walker@contoso.com>\nPlease reset my password',
    expected: unclear('empty'),
  },
  {
    title: 'signature after "-- " with an address and a job title',
    body: 'Please reset the password for Freya Morris.\n-- \nGeorge Bell\nManager of Finance\ngeorge.bell@contoso.com\n+44 20 7946 0000',
    expected: name('Freya Morris', 'password'),
  },
  {
    title: 'sign-off and disclaimer are cut',
    body: 'Harry Cooper is locked out, please reset his password.\n\nKind regards,\nSophie Ward\nOperations Director | sophie.ward@contoso.com\n\nCONFIDENTIALITY NOTICE: This email is intended for Jack Turner only.',
    expected: name('Harry Cooper', 'password'),
  },
  {
    title: 'Sent from my iPhone',
    body: 'Reset MFA for daniel.price@contoso.com, new phone\n\nSent from my iPhone\n\nOn 4 Jun 2024, at 11:00, Jack <jack@contoso.com> wrote:',
    expected: address('daniel.price@contoso.com', 'mfa'),
  },
  {
    title: 'HTML body with a Gmail quote',
    body: '<html><head><style>p{color:red}</style></head><body><div dir="ltr"><p>Hi,</p><p>Please reset the password for <a href="mailto:ivy.bennett@contoso.com">ivy.bennett@contoso.com</a>.</p><p>Thanks</p></div><div class="gmail_quote"><p>Please reset the password for jack.turner@contoso.com</p></div></body></html>',
    expected: address('ivy.bennett@contoso.com', 'password'),
  },
  {
    title: 'HTML body with entities and a blockquote',
    body: '<div>Oliver O&#39;Brien&#39;s MFA needs resetting&nbsp;&ndash; new phone.</div><blockquote>Reset the password for Jack Turner</blockquote>',
    expected: name("Oliver O'Brien", 'mfa'),
  },
  {
    title: 'HTML with script and style content ignored',
    body: '<html><body><script>var x = "reset password for Jack Turner";</script><p>Sam Reed needs a new password</p></body></html>',
    expected: name('Sam Reed', 'password'),
  },

  // --- adversarial and unclear ---------------------------------------------------------------------------
  {
    title: 'two different addresses',
    body: 'Please reset the password for amy.fox@contoso.com and also MFA for bob.fox@contoso.com',
    expected: unclear('several-targets'),
  },
  {
    title: 'two different names in two sentences',
    body: "Please reset Jack Turner's password. Also Ella Price needs a new password.",
    expected: unclear('several-targets'),
  },
  {
    title: 'two names joined by "and"',
    body: 'Reset MFA for Jack and Ella please',
    expected: unclear('several-people'),
  },
  {
    title: 'two names joined by a slash',
    body: 'Please reset password for Jane Doe/Tom Hardy',
    expected: unclear('several-people'),
  },
  {
    title: 'a name after a greeting on the same line',
    body: 'Hi Sam, Jane Doe needs a new password',
    expected: name('Jane Doe', 'password'),
  },
  {
    title: 'sentence-initial adverb is not part of the name',
    body: 'Apparently Zara is locked out again. Reset her password please.',
    expected: name('Zara', 'password'),
  },
  {
    title: 'ALL CAPS',
    body: 'PLEASE RESET MFA FOR JANE DOE ASAP',
    expected: name('JANE DOE', 'mfa'),
  },
  {
    title: 'a name in a sentence that is not about a reset is not a candidate',
    body: 'Please reset the password for Jack Turner. Ella Price has approved this.',
    expected: name('Jack Turner', 'password'),
  },
  {
    title: 'a second name in another reset sentence makes it unclear',
    body: 'Please reset the password for Jack Turner. Ella Price has the same problem with her password.',
    expected: unclear('several-targets'),
  },
  {
    title: 'name list before a plural verb',
    body: 'Jack Turner and Ella Price need their passwords reset',
    expected: unclear('several-people'),
  },
  {
    title: 'address and a name that does not fit it',
    body: 'Please reset the password for Jack Turner, his address is ella.price@contoso.com',
    expected: unclear('several-targets'),
  },
  {
    title: '"reset the CEO"',
    body: 'Urgent: reset the CEO, he is locked out',
    expected: unclear('no-target'),
  },
  {
    title: 'a role after "for" is not a name',
    body: 'Please reset the password for the new starter in Finance',
    expected: unclear('no-target'),
  },
  {
    title: '"reset everything for everyone"',
    body: 'reset everything for everyone',
    expected: unclear('several-people'),
  },
  {
    title: 'whole team',
    body: 'Can you reset MFA for the whole team? New phones arrived.',
    expected: unclear('several-people'),
  },
  {
    title: 'self-request: my password',
    body: 'Hi, I forgot my password, can you reset it please?',
    expected: unclear('self-request'),
  },
  {
    title: 'self-request: I am locked out',
    body: "I'm locked out of Outlook, please help",
    expected: unclear('self-request'),
  },
  {
    title: 'self-request: reset me',
    body: 'reset me please, new phone',
    expected: unclear('self-request'),
  },
  {
    title: 'self-request: "for me" with no one else named',
    body: 'Could you reset the MFA for me? I got a new phone.',
    expected: unclear('self-request'),
  },
  {
    title: "self-request hidden behind someone else's name",
    body: 'Please reset the password for Jack Turner. Actually my password too.',
    expected: unclear('self-request'),
  },
  {
    title: "negation: don't reset",
    body: "Don't reset Jack Turner's password, he remembered it",
    expected: unclear('negation'),
  },
  {
    title: 'negation: please ignore / cancel',
    body: 'Please ignore my previous email about the password for Ella Price, all sorted.',
    expected: unclear('negation'),
  },
  {
    title: 'negation: no need to reset the MFA',
    body: 'Reset the password for Jack Turner, there is no need to reset the MFA',
    expected: unclear('negation'),
  },
  {
    title: 'not about a reset at all',
    body: 'Sam needs a new laptop, can you order one?',
    expected: unclear('no-request'),
  },
  {
    title: 'lower-case name is not guessed',
    body: 'please reset password for jack turner',
    expected: unclear('no-target'),
  },
  {
    title: 'non-English request without a recognisable target',
    body: 'Bonjour, merci de réinitialiser le mot de passe de Jean Dupont. Cordialement',
    expected: unclear('no-request'),
  },
  {
    title: 'contact address is not a target',
    body: 'Please reset the password. You can reach me at boss@contoso.com',
    expected: unclear('no-target'),
  },
  {
    title: 'empty',
    subject: '',
    body: '   \n\n ',
    expected: unclear('empty'),
  },
];

function summarise(result: ParsedRequest): Expected {
  if (result.status === 'unclear') return { unclear: result.reason };
  const what = result.resetPassword && result.resetMfa ? 'both' : result.resetPassword ? 'password' : 'mfa';
  return { target: result.target, what };
}

describe('parseResetRequestText', () => {
  it('has a table of at least 40 realistic messages', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES)('$title', ({ subject, body, expected }) => {
    const result = parseResetRequestText(subject, body);
    expect(summarise(result), JSON.stringify(result.evidence)).toEqual(expected);
    expect(result.evidence.length).toBeGreaterThan(0);
    for (const line of result.evidence) expect(line.length).toBeLessThan(200);
  });

  it('explains its answer in evidence', () => {
    const result = parseResetRequestText(
      'New phone',
      'Please reset MFA for John Smith.\n\nOn Mon, Jack <jack@x.com> wrote:\n> old stuff',
    );
    expect(result.status).toBe('understood');
    expect(result.evidence.join('\n')).toMatch(/target: name "John Smith" after "for"/);
    expect(result.evidence.join('\n')).toMatch(/MFA/);
    expect(result.evidence.join('\n')).toMatch(/quoted reply/);
  });

  it('never throws, whatever it is given', () => {
    const inputs: Array<[unknown, unknown]> = [
      [undefined, undefined],
      [null, null],
      [42, {}],
      ['x'.repeat(500_000), 'y'.repeat(500_000)],
      ['', '<'.repeat(100_000)],
      ['', `${'<div>'.repeat(20_000)}reset password for Jane Doe`],
      ['', 'Jane '.repeat(50_000) + 'is locked out'],
      ['', `${'a'.repeat(70)}@${'b'.repeat(70)}.com `.repeat(2000)],
      ['', '\u0000\uffff\ud800 reset for \u{1F600}'],
    ];
    for (const [subject, body] of inputs) {
      const started = Date.now();
      const result = parseResetRequestText(subject as string, body as string);
      expect(['understood', 'unclear']).toContain(result.status);
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });

  it('reads at most 20 KB of text: a target beyond it is not seen', () => {
    const result = parseResetRequestText(
      '',
      `${'filler text. '.repeat(2000)}\nPlease reset the password for Jane Doe`,
    );
    expect(result.status).toBe('unclear');
  });
});
