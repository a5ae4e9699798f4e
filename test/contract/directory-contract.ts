import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryError, TransientError } from '../../services/domain/errors.js';
import type { Directory, DirectoryUser } from '../../services/domain/ports.js';

/**
 * The behaviours every `Directory` implementation promises the reset use case, as a reusable vitest suite.
 * An implementation's test calls `directoryContract(name, setup)`; `setup` receives the fixture below, must
 * make the backing system (a simulator, a sandbox tenant) hold exactly it, and returns the directory under
 * test plus a way to look at the backing system's state.
 */

export const PASSWORD_TYPE = '#microsoft.graph.passwordAuthenticationMethod';
export const PHONE_TYPE = '#microsoft.graph.phoneAuthenticationMethod';
export const AUTHENTICATOR_TYPE = '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod';
export const FIDO2_TYPE = '#microsoft.graph.fido2AuthenticationMethod';
export const EMAIL_TYPE = '#microsoft.graph.emailAuthenticationMethod';
export const OATH_TYPE = '#microsoft.graph.softwareOathAuthenticationMethod';
export const EXTERNAL_TYPE = '#microsoft.graph.externalAuthenticationMethod';
export const MOBILE_ID = '3179e48a-750b-4051-897c-87b9720928f7';
export const ALTERNATE_MOBILE_ID = 'b6332ec1-7057-4abe-9331-3d72feddfe41';
export const OFFICE_ID = 'e37fc753-ff3b-4958-9484-eaa9425c82bc';

export interface ContractMethod {
  /** Full `@odata.type`, e.g. `#microsoft.graph.phoneAuthenticationMethod`. */
  type: string;
  id: string;
  /** The user's default sign-in method (Graph refuses to delete it while others remain). */
  isDefault?: boolean;
}

export interface ContractUser extends DirectoryUser {
  managerId?: string;
  methods: ContractMethod[];
  /** Holds a role the app may not reset (the tenant answers 403 to a password reset). */
  privileged?: boolean;
  givenName?: string;
  surname?: string;
  /** Directory roles assigned to the user directly, by display name. */
  activeRoles?: string[];
  /** Roles the user may activate through PIM, by display name. */
  eligibleRoles?: string[];
  /** `Guest` for an external (B2B) user; a member otherwise. */
  userType?: 'Member' | 'Guest';
  /** Admin-set alternate email addresses. */
  otherMails?: string[];
  /** `SMTP:`/`smtp:` proxy addresses; the backing system's default when unset. */
  proxyAddresses?: string[];
}

export interface ContractGroup {
  id: string;
  displayName: string;
  isAssignableToRole: boolean;
  /** Member user and group ids. */
  members: string[];
  /** Directory roles assigned to the group (role-assignable groups only). */
  activeRoles?: string[];
}

export interface ContractFixture {
  users: ContractUser[];
  groups: ContractGroup[];
  /** Words the tenant's banned-password list holds. */
  bannedPasswords: string[];
  /** Whether the tenant is licensed for PIM (Entra ID P2 or ID Governance), so eligibility can be read. */
  pimLicensed: boolean;
  /** Whether the tenant has Entra ID P1/P2, so sign-in activity can be read. Default true. */
  entraPremium?: boolean;
  /** The Temporary Access Pass policy: off (the default) or on for the members of these groups. */
  tapPolicy?: { enabled: boolean; includeGroupIds: string[] };
}

export interface UserStateProbe {
  password?: string;
  forceChangePasswordNextSignIn?: boolean;
  /** Ids of the methods still registered, password method excluded. */
  methodIds: string[];
  sessionsRevoked: boolean;
}

export interface DirectoryUnderTest {
  directory: Directory;
  inspect(userId: string): Promise<UserStateProbe>;
  /** The backing system answers the next request 429 with `Retry-After: retryAfterSeconds`. */
  throttleNext(retryAfterSeconds: number): void;
  close?(): Promise<void>;
}

export type DirectorySetup = (fixture: ContractFixture) => Promise<DirectoryUnderTest>;

