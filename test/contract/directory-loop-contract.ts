import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryError, TransientError } from '../../services/domain/errors.js';
import type { Directory } from '../../services/domain/ports.js';
import { assessSignIn, signInBaseline } from '../../services/domain/sign-in-evidence.js';
import {
  AUTHENTICATOR_TYPE,
  CONTRACT_FIXTURE,
  CONTRACT_USERS,
  MOBILE_ID,
  PHONE_TYPE,
  caught,
  everythingIn,
  type ContractFixture,
  type ContractGroup,
  type ContractMethod,
  type ContractUser,
  type DirectoryUnderTest,
} from './directory-contract.js';

/**
 * What every `Directory` promises for closing the loop after a reset: reading whether the staff member is
 * back in, the addresses an independent notice may go to, Temporary Access Passes, and blocking sign-in.
 * The setup receives the fixture below and must also play the staff member (`signsIn…`, `registersMethod`).
 */

export const TAP_TYPE = '#microsoft.graph.temporaryAccessPassAuthenticationMethod';

export interface LoopStateProbe {
  accountEnabled: boolean;
  /** Ids of the methods registered now, password excluded (a pass included). */
  methodIds: string[];
}

export interface LoopDirectoryUnderTest extends DirectoryUnderTest {
  inspectLoop(userId: string): Promise<LoopStateProbe>;
  /** The staff member signs in successfully at `at`. */
  signsIn(userId: string, at: Date): void;
  /** The staff member signs in and sets a password of their own at `at`. */
  signsInAndChangesPassword(userId: string, at: Date): void;
  /** The staff member registers a method at `at`. */
  registersMethod(userId: string, method: ContractMethod, at: Date): void;
}

export type LoopDirectorySetup = (fixture: ContractFixture) => Promise<LoopDirectoryUnderTest>;

/** A member with alternate addresses of every kind, and an authenticator registered long ago. */
const grace: ContractUser = {
  id: 'c0c0c0c0-3000-4000-8000-000000000001',
  userPrincipalName: 'grace.hopper@contoso.example',
  displayName: 'Grace Hopper',
  mail: 'grace.hopper@contoso.example',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  otherMails: [
    'Grace.Personal@fabrikam.example',
    'GRACE@contoso.example',
    'grace.h@sales.contoso.example',
    'g.hopper@contoso.example',
    'grace at home',
    'grace.personal@FABRIKAM.example',
    'grace@northwind.example',
  ],
  proxyAddresses: [
    'SMTP:grace.hopper@contoso.example',
    'smtp:grace@contoso.example',
    'smtp:grace@northwind.example',
    'X500:/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=grace',
  ],
  methods: [{ type: AUTHENTICATOR_TYPE, id: '6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d' }],
};

/** An external (B2B) user. */
const guest: ContractUser = {
  id: 'c0c0c0c0-3000-4000-8000-000000000002',
  userPrincipalName: 'kim_fabrikam.example#EXT#@contoso.example',
  displayName: 'Kim (Fabrikam)',
  mail: 'kim@fabrikam.example',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  userType: 'Guest',
  otherMails: ['kim@fabrikam.example'],
  methods: [],
};

/** Outside the Temporary Access Pass policy's group. */
const outsider: ContractUser = {
  id: 'c0c0c0c0-3000-4000-8000-000000000003',
  userPrincipalName: 'omar.outside@contoso.example',
  displayName: 'Omar Outside',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  methods: [],
};

const tapUsers: ContractGroup = {
  id: 'a0a0a0a0-3000-4000-8000-000000000001',
  displayName: 'Temporary Access Pass users',
  isAssignableToRole: false,
  members: [
    grace.id,
    guest.id,
    CONTRACT_USERS.adele.id,
    CONTRACT_USERS.megan.id,
    CONTRACT_USERS.globalAdmin.id,
  ],
};

/** The contract fixture plus the loop's users, a P1 tenant, and a TAP policy on for `tapUsers`. */
export const LOOP_FIXTURE: ContractFixture = {
  ...CONTRACT_FIXTURE,
  users: [...CONTRACT_FIXTURE.users, grace, guest, outsider],
  groups: [...CONTRACT_FIXTURE.groups, tapUsers],
  entraPremium: true,
  tapPolicy: { enabled: true, includeGroupIds: [tapUsers.id] },
};

export const LOOP_USERS = { grace, guest, outsider } as const;

