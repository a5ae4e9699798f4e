import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HALO } from '../sandbox/psa-sandboxes.js';
import { TENANT } from '../sandbox/sandbox.js';
import { startHarness, type Harness } from '../support/component-harness.js';

/**
 * Who may ask, through the real HaloPSA webhook route, the Graph and Halo simulators and the local Redis:
 * each decision of the verification policy as a user sees it on the ticket.
 */
const HALO_EMAIL_SOURCE = 1;
const RETRY_STATUS = 40;
const CONFIRM_LINK = /https:\/\/reset\.example\.test\/c\/([A-Za-z0-9_-]+)/;

async function answer(h: Harness, token: string, decision: 'confirmed' | 'denied') {
  const app = h.desk.app!;
  const page = await request(app).get(`/c/${token}`);
  expect(page.status).toBe(200);
  const nonce = /name="nonce" value="([^"]*)"/.exec(page.text)![1]!;
  return request(app)
    .post(`/c/${token}`)
    .type('form')
    .set('Sec-Fetch-Site', 'same-origin')
    .send({ nonce, decision });
}

describe('Verification policy through the webhook', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      HALOPSA_EMAIL_SOURCES: String(HALO_EMAIL_SOURCE),
      HALOPSA_RETRY_STATUS_ID: String(RETRY_STATUS),
    });
    h.graph
      .tenant(TENANT)
      .addUser({
        id: 'u-alex',
        userPrincipalName: 'alex@contoso.test',
        mail: 'alex@contoso.test',
        displayName: 'Alex Admin',
        managerId: 'u-maria',
        activeRoles: ['Exchange Administrator'],
        eligibleRoles: ['Global Administrator'],
      })
      .addUser({
        id: 'u-sasha',
        userPrincipalName: 'sasha@contoso.test',
        mail: 'sasha@contoso.test',
        displayName: 'Sasha Stone',
        department: 'Sales',
        managerId: 'u-maria',
      });
  });
  afterAll(async () => {
    await h.close();
  });
  const patches = () => h.graph.graphRequests(TENANT).filter((r) => r.method === 'PATCH').length;

  describe('When a manager emails the helpdesk from the address on file', () => {
    const fileEmail = (id: number, from = 'maria@contoso.test') =>
      h.halo.addTicket({
        id,
        summary: 'Password reset',
        details: 'Hi team, please reset the password for sam@contoso.test, he is locked out. Thanks, Maria',
        tickettype_id: 31,
        client_id: 12,
        user_id: 7,
        source: HALO_EMAIL_SOURCE,
        email: {
          from,
          body: 'Hi team, please reset the password for sam@contoso.test, he is locked out. Thanks, Maria',
        },
      });

    it('then nothing is reset until the confirmation link is answered "yes", and then the reset is delivered', async () => {
      fileEmail(9001);
      const before = patches();
      expect((await h.deliver(9001)).status).toBe(202);
      expect(await h.outcomeOf(9001)).toMatchObject({ code: 'awaiting-confirmation', waiting: true });
      expect(patches()).toBe(before);
      const note = h.halo.actions(9001).at(-1)!;
      expect(note).toMatchObject({ hiddenfromuser: false, sendemail: true });
      const token = CONFIRM_LINK.exec(String(note.note_html))![1]!;
      expect(h.halo.emails.filter((e) => e.ticketId === 9001).map((e) => e.to)).toEqual([
        'maria@contoso.test',
      ]);

      // Opening the page (what a mail scanner does) changes nothing.
      for (let i = 0; i < 3; i++) expect((await request(h.desk.app!).get(`/c/${token}`)).status).toBe(200);
      expect(patches()).toBe(before);

      expect((await answer(h, token, 'confirmed')).status).toBe(200);
      expect(await h.outcomeOfJob('halopsa-9001-confirm-confirmed')).toMatchObject({
        code: 'reset-delivered',
      });
      expect(patches()).toBe(before + 1);
      expect(String(h.halo.actions(9001).at(-1)!.note_html)).toMatch(/\/s\//);
      expect((await request(h.desk.app!).get(`/c/${token}`)).status).toBe(404);
    });

    it('then "this wasn\'t me" refuses the request and alerts the engineers', async () => {
      fileEmail(9002);
      await h.deliver(9002);
      await h.outcomeOf(9002);
      const token = CONFIRM_LINK.exec(String(h.halo.actions(9002).at(-1)!.note_html))![1]!;
      const before = patches();
      expect((await answer(h, token, 'denied')).status).toBe(200);
      expect(await h.outcomeOfJob('halopsa-9002-confirm-denied')).toMatchObject({
        code: 'confirmation-denied',
        handedOff: true,
      });
      expect(patches()).toBe(before);
      const internal = h.halo.actions(9002).filter((a) => a.hiddenfromuser);
      expect(String(internal.at(-1)!.note_html)).toContain('ALERT');
      expect(h.halo.ticket(9002)).toMatchObject({ team_id: 4, status_id: 23 });
    });

    it('then an email from another address is handed to an engineer without sending anything to it', async () => {
      fileEmail(9003, 'maria@contoso-it-support.test');
      await h.deliver(9003);
      expect(await h.outcomeOf(9003)).toMatchObject({ code: 'email-sender-not-on-file', handedOff: true });
      expect(h.halo.actions(9003).every((a) => a.hiddenfromuser)).toBe(true);
      expect(h.halo.emails.filter((e) => e.ticketId === 9003)).toEqual([]);
    });
  });

  it('When the target holds an admin role, then it is handed off with the roles found and nothing is reset', async () => {
    h.fileResetTicket({ id: 9101, target: 'alex@contoso.test' });
    const before = patches();
    await h.deliver(9101);
    expect(await h.outcomeOf(9101)).toMatchObject({ code: 'target-privileged', handedOff: true });
    expect(patches()).toBe(before);
    const text = String(h.halo.actions(9101).at(-1)!.note_html);
    expect(text).toContain('Exchange Administrator');
    expect(text).toContain('Global Administrator');
    expect(h.graph.user(TENANT, 'u-alex')!.sessionsRevokedAt).toBeUndefined();
  });

  it('When the target is a partial name that matches several people, then the requester is asked with names and departments', async () => {
    h.fileResetTicket({ id: 9102, target: 'Sa' });
    await h.deliver(9102);
    expect(await h.outcomeOf(9102)).toMatchObject({ code: 'target-ambiguous', waiting: true });
    const note = h.halo.actions(9102).at(-1)!;
    expect(note).toMatchObject({ hiddenfromuser: false });
    const text = String(note.note_html);
    expect(text).toContain('Sam Staff');
    expect(text).toContain('Sasha Stone (Sales)');
    expect(text).not.toContain('sam@contoso.test');
  });

  it('When an engineer fixes the manager and sends the ticket back, then it is worked again and delivered', async () => {
    h.fileResetTicket({ id: 9103, target: 'sasha@contoso.test', requester: 'mallory', resetMfa: 'No' });
    await h.deliver(9103);
    expect(await h.outcomeOf(9103)).toMatchObject({ code: 'requester-not-manager' });

    // A redelivery changes nothing while the ticket sits with the engineers.
    await h.deliver(9103);
    expect(await h.outcomeOf(9103)).toMatchObject({ code: 'already-handled' });

    h.graph.tenant(TENANT).addUser({
      id: 'u-sasha',
      userPrincipalName: 'sasha@contoso.test',
      mail: 'sasha@contoso.test',
      displayName: 'Sasha Stone',
      department: 'Sales',
      managerId: 'u-mallory',
    });
    h.halo.setStatus(9103, RETRY_STATUS);
    await h.deliver(9103);
    expect(await h.outcomeOf(9103)).toMatchObject({ code: 'reset-delivered' });
    expect(h.graph.user(TENANT, 'u-sasha')!.forceChangePasswordNextSignIn).toBe(true);
  });
});

