import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HALO_CLIENT } from '../sandbox/sandbox.js';
import { escapeHtml } from '../../services/domain/html-escape.js';
import { TAP_TYPE } from '../simulators/graph-sim-tap.js';
import {
  startHarness,
  STATUS_HANDOFF,
  TEAM_HANDOFF,
  TENANT,
  type Harness,
} from '../support/component-harness.js';
import { proceedThroughLink } from '../support/secure-link-client.js';

/**
 * The Temporary Access Pass, end to end: the real service on the local Redis, the Graph simulator under the
 * tenant's TAP policy, and the HaloPSA simulator. The pass is a secret: it must be in no log line, note, job
 * data or Redis key.
 */

const LINK = /https:\/\/reset\.example\.test\/s\/([A-Za-z0-9_-]+)/;
const TAP_PATH = /\/users\/5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d\/authentication\/temporaryAccessPassMethods/;

/** The service on the sandbox, with the pass turned on for the sandbox's one customer. */
function harnessWith(whenUnavailable: 'hand-off' | 'open-registration'): Promise<Harness> {
  const customers = [
    {
      name: 'contoso',
      psa: 'halopsa',
      psaCustomerId: String(HALO_CLIENT),
      tenantId: TENANT,
      temporaryAccessPass: { enabled: true, lifetimeMinutes: 120, usableOnce: true, whenUnavailable },
    },
  ];
  return startHarness({ RESETDESK_CUSTOMERS_JSON: JSON.stringify(customers) });
}

/** The pass on Sam's account now, in clear, as the simulator keeps it (only the create answer shows it). */
function currentPass(h: Harness): { id: string; pass: string } | undefined {
  const method = h.graph
    .user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!
    .methods.find((m) => m['@odata.type'] === TAP_TYPE);
  return method ? { id: String(method.id), pass: String(method.issuedPass) } : undefined;
}

const tapRequests = (h: Harness, method: string) =>
  h.graph.graphRequests(TENANT).filter((r) => r.method === method && TAP_PATH.test(r.path));

/** The secrets in no job data, log line, Redis key or note; the link's token in none but the delivery note. */
async function expectNowhere(h: Harness, ticketId: number, secrets: string[], token: string) {
  const job = await h.job(ticketId);
  const dump = await h.redisDump();
  const logs = h.logs.join('\n');
  const notes = JSON.stringify(h.halo.actions(ticketId));
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThanOrEqual(8);
    expect(JSON.stringify(job?.data ?? {})).not.toContain(secret);
    expect(JSON.stringify(job?.returnvalue ?? {})).not.toContain(secret);
    expect(logs).not.toContain(secret);
    expect(dump).not.toContain(secret);
    expect(notes).not.toContain(secret);
    expect(notes).not.toContain(escapeHtml(secret));
  }
  expect(JSON.stringify(job?.data ?? {})).not.toContain(token);
  expect(logs).not.toContain(token);
  expect(dump).not.toContain(token);
}

