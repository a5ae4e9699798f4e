import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load-config.js';
import { createLogger } from '../../services/logging/logger.js';
import { createResetdesk } from '../../app/resetdesk.js';
import {
  startHarness,
  STATUS_AWAITING,
  STATUS_HANDOFF,
  TEAM_HANDOFF,
  TENANT,
  WEBHOOK_PASSWORD,
  WEBHOOK_USER,
  type Harness,
} from '../support/component-harness.js';
import { proceedThroughLink } from '../support/secure-link-client.js';
import { validEnv } from '../support/test-config.js';

const LINK = /https:\/\/reset\.example\.test\/s\/([A-Za-z0-9_-]+)/;

describe('HaloPSA reset ticket, end to end through the webhook', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const patchesOf = (userId: string) =>
    h.graph.graphRequests(TENANT).filter((r) => r.method === 'PATCH' && r.path === `/v1.0/users/${userId}`);

  describe('When a manager files a reset for a cloud-only staff member', () => {
    let token: string;
    let password: string;
    beforeAll(async () => {
      h.fileResetTicket({ id: 4242, target: 'sam@contoso.test' });
      const res = await h.deliver(4242);
      expect(res.status).toBe(202);
      expect(await h.outcomeOf(4242)).toMatchObject({
        code: 'reset-delivered',
        delivered: true,
        handedOff: false,
      });
      password = h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.password!;
      const note = h.halo.actions(4242)[0]!;
      token = LINK.exec(String(note.note_html))![1]!;
    });

    it('then Graph gets exactly the passwordProfile with a forced change at next sign-in', () => {
      const patches = patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d');
      expect(patches).toHaveLength(1);
      expect(patches[0]!.body).toEqual({
        passwordProfile: { forceChangePasswordNextSignIn: true, password },
      });
      expect(
        h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.forceChangePasswordNextSignIn,
      ).toBe(true);
    });

    it('then every MFA method but the password is removed and sessions are revoked', () => {
      const sam = h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!;
      expect(sam.methods.map((m) => m['@odata.type'])).toEqual([
        '#microsoft.graph.passwordAuthenticationMethod',
      ]);
      expect(sam.sessionsRevokedAt).toBeInstanceOf(Date);
    });

    it('then one customer-visible note with the secure link and the sign-in steps is emailed to the contact on file', () => {
      const actions = h.halo.actions(4242);
      expect(actions).toHaveLength(1);
      expect(actions[0]).toMatchObject({
        ticket_id: 4242,
        outcome_id: 12,
        hiddenfromuser: false,
        sendemail: true,
      });
      const html = String(actions[0]!.note_html);
      expect(html).toContain('Click Here to Proceed');
      expect(html).toContain('https://outlook.office.com');
      expect(html).not.toContain(password);
      expect(h.halo.emails.map((e) => e.to)).toEqual(['maria@contoso.test']);
    });

    it("then the ticket's status says it waits for the customer's confirmation", () => {
      expect(h.halo.ticket(4242)).toMatchObject({ status_id: STATUS_AWAITING });
    });

    it('then the link page reveals nothing on GET and the password on the button POST', async () => {
      const app = h.desk.app!;
      const page = await request(app).get(`/s/${token}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Click Here to Proceed');
      expect(page.text).not.toContain(password);
      const revealed = await proceedThroughLink(app, `/s/${token}`);
      expect(revealed.status).toBe(200);
      expect(revealed.text).toMatch(
        new RegExp(`id="secret"[^>]*>[\\s\\S]*${password.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
    });

    it('then the password is in no log line, no job data, no note and nowhere in Redis', async () => {
      const job = await h.job(4242);
      expect(JSON.stringify(job!.data)).not.toContain(password);
      expect(JSON.stringify(job!.returnvalue)).not.toContain(password);
      expect(h.logs.join('\n')).not.toContain(password);
      expect(await h.redisDump()).not.toContain(password);
      expect(await h.redisDump()).not.toContain(token);
      expect(JSON.stringify(h.halo.actions(4242))).not.toContain(password);
      expect(h.logs.join('\n')).not.toContain(token);
    });
  });

  it('When the staff member is synchronised from on-premises AD, then MFA is reset and the password is handed to the engineers with the on-premises facts', async () => {
    h.fileResetTicket({ id: 4300, target: 'syd@contoso.test' });
    expect((await h.deliver(4300)).status).toBe(202);
    expect(await h.outcomeOf(4300)).toMatchObject({ code: 'synced-user-password', handedOff: true });

    expect(patchesOf('u-syd')).toHaveLength(0);
    expect(h.graph.user(TENANT, 'u-syd')!.methods).toEqual([]);
    const [customer, internal] = h.halo.actions(4300);
    expect(customer).toMatchObject({ hiddenfromuser: false, sendemail: true });
    expect(String(customer!.note_html)).toContain('An engineer will follow up');
    expect(internal).toMatchObject({ hiddenfromuser: true, sendemail: false, outcome_id: 7 });
    const text = String(internal!.note_html);
    expect(text).toContain('synced-user-password');
    expect(text).toContain('onPremisesSamAccountName=syd.synced');
    expect(text).toContain('domain=corp.contoso.test');
    expect(text).toContain('last sync=2026-11-30T08:15:00Z');
    expect(h.halo.ticket(4300)).toMatchObject({ team_id: TEAM_HANDOFF, status_id: STATUS_HANDOFF });
  });

  it('When the requester is not the staff member’s manager, then nothing is reset and the engineers get the reason', async () => {
    h.fileResetTicket({ id: 4400, target: 'sam@contoso.test', requester: 'mallory' });
    const before = patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d').length;
    expect((await h.deliver(4400)).status).toBe(202);
    expect(await h.outcomeOf(4400)).toMatchObject({ code: 'requester-not-manager', handedOff: true });
    expect(patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')).toHaveLength(before);
    const [note] = h.halo.actions(4400);
    expect(note).toMatchObject({ hiddenfromuser: true, sendemail: false });
    expect(String(note!.note_html)).toContain('requester-not-manager');
    expect(h.halo.ticket(4400)).toMatchObject({ team_id: TEAM_HANDOFF, status_id: STATUS_HANDOFF });
    expect(h.halo.emails.filter((e) => e.ticketId === 4400)).toEqual([]);
  });

  it('When the ticket is not a reset ticket, then nothing is touched in the tenant or on the ticket', async () => {
    h.halo.addTicket({ id: 4500, tickettype_id: 1, client_id: 12, user_id: 7, summary: 'Printer jammed' });
    const graphBefore = h.graph.graphRequests(TENANT).length;
    expect((await h.deliver(4500)).status).toBe(202);
    expect(await h.outcomeOf(4500)).toMatchObject({ code: 'not-a-reset-ticket' });
    expect(h.graph.graphRequests(TENANT)).toHaveLength(graphBefore);
    expect(h.halo.actions(4500)).toEqual([]);
  });

  it('When the same ticket is delivered several times and in several shapes, then it is worked once', async () => {
    h.fileResetTicket({ id: 4600, target: 'sam@contoso.test', resetMfa: 'No' });
    const before = patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d').length;
    const answers = await Promise.all([
      h.deliver(4600),
      h.deliver(4600, 'eventonly'),
      h.deliver(4600, 'batch'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    await h.outcomeOf(4600);
    expect((await h.deliver(4600, 'keyfields')).status).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    expect(patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')).toHaveLength(before + 1);
    expect(h.halo.actions(4600)).toHaveLength(1);
  });

  it('When Graph answers 429 with Retry-After, then the reset waits and completes once', async () => {
    h.fileResetTicket({ id: 4700, target: 'sam@contoso.test', resetMfa: 'No' });
    h.graph.failNext({
      method: 'PATCH',
      pathPattern: '/v1.0/users/5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d',
      status: 429,
      retryAfterSeconds: 1,
    });
    const before = patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d').length;
    await h.deliver(4700);
    expect(await h.outcomeOf(4700)).toMatchObject({ code: 'reset-delivered' });
    expect(patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')).toHaveLength(before + 2);
    const job = await h.job(4700);
    expect(job!.attemptsMade).toBeGreaterThanOrEqual(1);
    const token = LINK.exec(String(h.halo.actions(4700)[0]!.note_html))![1]!;
    const revealed = await proceedThroughLink(h.desk.app!, `/s/${token}`);
    expect(revealed.text).toContain(h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.password!);
  });

  it('When the PSA note fails, then the note is retried without a second reset', async () => {
    h.fileResetTicket({ id: 4800, target: 'sam@contoso.test', resetMfa: 'No' });
    h.halo.failNext({ method: 'POST', pathPattern: '/api/Actions', status: 503, times: 2 });
    const before = patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d').length;
    await h.deliver(4800);
    expect(await h.outcomeOf(4800)).toMatchObject({ code: 'reset-delivered' });
    expect(patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')).toHaveLength(before + 1);
    const notes = h.halo.actions(4800);
    expect(notes).toHaveLength(1);
    const token = LINK.exec(String(notes[0]!.note_html))![1]!;
    const revealed = await proceedThroughLink(h.desk.app!, `/s/${token}`);
    expect(revealed.text).toContain(h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.password!);
  });

  it('When the ticket id is unknown to Halo, then the job ends with unknown-ticket and nothing is written', async () => {
    expect((await h.deliver(999999)).status).toBe(202);
    expect(await h.outcomeOf(999999)).toMatchObject({ code: 'unknown-ticket' });
  });
});

describe('HaloPSA webhook intake rejects bad input and changes nothing', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ BODY_LIMIT_BYTES: '2048' });
  });
  afterAll(async () => {
    await h.close();
  });

  const post = () => request(h.desk.app!).post('/webhooks/halopsa').set('Content-Type', 'application/json');
  const body = JSON.stringify({ event: 'new ticket logged', object_id: 5100 });

  it.each([
    ['no credentials', (r: request.Test) => r],
    ['a wrong password', (r: request.Test) => r.auth(WEBHOOK_USER, 'wrong-password-of-any-length')],
    ['a wrong user', (r: request.Test) => r.auth('someone', WEBHOOK_PASSWORD)],
    ['a bearer token', (r: request.Test) => r.set('Authorization', 'Bearer abc')],
  ])('When the webhook comes with %s, then 401 and no job', async (_label, authorise) => {
    const res = await authorise(post()).send(body);
    expect(res.status).toBe(401);
    expect(await h.job(5100)).toBeUndefined();
  });

  it('When the body is not JSON, then 400 with a clear message and no job', async () => {
    const res = await post().auth(WEBHOOK_USER, WEBHOOK_PASSWORD).send('{"object_id": 51');
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/ticket id/i);
  });

  it('When the body has no ticket id, then 400 and no job', async () => {
    const res = await post()
      .auth(WEBHOOK_USER, WEBHOOK_PASSWORD)
      .send(JSON.stringify({ event: 'new ticket logged' }));
    expect(res.status).toBe(400);
  });

  it('When the body is larger than the limit, then 413 and no job', async () => {
    const res = await post()
      .auth(WEBHOOK_USER, WEBHOOK_PASSWORD)
      .send(JSON.stringify({ object_id: 5101, padding: 'x'.repeat(4096) }));
    expect(res.status).toBe(413);
    expect(await h.job(5101)).toBeUndefined();
  });

  it('When the service is healthy, then /healthz and /readyz answer 200', async () => {
    expect((await request(h.desk.app!).get('/healthz')).status).toBe(200);
    expect((await request(h.desk.app!).get('/readyz')).status).toBe(200);
  });
});

describe('When Redis is unreachable', () => {
  it('then a webhook gets 503 (so Halo retries) and /readyz says not ready', async () => {
    const config = loadConfig({
      env: validEnv({
        REDIS_URL: 'redis://127.0.0.1:1',
        RESETDESK_ROLE: 'api',
        HALOPSA_WEBHOOK_PASSWORD: WEBHOOK_PASSWORD,
        HALOPSA_WEBHOOK_USERNAME: WEBHOOK_USER,
      }),
    });
    const desk = createResetdesk(config, createLogger({ level: 'silent' }));
    try {
      const res = await request(desk.app!)
        .post('/webhooks/halopsa')
        .auth(WEBHOOK_USER, WEBHOOK_PASSWORD)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ object_id: 5200 }));
      expect(res.status).toBe(503);
      expect((await request(desk.app!).get('/readyz')).status).toBe(503);
    } finally {
      await desk.close(1000);
    }
  });
});
