import { describe, expect, it } from 'vitest';
import {
  ALTERNATE_MOBILE_PHONE_ID,
  MOBILE_PHONE_ID,
  OFFICE_PHONE_ID,
  methodDeletePath,
  orderMethodsForRemoval,
  type ListedMethod,
} from '../../integrations/graph/graph-mfa-methods.js';
import { toDirectoryUser } from '../../integrations/graph/graph-users.js';

const m = (type: string, id: string): ListedMethod => ({ '@odata.type': `#microsoft.graph.${type}`, id });

describe('MFA method removal order', () => {
  it('When phones and other methods are mixed, then others go first and the mobile goes last of the phones', () => {
    const methods = [
      m('phoneAuthenticationMethod', MOBILE_PHONE_ID),
      m('microsoftAuthenticatorAuthenticationMethod', 'a'),
      m('phoneAuthenticationMethod', ALTERNATE_MOBILE_PHONE_ID),
      m('fido2AuthenticationMethod', 'f'),
      m('phoneAuthenticationMethod', OFFICE_PHONE_ID),
    ];
    expect(orderMethodsForRemoval(methods).map((x) => x.id)).toEqual([
      'a',
      'f',
      OFFICE_PHONE_ID,
      ALTERNATE_MOBILE_PHONE_ID,
      MOBILE_PHONE_ID,
    ]);
  });

  it('When there are no phones, then the listed order is kept', () => {
    const methods = [m('emailAuthenticationMethod', 'e'), m('fido2AuthenticationMethod', 'f')];
    expect(orderMethodsForRemoval(methods)).toEqual(methods);
  });
});

describe('MFA method delete paths', () => {
  const user = 'jane_fabrikam.example#EXT#@contoso.com';
  const enc = encodeURIComponent(user);
  const cases: Array<[string, string, string | undefined]> = [
    [
      'microsoftAuthenticatorAuthenticationMethod',
      'id1',
      `/users/${enc}/authentication/microsoftAuthenticatorMethods/id1`,
    ],
    [
      'phoneAuthenticationMethod',
      MOBILE_PHONE_ID,
      `/users/${enc}/authentication/phoneMethods/${MOBILE_PHONE_ID}`,
    ],
    [
      'fido2AuthenticationMethod',
      '-2_Hdbe8Bji/OZ8=',
      `/users/${enc}/authentication/fido2Methods/-2_Hdbe8Bji%2FOZ8%3D`,
    ],
    ['softwareOathAuthenticationMethod', 's', `/users/${enc}/authentication/softwareOathMethods/s`],
    ['emailAuthenticationMethod', 'e', `/users/${enc}/authentication/emailMethods/e`],
    [
      'windowsHelloForBusinessAuthenticationMethod',
      'w',
      `/users/${enc}/authentication/windowsHelloForBusinessMethods/w`,
    ],
    [
      'temporaryAccessPassAuthenticationMethod',
      't',
      `/users/${enc}/authentication/temporaryAccessPassMethods/t`,
    ],
    [
      'platformCredentialAuthenticationMethod',
      'p',
      `/users/${enc}/authentication/platformCredentialMethods/p`,
    ],
    ['hardwareOathAuthenticationMethod', 'h', `/users/${enc}/authentication/hardwareOathMethods/h`],
    [
      'externalAuthenticationMethod',
      'x',
      `/users/${enc}/authentication/externalAuthenticationMethods/x/$ref`,
    ],
    ['passwordAuthenticationMethod', '28c10230-6103-485e-b985-444c60001490', undefined],
  ];
  for (const [type, id, path] of cases) {
    it(`When the method is ${type}, then it is deleted at ${path ?? 'no path (skipped)'}`, () => {
      expect(methodDeletePath(user, m(type, id))?.path).toBe(path);
    });
  }

  it('When the method is the QR-code PIN, then the beta singleton path is used', () => {
    expect(methodDeletePath('u', m('qrCodePinAuthenticationMethod', 'q'))).toEqual({
      version: 'beta',
      path: '/users/u/authentication/qrCodePinMethod',
    });
  });

  it('When the type name is not a plain identifier, then there is no path', () => {
    expect(
      methodDeletePath('u', { '@odata.type': '#microsoft.graph.x/../yAuthenticationMethod', id: 'i' }),
    ).toBeUndefined();
  });
});

describe('Graph user mapping', () => {
  it('When Graph says onPremisesSyncEnabled null or false, then the user is not synced and has no on-prem facts', () => {
    for (const value of [null, false, undefined]) {
      const user = toDirectoryUser({
        id: 'i',
        userPrincipalName: 'u@x',
        displayName: 'U',
        accountEnabled: true,
        mail: null,
        onPremisesSyncEnabled: value,
      });
      expect(user).toEqual({
        id: 'i',
        userPrincipalName: 'u@x',
        displayName: 'U',
        accountEnabled: true,
        onPremisesSyncEnabled: false,
      });
    }
  });

  it('When a formerly synced user still has on-prem facts, then they are kept though sync is off', () => {
    const user = toDirectoryUser({
      id: 'i',
      userPrincipalName: 'u@x',
      displayName: 'U',
      accountEnabled: false,
      onPremisesSyncEnabled: false,
      onPremisesSamAccountName: 'u',
    });
    expect(user?.onPremisesSyncEnabled).toBe(false);
    expect(user?.accountEnabled).toBe(false);
    expect(user?.onPremises).toEqual({ samAccountName: 'u' });
  });

  it('When the object has no id, then it is not a user', () => {
    expect(toDirectoryUser({ userPrincipalName: 'u@x' })).toBeUndefined();
  });
});
