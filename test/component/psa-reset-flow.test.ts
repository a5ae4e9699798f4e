import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PsaKind } from '../../services/domain/ports.js';
import { pacingOptions } from '../../services/pacing/index.js';
import { TENANT } from '../sandbox/sandbox.js';
import { proceedThroughLink } from '../support/secure-link-client.js';
import { startHarness, type Harness } from '../support/component-harness.js';

/**
 * The same reset desk for every PSA: each case goes through the PSA's real webhook route, signed or
 * authenticated the way that PSA does it, against its simulator. The use case does not know which PSA it
 * talks to; these tests prove the outcome is the same.
 */
const LINK = /https:\/\/reset\.example\.test\/s\/([A-Za-z0-9_-]+)/;

describe.each<PsaKind>(['halopsa', 'connectwise', 'autotask'])(
  '%s: a reset ticket through the webhook',
  (psa) => {
    let h: Harness;
    beforeAll(async () => {
      // Pacing on, as in production, with budgets nothing here exhausts.
      const open = { ratePerSecond: 1000, burst: 1000 };
      h = await startHarness({}, psa, {
        pacing: pacingOptions({ graph: open, psa: { halopsa: open, connectwise: open, autotask: open } }),
      });
    });
    afterAll(async () => {
      await h.close();
    });
    const patchesOf = (userId: string) =>
      h.graph.graphRequests(TENANT).filter((r) => r.method === 'PATCH' && r.path === `/v1.0/users/${userId}`);

    it('When the manager asks for a cloud-only staff member, then the reset is done and the link note is emailed to the contact on file', async () => {
      h.sandbox.psa.fileResetTicket({ id: 101, target: 'sam@contoso.test' });
      const res = await h.deliverAsPsa(101);
      expect(res.status).toBe(202);
      expect(await h.outcomeOf(101)).toMatchObject({ code: 'reset-delivered' });

      const password = h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.password!;
      expect(patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d').at(-1)!.body).toEqual({
        passwordProfile: { forceChangePasswordNextSignIn: true, password },
      });
      const notes = h.sandbox.psa.notes(101);
      expect(notes.map((n) => n.visibility)).toEqual(['customer']);
      expect(notes[0]!.text).not.toContain(password);
      const token = LINK.exec(notes[0]!.text)![1]!;
      expect(h.sandbox.psa.emailsFor(101)).toEqual(['maria@contoso.test']);
      expect(h.sandbox.psa.disposition(101)).toBe('awaiting-confirmation');
      const revealed = await proceedThroughLink(h.desk.app!, `/s/${token}`);
      expect(revealed.text).toContain(password);
      expect(h.logs.join('\n')).not.toContain(password);
      expect(await h.redisDump()).not.toContain(password);
    });

    it('When the webhook names the ticket’s customer, then the job waits on that customer’s Graph budget before it reads anything', async () => {
      h.sandbox.psa.fileResetTicket({ id: 109, target: 'sam@contoso.test' });
      expect((await h.deliverAsPsa(109)).status).toBe(202);
      expect((await h.job(109))?.data.parkedOn).toBe(`graph:${TENANT.toLowerCase()}`);
      expect(await h.outcomeOf(109)).toMatchObject({ code: 'reset-delivered' });
    });

    it('When the staff member is synchronised from on-premises, then MFA is reset and the password handed off with the on-premises facts', async () => {
      h.sandbox.psa.fileResetTicket({ id: 102, target: 'syd@contoso.test' });
      expect((await h.deliverAsPsa(102)).status).toBe(202);
      expect(await h.outcomeOf(102)).toMatchObject({ code: 'synced-user-password', handedOff: true });
      expect(patchesOf('u-syd')).toHaveLength(0);
      const internal = h.sandbox.psa.notes(102).find((n) => n.visibility === 'internal')!;
      expect(internal.text).toContain('onPremisesSamAccountName=syd.synced');
      expect(h.sandbox.psa.disposition(102)).toBe('engineers');
    });

    it('When the requester is not the manager, then nothing is reset and the ticket goes to the engineers', async () => {
      h.sandbox.psa.fileResetTicket({ id: 103, target: 'sam@contoso.test', requester: 'mallory' });
      const before = patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d').length;
      expect((await h.deliverAsPsa(103)).status).toBe(202);
      expect(await h.outcomeOf(103)).toMatchObject({ code: 'requester-not-manager' });
      expect(patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')).toHaveLength(before);
      expect(h.sandbox.psa.notes(103).map((n) => n.visibility)).toEqual(['internal']);
      expect(h.sandbox.psa.emailsFor(103)).toEqual([]);
      expect(h.sandbox.psa.disposition(103)).toBe('engineers');
    });

    it('When the ticket is not a reset request, then nothing is written', async () => {
      h.sandbox.psa.fileOtherTicket(104);
      expect((await h.deliverAsPsa(104)).status).toBe(202);
      expect(await h.outcomeOf(104)).toMatchObject({ code: 'not-a-reset-ticket' });
      expect(h.sandbox.psa.notes(104)).toEqual([]);
    });

    it('When the webhook is forged (body changed after signing, or wrong credentials), then 401 and no job', async () => {
      h.sandbox.psa.fileResetTicket({ id: 105, target: 'sam@contoso.test' });
      const forged =
        psa === 'halopsa'
          ? await request(h.desk.app!)
              .post('/webhooks/halopsa')
              .auth('resetdesk', 'not-the-webhook-password')
              .set('Content-Type', 'application/json')
              .send(h.sandbox.psa.webhook(105).body)
          : await h.deliverAsPsa(105, (body) => body.replace('105', '106'));
      expect(forged.status).toBe(401);
      const unsigned = await request(h.desk.app!)
        .post(`/webhooks/${psa}`)
        .set('Content-Type', 'application/json')
        .send(h.sandbox.psa.webhook(105).body);
      expect(unsigned.status).toBe(401);
      expect(await h.job(105)).toBeUndefined();
      expect(await h.job(106)).toBeUndefined();
    });

    it('When the same delivery is replayed, then it changes nothing', async () => {
      h.sandbox.psa.fileResetTicket({ id: 107, target: 'sam@contoso.test', resetMfa: 'No' });
      const { body, headers } = h.sandbox.psa.webhook(107);
      const send = () => {
        let r = request(h.desk.app!).post(`/webhooks/${psa}`);
        for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
        return r.send(body);
      };
      expect((await send()).status).toBe(202);
      await h.outcomeOf(107);
      const before = patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d').length;
      const replay = await send();
      expect([200, 202]).toContain(replay.status);
      await new Promise((r) => setTimeout(r, 200));
      expect(patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')).toHaveLength(before);
      expect(h.sandbox.psa.notes(107)).toHaveLength(1);
    });

    it('When the PSA refuses the note once, then the note is retried and the password is reset once', async () => {
      h.sandbox.psa.fileResetTicket({ id: 108, target: 'sam@contoso.test', resetMfa: 'No' });
      h.sandbox.psa.failNextNote();
      const before = patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d').length;
      await h.deliverAsPsa(108);
      expect(await h.outcomeOf(108)).toMatchObject({ code: 'reset-delivered' });
      expect(patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')).toHaveLength(before + 1);
      expect(h.sandbox.psa.notes(108)).toHaveLength(1);
    });
  },
);
