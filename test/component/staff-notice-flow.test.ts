import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffNoticeJobData } from '../../workers/staff-notice-worker.js';
import { HALO_CLIENT } from '../sandbox/sandbox.js';
import {
  startHarness,
  STATUS_HANDOFF,
  TEAM_HANDOFF,
  TENANT,
  type Harness,
} from '../support/component-harness.js';

/**
 * Telling the staff member, end to end: the real service on the local Redis, the Graph simulator (the
 * customer's tenant and the MSP's own, whose mailbox sends the notice) and the HaloPSA simulator.
 */

const MSP_TENANT = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const SENDER = 'notices@ashton.test';
const SECURE_LINK = /https:\/\/reset\.example\.test\/s\/([A-Za-z0-9_-]{43})/;
const DISAVOW_LINK = /https:\/\/reset\.example\.test\/n\/([A-Za-z0-9_-]{43})/;

describe('Telling the staff member after a reset', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      NOTIFY_ENABLED: 'true',
      NOTIFY_MSP_TENANT_ID: MSP_TENANT,
      NOTIFY_SENDER_MAILBOX: SENDER,
      RESETDESK_CUSTOMERS_JSON: JSON.stringify([
        {
          name: 'contoso',
          psa: 'halopsa',
          psaCustomerId: HALO_CLIENT,
          tenantId: TENANT,
          blockSignInOnDisavow: true,
        },
      ]),
    });
    h.graph
      .tenant(MSP_TENANT)
      .registerApp(h.sandbox.env.GRAPH_CLIENT_ID!, h.sandbox.env.GRAPH_CLIENT_SECRET!)
      .addUser({
        id: 'u-notices',
        userPrincipalName: SENDER,
        mail: SENDER,
        displayName: 'Ashton notices',
        mailbox: 'granted',
      });
    h.graph.tenant(TENANT).addUser({
      id: 'u-nia',
      userPrincipalName: 'nia@contoso.test',
      mail: 'nia@contoso.test',
      displayName: 'Nia Newhire',
      managerId: 'u-maria',
      // Her own address and one on the tenant's domain are never notified: whoever holds the account reads them.
      otherMails: ['nia.home@example.net', 'NIA@contoso.test', 'nia.alias@contoso.test'],
      methods: [
        {
          '@odata.type': '#microsoft.graph.passwordAuthenticationMethod',
          id: '28c10230-6103-485e-b985-444c60001490',
        },
        { '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', id: 'auth-nia' },
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const noticeJobs = async () =>
    (await h.desk.staffNotices.queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed'])).filter(
      (j) => j !== undefined,
    );
  async function until<T>(
    what: string,
    read: () => Promise<T | undefined> | T | undefined,
    timeoutMs = 15_000,
  ) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const completedJob = (name: 'notice' | 'disavow', ticketId: string) =>
    until(`the ${name} job of ticket ${ticketId}`, async () => {
      const jobs = await h.desk.staffNotices.queue.getJobs(['completed', 'failed']);
      return jobs.find((j) => {
        const data = j.data as StaffNoticeJobData;
        return (
          data.kind === name && (data.kind === 'notice' ? data.request : data.report).ticketId === ticketId
        );
      });
    });

  describe('When a reset is delivered for a staff member with a personal address on file', () => {
    let password: string;
    let secureToken: string;
    let disavowToken: string;
    beforeAll(async () => {
      h.fileResetTicket({ id: 6101, target: 'nia@contoso.test' });
      expect((await h.deliver(6101)).status).toBe(202);
      expect(await h.outcomeOf(6101)).toMatchObject({ code: 'reset-delivered', delivered: true });
      password = h.graph.user(TENANT, 'u-nia')!.password!;
      secureToken = SECURE_LINK.exec(String(h.halo.actions(6101)[0]!.note_html))![1]!;
      const job = await completedJob('notice', '6101');
      expect(job.returnvalue).toEqual({ status: 'sent', recipients: 1 });
      disavowToken = DISAVOW_LINK.exec(h.graph.sentMail(MSP_TENANT)[0]!.content)![1]!;
    });

    it('then exactly one notice goes from the MSP mailbox to the personal address, as this sendMail body', () => {
      const sends = h.graph.graphRequests().filter((r) => r.path.endsWith('/sendMail'));
      expect(sends).toHaveLength(1);
      expect(sends[0]!.method).toBe('POST');
      expect(sends[0]!.path).toBe(`/v1.0/users/${SENDER}/sendMail`);
      const body = sends[0]!.body as { message: { body: { content: string } } };
      expect(body).toEqual({
        message: {
          subject:
            'Ashton Solutions: the password and MFA (multi-factor authentication) sign-in methods of your work account were reset',
          body: { contentType: 'HTML', content: body.message.body.content },
          toRecipients: [{ emailAddress: { address: 'nia.home@example.net' } }],
        },
        saveToSentItems: false,
      });
      const html = body.message.body.content;
      expect(html).toContain('Hello Nia Newhire,');
      expect(html).toContain('work account nia@contoso.test were reset by Ashton Solutions on');
      expect(html).toContain('at the request of Maria Manager.');
      expect(html).toContain(`href="https://reset.example.test/n/${disavowToken}"`);
      expect(h.graph.sentMail(MSP_TENANT).map((m) => m.to)).toEqual([['nia.home@example.net']]);
      expect(h.graph.sentMail(TENANT)).toEqual([]);
    });

    it('then the notice holds no password and no secure link', () => {
      const content = h.graph.sentMail(MSP_TENANT)[0]!.content;
      expect(content).not.toContain(password);
      expect(content).not.toContain(secureToken);
      expect(content).not.toContain('/s/');
    });

    it('then the ticket gets no note about the notice (the manager already has the delivery note)', () => {
      expect(h.halo.actions(6101)).toHaveLength(1);
    });

    it('then a second delivery of the webhook sends no second notice', async () => {
      await h.deliver(6101);
      await h.outcomeOf(6101);
      await new Promise((r) => setTimeout(r, 300));
      expect(h.graph.sentMail(MSP_TENANT)).toHaveLength(1);
      expect(
        (await noticeJobs()).filter((j) => (j.data as StaffNoticeJobData).kind === 'notice'),
      ).toHaveLength(1);
    });

    describe('and the staff member presses "This wasn\'t me"', () => {
      let revokedBefore: Date | undefined;
      beforeAll(async () => {
        const app = h.desk.app!;
        revokedBefore = h.graph.user(TENANT, 'u-nia')!.sessionsRevokedAt;
        // What a mail scanner does first: fetch the link. Nothing may happen.
        const page = await request(app).get(`/n/${disavowToken}`);
        expect(page.status).toBe(200);
        await new Promise((r) => setTimeout(r, 300));
        expect(h.graph.user(TENANT, 'u-nia')!.sessionsRevokedAt).toEqual(revokedBefore);
        const nonce = /name="nonce" value="([^"]+)"/.exec(page.text)![1]!;
        const res = await request(app)
          .post(`/n/${disavowToken}`)
          .type('form')
          .set('Sec-Fetch-Site', 'same-origin')
          .send({ nonce });
        expect(res.status).toBe(200);
        expect(res.text).toContain('Thank you, your IT team has been told');
        const job = await completedJob('disavow', '6101');
        expect(job.returnvalue).toMatchObject({
          code: 'staff-disavowed',
          sessions: 'revoked',
          signIn: 'blocked',
        });
      });

      it('then sessions are revoked and sign-in blocked (the customer asks for it) with exactly these Graph calls', () => {
        const nia = h.graph.user(TENANT, 'u-nia')!;
        expect(nia.sessionsRevokedAt!.getTime()).toBeGreaterThan(revokedBefore!.getTime());
        expect(nia.accountEnabled).toBe(false);
        const blocks = h.graph
          .graphRequests(TENANT)
          .filter(
            (r) =>
              r.method === 'PATCH' &&
              r.path === '/v1.0/users/u-nia' &&
              !('passwordProfile' in (r.body as object)),
          );
        expect(blocks.map((r) => r.body)).toEqual([{ accountEnabled: false }]);
        const revokes = h.graph
          .graphRequests(TENANT)
          .filter((r) => r.path === '/v1.0/users/u-nia/revokeSignInSessions');
        expect(revokes).toHaveLength(2); // the reset's, then the disavow's
      });

      it('then the engineers get an internal "possible account takeover" note and the ticket', () => {
        const notes = h.halo.actions(6101);
        const takeover = notes.find((n) => String(n.note_html).includes('POSSIBLE ACCOUNT TAKEOVER'));
        expect(takeover).toMatchObject({ hiddenfromuser: true, sendemail: false });
        expect(String(takeover!.note_html)).toContain('staff-disavowed');
        expect(String(takeover!.note_html)).toContain('Sign-in blocked');
        expect(h.halo.ticket(6101)).toMatchObject({ team_id: TEAM_HANDOFF, status_id: STATUS_HANDOFF });
      });

      it('then pressing again does nothing more', async () => {
        const res = await request(h.desk.app!).get(`/n/${disavowToken}`);
        expect(res.status).toBe(404);
      });

      it('then no password, secure link or disavow link is in the logs, notes, job data or Redis', async () => {
        const jobs = [
          ...(await noticeJobs()).map((j) => JSON.stringify(j.data)),
          JSON.stringify((await h.job(6101))?.data ?? {}),
        ].join('\n');
        const notes = h.halo
          .actions(6101)
          .map((a) => String(a.note_html))
          .join('\n');
        const dump = await h.redisDump();
        const logs = h.logs.join('\n');
        for (const secret of [password, disavowToken]) {
          expect(logs).not.toContain(secret);
          expect(notes).not.toContain(secret);
          expect(jobs).not.toContain(secret);
          expect(dump).not.toContain(secret);
        }
        expect(logs).not.toContain(secureToken);
        expect(jobs).not.toContain(secureToken);
        expect(dump).not.toContain(secureToken);
      });
    });
  });

  describe('When the staff member has no independent address', () => {
    beforeAll(async () => {
      h.fileResetTicket({ id: 6102, target: 'sam@contoso.test' });
      await h.deliver(6102);
      expect(await h.outcomeOf(6102)).toMatchObject({ code: 'reset-delivered' });
      const job = await completedJob('notice', '6102');
      expect(job.returnvalue).toEqual({ status: 'not-sent', reason: 'no-address' });
    });

    it('then no mail goes out and the manager is told in a customer-visible note', () => {
      expect(h.graph.sentMail(MSP_TENANT).flatMap((m) => m.to)).not.toContain('sam@contoso.test');
      const [, customer, internal] = h.halo.actions(6102);
      expect(customer).toMatchObject({ hiddenfromuser: false, sendemail: true });
      expect(String(customer!.note_html)).toContain('We could not send Sam Staff an independent notice');
      expect(String(customer!.note_html)).toContain('no personal email address on file');
      expect(internal).toMatchObject({ hiddenfromuser: true });
      expect(h.halo.emails.filter((e) => e.to === 'sam@contoso.test')).toEqual([]);
    });
  });
});
