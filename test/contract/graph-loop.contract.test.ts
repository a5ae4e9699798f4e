import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphDirectoryFactory } from '../../integrations/graph/graph-directory.js';
import { createGraphMailSender } from '../../integrations/graph/graph-mail-sender.js';
import { DirectoryError, NotificationError, TransientError } from '../../services/domain/errors.js';
import type { NotificationMessage } from '../../services/domain/ports.js';
import type { Logger } from '../../services/logging/logger.js';
import { DEFAULT_PACING } from '../../services/pacing/pacing-options.js';
import { startGraphSimulator, type GraphSimulator } from '../simulators/graph-simulator.js';
import type { SimMailboxAccess } from '../simulators/graph-sim-mail.js';
import { TAP_MESSAGES } from '../simulators/graph-sim-tap.js';
import { CONTRACT_USERS, caught, everythingIn } from './directory-contract.js';
import {
  LOOP_FIXTURE,
  LOOP_USERS,
  directoryLoopContract,
  type LoopDirectoryUnderTest,
} from './directory-loop-contract.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  GRAPH_PATH,
  capturingLogger,
  graphOptions,
  seedTenant,
  silent,
} from './graph-contract-support.js';
import { loadRecordings, startGraphReplayServer, type GraphReplayServer } from './graph-replay-server.js';

let sim: GraphSimulator;

beforeAll(async () => {
  sim = await startGraphSimulator();
});

afterAll(async () => {
  await sim.close();
});

directoryLoopContract(
  'Microsoft Graph adapter against the Graph simulator',
  async (fixture): Promise<LoopDirectoryUnderTest> => {
    const { tenantId, directory } = seedTenant(sim, fixture);
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
      async inspectLoop(userId) {
        const user = sim.user(tenantId, userId);
        return {
          accountEnabled: user?.accountEnabled !== false,
          methodIds: user?.methods.map((m) => m.id) ?? [],
        };
      },
      throttleNext(retryAfterSeconds) {
        sim.failNext({ pathPattern: GRAPH_PATH, status: 429, retryAfterSeconds });
      },
      signsIn: (userId, at) => sim.signsIn(tenantId, userId, at),
      signsInAndChangesPassword: (userId, at) => sim.signsInAndChangesPassword(tenantId, userId, at),
      registersMethod: (userId, method, at) =>
        sim.registersMethod(tenantId, userId, { '@odata.type': method.type, id: method.id }, at),
    };
  },
);

const { grace, outsider } = LOOP_USERS;
const { adele } = CONTRACT_USERS;
const ONE_TIME_HOUR = { lifetimeMinutes: 60, usableOnce: true };

/** Everything a simulator recorded of the tenant's requests (paths, queries, bodies, headers). */
const recordedText = (tenantId: string): string => JSON.stringify(sim.graphRequests(tenantId));

