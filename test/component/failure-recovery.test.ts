import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT } from '../sandbox/sandbox.js';
import { startHarness, STATUS_HANDOFF, type Harness } from '../support/component-harness.js';
import { proceedThroughLink } from '../support/secure-link-client.js';

/**
 * Nothing finishes silently: a ticket whose job cannot finish (the PSA down past the retry horizon, Graph
 * down, a job gone from Redis) ends with the manager holding a working link or an engineer told exactly
 * what state the account is in, through the real webhook, the simulators and the local Redis.
 */
const RETRY_STATUS = 40;
const LINK = /https:\/\/reset\.example\.test\/s\/([A-Za-z0-9_-]+)/;

function addStaff(h: Harness, id: number): string {
  h.graph.tenant(TENANT).addUser({
    id: `u-${id}`,
    userPrincipalName: `staff${id}@contoso.test`,
    mail: `staff${id}@contoso.test`,
    displayName: `Staff ${id}`,
    managerId: 'u-maria',
    methods: [
      { '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', id: `a-${id}` },
    ],
  });
  h.fileResetTicket({ id, target: `staff${id}@contoso.test` });
  return `u-${id}`;
}

const notesOf = (h: Harness, id: number) =>
  h.halo.actions(id).map((a) => ({ customer: a.hiddenfromuser !== true, html: String(a.note_html) }));

async function haloSetStatus(h: Harness, ticketId: number, statusId: number) {
  const token = await request(h.halo.url).post('/auth/token').type('form').send({
    grant_type: 'client_credentials',
    client_id: h.halo.defaultApp.clientId,
    client_secret: h.halo.defaultApp.clientSecret,
    scope: 'all',
  });
  await request(h.halo.url)
    .post('/api/Tickets')
    .set('Authorization', `Bearer ${token.body.access_token as string}`)
    .send([{ id: ticketId, status_id: statusId }]);
}

describe('When a job cannot finish', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      // A retry horizon of a few tens of ms: two attempts, 50 ms apart.
      WORKER_ATTEMPTS: '2',
      WORKER_BACKOFF_MS: '50',
      WORKER_SWEEP_INTERVAL_MS: '200',
      HALOPSA_RETRY_STATUS_ID: String(RETRY_STATUS),
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('and the PSA stays down past the retry horizon after the password was set, then the hand-off is retried until it lands, with the link delivered late and nothing reset twice', async () => {
    const userId = addStaff(h, 7101);
    // The delivery note fails on both attempts and on the first three hand-off tries.
    h.halo.failNext({ method: 'POST', pathPattern: '/api/Actions', status: 503, times: 5 });
    expect((await h.deliver(7101)).status).toBe(202);

    expect(await h.outcomeOf(7101)).toMatchObject({
      code: 'retries-exhausted',
      handedOff: true,
      delivered: true,
    });
    const notes = notesOf(h, 7101);
    expect(notes.map((n) => n.customer)).toEqual([true, false]);
    expect(notes[1]!.html).toContain('written to the ticket late');
    const token = LINK.exec(notes[0]!.html)![1]!;
    const revealed = await proceedThroughLink(h.desk.app!, `/s/${token}`);
    const staff = h.graph.user(TENANT, userId)!;
    expect(revealed.text).toContain(staff.password!);
    expect(staff.passwordChanges).toBe(1);
    expect(h.halo.ticket(7101)!.status_id).toBe(STATUS_HANDOFF);
    expect(h.logs.some((l) => l.includes('"event":"reset.handoff-retry"'))).toBe(true);
  });

  it('and Graph stays down, then the ticket goes to an engineer, and a later webhook after the engineer sends it back is worked, not absorbed', async () => {
    const userId = addStaff(h, 7102);
    h.graph.storm(TENANT, { status: 503 });
    await h.deliver(7102);
    expect(await h.outcomeOf(7102)).toMatchObject({ code: 'retries-exhausted', handedOff: true });
    expect(h.graph.user(TENANT, userId)!.passwordChanges).toBeUndefined();
    h.graph.storm(TENANT);

    await haloSetStatus(h, 7102, RETRY_STATUS);
    expect((await h.deliver(7102)).status).toBe(202);
    expect(await h.outcomeOf(7102)).toMatchObject({ code: 'reset-delivered', delivered: true });
    expect(h.graph.user(TENANT, userId)!.passwordChanges).toBe(1);
  });

  it('and its job vanishes from Redis before it started, then the sweep queues it again and it is delivered', async () => {
    const userId = addStaff(h, 7103);
    await h.desk.worker!.pause();
    try {
      expect((await h.deliver(7103)).status).toBe(202);
      expect(await h.desk.queue.queue.remove('halopsa-7103')).toBe(1);
    } finally {
      h.desk.worker!.resume();
    }
    expect(await h.outcomeOf(7103)).toMatchObject({ code: 'reset-delivered' });
    expect(h.graph.user(TENANT, userId)!.passwordChanges).toBe(1);
    expect(h.logs.some((l) => l.includes('"event":"sweep.requeued"'))).toBe(true);
  });

  it('and its job vanishes from Redis after it began changing the account, then the sweep hands it off saying the state is unknown, and the run that lost it stops', async () => {
    const userId = addStaff(h, 7104);
    const held = h.graph.hold({ method: 'GET', pathPattern: `/v1.0/users/${userId}/authentication/methods` });
    await h.deliver(7104);
    await held.arrived;
    // What a failover that lost the job looks like: its hash and its place in the active list are gone.
    const jobKey = `${h.prefix}:resets:halopsa-7104`;
    await h.redis.multi().del(jobKey).lrem(`${h.prefix}:resets:active`, 0, 'halopsa-7104').exec();
    held.release();

    // The sweep queues the ticket again under the same job id, to hand it off.
    expect(await h.outcomeOf(7104)).toMatchObject({ code: 'job-lost', handedOff: true });
    const [note] = notesOf(h, 7104);
    expect(note!.customer).toBe(false);
    expect(note!.html).toContain('job-lost');
    expect(note!.html).toContain('may have been set');
    // The run that lost its job stopped at its next journal save: no password was set.
    await new Promise((r) => setTimeout(r, 300));
    expect(h.graph.user(TENANT, userId)!.passwordChanges).toBeUndefined();
    expect(h.halo.ticket(7104)!.status_id).toBe(STATUS_HANDOFF);
  });
});