describe('Per-customer policy: attestation and budgets', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      HALOPSA_ATTESTATION_FIELD: 'CFSpokenToStaffMember',
      RESETDESK_POLICY_JSON: JSON.stringify({
        requireAttestation: true,
        requesterLimit: { count: 1, windowMinutes: 60 },
      }),
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('When attestation is required and missing, then the requester is asked and nothing is reset', async () => {
    h.fileResetTicket({ id: 9201, target: 'sam@contoso.test' });
    await h.deliver(9201);
    expect(await h.outcomeOf(9201)).toMatchObject({ code: 'attestation-missing', waiting: true });
    expect(String(h.halo.actions(9201).at(-1)!.note_html)).toContain('I have spoken to this person');
    expect(h.graph.graphRequests(TENANT).filter((r) => r.method === 'PATCH')).toEqual([]);
  });

  it('When the requester goes over their budget, then the next ticket is handed off', async () => {
    const attested = (id: number) =>
      h.halo.addTicket({
        id,
        summary: 'Password / MFA reset',
        tickettype_id: 31,
        client_id: 12,
        user_id: 7,
        source: HALO.portalSource,
        customfields: [
          { id: 101, name: 'CFResetTarget', value: 'sam@contoso.test' },
          { id: 104, name: 'CFSpokenToStaffMember', value: 'Yes' },
        ],
      });
    attested(9202);
    await h.deliver(9202);
    expect(await h.outcomeOf(9202)).toMatchObject({ code: 'reset-delivered' });
    attested(9203);
    await h.deliver(9203);
    expect(await h.outcomeOf(9203)).toMatchObject({ code: 'rate-limited-requester', handedOff: true });
  });
});