describe('Graph adapter on the wire: sign-in state, addresses, passes, blocking', () => {
  it('When the sign-in state is read by UPN, then the user is read first and methods and activity by object id', async () => {
    const { tenantId, directory } = seedTenant(sim, LOOP_FIXTURE);
    await directory.readSignInState(grace.userPrincipalName);
    const requests = sim.graphRequests(tenantId).map((r) => [r.method, r.path, r.query]);
    expect(requests[0]).toEqual([
      'GET',
      `/v1.0/users/${grace.userPrincipalName}`,
      { $select: 'id,lastPasswordChangeDateTime,passwordProfile' },
    ]);
    expect(requests.slice(1).sort()).toEqual(
      [
        ['GET', `/v1.0/users/${grace.id}`, { $select: 'signInActivity' }],
        ['GET', `/v1.0/users/${grace.id}/authentication/methods`, {}],
      ].sort(),
    );
  });

  it('When the app may not read methods or sign-in activity, then each part says "not permitted" and the rest is read', async () => {
    const { tenantId, directory } = seedTenant(sim, LOOP_FIXTURE);
    sim.tenant(tenantId).signInActivityReadable(false);
    sim.failNext({
      method: 'GET',
      pathPattern: `/v1.0/users/${grace.id}/authentication/methods`,
      status: 403,
      body: { error: { code: 'accessDenied', message: 'Request Authorization failed' } },
    });
    const state = await directory.readSignInState(grace.id);
    expect(state.methods).toEqual({
      state: 'not-permitted',
      problem: 'Graph answered 403 accessDenied: Request Authorization failed',
    });
    expect(state.signIn.state).toBe('not-permitted');
    expect(state.password.forceChange).toBe('not-pending');
  });

  it('When a part read fails for an outage, then the whole read throws TransientError rather than "unknown"', async () => {
    const { directory } = seedTenant(sim, LOOP_FIXTURE);
    sim.failNext({
      method: 'GET',
      pathPattern: /\/authentication\/methods$/,
      status: 503,
      retryAfterSeconds: 9,
    });
    const err = await caught(directory.readSignInState(grace.id));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBe(9_000);
  });

  it('When notification addresses are read, then one GET selects the account and alternate addresses', async () => {
    const { tenantId, directory } = seedTenant(sim, LOOP_FIXTURE);
    await directory.notificationAddresses(grace.id);
    expect(sim.graphRequests(tenantId).map((r) => [r.method, r.path, r.query])).toEqual([
      ['GET', `/v1.0/users/${grace.id}`, { $select: 'id,mail,userPrincipalName,otherMails,proxyAddresses' }],
    ]);
  });

  it('When sign-in is blocked, then the PATCH body is exactly accountEnabled false', async () => {
    const { tenantId, directory } = seedTenant(sim, LOOP_FIXTURE);
    await directory.blockSignIn(grace.id);
    const patches = sim.graphRequests(tenantId).filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => [r.path, r.body])).toEqual([
      [`/v1.0/users/${grace.id}`, { accountEnabled: false }],
    ]);
  });

  it('When a pass is issued and withdrawn, then the POST body is pinned and the DELETE names its id', async () => {
    const { tenantId, directory } = seedTenant(sim, LOOP_FIXTURE);
    const issued = await directory.issueTemporaryAccessPass(grace.id, ONE_TIME_HOUR);
    await directory.removeTemporaryAccessPass(grace.id, issued.id);
    expect(sim.graphRequests(tenantId).map((r) => [r.method, r.path, r.body])).toEqual([
      [
        'POST',
        `/v1.0/users/${grace.id}/authentication/temporaryAccessPassMethods`,
        { lifetimeInMinutes: 60, isUsableOnce: true },
      ],
      ['DELETE', `/v1.0/users/${grace.id}/authentication/temporaryAccessPassMethods/${issued.id}`, undefined],
    ]);
  });

  it('When a pass is issued, then it is the one the tenant holds, and it reaches no log line and no recorded request', async () => {
    const { logger, lines } = capturingLogger();
    const { tenantId, directory } = seedTenant(sim, LOOP_FIXTURE, logger);
    const issued = await directory.issueTemporaryAccessPass(grace.id, ONE_TIME_HOUR);
    const held = sim.user(tenantId, grace.id)?.methods.find((m) => m.id === issued.id);
    expect(held?.issuedPass).toBe(issued.temporaryAccessPass);
    await directory.readSignInState(grace.id);
    await directory.removeMfaMethods(grace.id);
    expect(lines.some((l) => l.includes('temporary access pass issued'))).toBe(true);
    expect(lines.join('\n')).not.toContain(issued.temporaryAccessPass);
    expect(recordedText(tenantId)).not.toContain(issued.temporaryAccessPass);
  });

  it('When the policy refusal comes as a 403, then it is still tap-not-allowed (its status is not documented)', async () => {
    const { directory } = seedTenant(sim, LOOP_FIXTURE);
    for (const [status, code] of [
      [403, 'Authorization_RequestDenied'],
      [400, 'badRequest'],
    ] as const) {
      sim.failNext({
        method: 'POST',
        pathPattern: /temporaryAccessPassMethods$/,
        status,
        body: { error: { code, message: `Unable to add Temporary Access Pass. - ${TAP_MESSAGES.policy}` } },
      });
      const err = await caught(directory.issueTemporaryAccessPass(grace.id, ONE_TIME_HOUR));
      expect(err).toBeInstanceOf(DirectoryError);
      expect((err as DirectoryError).reason).toBe('tap-not-allowed');
      expect((err as Error).message).toContain(`HTTP ${status}`);
    }
  });

  it('When the tenant creates a pass it reports unusable, then the pass is deleted again and nothing reveals it', async () => {
    const { logger, lines } = capturingLogger();
    const { tenantId, directory } = seedTenant(sim, LOOP_FIXTURE, logger);
    sim.tenant(tenantId).tapPolicy({ outOfScope: 'create-unusable' });
    const err = await caught(directory.issueTemporaryAccessPass(outsider.id, ONE_TIME_HOUR));
    expect((err as DirectoryError).reason).toBe('tap-not-allowed');
    expect((err as Error).message).toMatch(/unusable \(DisabledByPolicy\).*deleted again/);
    expect(sim.user(tenantId, outsider.id)?.methods).toEqual([]);
    const deletes = sim.graphRequests(tenantId).filter((r) => r.method === 'DELETE');
    expect(deletes).toHaveLength(1);
    expect(lines.join('\n')).not.toMatch(/"temporaryAccessPass"/);
    expect(everythingIn(err)).not.toMatch(/issuedPass/);
  });

  it('When a created pass comes back incomplete or weaker than asked, then it is deleted again and the error never holds it', async () => {
    const { logger, lines } = capturingLogger();
    const { tenantId, directory } = seedTenant(sim, LOOP_FIXTURE, logger);
    const created = {
      '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
      id: '6f1967b7-15e8-4935-ac26-d50770ed07a7',
      temporaryAccessPass: 'Qx7#Lm2+',
      createdDateTime: '2026-08-03T09:00:00Z',
      startDateTime: '2026-08-03T09:00:00Z',
      lifetimeInMinutes: 60,
      isUsableOnce: true,
      isUsable: true,
      methodUsabilityReason: 'EnabledByPolicy',
    };
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ isUsable: undefined }, 'bad-request', /did not say whether the pass is usable/],
      [
        { isUsable: false, methodUsabilityReason: 'Qx7#Lm2+' },
        'tap-not-allowed',
        /no documented reason given/,
      ],
      [{ isUsableOnce: false }, 'tap-not-allowed', /multi-use/],
      [{ lifetimeInMinutes: undefined }, 'bad-request', /no start or lifetime/],
      [{ temporaryAccessPass: null }, 'bad-request', /returned no pass/],
    ];
    for (const [patch, reason, message] of cases) {
      sim.failNext({
        method: 'POST',
        pathPattern: /temporaryAccessPassMethods$/,
        status: 201,
        body: { ...created, ...patch },
      });
      const err = await caught(directory.issueTemporaryAccessPass(grace.id, ONE_TIME_HOUR));
      expect((err as DirectoryError).reason).toBe(reason);
      expect((err as Error).message).toMatch(message);
      expect(everythingIn(err)).not.toContain('Qx7#Lm2+');
    }
    const deletes = sim.graphRequests(tenantId).filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.path)).toEqual(
      cases.map(() => `/v1.0/users/${grace.id}/authentication/temporaryAccessPassMethods/${created.id}`),
    );
    expect(lines.join('\n')).not.toContain('Qx7#Lm2+');
  });

  it('When a multi-use pass is asked for under a one-time policy, then tap-not-allowed is thrown', async () => {
    const { tenantId, directory } = seedTenant(sim, LOOP_FIXTURE);
    sim.tenant(tenantId).tapPolicy({ isUsableOnce: true });
    const err = await caught(
      directory.issueTemporaryAccessPass(grace.id, { lifetimeMinutes: 60, usableOnce: false }),
    );
    expect((err as DirectoryError).reason).toBe('tap-not-allowed');
  });

  it('When a one-time policy meets a request that leaves it to the policy, then the pass is one-time', async () => {
    const { tenantId, directory } = seedTenant(sim, LOOP_FIXTURE);
    sim.tenant(tenantId).tapPolicy({ isUsableOnce: true });
    expect((await directory.issueTemporaryAccessPass(grace.id, ONE_TIME_HOUR)).usableOnce).toBe(true);
  });

  it('When the lifetime is outside the tenant policy, then bad-request is thrown', async () => {
    const { directory } = seedTenant(sim, LOOP_FIXTURE);
    const err = await caught(
      directory.issueTemporaryAccessPass(grace.id, { lifetimeMinutes: 2000, usableOnce: true }),
    );
    expect((err as DirectoryError).reason).toBe('bad-request');
  });

  it('When a lifetime is refused before any call, then nothing reaches Graph', async () => {
    const { tenantId, directory } = seedTenant(sim, LOOP_FIXTURE);
    await caught(directory.issueTemporaryAccessPass(grace.id, { lifetimeMinutes: 9, usableOnce: true }));
    expect(sim.graphRequests(tenantId)).toEqual([]);
  });

  it("When MFA methods are removed after a pass was issued, then the pass is removed like any method (the order is the caller's)", async () => {
    const { tenantId, directory } = seedTenant(sim, LOOP_FIXTURE);
    const issued = await directory.issueTemporaryAccessPass(adele.id, ONE_TIME_HOUR);
    const results = await directory.removeMfaMethods(adele.id);
    expect(results.find((r) => r.id === issued.id)).toEqual({
      kind: 'temporaryAccessPassAuthenticationMethod',
      id: issued.id,
      outcome: 'removed',
    });
    expect(sim.user(tenantId, adele.id)?.methods).toEqual([]);
  });
});