const minutesAfter = (date: Date, minutes: number) => new Date(date.getTime() + minutes * 60_000);

export function directoryLoopContract(name: string, setup: LoopDirectorySetup): void {
  describe(`Directory loop contract: ${name}`, () => {
    let subject: LoopDirectoryUnderTest;
    let directory: Directory;
    const { adele, megan, synced, globalAdmin } = CONTRACT_USERS;

    beforeEach(async () => {
      subject = await setup(structuredClone(LOOP_FIXTURE));
      directory = subject.directory;
    });

    afterEach(async () => {
      await subject.close?.();
    });

    describe('readSignInState', () => {
      it('When read right after a reset, then the change is pending, methods are listed without the password and nothing is seen yet', async () => {
        const resetAt = new Date();
        await directory.resetPassword(grace.id, 'Tq7#vLm2!xRb9z');
        const state = await directory.readSignInState(grace.id);
        expect(state.userId).toBe(grace.id);
        expect(state.password.forceChange).toBe('pending');
        expect(Date.parse(state.password.lastChangedAt!)).toBeGreaterThanOrEqual(
          Math.floor(resetAt.getTime() / 1000) * 1000,
        );
        expect(state.methods).toEqual({
          state: 'read',
          items: [
            expect.objectContaining({
              kind: 'microsoftAuthenticatorAuthenticationMethod',
              id: grace.methods[0]!.id,
            }),
          ],
        });
        expect(state.signIn).toEqual({ state: 'read' });
        const evidence = assessSignIn(state, signInBaseline(state, resetAt));
        expect(evidence).toEqual({
          passwordChanged: 'no',
          strongMethodRegistered: 'no',
          signedIn: 'no',
          newStrongMethods: [],
        });
      });

      it('When the staff member signs in, changes the password and registers an authenticator, then all three are seen', async () => {
        const resetAt = new Date(Date.now() - 60_000);
        await directory.resetPassword(grace.id, 'Tq7#vLm2!xRb9z');
        await directory.removeMfaMethods(grace.id);
        const baseline = signInBaseline(await directory.readSignInState(grace.id), resetAt);
        expect(baseline.methodIds).toEqual([]);

        const back = minutesAfter(new Date(), 5);
        subject.signsInAndChangesPassword(grace.id, back);
        subject.registersMethod(
          grace.id,
          { type: AUTHENTICATOR_TYPE, id: '0f0e0d0c-0b0a-4909-8807-060504030201' },
          back,
        );
        const state = await directory.readSignInState(grace.id);
        expect(state.password.forceChange).toBe('not-pending');
        expect(state.signIn).toEqual({
          state: 'read',
          lastSuccessfulAt: back.toISOString().replace(/\.\d{3}Z$/, '.000Z'),
        });
        expect(assessSignIn(state, baseline)).toEqual({
          passwordChanged: 'yes',
          strongMethodRegistered: 'yes',
          signedIn: 'yes',
          newStrongMethods: ['microsoftAuthenticatorAuthenticationMethod'],
        });
      });

      it('When a phone comes back with its fixed id after the removal, then it counts as registered again', async () => {
        const resetAt = new Date();
        await directory.removeMfaMethods(adele.id);
        const baseline = signInBaseline(await directory.readSignInState(adele.id), resetAt);
        subject.registersMethod(adele.id, { type: PHONE_TYPE, id: MOBILE_ID }, minutesAfter(resetAt, 3));
        const evidence = assessSignIn(await directory.readSignInState(adele.id), baseline);
        expect(evidence.strongMethodRegistered).toBe('yes');
        expect(evidence.newStrongMethods).toEqual(['phoneAuthenticationMethod']);
      });

      it('When the staff member only signs in, then a sign-in is seen and nothing else', async () => {
        const resetAt = new Date();
        await directory.resetPassword(megan.id, 'Tq7#vLm2!xRb9z');
        const baseline = signInBaseline(await directory.readSignInState(megan.id), resetAt);
        subject.signsIn(megan.id, minutesAfter(resetAt, 2));
        const evidence = assessSignIn(await directory.readSignInState(megan.id), baseline);
        expect(evidence).toMatchObject({
          passwordChanged: 'no',
          signedIn: 'yes',
          strongMethodRegistered: 'no',
        });
      });

      it('When asked by UPN, then the answer is about the object id and sign-in activity is still read', async () => {
        subject.signsIn(grace.id, new Date());
        const state = await directory.readSignInState(grace.userPrincipalName);
        expect(state.userId).toBe(grace.id);
        expect(state.signIn.state).toBe('read');
      });

      it('When the tenant has no Entra ID P1/P2, then sign-in activity is "not licensed", the rest is read, and nothing is seen from it', async () => {
        const unlicensed = await setup({ ...structuredClone(LOOP_FIXTURE), entraPremium: false });
        try {
          const resetAt = new Date();
          unlicensed.signsIn(grace.id, minutesAfter(resetAt, 1));
          const state = await unlicensed.directory.readSignInState(grace.id);
          expect(state.signIn.state).toBe('not-licensed');
          expect(state.methods.state).toBe('read');
          expect(state.password.forceChange).not.toBe('unknown');
          expect(assessSignIn(state, signInBaseline(state, resetAt)).signedIn).toBe('unknown');
        } finally {
          await unlicensed.close?.();
        }
      });

      it('When the user does not exist, then not-found is thrown', async () => {
        const err = await caught(directory.readSignInState('00000000-0000-4000-8000-00000000dead'));
        expect((err as DirectoryError).reason).toBe('not-found');
      });

      it('When the read is throttled, then TransientError carries Retry-After', async () => {
        subject.throttleNext(5);
        const err = await caught(directory.readSignInState(grace.id));
        expect(err).toBeInstanceOf(TransientError);
        expect((err as TransientError).retryAfterMs).toBe(5_000);
      });
    });

    describe('notificationAddresses', () => {
      it('When alternate addresses are on file, then only those that cannot be the reset mailbox remain, each once', async () => {
        expect(await directory.notificationAddresses(grace.id)).toEqual({
          independent: ['Grace.Personal@fabrikam.example'],
          excluded: [
            { address: 'GRACE@contoso.example', reason: 'own-address' },
            { address: 'grace.h@sales.contoso.example', reason: 'same-domain' },
            { address: 'g.hopper@contoso.example', reason: 'same-domain' },
            { address: 'grace at home', reason: 'not-an-address' },
            { address: 'grace@northwind.example', reason: 'own-address' },
          ],
        });
      });

      it('When the only alternate address is the mail itself, then there is no independent address', async () => {
        expect((await directory.notificationAddresses(guest.id)).independent).toEqual([]);
      });

      it('When none is on file, then both lists are empty', async () => {
        expect(await directory.notificationAddresses(megan.id)).toEqual({ independent: [], excluded: [] });
      });
    });

    describe('issueTemporaryAccessPass', () => {
      it('When the policy includes the user, then a one-time pass starting now is issued and registered', async () => {
        const before = Date.now();
        const issued = await directory.issueTemporaryAccessPass(grace.id, {
          lifetimeMinutes: 60,
          usableOnce: true,
        });
        expect(issued.temporaryAccessPass.length).toBeGreaterThanOrEqual(8);
        expect(issued.usableOnce).toBe(true);
        expect(issued.lifetimeMinutes).toBe(60);
        expect(Date.parse(issued.startsAt)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
        expect(Date.parse(issued.expiresAt) - Date.parse(issued.startsAt)).toBe(60 * 60_000);
        expect((await subject.inspectLoop(grace.id)).methodIds).toContain(issued.id);
      });

      it('When a pass is issued twice, then only the second is left (one per user)', async () => {
        const first = await directory.issueTemporaryAccessPass(grace.id, {
          lifetimeMinutes: 60,
          usableOnce: true,
        });
        const second = await directory.issueTemporaryAccessPass(grace.id, {
          lifetimeMinutes: 60,
          usableOnce: true,
        });
        const ids = (await subject.inspectLoop(grace.id)).methodIds;
        expect(ids).toContain(second.id);
        expect(ids).not.toContain(first.id);
      });

      it('When MFA methods are removed first and the pass issued after, then the pass stays and everything else is gone', async () => {
        const stale = await directory.issueTemporaryAccessPass(adele.id, {
          lifetimeMinutes: 60,
          usableOnce: true,
        });
        const removed = await directory.removeMfaMethods(adele.id);
        expect(removed.map((r) => r.id)).toContain(stale.id);
        const issued = await directory.issueTemporaryAccessPass(adele.id, {
          lifetimeMinutes: 60,
          usableOnce: true,
        });
        expect((await subject.inspectLoop(adele.id)).methodIds).toEqual([issued.id]);
      });

      it('When the policy leaves the user out, then tap-not-allowed is thrown and no pass exists', async () => {
        const err = await caught(
          directory.issueTemporaryAccessPass(outsider.id, { lifetimeMinutes: 60, usableOnce: true }),
        );
        expect(err).toBeInstanceOf(DirectoryError);
        expect((err as DirectoryError).reason).toBe('tap-not-allowed');
        expect((await subject.inspectLoop(outsider.id)).methodIds).toEqual([]);
      });

      it('When the policy is off, then tap-not-allowed is thrown', async () => {
        const off = await setup({
          ...structuredClone(LOOP_FIXTURE),
          tapPolicy: { enabled: false, includeGroupIds: [] },
        });
        try {
          const err = await caught(
            off.directory.issueTemporaryAccessPass(grace.id, { lifetimeMinutes: 60, usableOnce: true }),
          );
          expect((err as DirectoryError).reason).toBe('tap-not-allowed');
        } finally {
          await off.close?.();
        }
      });

      it('When the user is a guest, then guest-user is thrown', async () => {
        const err = await caught(
          directory.issueTemporaryAccessPass(guest.id, { lifetimeMinutes: 60, usableOnce: true }),
        );
        expect((err as DirectoryError).reason).toBe('guest-user');
      });

      it('When the user is privileged, then insufficient-privileges is thrown', async () => {
        const err = await caught(
          directory.issueTemporaryAccessPass(globalAdmin.id, { lifetimeMinutes: 60, usableOnce: true }),
        );
        expect((err as DirectoryError).reason).toBe('insufficient-privileges');
      });

      it('When the lifetime is outside 10 to 43,200 minutes, then bad-request is thrown and nothing is issued', async () => {
        for (const lifetimeMinutes of [5, 43_201, 60.5]) {
          const err = await caught(
            directory.issueTemporaryAccessPass(grace.id, { lifetimeMinutes, usableOnce: true }),
          );
          expect((err as DirectoryError).reason).toBe('bad-request');
        }
        expect((await subject.inspectLoop(grace.id)).methodIds).toEqual([grace.methods[0]!.id]);
      });

      it('When a refusal or a throttle is thrown, then it never holds an earlier pass', async () => {
        const issued = await directory.issueTemporaryAccessPass(grace.id, {
          lifetimeMinutes: 60,
          usableOnce: true,
        });
        subject.throttleNext(2);
        const throttled = await caught(
          directory.issueTemporaryAccessPass(grace.id, { lifetimeMinutes: 60, usableOnce: true }),
        );
        expect(throttled).toBeInstanceOf(TransientError);
        const refused = await caught(
          directory.issueTemporaryAccessPass(guest.id, { lifetimeMinutes: 60, usableOnce: true }),
        );
        for (const err of [throttled, refused])
          expect(everythingIn(err)).not.toContain(issued.temporaryAccessPass);
      });
    });

    describe('removeTemporaryAccessPass', () => {
      it('When the pass is removed, then it is gone, and removing it again still succeeds', async () => {
        const issued = await directory.issueTemporaryAccessPass(megan.id, {
          lifetimeMinutes: 60,
          usableOnce: true,
        });
        await directory.removeTemporaryAccessPass(megan.id, issued.id);
        expect((await subject.inspectLoop(megan.id)).methodIds).toEqual([]);
        await expect(directory.removeTemporaryAccessPass(megan.id, issued.id)).resolves.toBeUndefined();
      });
    });

    describe('blockSignIn', () => {
      it('When sign-in is blocked, then the account is disabled', async () => {
        await directory.blockSignIn(grace.id);
        expect((await subject.inspectLoop(grace.id)).accountEnabled).toBe(false);
      });

      it('When the user is synchronised from on-premises, then synced-object is thrown and the account stays enabled', async () => {
        const err = await caught(directory.blockSignIn(synced.id));
        expect((err as DirectoryError).reason).toBe('synced-object');
        expect((await subject.inspectLoop(synced.id)).accountEnabled).toBe(true);
      });

      it('When the user is privileged, then insufficient-privileges is thrown', async () => {
        const err = await caught(directory.blockSignIn(globalAdmin.id));
        expect((err as DirectoryError).reason).toBe('insufficient-privileges');
      });
    });
  });
}
