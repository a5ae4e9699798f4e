import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphDirectoryFactory } from '../../integrations/graph/graph-directory.js';
import { DirectoryError, TransientError } from '../../services/domain/errors.js';
import type { Directory } from '../../services/domain/ports.js';
import type { Logger } from '../../services/logging/logger.js';
import { startGraphSimulator, type GraphSimulator, type SimUserSpec } from '../simulators/graph-simulator.js';
import {
  ALTERNATE_MOBILE_ID,
  CONTRACT_FIXTURE,
  CONTRACT_GROUPS,
  CONTRACT_USERS,
  MOBILE_ID,
  OFFICE_ID,
  directoryContract,
  type ContractFixture,
  type DirectoryUnderTest,
} from './directory-contract.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  GOOD_PASSWORD,
  GRAPH_PATH,
  capturingLogger,
  graphOptions,
  seedTenant as seedSimTenant,
  silent,
  toSimUser,
} from './graph-contract-support.js';
import { loadRecordings, startGraphReplayServer, type Recording } from './graph-replay-server.js';

let sim: GraphSimulator;

beforeAll(async () => {
  sim = await startGraphSimulator();
});

afterAll(async () => {
  await sim.close();
});

/** A fresh tenant in the shared simulator, seeded with `fixture`, and the real adapter pointed at it. */
function seedTenant(
  fixture: ContractFixture,
  logger: Logger = silent,
): { tenantId: string; directory: Directory } {
  return seedSimTenant(sim, fixture, logger);
}

directoryContract(
  'Microsoft Graph adapter against the Graph simulator',
  async (fixture): Promise<DirectoryUnderTest> => {
    const { tenantId, directory } = seedTenant(fixture);
    return {
      directory,
      async inspect(userId) {
        const user = sim.user(tenantId, userId);
        return {
          password: user?.password,
          forceChangePasswordNextSignIn: user?.forceChangePasswordNextSignIn,
          methodIds: user?.methods.map((m) => m.id) ?? [],
          sessionsRevoked: user?.sessionsRevokedAt !== undefined,
        };
      },
      throttleNext(retryAfterSeconds) {
        sim.failNext({ pathPattern: GRAPH_PATH, status: 429, retryAfterSeconds });
      },
    };
  },
);

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

