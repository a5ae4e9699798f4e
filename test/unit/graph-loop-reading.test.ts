import { describe, expect, it } from 'vitest';
import { classifyGraphError } from '../../integrations/graph/graph-errors.js';
import { mailFailure, sendMailBody } from '../../integrations/graph/graph-mail-sender.js';
import { independentAddresses } from '../../integrations/graph/graph-notification-addresses.js';
import { forceChangeOf, timestamp } from '../../integrations/graph/graph-sign-in-state.js';
import { tapRefusal } from '../../integrations/graph/graph-temporary-access-pass.js';
import { isPlainEmailAddress, relatedDomains } from '../../integrations/shared/mail-addresses.js';
import { NotificationError, TransientError } from '../../services/domain/errors.js';

const CONVERGED =
  'Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass].';

describe('reading the password state', () => {
  it.each([
    [
      'a pending change',
      { passwordProfile: { forceChangePasswordNextSignIn: true, password: null } },
      'pending',
    ],
    ['a cleared flag', { passwordProfile: { forceChangePasswordNextSignIn: false } }, 'not-pending'],
    ['a null flag', { passwordProfile: { forceChangePasswordNextSignIn: null } }, 'not-pending'],
    ['a null profile (no pending change)', { passwordProfile: null }, 'not-pending'],
    ['no profile in the answer', {}, 'unknown'],
    ['a profile of another shape', { passwordProfile: 'yes' }, 'unknown'],
    ['a flag of another type', { passwordProfile: { forceChangePasswordNextSignIn: 'true' } }, 'unknown'],
  ] as const)('When Graph sends %s, then the forced change is %s', (_label, user, expected) => {
    expect(forceChangeOf(user as Record<string, unknown>)).toBe(expected);
  });

  it.each([
    ['2024-12-10T17:38:26Z', '2024-12-10T17:38:26.000Z'],
    ['2022-06-02T16:21:09.765173Z', '2022-06-02T16:21:09.765Z'],
    ['2026-08-03T11:00:00+02:00', '2026-08-03T09:00:00.000Z'],
    ['', undefined],
    ['yesterday', undefined],
    ['2026-08-03', undefined],
    [null, undefined],
    [1722675600000, undefined],
  ])('When Graph sends the time %j, then it reads %j', (value, expected) => {
    expect(timestamp(value)).toBe(expected);
  });
});

describe('independent notification addresses', () => {
  const account = {
    mail: 'Adele.Vance@contoso.com',
    userPrincipalName: 'AdeleV@contoso.onmicrosoft.com',
    proxyAddresses: ['SMTP:Adele.Vance@contoso.com', 'smtp:adele@contoso.co.uk', 'SIP:adele@contoso.com'],
  };

  it('When alternate addresses are checked, then own addresses, own domains and their relatives are left out', () => {
    expect(
      independentAddresses({
        ...account,
        otherMails: [
          'adele.vance@CONTOSO.com',
          'ADELE@contoso.co.uk',
          'someone.else@contoso.co.uk',
          'adele@eu.contoso.com',
          'adele@onmicrosoft.com',
          'adele.home@outlook.example',
          ' adele.home@OUTLOOK.example ',
          'adele@fabrikam.example',
          'adele@mycontoso.com',
        ],
      }),
    ).toEqual({
      independent: ['adele.home@outlook.example', 'adele@fabrikam.example', 'adele@mycontoso.com'],
      excluded: [
        { address: 'adele.vance@CONTOSO.com', reason: 'own-address' },
        { address: 'ADELE@contoso.co.uk', reason: 'own-address' },
        { address: 'someone.else@contoso.co.uk', reason: 'same-domain' },
        { address: 'adele@eu.contoso.com', reason: 'same-domain' },
        { address: 'adele@onmicrosoft.com', reason: 'same-domain' },
      ],
    });
  });

  it('When the proxy addresses could not be read, then every alternate address is left out', () => {
    expect(
      independentAddresses({
        mail: account.mail,
        userPrincipalName: account.userPrincipalName,
        otherMails: ['adele.home@outlook.example'],
      }),
    ).toEqual({
      independent: [],
      excluded: [{ address: 'adele.home@outlook.example', reason: 'aliases-unknown' }],
    });
  });

  it('When an alternate address is not a plain address, then it is left out and shown without control characters', () => {
    const { excluded } = independentAddresses({
      ...account,
      otherMails: ['Adele <adele@fabrikam.example>', 'adele@fabrikam.example\r\nBcc: x@evil.example', 'a@b'],
    });
    expect(excluded.map((e) => e.reason)).toEqual(['not-an-address', 'not-an-address', 'not-an-address']);
    expect(excluded[1]?.address).toBe('adele@fabrikam.example??Bcc: x@evil.example');
  });
});