describe('Pacing costs of the loop calls', () => {
  it('When each loop call is made, then its pacing cost is the number of Graph requests it sends', async () => {
    const { tenantId, directory } = seedTenant(sim, LOOP_FIXTURE);
    const issued = { id: '' };
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['readSignInState', () => directory.readSignInState(grace.userPrincipalName)],
      ['notificationAddresses', () => directory.notificationAddresses(grace.id)],
      [
        'issueTemporaryAccessPass',
        async () => (issued.id = (await directory.issueTemporaryAccessPass(grace.id, ONE_TIME_HOUR)).id),
      ],
      ['removeTemporaryAccessPass', () => directory.removeTemporaryAccessPass(grace.id, issued.id)],
      ['blockSignIn', () => directory.blockSignIn(grace.id)],
    ];
    for (const [method, call] of calls) {
      const before = sim.graphRequests(tenantId).length;
      await call();
      expect({ method, requests: sim.graphRequests(tenantId).length - before }).toEqual({
        method,
        requests: DEFAULT_PACING.costs[method],
      });
    }
  });
});

describe('Graph mail sender (the MSP tenant)', () => {
  const SENDER = 'notices@msp.example';
  const notice: NotificationMessage = {
    to: ['grace.personal@fabrikam.example'],
    subject: 'Your password was reset',
    text: 'Your password was reset at the request of Maria Manager.',
  };

  function mspTenant(access: SimMailboxAccess | undefined, logger: Logger = silent) {
    const tenantId = randomUUID();
    sim
      .tenant(tenantId)
      .registerApp(CLIENT_ID, CLIENT_SECRET)
      .addUser({
        id: randomUUID(),
        userPrincipalName: SENDER,
        displayName: 'MSP notices',
        mail: SENDER,
        ...(access ? { mailbox: access } : {}),
      });
    const mailer = createGraphMailSender(graphOptions(sim.url), { tenantId, senderMailbox: SENDER }, logger);
    return { tenantId, mailer };
  }

  it("When a notice is sent, then the MSP tenant's mailbox accepts it with the pinned body and a token for that tenant", async () => {
    const { tenantId, mailer } = mspTenant('granted');
    await mailer.send(notice);
    const [request] = sim.graphRequests(tenantId);
    expect(request?.path).toBe(`/v1.0/users/${SENDER}/sendMail`);
    expect(request?.body).toStrictEqual({
      message: {
        subject: 'Your password was reset',
        body: { contentType: 'Text', content: 'Your password was reset at the request of Maria Manager.' },
        toRecipients: [{ emailAddress: { address: 'grace.personal@fabrikam.example' } }],
      },
      saveToSentItems: false,
    });
    expect(sim.requests.some((r) => r.kind === 'token' && r.path === `/${tenantId}/oauth2/v2.0/token`)).toBe(
      true,
    );
    expect(sim.sentMail(tenantId)).toMatchObject([
      { from: SENDER, to: notice.to, subject: notice.subject, contentType: 'Text', saveToSentItems: false },
    ]);
  });

  it('When an HTML body is given, then the HTML is sent', async () => {
    const { tenantId, mailer } = mspTenant('granted');
    await mailer.send({ ...notice, html: '<p>Your password was reset.</p>' });
    expect(sim.sentMail(tenantId)[0]).toMatchObject({
      contentType: 'HTML',
      content: '<p>Your password was reset.</p>',
    });
  });

  it('When RBAC for Applications does not cover the mailbox, then not-permitted says which role to grant', async () => {
    const { mailer } = mspTenant('denied-by-rbac');
    const err = await caught(mailer.send(notice));
    expect(err).toBeInstanceOf(NotificationError);
    expect((err as NotificationError).reason).toBe('not-permitted');
    expect((err as Error).message).toMatch(
      /Application Mail\.Send.*notices@msp\.example.*RBAC for Applications/,
    );
    expect((err as Error).message).toContain('HTTP 403 ErrorAccessDenied');
  });

  it('When an application access policy excludes the mailbox, then not-permitted names the policy', async () => {
    const { mailer } = mspTenant('denied-by-access-policy');
    const err = await caught(mailer.send(notice));
    expect((err as NotificationError).reason).toBe('not-permitted');
    expect((err as Error).message).toMatch(/application access policy excludes notices@msp\.example/);
  });

  it('When the sender has no mailbox, then sender-not-found is thrown', async () => {
    const { mailer } = mspTenant(undefined);
    expect(((await caught(mailer.send(notice))) as NotificationError).reason).toBe('sender-not-found');
  });

  it('When the mail service throttles, then TransientError carries Retry-After and nothing is recorded', async () => {
    const { tenantId, mailer } = mspTenant('granted');
    sim.failNext({ method: 'POST', pathPattern: /\/sendMail$/, status: 429, retryAfterSeconds: 12 });
    const err = await caught(mailer.send(notice));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBe(12_000);
    expect(sim.sentMail(tenantId)).toEqual([]);
  });

  it('When the app cannot get a token for the MSP tenant, then auth-failed is thrown without the secret', async () => {
    const tenantId = randomUUID();
    sim.tenant(tenantId).registerApp(CLIENT_ID, 'another-secret~0123456789');
    const mailer = createGraphMailSender(graphOptions(sim.url), { tenantId, senderMailbox: SENDER }, silent);
    const err = await caught(mailer.send(notice));
    expect((err as NotificationError).reason).toBe('auth-failed');
    expect(everythingIn(err)).not.toContain(CLIENT_SECRET);
  });

  it('When a message is malformed, then it is refused before any request', async () => {
    const { tenantId, mailer } = mspTenant('granted');
    for (const bad of [
      { ...notice, to: [] },
      { ...notice, to: ['Grace <grace@fabrikam.example>'] },
      { ...notice, to: Array.from({ length: 11 }, (_, i) => `p${i}@fabrikam.example`) },
      { ...notice, subject: 'Reset\r\nBcc: someone@evil.example' },
      { ...notice, subject: '' },
      { ...notice, text: ' ' },
    ]) {
      expect(((await caught(mailer.send(bad))) as NotificationError).reason).toBe('rejected');
    }
    expect(sim.graphRequests(tenantId)).toEqual([]);
  });
});