describe('Graph adapter on the wire', () => {
  const { adele, mobileDefault } = CONTRACT_USERS;

  it('When a password is reset, then the PATCH body is exactly the passwordProfile with a forced change', async () => {
    const { tenantId, directory } = seedTenant(CONTRACT_FIXTURE);
    await directory.resetPassword(adele.id, GOOD_PASSWORD);
    const patches = sim.graphRequests(tenantId).filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(patches[0]?.path).toBe(`/v1.0/users/${adele.id}`);
    expect(patches[0]?.body).toStrictEqual({
      passwordProfile: { forceChangePasswordNextSignIn: true, password: GOOD_PASSWORD },
    });
  });

  it('When the adapter calls Graph, then every request carries the bearer token issued for that tenant', async () => {
    const { tenantId, directory } = seedTenant(CONTRACT_FIXTURE);
    await directory.findUsersByAddress(adele.userPrincipalName);
    await directory.getManager(adele.id);
    const requests = sim
      .graphRequests()
      .filter((r) => r.authorization !== undefined && r.tenantId === tenantId.toLowerCase());
    expect(requests).toHaveLength(2);
    for (const request of requests) expect(request.authorization).toMatch(/^Bearer \S{20,}$/);
  });

  it('When the client secret is wrong, then auth-failed is thrown (not transient) without the secret', async () => {
    const tenantId = randomUUID();
    sim.tenant(tenantId).registerApp(CLIENT_ID, CLIENT_SECRET).addUser(toSimUser(adele));
    const wrongSecret = 'not-the-secret~0123456789';
    const directory = createGraphDirectoryFactory(
      graphOptions(sim.url, { clientSecret: wrongSecret }),
      silent,
    ).forTenant(tenantId);
    const err = await caught(directory.findUsersByAddress(adele.userPrincipalName));
    expect(err).toBeInstanceOf(DirectoryError);
    expect(err).not.toBeInstanceOf(TransientError);
    expect((err as DirectoryError).reason).toBe('auth-failed');
    expect((err as Error).message).toContain('invalid_client');
    expect(
      JSON.stringify([(err as Error).message, (err as Error).stack, (err as Error).cause]),
    ).not.toContain(wrongSecret);
    expect(sim.graphRequests(tenantId)).toHaveLength(0);
  });

  it('When one tenant is used twice, then the token is fetched once', async () => {
    const { tenantId, directory } = seedTenant(CONTRACT_FIXTURE);
    const before = sim.requests.filter(
      (r) => r.kind === 'token' && r.path.startsWith(`/${tenantId}/`),
    ).length;
    await directory.findUsersByAddress(adele.userPrincipalName);
    await directory.findUsersByAddress(adele.userPrincipalName);
    const tokenRequests = sim.requests.filter(
      (r) => r.kind === 'token' && r.path.startsWith(`/${tenantId}/`),
    );
    expect(before).toBe(0);
    expect(tokenRequests).toHaveLength(1);
    expect((tokenRequests[0]?.body as Record<string, string>).scope).toBe(`${sim.url}/.default`);
  });

  it('When Graph does not answer in time, then TransientError is thrown', async () => {
    const tenantId = randomUUID();
    sim.tenant(tenantId).registerApp(CLIENT_ID, CLIENT_SECRET).addUser(toSimUser(adele));
    const directory = createGraphDirectoryFactory(
      graphOptions(sim.url, { timeoutMs: 300 }),
      silent,
    ).forTenant(tenantId);
    await directory.findUsersByAddress(adele.userPrincipalName); // token fetched outside the timed-out call
    sim.failNext({ method: 'GET', pathPattern: GRAPH_PATH, delayMs: 1_000 });
    const err = await caught(directory.getManager(adele.id));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/did not answer within 300 ms/);
  });

  it('When Retry-After is an HTTP date, then retryAfterMs is the time until it', async () => {
    const { directory } = seedTenant(CONTRACT_FIXTURE);
    const at = new Date(Date.now() + 30_000).toUTCString();
    sim.failNext({ pathPattern: GRAPH_PATH, status: 503, retryAfter: at });
    const err = await caught(directory.revokeSignInSessions(adele.id));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBeGreaterThan(25_000);
    expect((err as TransientError).retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('When a reset fails, then no log line holds the password', async () => {
    const { logger, lines } = capturingLogger();
    const { directory } = seedTenant(CONTRACT_FIXTURE, logger);
    await caught(directory.resetPassword(CONTRACT_USERS.synced.id, GOOD_PASSWORD));
    await directory.resetPassword(adele.id, GOOD_PASSWORD);
    sim.failNext({ pathPattern: GRAPH_PATH, status: 500 });
    await caught(directory.resetPassword(adele.id, GOOD_PASSWORD));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(GOOD_PASSWORD);
  });

  it('When MFA methods are removed, then non-phones go first, then office, alternate and mobile, default retried last', async () => {
    const { tenantId, directory } = seedTenant(CONTRACT_FIXTURE);
    const results = await directory.removeMfaMethods(adele.id);
    const deletes = sim
      .graphRequests(tenantId)
      .filter((r) => r.method === 'DELETE')
      .map((r) => r.path);
    const base = `/v1.0/users/${adele.id}/authentication`;
    const authenticatorId = adele.methods.find((m) => m.isDefault)!.id;
    expect(deletes).toEqual([
      `${base}/microsoftAuthenticatorMethods/${authenticatorId}`, // default: refused while others remain
      `${base}/fido2Methods/${adele.methods[3]!.id}`,
      `${base}/emailMethods/${adele.methods[4]!.id}`,
      `${base}/softwareOathMethods/${adele.methods[6]!.id}`,
      `${base}/externalAuthenticationMethods/${adele.methods[7]!.id}/$ref`,
      `${base}/phoneMethods/${OFFICE_ID}`,
      `${base}/phoneMethods/${ALTERNATE_MOBILE_ID}`,
      `${base}/phoneMethods/${MOBILE_ID}`,
      `${base}/microsoftAuthenticatorMethods/${authenticatorId}`, // retried once after all others
    ]);
    expect(results.find((r) => r.id === authenticatorId)).toEqual({
      kind: 'microsoftAuthenticatorAuthenticationMethod',
      id: authenticatorId,
      outcome: 'removed',
    });
  });

  it('When the default method stays refused, then it is reported failed in plain words and nothing throws', async () => {
    const tenantId = randomUUID();
    // An alternate mobile that is the default cannot go while the mobile exists, and the mobile cannot go
    // while the alternate exists: Graph needs the default changed first. The adapter must report, not loop.
    sim
      .tenant(tenantId)
      .registerApp(CLIENT_ID, CLIENT_SECRET)
      .addUser({
        ...toSimUser(mobileDefault),
        methods: [
          { '@odata.type': '#microsoft.graph.phoneAuthenticationMethod', id: MOBILE_ID },
          {
            '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
            id: ALTERNATE_MOBILE_ID,
            isDefault: true,
          },
        ],
      });
    const directory = createGraphDirectoryFactory(graphOptions(sim.url), silent).forTenant(tenantId);
    const results = await directory.removeMfaMethods(mobileDefault.id);
    expect(results.map((r) => [r.id, r.outcome])).toEqual([
      [ALTERNATE_MOBILE_ID, 'failed'],
      [MOBILE_ID, 'failed'],
    ]);
    expect(results[0]?.detail).toMatch(/default sign-in method/);
    expect(results[1]?.detail).toMatch(/alternate mobile/);
    expect(sim.graphRequests(tenantId).filter((r) => r.method === 'DELETE')).toHaveLength(4);
  });

  it('When a DELETE is throttled, then TransientError is thrown and a retry removes only what remains', async () => {
    const { tenantId, directory } = seedTenant(CONTRACT_FIXTURE);
    sim.failNext({ method: 'DELETE', pathPattern: /\/phoneMethods\//, status: 429, retryAfterSeconds: 2 });
    const err = await caught(directory.removeMfaMethods(mobileDefault.id));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBe(2_000);
    expect(sim.user(tenantId, mobileDefault.id)?.methods.map((m) => m.id)).toEqual([
      MOBILE_ID,
      ALTERNATE_MOBILE_ID,
    ]);

    const retry = await directory.removeMfaMethods(mobileDefault.id);
    expect(retry.map((r) => [r.id, r.outcome])).toEqual([
      [ALTERNATE_MOBILE_ID, 'removed'],
      [MOBILE_ID, 'removed'],
    ]);
  });

  it('When a guest UPN with #EXT# and unicode is used, then lookups and paths stay intact', async () => {
    const tenantId = randomUUID();
    const guestUpn = 'zoë_fabrikam.example#EXT#@contoso.onmicrosoft.com';
    sim
      .tenant(tenantId)
      .registerApp(CLIENT_ID, CLIENT_SECRET)
      .addUser({
        id: 'guest-1',
        userPrincipalName: guestUpn,
        displayName: 'Zoë (Fabrikam)',
        mail: 'zoë@fabrikam.example',
        managerId: 'boss',
      })
      .addUser({ id: 'boss', userPrincipalName: 'boss@contoso.onmicrosoft.com', displayName: 'Boss' });
    const directory = createGraphDirectoryFactory(graphOptions(sim.url), silent).forTenant(tenantId);
    expect((await directory.findUsersByAddress(guestUpn)).map((u) => u.id)).toEqual(['guest-1']);
    expect((await directory.findUsersByAddress('zoë@fabrikam.example')).map((u) => u.id)).toEqual([
      'guest-1',
    ]);
    expect((await directory.getManager(guestUpn))?.id).toBe('boss');
    expect(sim.graphRequests(tenantId).at(-1)?.path).toBe(`/v1.0/users/${guestUpn}/manager`);
  });

  it('When a user id would change the path, then it is encoded or refused', async () => {
    const { tenantId, directory } = seedTenant(CONTRACT_FIXTURE);
    const err = await caught(
      directory.resetPassword(`${adele.id}/../${CONTRACT_USERS.globalAdmin.id}`, GOOD_PASSWORD),
    );
    expect((err as DirectoryError).reason).toBe('not-found');
    expect(sim.user(tenantId, CONTRACT_USERS.globalAdmin.id)?.password).toBeUndefined();
    await expect(directory.resetPassword('..', GOOD_PASSWORD)).rejects.toThrow();
  });
});

describe('Graph adapter on the wire: names, managers, groups, privileges', () => {
  const { john, patti, globalAdmin, nestor } = CONTRACT_USERS;
  const NAME_SELECT =
    'id,userPrincipalName,displayName,mail,accountEnabled,onPremisesSyncEnabled,onPremisesSamAccountName,onPremisesDomainName,onPremisesLastSyncDateTime,onPremisesDistinguishedName,department';

  it('When a name is searched, then one GET /users carries a per-word startswith filter, $select and $top', async () => {
    const { tenantId, directory } = seedTenant(CONTRACT_FIXTURE);
    await directory.searchUsersByName("jo o'b", 7);
    const [request, ...more] = sim.graphRequests(tenantId);
    expect(more).toEqual([]);
    expect(request?.path).toBe('/v1.0/users');
    expect(request?.query).toEqual({
      $filter:
        "(startswith(displayName,'jo') or startswith(givenName,'jo') or startswith(surname,'jo') or startswith(userPrincipalName,'jo') or startswith(mail,'jo'))" +
        " and (startswith(displayName,'o''b') or startswith(givenName,'o''b') or startswith(surname,'o''b') or startswith(userPrincipalName,'o''b') or startswith(mail,'o''b'))",
      $select: NAME_SELECT,
      $top: '7',
    });
    expect(request?.consistencyLevel).toBeUndefined();
  });

  it('When the text is refused or has more than four words, then Graph is not called', async () => {
    const { tenantId, directory } = seedTenant(CONTRACT_FIXTURE);
    for (const text of ['', ' \t ', 'jo\u0007', 'a b c d e', 'x'.repeat(101)]) {
      expect(await directory.searchUsersByName(text, 5)).toEqual([]);
    }
    expect(await directory.searchUsersByName('john', 0)).toEqual([]);
    expect(sim.graphRequests(tenantId)).toEqual([]);
    expect(await directory.searchUsersByName('a b c d', 5)).toEqual([]);
    expect(sim.graphRequests(tenantId)).toHaveLength(1);
  });

  it('When the manager chain is followed, then each step is one GET /users/{id}/manager', async () => {
    const { tenantId, directory } = seedTenant(CONTRACT_FIXTURE);
    await directory.getManagerChain(john.id, 10);
    expect(sim.graphRequests(tenantId).map((r) => r.path)).toEqual([
      `/v1.0/users/${john.id}/manager`,
      `/v1.0/users/${CONTRACT_USERS.joanna.id}/manager`,
      `/v1.0/users/${CONTRACT_USERS.ceo.id}/manager`,
    ]);
  });

  it('When membership is checked, then checkMemberGroups gets exactly the one group id', async () => {
    const { tenantId, directory } = seedTenant(CONTRACT_FIXTURE);
    await directory.isMemberOfGroup(john.id, CONTRACT_GROUPS.allStaff.id);
    const [request] = sim.graphRequests(tenantId);
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/v1.0/users/${john.id}/checkMemberGroups`);
    expect(request?.body).toStrictEqual({ groupIds: [CONTRACT_GROUPS.allStaff.id] });
  });

  it('When privileges are read, then roles, role-assignable groups (advanced query) and eligibility are asked for', async () => {
    const { tenantId, directory } = seedTenant(CONTRACT_FIXTURE);
    await directory.getPrivileges(nestor.id);
    const requests = sim.graphRequests(tenantId);
    expect(requests.map((r) => [r.path, r.query, r.consistencyLevel])).toEqual([
      [
        `/v1.0/users/${nestor.id}/transitiveMemberOf/microsoft.graph.directoryRole`,
        { $select: 'displayName,roleTemplateId' },
        undefined,
      ],
      [
        `/v1.0/users/${nestor.id}/transitiveMemberOf/microsoft.graph.group`,
        { $filter: 'isAssignableToRole eq true', $select: 'displayName,id', $count: 'true' },
        'eventual',
      ],
      [
        '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances',
        { $filter: `principalId eq '${nestor.id}'`, $expand: 'roleDefinition($select=displayName)' },
        undefined,
      ],
    ]);
  });

  it('When lists come one item per page, then every next link is followed with the same headers', async () => {
    const tenantId = randomUUID();
    const user: SimUserSpec = {
      ...toSimUser(patti),
      activeRoles: ['Global Reader', 'Exchange Administrator'],
      eligibleRoles: ['Global Administrator', 'Security Administrator'],
    };
    sim
      .tenant(tenantId)
      .registerApp(CLIENT_ID, CLIENT_SECRET)
      .pageSize(1)
      .addUser(user)
      .addGroup({ id: randomUUID(), displayName: 'PIM A', isAssignableToRole: true, members: [user.id] })
      .addGroup({ id: randomUUID(), displayName: 'PIM B', isAssignableToRole: true, members: [user.id] })
      .addGroup({ id: randomUUID(), displayName: 'Plain', isAssignableToRole: false, members: [user.id] });
    const directory = createGraphDirectoryFactory(graphOptions(sim.url), silent).forTenant(tenantId);
    expect(await directory.getPrivileges(user.id)).toEqual({
      activeRoles: ['Global Reader', 'Exchange Administrator'],
      eligibleRoles: ['Global Administrator', 'Security Administrator'],
      eligibility: 'read',
      roleAssignableGroups: ['PIM A', 'PIM B'],
    });
    const groupPages = sim.graphRequests(tenantId).filter((r) => r.path.endsWith('/microsoft.graph.group'));
    expect(groupPages).toHaveLength(2);
    expect(groupPages.every((r) => r.consistencyLevel === 'eventual' && r.query.$count === 'true')).toBe(
      true,
    );
    expect(groupPages[1]?.query.$skiptoken).toBeDefined();
  });

  it('When the app may not read PIM eligibility (403 PermissionScopeNotGranted), then eligibility is unknown', async () => {
    const { directory } = seedTenant(CONTRACT_FIXTURE);
    sim.failNext({
      pathPattern: '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances',
      status: 403,
      body: {
        error: {
          code: 'UnknownError',
          message:
            '{"errorCode":"PermissionScopeNotGranted","message":"Authorization failed due to missing permission scope RoleEligibilitySchedule.Read.Directory,RoleManagement.Read.Directory.","instanceAnnotations":[]}',
        },
      },
    });
    const privileges = await directory.getPrivileges(globalAdmin.id);
    // The app may not look: unknown, which the policy never reads as "not eligible".
    expect(privileges.eligibility).toBe('not-readable');
    expect(privileges.eligibilityProblem).toBe('Graph answered 403 UnknownError');
    expect(privileges.activeRoles).toEqual(['Global Administrator']);
  });

  it('When the eligibility read fails for an outage, then TransientError is thrown, not "unknown"', async () => {
    const { directory } = seedTenant(CONTRACT_FIXTURE);
    sim.failNext({ pathPattern: /roleEligibilityScheduleInstances$/, status: 503, retryAfterSeconds: 5 });
    const err = await caught(directory.getPrivileges(patti.id));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBe(5_000);
  });

  it('When the roles cannot be read, then the failure is thrown, never reported as "no roles"', async () => {
    const { directory } = seedTenant(CONTRACT_FIXTURE);
    sim.failNext({ pathPattern: /microsoft\.graph\.directoryRole$/, status: 403 });
    const err = await caught(directory.getPrivileges(globalAdmin.id));
    expect(err).toBeInstanceOf(DirectoryError);
    expect((err as DirectoryError).reason).toBe('insufficient-privileges');
  });

  it('When a next link points outside the Graph root, then it is not followed and the read fails', async () => {
    const { tenantId, directory } = seedTenant(CONTRACT_FIXTURE);
    sim.failNext({
      pathPattern: /microsoft\.graph\.directoryRole$/,
      status: 200,
      body: { value: [], '@odata.nextLink': 'https://attacker.example/v1.0/users?$skiptoken=x' },
    });
    const err = await caught(directory.getPrivileges(globalAdmin.id));
    expect((err as DirectoryError).reason).toBe('bad-request');
    // The roles list was read once (the other privilege reads go out beside it) and its link not followed.
    const requests = sim.graphRequests(tenantId);
    expect(requests.filter((r) => r.path.endsWith('microsoft.graph.directoryRole'))).toHaveLength(1);
    expect(requests.filter((r) => r.query.$skiptoken !== undefined)).toEqual([]);
  });

  it('When privileges are read, then the three reads go out together and a failure is reported roles first', async () => {
    const { directory } = seedTenant(CONTRACT_FIXTURE);
    // Groups and roles both fail, groups first in time: the roles failure is the one reported, as when the
    // reads ran one by one.
    sim.failNext({ pathPattern: /microsoft\.graph\.group$/, status: 503 });
    sim.failNext({ pathPattern: /microsoft\.graph\.directoryRole$/, status: 403, delayMs: 100 });
    const err = await caught(directory.getPrivileges(globalAdmin.id));
    expect(err).toBeInstanceOf(DirectoryError);
    expect((err as DirectoryError).message).toContain("list the user's directory roles");
  });

  it('When privileges are asked for by UPN, then eligibility is filtered by the resolved object id', async () => {
    const { tenantId, directory } = seedTenant(CONTRACT_FIXTURE);
    const privileges = await directory.getPrivileges(patti.userPrincipalName);
    expect(privileges.eligibleRoles).toEqual(['Privileged Role Administrator']);
    const eligibility = sim
      .graphRequests(tenantId)
      .find((r) => r.path.endsWith('roleEligibilityScheduleInstances'));
    expect(eligibility?.query.$filter).toBe(`principalId eq '${patti.id}'`);
  });
});

describe('The simulator refuses what Graph refuses', () => {
  const get = async (
    tenantId: string,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<Response> =>
    fetch(`${sim.url}${path}`, {
      headers: { Authorization: `Bearer ${sim.issueToken(tenantId)}`, ...headers },
    });

  it('When a membership list is filtered without ConsistencyLevel and $count, then 400 Request_UnsupportedQuery', async () => {
    const { tenantId } = seedTenant(CONTRACT_FIXTURE);
    const base = `/v1.0/users/${CONTRACT_USERS.nestor.id}/transitiveMemberOf/microsoft.graph.group`;
    const filter = `$filter=${encodeURIComponent('isAssignableToRole eq true')}`;
    for (const [query, headers] of [
      [`?${filter}`, {}],
      [`?${filter}&$count=true`, {}],
      [`?${filter}`, { ConsistencyLevel: 'eventual' }],
    ] as const) {
      const response = await get(tenantId, `${base}${query}`, headers);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'Request_UnsupportedQuery',
      );
    }
    const ok = await get(tenantId, `${base}?${filter}&$count=true`, { ConsistencyLevel: 'eventual' });
    expect(ok.status).toBe(200);
  });

  it('When a startswith literal is badly escaped or the filter is too deep or too wide, then 400', async () => {
    const { tenantId } = seedTenant(CONTRACT_FIXTURE);
    const status = async (filter: string): Promise<number> =>
      (await get(tenantId, `/v1.0/users?$filter=${encodeURIComponent(filter)}`)).status;
    expect(await status("startswith(displayName,'o'b')")).toBe(400);
    expect(await status("startswith(displayName,'o''b')")).toBe(200);
    expect(await status(`startswith(displayName,'${'a'.repeat(121)}')`)).toBe(400);
    const clause = "startswith(displayName,'a')";
    expect(await status(Array(16).fill(clause).join(' or '))).toBe(400);
    expect(await status(Array(15).fill(clause).join(' or '))).toBe(200);
    expect(await status(`((${clause} or (${clause} and ${clause})) and ${clause})`)).toBe(400);
    expect(await status(`startswith(jobTitle,'a')`)).toBe(400);
  });

  it('When the tenant has no PIM licence, then the eligibility list answers 400 AadPremiumLicenseRequired', async () => {
    const tenantId = randomUUID();
    sim.tenant(tenantId).pimLicensed(false);
    const response = await get(tenantId, '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'AadPremiumLicenseRequired',
    );
  });
});

describe('Recorded Graph exchanges', () => {
  const recordings = loadRecordings();
  const recording = (name: string): Recording => {
    const found = recordings.get(name);
    if (!found) throw new Error(`No recording ${name}`);
    return found;
  };

  describe('the simulator answers every recorded request as recorded', () => {
    /**
     * Drops what differs per response by nature: request ids, dates, the host in @odata.context, and the
     * values of the exchange's volatile keys (their type stays compared).
     */
    const normalise = (body: unknown, volatile: string[] = []): unknown => {
      const top = body && typeof body === 'object' ? (body as Record<string, unknown>) : undefined;
      const kept = top
        ? Object.fromEntries(
            Object.entries(top).map(([k, v]) => [k, volatile.includes(k) ? `<${typeof v}>` : v]),
          )
        : body;
      return JSON.parse(
        JSON.stringify(kept ?? null, (key, value: unknown) => {
          if (key === 'innerError') return '<innerError>';
          if ((key === '@odata.context' || key === '@odata.nextLink') && typeof value === 'string')
            return value.replace(/^https:\/\/[^/]+/, '<graph>');
          return value;
        }),
      );
    };

    for (const rec of recordings.values()) {
      it(`When the recorded "${rec.name}" requests reach the simulator, then it answers as Graph did`, async () => {
        const tenantId = randomUUID();
        const tenant = sim
          .tenant(tenantId)
          .pimLicensed(rec.seed.pimLicensed ?? true)
          .pageSize(rec.seed.pageSize ?? 100)
          .entraPremium(rec.seed.entraPremium ?? true);
        if (rec.seed.tapPolicy) tenant.tapPolicy(rec.seed.tapPolicy);
        for (const user of rec.seed.users) tenant.addUser(user);
        for (const group of rec.seed.groups ?? []) tenant.addGroup(group);
        const token = sim.issueToken(tenantId);
        for (const exchange of rec.exchanges) {
          if (exchange.fault)
            sim.failNext({
              method: exchange.request.method,
              pathPattern: exchange.request.path,
              ...exchange.fault,
            });
          const query = new URLSearchParams(exchange.request.query).toString();
          const response = await fetch(`${sim.url}${exchange.request.path}${query ? `?${query}` : ''}`, {
            method: exchange.request.method,
            headers: {
              Authorization: `Bearer ${token}`,
              'Content-Type': 'application/json',
              ...exchange.request.headers,
            },
            body: exchange.request.body === undefined ? undefined : JSON.stringify(exchange.request.body),
          });
          const text = await response.text();
          expect({ exchange: exchange.name, status: response.status }).toEqual({
            exchange: exchange.name,
            status: exchange.response.status,
          });
          expect(normalise(text === '' ? null : JSON.parse(text), exchange.volatile)).toEqual(
            normalise(exchange.response.body, exchange.volatile),
          );
          for (const [header, value] of Object.entries(exchange.response.headers)) {
            if (header.toLowerCase() === 'content-type')
              expect(response.headers.get(header)).toMatch(/^application\/json/);
            else expect(response.headers.get(header)).toBe(value);
          }
        }
      });
    }
  });

  describe('the adapter against the replayed responses', () => {
    const withReplay = async (name: string, run: (directory: Directory) => Promise<void>): Promise<void> => {
      const server = await startGraphReplayServer(recording(name).exchanges);
      try {
        const directory = createGraphDirectoryFactory(graphOptions(server.url), silent).forTenant(
          randomUUID(),
        );
        await run(directory);
        expect(server.unexpected).toEqual([]);
      } finally {
        await server.close();
      }
    };

    it('When users are looked up, then the recorded user objects map to directory users', async () => {
      await withReplay('find-users', async (directory) => {
        expect(await directory.findUsersByAddress('AdeleV@contoso.onmicrosoft.com')).toEqual([
          {
            id: '87d349ed-44d7-43e1-9a83-5f2406dee5bd',
            userPrincipalName: 'AdeleV@contoso.onmicrosoft.com',
            displayName: 'Adele Vance',
            mail: 'AdeleV@contoso.onmicrosoft.com',
            accountEnabled: true,
            onPremisesSyncEnabled: false,
          },
        ]);
        const [alex] = await directory.findUsersByAddress('AlexW@contoso.com');
        expect(alex?.onPremisesSyncEnabled).toBe(true);
        expect(alex?.onPremises).toEqual({
          samAccountName: 'awilber',
          domainName: 'corp.contoso.com',
          lastSyncDateTime: '2026-07-14T08:58:02Z',
          distinguishedName: 'CN=Alex Wilber,OU=Staff,DC=corp,DC=contoso,DC=com',
        });
        expect(await directory.findUsersByAddress('nobody@contoso.com')).toEqual([]);
      });
    });

    it('When the manager is asked for, then the recorded manager and the recorded 404 map to a user and null', async () => {
      await withReplay('manager', async (directory) => {
        expect((await directory.getManager('87d349ed-44d7-43e1-9a83-5f2406dee5bd'))?.displayName).toBe(
          'Megan Bowen',
        );
        expect(await directory.getManager('5bde3e51-d13b-4db1-9948-fe4b109d11a7')).toBeNull();
      });
    });

    it('When passwords are reset, then the recorded 204, 400s and 403 map to success and the right reasons', async () => {
      await withReplay('reset-password', async (directory) => {
        await directory.resetPassword('87d349ed-44d7-43e1-9a83-5f2406dee5bd', GOOD_PASSWORD);
        const reasons: string[] = [];
        for (const [id, password] of [
          ['87d349ed-44d7-43e1-9a83-5f2406dee5bd', 'abcdefgh'],
          ['d4c3b2a1-1111-4222-8333-444455556666', GOOD_PASSWORD],
          ['e5f6a7b8-2222-4333-8444-555566667777', GOOD_PASSWORD],
        ] as const) {
          const err = await caught(directory.resetPassword(id, password));
          expect(
            JSON.stringify([(err as Error).message, (err as Error).stack, (err as Error).cause]),
          ).not.toContain(password);
          reasons.push((err as DirectoryError).reason);
        }
        expect(reasons).toEqual(['password-rejected', 'synced-object', 'insufficient-privileges']);
      });
    });

    it('When MFA methods are removed, then the recorded list and 204s give one removed result per method', async () => {
      await withReplay('mfa-methods', async (directory) => {
        expect(await directory.removeMfaMethods('87d349ed-44d7-43e1-9a83-5f2406dee5bd')).toEqual([
          {
            kind: 'microsoftAuthenticatorAuthenticationMethod',
            id: '211f8a4a-4f6e-4c5d-b9a1-7e5c3d2b1a09',
            outcome: 'removed',
          },
          { kind: 'phoneAuthenticationMethod', id: MOBILE_ID, outcome: 'removed' },
        ]);
      });
    });

    it('When sessions are revoked, then the recorded 200 {value:true} is success', async () => {
      await withReplay('revoke-sessions', async (directory) => {
        await expect(
          directory.revokeSignInSessions('87d349ed-44d7-43e1-9a83-5f2406dee5bd'),
        ).resolves.toBeUndefined();
      });
    });

    it('When Graph throttles, then the recorded 429 becomes TransientError with Retry-After', async () => {
      await withReplay('throttled', async (directory) => {
        const err = await caught(directory.findUsersByAddress('AdeleV@contoso.onmicrosoft.com'));
        expect(err).toBeInstanceOf(TransientError);
        expect((err as TransientError).retryAfterMs).toBe(7_000);
      });
    });

    it('When a partial name is searched, then the recorded users map with their department, quotes included', async () => {
      await withReplay('search-users', async (directory) => {
        const found = await directory.searchUsersByName('jo smi', 10);
        expect(found.map((u) => [u.displayName, u.department])).toEqual([
          ['John Smith', 'Finance'],
          ['Joanna Smithers', 'Sales'],
        ]);
        expect(found[0]).toEqual({
          id: 'a8e1d6b4-2c5f-4e7a-9b3d-61f0c4e8a2d5',
          userPrincipalName: 'JohnS@contoso.onmicrosoft.com',
          displayName: 'John Smith',
          mail: 'JohnS@contoso.onmicrosoft.com',
          department: 'Finance',
          accountEnabled: true,
          onPremisesSyncEnabled: false,
        });
        expect((await directory.searchUsersByName("o'bri", 10)).map((u) => u.displayName)).toEqual([
          "Pat O'Brien",
        ]);
        expect(await directory.searchUsersByName('zebedee', 10)).toEqual([]);
      });
    });

    it('When the manager chain is followed, then the recorded managers come nearest first and the 404 ends it', async () => {
      await withReplay('manager-chain', async (directory) => {
        const chain = await directory.getManagerChain('a8e1d6b4-2c5f-4e7a-9b3d-61f0c4e8a2d5', 5);
        expect(chain.map((u) => u.displayName)).toEqual(['Joanna Smithers', 'Isaiah Langer']);
      });
    });

    it('When the tenant is listed for an approver, then the recorded page maps to its enabled users', async () => {
      await withReplay('list-members', async (directory) => {
        expect((await directory.listMembers(100)).map((u) => u.displayName)).toEqual([
          'John Smith',
          'Joanna Smithers',
        ]);
      });
    });

    it('When reports are listed two levels down, then the recorded collections map to directory users', async () => {
      await withReplay('direct-reports', async (directory) => {
        const reports = await directory.listReports('9c7f4d2e-61a3-4b8e-a0c2-5e1d3f7b9a46', 3);
        expect(reports.map((u) => [u.displayName, u.givenName, u.surname, u.department])).toEqual([
          ['Joanna Smithers', 'Joanna', 'Smithers', 'Sales'],
          ['John Smith', 'John', 'Smith', 'Finance'],
        ]);
      });
    });

    it('When group membership is checked, then the recorded id list maps to true and the empty one to false', async () => {
      await withReplay('check-member-groups', async (directory) => {
        const john = 'a8e1d6b4-2c5f-4e7a-9b3d-61f0c4e8a2d5';
        expect(await directory.isMemberOfGroup(john, 'f448435d-3ca7-4073-8152-a1fd73c0fd09')).toBe(true);
        expect(await directory.isMemberOfGroup(john, 'c9103f26-f3cf-4004-a611-2a14e81b8f79')).toBe(false);
      });
    });

    const nestorId = '5a9e3c7b-1d2f-4a6e-8b0c-4f7d2e9a1c63';

    it('When privileges are read, then the recorded pages, groups and eligibility map to names', async () => {
      await withReplay('privileges', async (directory) => {
        expect(await directory.getPrivileges(nestorId)).toEqual({
          activeRoles: ['Global Reader', 'Helpdesk Administrator'],
          eligibleRoles: ['Privileged Role Administrator'],
          eligibility: 'read',
          roleAssignableGroups: ['Tier 0 Helpdesk'],
        });
      });
    });

    it('When the tenant has no PIM licence, then the recorded 400 says there is no PIM', async () => {
      await withReplay('privileges-unlicensed', async (directory) => {
        expect(await directory.getPrivileges(nestorId)).toEqual({
          activeRoles: ['Global Reader', 'Helpdesk Administrator'],
          eligibleRoles: [],
          eligibility: 'no-pim-licence',
          eligibilityProblem: 'Graph answered 400 AadPremiumLicenseRequired',
          roleAssignableGroups: ['Tier 0 Helpdesk'],
        });
      });
    });

    it('When the app lacks the PIM read permission, then the recorded 403 makes eligibility unknown', async () => {
      await withReplay('privileges-no-pim-permission', async (directory) => {
        const privileges = await directory.getPrivileges(nestorId);
        expect(privileges.eligibility).toBe('not-readable');
        expect(privileges.activeRoles).toEqual(['Global Reader', 'Helpdesk Administrator']);
      });
    });

    it('When the adapter sends something not recorded, then the replay server flags it', async () => {
      const server = await startGraphReplayServer(recording('revoke-sessions').exchanges);
      try {
        const directory = createGraphDirectoryFactory(graphOptions(server.url), silent).forTenant(
          randomUUID(),
        );
        await expect(directory.getManager('someone')).rejects.toBeInstanceOf(TransientError);
        expect(server.unexpected.map((u) => u.path)).toEqual(['/v1.0/users/someone/manager']);
      } finally {
        await server.close();
      }
    });
  });
});