describe('plain email addresses', () => {
  it.each([
    ['grace@fabrikam.example', true],
    ['grace.hopper+notices@mail.fabrikam.example', true],
    ["o'brien@contoso.example", true],
    ['zoë@fabrikam.example', true],
    ['grace@localhost', false],
    ['grace@@fabrikam.example', false],
    ['.grace@fabrikam.example', false],
    ['gr..ace@fabrikam.example', false],
    ['"grace"@fabrikam.example', false],
    ['grace@-fabrikam.example', false],
    ['grace @fabrikam.example', false],
    ['grace@fabrikam.example,evil@x.example', false],
    [`${'g'.repeat(250)}@f.example`, false],
  ])('When the address is %s, then plain is %s', (address, expected) => {
    expect(isPlainEmailAddress(address)).toBe(expected);
  });

  it('When domains are compared, then a subdomain or parent is related and a lookalike is not', () => {
    expect(relatedDomains('contoso.com', 'EU.Contoso.com')).toBe(true);
    expect(relatedDomains('mail.contoso.com', 'contoso.com')).toBe(true);
    expect(relatedDomains('contoso.com', 'mycontoso.com')).toBe(false);
  });
});

describe('Temporary Access Pass refusals', () => {
  it.each([
    [400, 'badRequest', CONVERGED, 'tap-not-allowed'],
    [
      403,
      'Authorization_RequestDenied',
      `Unable to add Temporary Access Pass. - ${CONVERGED}`,
      'tap-not-allowed',
    ],
    [400, 'badRequest', 'Temporary Access Pass cannot be added to an external guest user.', 'guest-user'],
    [403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.', undefined],
    [500, 'UnknownError', CONVERGED, undefined],
  ])('When the create call answers %i %s, then the refusal is %s', (statusCode, code, message, expected) => {
    expect(tapRefusal({ statusCode, code, message })).toBe(expected);
  });

  it('When another call meets the policy text under a generic code, then it is read as tap-not-allowed', () => {
    expect(classifyGraphError({ statusCode: 400, code: 'badRequest', message: CONVERGED })).toEqual({
      kind: 'directory',
      reason: 'tap-not-allowed',
    });
  });
});

describe('mail refusals', () => {
  const sender = 'notices@msp.example';
  const read = (info: Parameters<typeof mailFailure>[0]) => mailFailure(info, 'send the notice', sender);

  it('When access is denied without a policy, then the fix named is RBAC for Applications or Mail.Send', () => {
    const err = read({
      statusCode: 403,
      code: 'ErrorAccessDenied',
      message: 'Access is denied. Check credentials and try again.',
    });
    expect(err).toBeInstanceOf(NotificationError);
    expect((err as NotificationError).reason).toBe('not-permitted');
    expect(err.message).toContain('"Application Mail.Send" scoped to notices@msp.example');
  });

  it('When an application access policy denies, then the policy is named', () => {
    const err = read({
      statusCode: 403,
      code: 'ErrorAccessDenied',
      message:
        'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.',
    });
    expect(err.message).toContain('application access policy excludes notices@msp.example');
  });

  it.each([
    [
      {
        statusCode: 404,
        code: 'ErrorInvalidUser',
        message: "The requested user 'notices@msp.example' is invalid.",
      },
      'sender-not-found',
    ],
    [
      {
        statusCode: 404,
        code: 'MailboxNotEnabledForRESTAPI',
        message: 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
      },
      'sender-not-found',
    ],
    [
      { statusCode: 400, code: 'ErrorInvalidRecipients', message: "At least one recipient isn't valid." },
      'rejected',
    ],
    [
      { statusCode: 401, code: 'InvalidAuthenticationToken', message: 'Access token has expired.' },
      'auth-failed',
    ],
  ])('When sendMail answers %j, then the reason is %s', (info, reason) => {
    expect((read(info) as NotificationError).reason).toBe(reason);
  });

  it.each([429, 503, 504])('When sendMail answers %i, then it is transient', (statusCode) => {
    const err = read({ statusCode, code: 'ApplicationThrottled', retryAfterMs: 3000 });
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBe(3000);
  });

  it('When a message has both bodies, then the HTML is the one sent and the copy is not kept in Sent Items', () => {
    expect(sendMailBody({ to: ['a@b.example'], subject: 's', text: 't', html: '<p>h</p>' })).toEqual({
      message: {
        subject: 's',
        body: { contentType: 'HTML', content: '<p>h</p>' },
        toRecipients: [{ emailAddress: { address: 'a@b.example' } }],
      },
      saveToSentItems: false,
    });
  });
});
