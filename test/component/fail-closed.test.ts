import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HALO } from '../sandbox/psa-sandboxes.js';
import { TENANT } from '../sandbox/sandbox.js';
import { startHarness, type Harness } from '../support/component-harness.js';

/**
 * What the service does where it meets something it did not expect, through the real HaloPSA webhook, the
 * Graph and Halo simulators and the local Redis: a confirmation used for another question, a ticket source
 * nothing classifies, a partial name from someone who manages nobody. Nothing is reset in any of them.
 */
const RETRY_STATUS = 40;
const UNLISTED_SOURCE = 9;
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

const confirmToken = (h: Harness, ticketId: number): string =>
  CONFIRM_LINK.exec(
    String(
      h.halo
        .actions(ticketId)
        .filter((a) => CONFIRM_LINK.test(String(a.note_html)))
        .at(-1)!.note_html,
    ),
  )![1]!;

describe('When the service meets something it did not expect', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ HALOPSA_RETRY_STATUS_ID: String(RETRY_STATUS) });
    h.graph
      .tenant(TENANT)
      .addUser({
        id: 'u-vic',
        userPrincipalName: 'vic@contoso.test',
        mail: 'vic@contoso.test',
        displayName: 'Vic Vale',
        givenName: 'Vic',
        surname: 'Vale',
        department: 'Sales',
        managerId: 'u-maria',
      })
      .addUser({
        id: 'u-uma',
        userPrincipalName: 'uma@contoso.test',
        mail: 'uma@contoso.test',
        displayName: 'Uma Underwood',
        givenName: 'Uma',
        surname: 'Underwood',
        department: 'Finance',
        managerId: 'u-maria',
      })
      .addUser({
        id: 'u-sara',
        userPrincipalName: 'sara@contoso.test',
        mail: 'sara@contoso.test',
        displayName: 'Sara Stranger',
        givenName: 'Sara',
        surname: 'Stranger',
        department: 'Legal',
      });
  });
  afterAll(async () => {
    await h.close();
  });
  const passwordResets = (userId: string) =>
    h.graph.graphRequests(TENANT).filter((r) => r.method === 'PATCH' && r.path === `/v1.0/users/${userId}`)
      .length;
  const mfaDeletes = (userId: string) =>
    h.graph
      .graphRequests(TENANT)
      .filter((r) => r.method === 'DELETE' && r.path.startsWith(`/v1.0/users/${userId}/`)).length;

  const fileEmail = (id: number, body: string, source = HALO.emailSource, from = 'maria@contoso.test') =>
    h.halo.addTicket({
      id,
      summary: 'Password reset',
      details: body,
      tickettype_id: HALO.resetType,
      client_id: HALO.client,
      user_id: 7,
      source,
      email: { from, body },
    });

  describe('a confirmation authorises the question it asked, once', () => {
    it('When the ticket is edited to name someone else after the question was sent, then "yes" resets nobody', async () => {
      const asked = 'Hi, please reset the password for vic@contoso.test, he is locked out. Thanks, Maria';
      fileEmail(9501, asked);
      await h.deliver(9501);
      expect(await h.outcomeOf(9501)).toMatchObject({ code: 'awaiting-confirmation' });
      const token = confirmToken(h, 9501);
      const page = await request(h.desk.app!).get(`/c/${token}`);
      expect(page.text).toContain('Vic Vale');

      // The request is rewritten to name Uma (an MFA-only reset of an account whose password an attacker knows
      // would be a takeover), then the manager answers the question they were shown.
      const rewritten = 'Hi, please reset the MFA for uma@contoso.test. Thanks, Maria';
      h.halo.editTicket(9501, { details: rewritten });
      expect((await answer(h, token, 'confirmed')).status).toBe(200);

      expect(await h.outcomeOfJob('halopsa-9501-confirm-confirmed')).toMatchObject({
        code: 'confirmation-mismatch',
        handedOff: true,
      });
      expect(passwordResets('u-uma') + mfaDeletes('u-uma')).toBe(0);
      expect(passwordResets('u-vic') + mfaDeletes('u-vic')).toBe(0);
      const internal = h.halo.actions(9501).filter((a) => a.hiddenfromuser);
      expect(String(internal.at(-1)!.note_html)).toContain('changed after the confirmation was asked for');
      expect(h.halo.ticket(9501)).toMatchObject({ team_id: HALO.teamHandoff, status_id: HALO.statusHandoff });
    });

    it('When an engineer sends a confirmed ticket back, then the new round asks the manager again', async () => {
      fileEmail(9502, 'Hi, please reset the password for vic@contoso.test. Thanks, Maria');
      await h.deliver(9502);
      await h.outcomeOf(9502);
      const first = confirmToken(h, 9502);
      // The tenant refuses the password change after the "yes": the ticket goes to the engineers.
      h.graph.failNext({ method: 'PATCH', pathPattern: '/v1.0/users/u-vic', status: 403 });
      expect((await answer(h, first, 'confirmed')).status).toBe(200);
      expect(await h.outcomeOfJob('halopsa-9502-confirm-confirmed')).toMatchObject({ handedOff: true });

      const before = passwordResets('u-vic');
      h.halo.setStatus(9502, RETRY_STATUS);
      await h.deliver(9502);
      expect(await h.outcomeOf(9502)).toMatchObject({ code: 'awaiting-confirmation', waiting: true });
      expect(passwordResets('u-vic')).toBe(before);
      expect(confirmToken(h, 9502)).not.toBe(first);
    });
  });

  describe('a ticket whose source matches no configured channel gets the email checks', () => {
    it('When its sender is not the contact on file, then it is handed off, as the same email would be', async () => {
      const forged = 'Please reset the password for vic@contoso.test asap. Maria';
      fileEmail(9511, forged, UNLISTED_SOURCE, 'maria@contoso-helpdesk.test');
      const before = passwordResets('u-vic');
      await h.deliver(9511);
      expect(await h.outcomeOf(9511)).toMatchObject({ code: 'email-sender-not-on-file', handedOff: true });
      expect(passwordResets('u-vic')).toBe(before);
      expect(h.halo.emails.filter((e) => e.ticketId === 9511)).toEqual([]);
    });

    it('When its sender is the contact on file, then nothing is reset before the manager confirms', async () => {
      fileEmail(9512, 'Please reset the password for uma@contoso.test. Maria', UNLISTED_SOURCE);
      await h.deliver(9512);
      expect(await h.outcomeOf(9512)).toMatchObject({ code: 'awaiting-confirmation', waiting: true });
      expect(passwordResets('u-uma')).toBe(0);
    });

    it('When a portal form arrives from an unlisted source with no recorded sender, then it is handed off', async () => {
      h.halo.addTicket({
        id: 9513,
        summary: 'Password / MFA reset',
        tickettype_id: HALO.resetType,
        client_id: HALO.client,
        user_id: 7,
        source: UNLISTED_SOURCE,
        customfields: [{ id: 101, name: 'CFResetTarget', value: 'uma@contoso.test' }],
      });
      await h.deliver(9513);
      expect(await h.outcomeOf(9513)).toMatchObject({ code: 'email-sender-not-on-file', handedOff: true });
      expect(passwordResets('u-uma')).toBe(0);
    });
  });

  describe('a partial name is looked up only among the people the requester may ask for', () => {
    it('When a contact who manages nobody types part of a name, then no staff list is written and it is handed off', async () => {
      h.fileResetTicket({ id: 9521, target: 'Sa', requester: 'mallory' });
      await h.deliver(9521);
      expect(await h.outcomeOf(9521)).toMatchObject({ code: 'requester-not-manager', handedOff: true });
      const customerNotes = h.halo.actions(9521).filter((a) => !a.hiddenfromuser);
      expect(customerNotes.map((a) => String(a.note_html)).join('\n')).not.toMatch(/Sam|Sara|Stranger|Legal/);
      expect(h.halo.emails.filter((e) => e.ticketId === 9521)).toEqual([]);
    });

    it('When a manager types part of a name that a stranger also matches, then only their report counts', async () => {
      h.fileResetTicket({ id: 9522, target: 'Sa', resetMfa: 'No' });
      await h.deliver(9522);
      expect(await h.outcomeOf(9522)).toMatchObject({ code: 'reset-delivered' });
      expect(passwordResets('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')).toBe(1);
      expect(passwordResets('u-sara')).toBe(0);
      expect(
        h.halo
          .actions(9522)
          .map((a) => String(a.note_html))
          .join('\n'),
      ).not.toMatch(/Stranger|Legal/);
    });
  });

  it('When a decision is audited, then what was asked is logged (not blanked by the password redaction)', async () => {
    h.fileResetTicket({ id: 9531, target: 'uma@contoso.test', resetPassword: 'Yes', resetMfa: 'No' });
    await h.deliver(9531);
    await h.outcomeOf(9531);
    const audit = h.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.event === 'audit.decision' && l.ticketId === '9531');
    expect(audit?.asked).toEqual({ passwordReset: true, mfaReset: false });
  });
});