describe('Recorded Graph exchanges: the adapter against the replayed loop responses', () => {
  const recordings = loadRecordings();

  async function withReplay<T>(name: string, run: (server: GraphReplayServer) => Promise<T>): Promise<T> {
    const recording = recordings.get(name);
    if (!recording) throw new Error(`No recording ${name}`);
    const server = await startGraphReplayServer(recording.exchanges);
    try {
      const result = await run(server);
      expect(server.unexpected).toEqual([]);
      expect(new Set(server.replayed)).toEqual(new Set(recording.exchanges.map((e) => e.name)));
      return result;
    } finally {
      await server.close();
    }
  }
  const directoryOn = (server: GraphReplayServer, logger: Logger = silent) =>
    createGraphDirectoryFactory(graphOptions(server.url), logger).forTenant(randomUUID());

  const ADELE = '87d349ed-44d7-43e1-9a83-5f2406dee5bd';
  const TAP_USER = '071cc716-8147-4397-a5ba-b2105951cc0b';

  it('When the sign-in state is read, then the recorded answers map to a pending change, methods and the last sign-in', async () => {
    await withReplay('sign-in-state', async (server) => {
      const directory = directoryOn(server);
      const adele = await directory.readSignInState(ADELE);
      expect(adele).toEqual({
        userId: ADELE,
        readAt: expect.any(String),
        password: { lastChangedAt: '2024-12-10T09:14:27.000Z', forceChange: 'pending' },
        methods: {
          state: 'read',
          items: [
            {
              kind: 'fido2AuthenticationMethod',
              id: '-2_GRUg2-HYz6_1YG4YRAQ2',
              createdAt: '2020-08-10T06:44:09.000Z',
            },
            {
              kind: 'windowsHelloForBusinessAuthenticationMethod',
              id: 'b5e01f81-1f81-b5e0-811f-e0b5811fe0b5',
              createdAt: '2020-11-27T23:12:49.000Z',
            },
          ],
        },
        signIn: { state: 'read', lastSuccessfulAt: '2024-12-10T17:38:26.000Z' },
      });
      const eric = await directory.readSignInState('3b2e8f71-6c4d-4a9e-b5f0-1d7c9a2e4b68');
      expect(eric.password).toEqual({
        lastChangedAt: '2021-07-29T15:52:03.000Z',
        forceChange: 'not-pending',
      });
      expect(eric.signIn).toEqual({ state: 'read' });
    });
  });

  it('When the tenant is not licensed for sign-in activity, then the recorded 403 is "not licensed" and the rest is read', async () => {
    await withReplay('sign-in-state-unlicensed', async (server) => {
      const state = await directoryOn(server).readSignInState(ADELE);
      expect(state.signIn).toEqual({
        state: 'not-licensed',
        problem:
          "Graph answered 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant: Neither tenant is B2C or tenant doesn't have premium license",
      });
      expect(state.methods.state).toBe('read');
      expect(state.password.forceChange).toBe('pending');
    });
  });

  it('When alternate addresses are read, then the recorded user maps to the one independent address', async () => {
    await withReplay('notification-addresses', async (server) => {
      expect(await directoryOn(server).notificationAddresses('5bde3e51-d13b-4db1-9948-fe4b109d11a7')).toEqual(
        {
          independent: ['megan.bowen@fabrikam.example'],
          excluded: [
            { address: 'MeganB@contoso.com', reason: 'own-address' },
            { address: 'megan@contoso.co.uk', reason: 'own-address' },
          ],
        },
      );
    });
  });

  it('When a pass is issued, then the recorded 201 maps to the pass, its times and one-time use, and no log line holds it', async () => {
    const { logger, lines } = capturingLogger();
    const issued = await withReplay('temporary-access-pass', (server) =>
      directoryOn(server, logger).issueTemporaryAccessPass(TAP_USER, ONE_TIME_HOUR),
    );
    expect(issued).toEqual({
      id: '6f1967b7-15e8-4935-ac26-d50770ed07a7',
      temporaryAccessPass: '+drkzqAD',
      startsAt: '2022-06-02T16:21:09.765Z',
      expiresAt: '2022-06-02T17:21:09.765Z',
      lifetimeMinutes: 60,
      usableOnce: true,
    });
    expect(lines.join('\n')).not.toContain('+drkzqAD');
  });

  it('When a pass is removed, then the recorded 204 is success', async () => {
    await withReplay('temporary-access-pass-remove', (server) =>
      directoryOn(server).removeTemporaryAccessPass(TAP_USER, '6f1967b7-15e8-4935-ac26-d50770ed07a7'),
    );
  });

  it('When passes are refused, then the recorded policy, guest and privilege refusals map to their reasons', async () => {
    await withReplay('temporary-access-pass-refused', async (server) => {
      const directory = directoryOn(server);
      const reasons: string[] = [];
      for (const id of [
        'd1e5c7a9-4b3f-4e2d-8c1a-6f0b9e8d7c65',
        'e2f6d8b0-5c4a-4f3e-9d2b-7a1c0f9e8d76',
        'f3a7e9c1-6d5b-4a4f-8e3c-8b2d1a0f9e87',
      ]) {
        reasons.push(
          ((await caught(directory.issueTemporaryAccessPass(id, ONE_TIME_HOUR))) as DirectoryError).reason,
        );
      }
      expect(reasons).toEqual(['tap-not-allowed', 'guest-user', 'insufficient-privileges']);
    });
  });

  it('When sign-in is blocked, then the recorded 204 is success and the synced 400 is synced-object', async () => {
    await withReplay('block-sign-in', async (server) => {
      const directory = directoryOn(server);
      await directory.blockSignIn(ADELE);
      const err = await caught(directory.blockSignIn('d4c3b2a1-1111-4222-8333-444455556666'));
      expect((err as DirectoryError).reason).toBe('synced-object');
    });
  });

  it('When notices are sent, then the recorded 202 is accepted and the recorded 403 is not-permitted', async () => {
    await withReplay('send-mail', async (server) => {
      const message = {
        to: ['frannis@contoso.com'],
        subject: 'Meet for lunch?',
        text: 'The new cafeteria is open.',
      };
      const options = graphOptions(server.url);
      await createGraphMailSender(
        options,
        { tenantId: randomUUID(), senderMailbox: 'notices@contoso.com' },
        silent,
      ).send(message);
      const denied = createGraphMailSender(
        options,
        { tenantId: randomUUID(), senderMailbox: 'helpdesk@contoso.com' },
        silent,
      );
      expect(((await caught(denied.send(message))) as NotificationError).reason).toBe('not-permitted');
    });
  });
});
