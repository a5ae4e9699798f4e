import { describe, expect, it } from 'vitest';
import type { SignInState } from '../../services/domain/ports.js';
import { assessSignIn, signInBaseline, type SignInBaseline } from '../../services/domain/sign-in-evidence.js';

const RESET_AT = new Date('2026-08-03T09:00:00.000Z');
const AUTHENTICATOR = 'microsoftAuthenticatorAuthenticationMethod';

/** The reading right after a reset by resetdesk: change forced, the old authenticator gone, a pass issued. */
const afterReset: SignInState = {
  userId: 'u1',
  readAt: '2026-08-03T09:00:05.000Z',
  password: { lastChangedAt: '2026-08-03T09:00:01.000Z', forceChange: 'pending' },
  methods: {
    state: 'read',
    items: [
      { kind: 'temporaryAccessPassAuthenticationMethod', id: 'tap-1', createdAt: '2026-08-03T09:00:02.000Z' },
    ],
  },
  signIn: { state: 'read', lastSuccessfulAt: '2026-07-30T08:00:00.000Z' },
};

const baseline: SignInBaseline = signInBaseline(afterReset, RESET_AT);

function later(patch: Partial<SignInState>): SignInState {
  return { ...structuredClone(afterReset), readAt: '2026-08-03T12:00:00.000Z', ...patch };
}

describe('sign-in evidence', () => {
  it('When the baseline is taken, then it keeps the reset time, the last change, the flag and the method ids', () => {
    expect(baseline).toEqual({
      resetAt: '2026-08-03T09:00:00.000Z',
      passwordChangedAt: '2026-08-03T09:00:01.000Z',
      forceChangeAfterReset: 'pending',
      methodIds: ['tap-1'],
    });
  });

  it('When nothing happened since the reset, then nothing is seen, and an older sign-in does not count', () => {
    expect(assessSignIn(later({}), baseline)).toEqual({
      passwordChanged: 'no',
      strongMethodRegistered: 'no',
      signedIn: 'no',
      newStrongMethods: [],
    });
  });

  it('When the staff member is back in, then the new password, the new authenticator and the sign-in are seen', () => {
    const now = later({
      password: { lastChangedAt: '2026-08-03T10:15:00.000Z', forceChange: 'not-pending' },
      methods: {
        state: 'read',
        items: [
          { kind: 'temporaryAccessPassAuthenticationMethod', id: 'tap-1' },
          { kind: AUTHENTICATOR, id: 'auth-2' },
        ],
      },
      signIn: { state: 'read', lastSuccessfulAt: '2026-08-03T10:14:00.000Z' },
    });
    expect(assessSignIn(now, baseline)).toEqual({
      passwordChanged: 'yes',
      strongMethodRegistered: 'yes',
      signedIn: 'yes',
      newStrongMethods: [AUTHENTICATOR],
    });
  });

  describe('the password', () => {
    it.each([
      [
        'the change is still pending',
        { forceChange: 'pending', lastChangedAt: '2026-08-03T11:00:00.000Z' },
        'no',
      ],
      [
        'the flag cannot be read now',
        { forceChange: 'unknown', lastChangedAt: '2026-08-03T11:00:00.000Z' },
        'unknown',
      ],
      ['no change time is given', { forceChange: 'not-pending' }, 'unknown'],
      [
        'the flag cleared but the time did not move',
        { forceChange: 'not-pending', lastChangedAt: '2026-08-03T09:00:01.000Z' },
        'unknown',
      ],
    ] as const)('When %s, then the change is %s', (_label, password, expected) => {
      expect(assessSignIn(later({ password: { ...password } }), baseline).passwordChanged).toBe(expected);
    });

    it('When the flag was not seen pending after the reset, then a later "not pending" proves nothing', () => {
      const unread = signInBaseline({ ...afterReset, password: { forceChange: 'not-pending' } }, RESET_AT);
      const now = later({
        password: { lastChangedAt: '2026-08-03T11:00:00.000Z', forceChange: 'not-pending' },
      });
      expect(assessSignIn(now, unread).passwordChanged).toBe('unknown');
    });

    it('When no change time was read after the reset, then the reset time is the threshold', () => {
      const noTime = signInBaseline({ ...afterReset, password: { forceChange: 'pending' } }, RESET_AT);
      const now = later({
        password: { lastChangedAt: '2026-08-03T09:30:00.000Z', forceChange: 'not-pending' },
      });
      expect(assessSignIn(now, noTime).passwordChanged).toBe('yes');
    });
  });

  describe('strong methods', () => {
    it('When only a pass, an email method or an unknown kind is new, then no strong method is seen', () => {
      const now = later({
        methods: {
          state: 'read',
          items: [
            { kind: 'temporaryAccessPassAuthenticationMethod', id: 'tap-2' },
            { kind: 'emailAuthenticationMethod', id: 'e-1' },
            { kind: 'futureAuthenticationMethod', id: 'f-1' },
          ],
        },
      });
      expect(assessSignIn(now, baseline).strongMethodRegistered).toBe('no');
    });

    it('When the methods cannot be read now, then it is unknown', () => {
      const now = later({ methods: { state: 'not-permitted', problem: 'Graph answered 403' } });
      expect(assessSignIn(now, baseline).strongMethodRegistered).toBe('unknown');
    });

    it('When no id list was taken, then registration times decide, and a method without one is a doubt', () => {
      const noIds: SignInBaseline = { ...baseline, methodIds: undefined };
      const withTime = later({
        methods: {
          state: 'read',
          items: [{ kind: 'fido2AuthenticationMethod', id: 'k', createdAt: '2026-08-03T09:30:00.000Z' }],
        },
      });
      const olderTime = later({
        methods: {
          state: 'read',
          items: [{ kind: 'fido2AuthenticationMethod', id: 'k', createdAt: '2026-07-01T09:30:00.000Z' }],
        },
      });
      const noTime = later({
        methods: { state: 'read', items: [{ kind: 'phoneAuthenticationMethod', id: 'p' }] },
      });
      expect(assessSignIn(withTime, noIds).strongMethodRegistered).toBe('yes');
      expect(assessSignIn(olderTime, noIds).strongMethodRegistered).toBe('no');
      expect(assessSignIn(noTime, noIds).strongMethodRegistered).toBe('unknown');
    });
  });

  describe('sign-in', () => {
    it.each([
      ['not licensed', { state: 'not-licensed', problem: 'Graph answered 403' }, 'unknown'],
      ['not permitted', { state: 'not-permitted', problem: 'Graph answered 403' }, 'unknown'],
      ['never recorded', { state: 'read' }, 'no'],
    ] as const)('When sign-in activity is %s, then a sign-in is %s', (_label, signIn, expected) => {
      expect(assessSignIn(later({ signIn: { ...signIn } }), baseline).signedIn).toBe(expected);
    });
  });
});