const megan: ContractUser = {
  id: '5bde3e51-d13b-4db1-9948-fe4b109d11a7',
  userPrincipalName: 'MeganB@contoso.example',
  displayName: 'Megan Bowen',
  mail: 'megan.bowen@contoso.example',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  methods: [],
};

const adele: ContractUser = {
  id: '87d349ed-44d7-43e1-9a83-5f2406dee5bd',
  userPrincipalName: 'AdeleV@contoso.example',
  displayName: 'Adele Vance',
  mail: 'adele.vance@contoso.example',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  managerId: megan.id,
  methods: [
    { type: PHONE_TYPE, id: MOBILE_ID },
    { type: AUTHENTICATOR_TYPE, id: 'f2e0a1b9-3c5d-4e6f-8a7b-9c0d1e2f3a4b', isDefault: true },
    { type: PHONE_TYPE, id: ALTERNATE_MOBILE_ID },
    { type: FIDO2_TYPE, id: '-2_Hdbe8BjiOZ8dvbm3fcQ2' },
    { type: EMAIL_TYPE, id: '3ddfcfc8-9383-446f-83cc-3ab9be4be18f' },
    { type: PHONE_TYPE, id: OFFICE_ID },
    { type: OATH_TYPE, id: 'b172893e-893e-4fb4-a4b5-3e5b4b0b5d1a' },
    { type: EXTERNAL_TYPE, id: 'c7a1f0d2-5b3e-4c8a-9d6f-2e1b0a9c8d7e' },
  ],
};

/** Mobile phone is the default and listed first; an alternate and an app exist. */
const mobileDefault: ContractUser = {
  id: 'a1c2e3f4-0000-4000-8000-000000000001',
  userPrincipalName: 'lynne.robbins@contoso.example',
  displayName: 'Lynne Robbins',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  methods: [
    { type: PHONE_TYPE, id: MOBILE_ID, isDefault: true },
    { type: PHONE_TYPE, id: ALTERNATE_MOBILE_ID },
    { type: AUTHENTICATOR_TYPE, id: '0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5' },
  ],
};

const obrien: ContractUser = {
  id: '0f6e5d4c-3b2a-4190-8877-665544332211',
  userPrincipalName: "o'brien@contoso.example",
  displayName: "Pat O'Brien",
  givenName: 'Pat',
  surname: "O'Brien",
  mail: "pat.o'brien@contoso.example",
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  methods: [],
};