describe('Temporary Access Pass with the TAP policy on', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harnessWith('hand-off');
    h.graph.tenant(TENANT).tapPolicy({ state: 'enabled', isUsableOnce: true, maximumLifetimeInMinutes: 480 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('When MFA and password are reset, Then one link reveals both, the pass is the only TAP on the account, and it is nowhere else', async () => {
    // Arrange
    h.fileResetTicket({ id: 6101, target: 'sam@contoso.test', resetPassword: 'Yes', resetMfa: 'Yes' });

    // Act
    expect((await h.deliver(6101)).status).toBe(202);
    const outcome = await h.outcomeOf(6101);

    // Assert
    expect(outcome).toMatchObject({ code: 'reset-delivered', delivered: true, handedOff: false });
    const passText = currentPass(h)!.pass;
    const post = h.graph.graphRequests(TENANT).find((r) => r.method === 'POST' && TAP_PATH.test(r.path));
    expect(post!.body).toEqual({ lifetimeInMinutes: 120, isUsableOnce: true });
    const sam = h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!;
    expect(sam.methods.map((m) => m['@odata.type'])).toEqual([
      '#microsoft.graph.passwordAuthenticationMethod',
      TAP_TYPE,
    ]);
    const password = sam.password!;
    const note = String(h.halo.actions(6101)[0]!.note_html);
    expect(note).toContain('Temporary Access Pass');
    expect(note).toContain('https://aka.ms/mysecurityinfo');
    const token = LINK.exec(note)![1]!;
    const revealed = await proceedThroughLink(h.desk.app!, `/s/${token}`);
    expect(revealed.status).toBe(200);
    expect(revealed.text).toContain(escapeHtml(password));
    expect(revealed.text).toContain(escapeHtml(passText));
    expect(revealed.text).toContain('aka.ms/mysecurityinfo');
    expect(revealed.text).toMatch(
      /This pass expires on \d{4}-\d\d-\d\d \d\d:\d\d UTC and works for one sign-in only/,
    );
    await expectNowhere(h, 6101, [password, passText], token);
  });

  it('When only MFA is reset, Then the link holds the pass alone and no password is set', async () => {
    h.fileResetTicket({ id: 6102, target: 'sam@contoso.test', resetPassword: 'No', resetMfa: 'Yes' });
    const before = h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.password;

    expect((await h.deliver(6102)).status).toBe(202);
    expect(await h.outcomeOf(6102)).toMatchObject({ code: 'mfa-reset-done', delivered: true });

    expect(h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.password).toBe(before);
    const note = String(h.halo.actions(6102)[0]!.note_html);
    expect(note).toContain('Get the Temporary Access Pass here');
    const token = LINK.exec(note)![1]!;
    const revealed = await proceedThroughLink(h.desk.app!, `/s/${token}`);
    const passText = currentPass(h)!.pass;
    expect(revealed.text).toContain(escapeHtml(passText));
    expect(revealed.text).not.toContain('Temporary password');
    await expectNowhere(h, 6102, [passText], token);
  });

  it('When the password write fails after the pass was issued and the pass cannot be removed at once, Then the retry removes it by its journaled id and delivers a new one', async () => {
    // Arrange: the password PATCH and the first pass removal both fail transiently.
    h.fileResetTicket({ id: 6103, target: 'sam@contoso.test', resetPassword: 'Yes', resetMfa: 'Yes' });
    const postsBefore = tapRequests(h, 'POST').length;
    h.graph.failNext({
      method: 'PATCH',
      pathPattern: '/v1.0/users/5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d',
      status: 503,
      times: 1,
    });
    h.graph.failNext({ method: 'DELETE', pathPattern: TAP_PATH, status: 503, times: 1 });

    // Act
    expect((await h.deliver(6103)).status).toBe(202);
    const outcome = await h.outcomeOf(6103, 30_000);

    // Assert
    expect(outcome).toMatchObject({ code: 'reset-delivered', delivered: true });
    expect(tapRequests(h, 'POST').length - postsBefore).toBeGreaterThanOrEqual(2);
    const sam = h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!;
    expect(sam.methods.filter((m) => m['@odata.type'] === TAP_TYPE)).toHaveLength(1);
    const delivered = currentPass(h)!;
    // The undelivered passes were deleted by their ids, never the delivered one.
    const deletes = tapRequests(h, 'DELETE').map((r) => r.path.split('/').pop());
    expect(deletes.length).toBeGreaterThanOrEqual(2);
    expect(deletes).not.toContain(delivered.id);
    const token = LINK.exec(String(h.halo.actions(6103)[0]!.note_html))![1]!;
    const revealed = await proceedThroughLink(h.desk.app!, `/s/${token}`);
    expect(revealed.text).toContain(escapeHtml(delivered.pass));
    await expectNowhere(h, 6103, [delivered.pass, sam.password!], token);
  });
});

describe('Temporary Access Pass with the TAP policy off', () => {
  it("When the customer's setting is hand-off, Then the engineers are told MFA was removed and no password set", async () => {
    const h = await harnessWith('hand-off');
    try {
      h.fileResetTicket({ id: 6201, target: 'sam@contoso.test', resetPassword: 'Yes', resetMfa: 'Yes' });
      expect((await h.deliver(6201)).status).toBe(202);
      expect(await h.outcomeOf(6201)).toMatchObject({ code: 'tap-not-allowed', handedOff: true });

      const sam = h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!;
      expect(sam.methods.map((m) => m['@odata.type'])).toEqual([
        '#microsoft.graph.passwordAuthenticationMethod',
      ]);
      const patches = h.graph
        .graphRequests(TENANT)
        .filter((r) => r.method === 'PATCH' && r.path === '/v1.0/users/5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d');
      expect(patches).toHaveLength(0);
      const actions = h.halo.actions(6201);
      expect(actions).toHaveLength(1);
      expect(actions[0]).toMatchObject({ hiddenfromuser: true, sendemail: false });
      const text = String(actions[0]!.note_html);
      expect(text).toContain('tap-not-allowed');
      expect(text).toContain('The MFA methods WERE removed');
      expect(text).toContain('Password not reset');
      expect(text).toContain('Converged UserCredentialPolicy');
      expect(h.halo.ticket(6201)).toMatchObject({ team_id: TEAM_HANDOFF, status_id: STATUS_HANDOFF });
    } finally {
      await h.close();
    }
  });

  it("When the customer's setting is open-registration, Then the reset goes on and the manager is told registration is open", async () => {
    const h = await harnessWith('open-registration');
    try {
      h.fileResetTicket({ id: 6202, target: 'sam@contoso.test', resetPassword: 'Yes', resetMfa: 'Yes' });
      expect((await h.deliver(6202)).status).toBe(202);
      expect(await h.outcomeOf(6202)).toMatchObject({ code: 'reset-delivered', handedOff: false });

      const actions = h.halo.actions(6202);
      const internal = actions.find((a) => a.hiddenfromuser === true)!;
      const customer = actions.find((a) => a.hiddenfromuser === false)!;
      expect(String(internal.note_html)).toContain('tap-unavailable-registration-open');
      expect(String(customer.note_html)).toContain('MFA registration is open');
      const token = LINK.exec(String(customer.note_html))![1]!;
      const page = await request(h.desk.app!).get(`/s/${token}`);
      expect(page.status).toBe(200);
      const password = h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.password!;
      await expectNowhere(h, 6202, [password], token);
    } finally {
      await h.close();
    }
  });
});