const synced: ContractUser = {
  id: 'd4c3b2a1-1111-4222-8333-444455556666',
  userPrincipalName: 'alex.wilber@contoso.example',
  displayName: 'Alex Wilber',
  mail: 'alex.wilber@contoso.example',
  accountEnabled: true,
  onPremisesSyncEnabled: true,
  onPremises: {
    samAccountName: 'awilber',
    domainName: 'corp.contoso.example',
    lastSyncDateTime: '2026-07-01T08:30:00Z',
    distinguishedName: 'CN=Alex Wilber,OU=Staff,DC=corp,DC=contoso,DC=example',
  },
  methods: [{ type: AUTHENTICATOR_TYPE, id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' }],
};

const globalAdmin: ContractUser = {
  id: 'e5f6a7b8-2222-4333-8444-555566667777',
  userPrincipalName: 'admin@contoso.example',
  displayName: 'Tenant Admin',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  privileged: true,
  activeRoles: ['Global Administrator'],
  methods: [],
};

/** Top of a three-level chain: ceo ← joanna ← john. */
const ceo: ContractUser = {
  id: 'c0c0c0c0-1000-4000-8000-000000000001',
  userPrincipalName: 'isaiah.langer@contoso.example',
  displayName: 'Isaiah Langer',
  givenName: 'Isaiah',
  surname: 'Langer',
  mail: 'isaiah.langer@contoso.example',
  department: 'Executive',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  methods: [],
};

const joanna: ContractUser = {
  id: 'c0c0c0c0-1000-4000-8000-000000000002',
  userPrincipalName: 'joanna.smithers@contoso.example',
  displayName: 'Joanna Smithers',
  givenName: 'Joanna',
  surname: 'Smithers',
  mail: 'joanna.smithers@contoso.example',
  department: 'Sales',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  managerId: ceo.id,
  methods: [],
};

const john: ContractUser = {
  id: 'c0c0c0c0-1000-4000-8000-000000000003',
  userPrincipalName: 'john.smith@contoso.example',
  displayName: 'John Smith',
  givenName: 'John',
  surname: 'Smith',
  mail: 'john.smith@contoso.example',
  department: 'Finance',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  managerId: joanna.id,
  methods: [],
};

/** Holds Helpdesk Administrator only through a role-assignable group. */
const nestor: ContractUser = {
  id: 'c0c0c0c0-1000-4000-8000-000000000004',
  userPrincipalName: 'nestor.wilke@contoso.example',
  displayName: 'Nestor Wilke',
  givenName: 'Nestor',
  surname: 'Wilke',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  methods: [],
};

/** Eligible for Privileged Role Administrator through PIM, holds nothing active. */
const patti: ContractUser = {
  id: 'c0c0c0c0-1000-4000-8000-000000000005',
  userPrincipalName: 'patti.fernandez@contoso.example',
  displayName: 'Patti Fernandez',
  givenName: 'Patti',
  surname: 'Fernandez',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  eligibleRoles: ['Privileged Role Administrator'],
  methods: [],
};

/** Two users set as each other's manager (Entra does not prevent it). */
const lidia: ContractUser = {
  id: 'c0c0c0c0-1000-4000-8000-000000000006',
  userPrincipalName: 'lidia.holloway@contoso.example',
  displayName: 'Lidia Holloway',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  managerId: 'c0c0c0c0-1000-4000-8000-000000000007',
  methods: [],
};

const diego: ContractUser = {
  id: 'c0c0c0c0-1000-4000-8000-000000000007',
  userPrincipalName: 'diego.siciliani@contoso.example',
  displayName: 'Diego Siciliani',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  managerId: lidia.id,
  methods: [],
};

const financeTeam: ContractGroup = {
  id: 'a0a0a0a0-2000-4000-8000-000000000001',
  displayName: 'Finance Team',
  isAssignableToRole: false,
  members: [john.id],
};

/** Holds john only through the nested Finance Team. */
const allStaff: ContractGroup = {
  id: 'a0a0a0a0-2000-4000-8000-000000000002',
  displayName: 'All Staff',
  isAssignableToRole: false,
  members: [financeTeam.id, megan.id],
};

const tier0: ContractGroup = {
  id: 'a0a0a0a0-2000-4000-8000-000000000003',
  displayName: 'Tier 0 Helpdesk',
  isAssignableToRole: true,
  members: [nestor.id],
  activeRoles: ['Helpdesk Administrator'],
};

/** The fixture every implementation's setup must seed. */
export const CONTRACT_FIXTURE: ContractFixture = {
  users: [
    megan,
    adele,
    mobileDefault,
    obrien,
    synced,
    globalAdmin,
    ceo,
    joanna,
    john,
    nestor,
    patti,
    lidia,
    diego,
  ],
  groups: [financeTeam, allStaff, tier0],
  bannedPasswords: ['contoso'],
  pimLicensed: true,
};

export const CONTRACT_USERS = {
  megan,
  adele,
  mobileDefault,
  obrien,
  synced,
  globalAdmin,
  ceo,
  joanna,
  john,
  nestor,
  patti,
  lidia,
  diego,
} as const;

export const CONTRACT_GROUPS = { financeTeam, allStaff, tier0 } as const;

/** A password that meets Entra's policy (14 chars, four classes, allowed ASCII only). */
const GOOD_PASSWORD = 'Tq7#vLm2!xRb9z';

export function asDirectoryUser(user: ContractUser): DirectoryUser {
  const {
    managerId: _m,
    methods: _x,
    privileged: _p,
    givenName: _g,
    surname: _s,
    activeRoles: _a,
    eligibleRoles: _e,
    userType: _t,
    otherMails: _o,
    proxyAddresses: _x2,
    ...rest
  } = user;
  return rest;
}

const ids = (users: DirectoryUser[]): string[] => users.map((u) => u.id);
const sortedIds = (users: DirectoryUser[]): string[] => ids(users).sort();

/** Everything a thrown error exposes to logs and notes: message, stack, cause and own fields. */
export function everythingIn(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return [
    err.message,
    err.stack ?? '',
    JSON.stringify(err),
    JSON.stringify(err.cause ?? null),
    String(err.cause ?? ''),
  ].join('\n');
}

export async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

export function directoryContract(name: string, setup: DirectorySetup): void {
  describe(`Directory contract: ${name}`, () => {
    let subject: DirectoryUnderTest;
    let directory: Directory;

    beforeEach(async () => {
      subject = await setup(structuredClone(CONTRACT_FIXTURE));
      directory = subject.directory;
    });

    afterEach(async () => {
      await subject.close?.();
    });

    describe('findUsersByAddress', () => {
      it('When the address is a UPN in another case, then that user is found with its directory facts', async () => {
        const users = await directory.findUsersByAddress('adelev@CONTOSO.example');
        expect(users).toEqual([asDirectoryUser(adele)]);
      });

      it('When the address is the primary mail, then the user is found', async () => {
        const users = await directory.findUsersByAddress('Megan.Bowen@contoso.example');
        expect(users.map((u) => u.id)).toEqual([megan.id]);
      });

      it('When no user has the address, then the result is empty', async () => {
        expect(await directory.findUsersByAddress('nobody@contoso.example')).toEqual([]);
      });

      it('When the address holds a single quote, then the user is still found', async () => {
        const users = await directory.findUsersByAddress("O'Brien@contoso.example");
        expect(users.map((u) => u.id)).toEqual([obrien.id]);
        expect((await directory.findUsersByAddress("pat.o'brien@contoso.example")).map((u) => u.id)).toEqual([
          obrien.id,
        ]);
      });

      it('When the address tries to extend the filter, then it is matched literally and finds nobody', async () => {
        const injected = `x' or mail eq '${adele.mail}`;
        expect(await directory.findUsersByAddress(injected)).toEqual([]);
        expect(await directory.findUsersByAddress("' or 1 eq 1 or mail eq '")).toEqual([]);
      });

      it('When the user is synchronised from on-premises AD, then that is reported with the on-premises facts', async () => {
        const [user] = await directory.findUsersByAddress(synced.userPrincipalName);
        expect(user).toEqual(asDirectoryUser(synced));
        expect(user?.onPremisesSyncEnabled).toBe(true);
      });

      it('When the user is cloud-only, then it is not reported as synchronised', async () => {
        const [user] = await directory.findUsersByAddress(megan.userPrincipalName);
        expect(user?.onPremisesSyncEnabled).toBe(false);
        expect(user?.onPremises).toBeUndefined();
      });
    });

    describe('getManager', () => {
      it('When the user has a manager, then the manager is returned', async () => {
        expect(await directory.getManager(adele.id)).toEqual(asDirectoryUser(megan));
      });

      it('When the user has no manager, then the result is null', async () => {
        expect(await directory.getManager(megan.id)).toBeNull();
      });
    });

    describe('resetPassword', () => {
      it('When the password meets the policy, then it is set and must be changed at next sign-in', async () => {
        await directory.resetPassword(adele.id, GOOD_PASSWORD);
        const state = await subject.inspect(adele.id);
        expect(state.password).toBe(GOOD_PASSWORD);
        expect(state.forceChangePasswordNextSignIn).toBe(true);
      });

      it('When the tenant refuses the password for complexity, then password-rejected is thrown without the password', async () => {
        const weak = 'alllowercaseonly';
        const err = await caught(directory.resetPassword(adele.id, weak));
        expect(err).toBeInstanceOf(DirectoryError);
        expect((err as DirectoryError).reason).toBe('password-rejected');
        expect(everythingIn(err)).not.toContain(weak);
        expect((await subject.inspect(adele.id)).password).not.toBe(weak);
      });

      it('When the password holds a banned word, then password-rejected is thrown without the password', async () => {
        const banned = 'Contoso#2026!x';
        const err = await caught(directory.resetPassword(adele.id, banned));
        expect((err as DirectoryError).reason).toBe('password-rejected');
        expect(everythingIn(err)).not.toContain(banned);
      });

      it('When the password holds a character Entra does not allow, then password-rejected is thrown', async () => {
        const err = await caught(directory.resetPassword(adele.id, 'Pässwörd#2026xy'));
        expect((err as DirectoryError).reason).toBe('password-rejected');
      });

      it('When the user is synchronised from on-premises, then synced-object is thrown and nothing changes', async () => {
        const err = await caught(directory.resetPassword(synced.id, GOOD_PASSWORD));
        expect(err).toBeInstanceOf(DirectoryError);
        expect((err as DirectoryError).reason).toBe('synced-object');
        expect(everythingIn(err)).not.toContain(GOOD_PASSWORD);
        expect((await subject.inspect(synced.id)).password).toBeUndefined();
      });

      it('When the user holds a privileged role, then insufficient-privileges is thrown', async () => {
        const err = await caught(directory.resetPassword(globalAdmin.id, GOOD_PASSWORD));
        expect((err as DirectoryError).reason).toBe('insufficient-privileges');
        expect(everythingIn(err)).not.toContain(GOOD_PASSWORD);
      });

      it('When the user does not exist, then not-found is thrown', async () => {
        const err = await caught(
          directory.resetPassword('00000000-0000-4000-8000-00000000dead', GOOD_PASSWORD),
        );
        expect((err as DirectoryError).reason).toBe('not-found');
      });

      it('When the service throttles, then TransientError carries Retry-After and not the password', async () => {
        subject.throttleNext(7);
        const err = await caught(directory.resetPassword(adele.id, GOOD_PASSWORD));
        expect(err).toBeInstanceOf(TransientError);
        expect((err as TransientError).retryAfterMs).toBe(7000);
        expect(everythingIn(err)).not.toContain(GOOD_PASSWORD);
      });
    });

    describe('removeMfaMethods', () => {
      it('When the user has many methods, then all but the password are removed, each reported', async () => {
        const results = await directory.removeMfaMethods(adele.id);
        expect(results.map((r) => r.id).sort()).toEqual(adele.methods.map((m) => m.id).sort());
        expect(results.every((r) => r.outcome === 'removed')).toBe(true);
        expect(results.find((r) => r.id === MOBILE_ID)?.kind).toBe('phoneAuthenticationMethod');
        expect((await subject.inspect(adele.id)).methodIds).toEqual([]);
      });

      it('When the default method is the mobile phone and an alternate exists, then all are still removed', async () => {
        const results = await directory.removeMfaMethods(mobileDefault.id);
        expect(results).toHaveLength(3);
        expect(results.every((r) => r.outcome === 'removed')).toBe(true);
        expect((await subject.inspect(mobileDefault.id)).methodIds).toEqual([]);
      });

      it('When the user has no methods but the password, then nothing is reported', async () => {
        expect(await directory.removeMfaMethods(megan.id)).toEqual([]);
      });

      it('When the user is synchronised, then MFA removal still works', async () => {
        const results = await directory.removeMfaMethods(synced.id);
        expect(results.map((r) => r.outcome)).toEqual(['removed']);
      });

      it('When listing the methods is throttled, then TransientError carries Retry-After', async () => {
        subject.throttleNext(3);
        const err = await caught(directory.removeMfaMethods(adele.id));
        expect(err).toBeInstanceOf(TransientError);
        expect((err as TransientError).retryAfterMs).toBe(3000);
      });
    });

    describe('revokeSignInSessions', () => {
      it('When sessions are revoked, then the directory records it', async () => {
        await directory.revokeSignInSessions(adele.id);
        expect((await subject.inspect(adele.id)).sessionsRevoked).toBe(true);
      });
    });

    describe('searchUsersByName', () => {
      it('When a partial name matches one user, then that user is found with the department', async () => {
        expect(await directory.searchUsersByName('Smithers', 10)).toEqual([asDirectoryUser(joanna)]);
      });

      it('When every word starts some name field of several users, then all of them are found', async () => {
        expect(sortedIds(await directory.searchUsersByName('jo smi', 10))).toEqual(
          [joanna.id, john.id].sort(),
        );
        expect(sortedIds(await directory.searchUsersByName('  SMI   Jo ', 10))).toEqual(
          [joanna.id, john.id].sort(),
        );
      });

      it('When a word matches only the user principal name or mail, then the user is still found', async () => {
        expect(ids(await directory.searchUsersByName('john.sm', 10))).toEqual([john.id]);
      });

      it('When the words match different users but no one user, then nobody is found', async () => {
        expect(await directory.searchUsersByName('John Smithers', 10)).toEqual([]);
        expect(await directory.searchUsersByName('Zebedee', 10)).toEqual([]);
      });

      it('When the name holds a single quote, then the user is still found', async () => {
        expect(ids(await directory.searchUsersByName("o'bri", 10))).toEqual([obrien.id]);
        expect(ids(await directory.searchUsersByName("Pat O'B", 10))).toEqual([obrien.id]);
      });

      it('When the text tries to extend the filter, then it is matched literally and finds nobody', async () => {
        expect(await directory.searchUsersByName("x') or startswith(displayName,'", 10)).toEqual([]);
        expect(await directory.searchUsersByName("' or 1 eq 1 or mail eq '", 10)).toEqual([]);
      });

      it('When more users match than the limit, then at most the limit is returned', async () => {
        expect(await directory.searchUsersByName('jo smi', 1)).toHaveLength(1);
      });

      it('When the text is empty, too long or holds control characters, then nothing is returned', async () => {
        for (const text of ['', '   ', 'jo\u0000', 'jo\nsmi', 'j'.repeat(101)]) {
          expect(await directory.searchUsersByName(text, 10)).toEqual([]);
        }
      });
    });

    describe('getManagerChain', () => {
      it('When managers are set upward, then the chain comes nearest first and stops at the top', async () => {
        expect(ids(await directory.getManagerChain(john.id, 5))).toEqual([joanna.id, ceo.id]);
      });

      it('When the depth is reached, then the chain stops there', async () => {
        expect(ids(await directory.getManagerChain(john.id, 1))).toEqual([joanna.id]);
        expect(await directory.getManagerChain(john.id, 0)).toEqual([]);
      });

      it('When the user has no manager, then the chain is empty', async () => {
        expect(await directory.getManagerChain(ceo.id, 5)).toEqual([]);
      });

      it('When managers form a cycle, then the chain stops before repeating anyone', async () => {
        expect(ids(await directory.getManagerChain(lidia.id, 10))).toEqual([diego.id]);
      });
    });

    describe('listMembers', () => {
      it('When the tenant is listed, then every enabled user comes with the names a request may use', async () => {
        const members = await directory.listMembers(1000);
        expect(ids(members)).toEqual(expect.arrayContaining([ceo.id, joanna.id, john.id, adele.id]));
        expect(members.every((u) => u.accountEnabled)).toBe(true);
      });

      it('When the tenant holds more users than the limit, then the list is refused, not cut', async () => {
        await expect(directory.listMembers(2)).rejects.toThrow(/more than 2 users/);
      });
    });

    describe('listReports', () => {
      it('When people report to the user, then they come level by level down to the depth asked', async () => {
        expect(ids(await directory.listReports(ceo.id, 1))).toEqual([joanna.id]);
        expect(ids(await directory.listReports(ceo.id, 2))).toEqual([joanna.id, john.id]);
        expect(ids(await directory.listReports(megan.id, 2))).toEqual([adele.id]);
      });

      it('When nobody reports to the user, then the list is empty', async () => {
        expect(await directory.listReports(john.id, 3)).toEqual([]);
      });

      it('When managers form a cycle, then each person comes once and the user never reports to themself', async () => {
        expect(ids(await directory.listReports(lidia.id, 10))).toEqual([diego.id]);
      });

      it('When reports are listed, then each carries the names and department a requester tells people apart by', async () => {
        const [first] = await directory.listReports(ceo.id, 1);
        expect(first).toMatchObject({ id: joanna.id, displayName: joanna.displayName });
      });
    });

    describe('isMemberOfGroup', () => {
      it('When the user is in the group directly or through a nested group, then it is a member', async () => {
        expect(await directory.isMemberOfGroup(john.id, financeTeam.id)).toBe(true);
        expect(await directory.isMemberOfGroup(john.id, allStaff.id)).toBe(true);
      });

      it('When the user is in neither the group nor a group inside it, then it is not a member', async () => {
        expect(await directory.isMemberOfGroup(adele.id, allStaff.id)).toBe(false);
        expect(await directory.isMemberOfGroup(megan.id, financeTeam.id)).toBe(false);
        expect(await directory.isMemberOfGroup(john.id, '00000000-0000-4000-8000-0000000000aa')).toBe(false);
      });

      it('When the group id is not a GUID, then bad-request is thrown', async () => {
        const err = await caught(directory.isMemberOfGroup(john.id, "x' or '1"));
        expect(err).toBeInstanceOf(DirectoryError);
        expect((err as DirectoryError).reason).toBe('bad-request');
      });
    });

    describe('getPrivileges', () => {
      it('When the user holds nothing, then every list is empty and eligibility is known', async () => {
        expect(await directory.getPrivileges(megan.id)).toEqual({
          activeRoles: [],
          eligibleRoles: [],
          eligibility: 'read',
          roleAssignableGroups: [],
        });
      });

      it('When the user holds a role directly, then it is an active role', async () => {
        expect((await directory.getPrivileges(globalAdmin.id)).activeRoles).toEqual(['Global Administrator']);
      });

      it('When the user is in a role-assignable group, then the group and its role are reported', async () => {
        expect(await directory.getPrivileges(nestor.id)).toEqual({
          activeRoles: ['Helpdesk Administrator'],
          eligibleRoles: [],
          eligibility: 'read',
          roleAssignableGroups: ['Tier 0 Helpdesk'],
        });
      });

      it('When the user is only in ordinary groups, then no role-assignable group is reported', async () => {
        expect((await directory.getPrivileges(john.id)).roleAssignableGroups).toEqual([]);
      });

      it('When the user is eligible for a role through PIM, then it is an eligible role, not an active one', async () => {
        expect(await directory.getPrivileges(patti.id)).toEqual({
          activeRoles: [],
          eligibleRoles: ['Privileged Role Administrator'],
          eligibility: 'read',
          roleAssignableGroups: [],
        });
      });

      it('When the tenant is not licensed for PIM, then it says so and active roles still come', async () => {
        const unlicensed = await setup({ ...structuredClone(CONTRACT_FIXTURE), pimLicensed: false });
        try {
          expect(await unlicensed.directory.getPrivileges(patti.id)).toMatchObject({
            activeRoles: [],
            eligibleRoles: [],
            eligibility: 'no-pim-licence',
            roleAssignableGroups: [],
          });
          const admin = await unlicensed.directory.getPrivileges(globalAdmin.id);
          expect(admin.activeRoles).toEqual(['Global Administrator']);
          expect(admin.eligibility).toBe('no-pim-licence');
        } finally {
          await unlicensed.close?.();
        }
      });

      it('When reading privileges is throttled, then TransientError carries Retry-After', async () => {
        subject.throttleNext(4);
        const err = await caught(directory.getPrivileges(globalAdmin.id));
        expect(err).toBeInstanceOf(TransientError);
        expect((err as TransientError).retryAfterMs).toBe(4000);
      });
    });

    it('When a lookup is throttled, then TransientError carries Retry-After', async () => {
      subject.throttleNext(7);
      const err = await caught(directory.findUsersByAddress(adele.userPrincipalName));
      expect(err).toBeInstanceOf(TransientError);
      expect((err as TransientError).retryAfterMs).toBe(7000);
    });
  });
}
