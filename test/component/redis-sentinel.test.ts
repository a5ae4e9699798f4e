import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTicketLedger } from '../../services/policy/ticket-ledger.js';
import { startHarness, TENANT, type Harness } from '../support/component-harness.js';
import {
  redisTopologyAvailability,
  startSentinelSet,
  type SentinelSet,
  type SentinelSetOptions,
} from '../support/redis-topologies.js';
import { proceedThroughLink } from '../support/secure-link-client.js';

/**
 * The whole service on a real local Redis Sentinel set (test/support/redis-topologies.ts: a master, a
 * replica, three sentinels with quorum 2), its data nodes set as the README recommends, and the service
 * configured only through REDIS_MODE=sentinel and its keys. Then failovers in the middle of a burst of
 * tickets: forced (`SENTINEL FAILOVER`) and by killing the master process. Each block has a set of its own.
 */
const availability = redisTopologyAvailability();

const LINK = /https:\/\/reset\.example\.test\/s\/([A-Za-z0-9_-]+)/;
const CONFIRM_LINK = /https:\/\/reset\.example\.test\/c\/([A-Za-z0-9_-]+)/;
const HALO_EMAIL_SOURCE = 1;

/** The data nodes' settings the README recommends with Sentinel. */
const RECOMMENDED = ['min-replicas-to-write 1', 'min-replicas-max-lag 10'];

/** A Sentinel set of its own and the service on it, for the enclosing describe block. */
function onSentinelSet(options: SentinelSetOptions = {}): { set: SentinelSet; h: Harness } {
  const ctx = {} as { set: SentinelSet; h: Harness };
  beforeAll(async () => {
    ctx.set = await startSentinelSet({ dataNodeConfig: RECOMMENDED, ...options });
    ctx.h = await startHarness(
      {
        HALOPSA_EMAIL_SOURCES: String(HALO_EMAIL_SOURCE),
        // Budgets wide enough for a burst from one manager.
        RESETDESK_POLICY_JSON: JSON.stringify({
          requesterLimit: { count: 1000, windowMinutes: 60 },
          customerLimit: { count: 1000, windowMinutes: 60 },
        }),
      },
      'halopsa',
      {},
      { redis: ctx.set },
    );
  }, 60_000);
  afterAll(async () => {
    await ctx.h?.close();
    await ctx.set?.stop();
  });
  return ctx;
}

const patchesOf = (h: Harness, userId: string) =>
  h.graph.graphRequests(TENANT).filter((r) => r.method === 'PATCH' && r.path === `/v1.0/users/${userId}`);

const DATA_PASSWORD = 'data-node-password-4c1e9a';
const SENTINEL_PASSWORD = 'sentinel-password-77b2d0';

describe.skipIf(!availability.run)(
  'On Redis Sentinel, with TLS and passwords for the data nodes and the sentinels',
  () => {
    const ctx = onSentinelSet({ tls: true, password: DATA_PASSWORD, sentinelPassword: SENTINEL_PASSWORD });

    it('When a manager files a reset, then it is delivered once and the secure link reveals the password', async () => {
      const { h } = ctx;
      h.fileResetTicket({ id: 6101, target: 'sam@contoso.test' });
      expect((await h.deliver(6101)).status).toBe(202);
      expect(await h.outcomeOf(6101)).toMatchObject({ code: 'reset-delivered', delivered: true });
      expect(patchesOf(h, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')).toHaveLength(1);
      const password = h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.password!;
      const notes = h.halo.actions(6101);
      expect(notes).toHaveLength(1);
      const token = LINK.exec(String(notes[0]!.note_html))![1]!;
      const revealed = await proceedThroughLink(h.desk.app!, `/s/${token}`);
      expect(revealed.status).toBe(200);
      expect(revealed.text).toContain(password);
      expect(await h.redisDump()).not.toContain(password);
      for (const secret of [password, DATA_PASSWORD, SENTINEL_PASSWORD]) {
        expect(h.logs.join('\n')).not.toContain(secret);
      }
    });

    it('When a manager emails the request, then nothing is reset until the confirmation link says yes', async () => {
      const { h } = ctx;
      const body = 'Please reset the password for syd.cloud@contoso.test. Thanks, Maria';
      h.graph.tenant(TENANT).addUser({
        id: 'u-sydc',
        userPrincipalName: 'syd.cloud@contoso.test',
        mail: 'syd.cloud@contoso.test',
        displayName: 'Syd Cloud',
        managerId: 'u-maria',
      });
      h.halo.addTicket({
        id: 6102,
        summary: 'Password reset',
        details: body,
        tickettype_id: 31,
        client_id: 12,
        user_id: 7,
        source: HALO_EMAIL_SOURCE,
        email: { from: 'maria@contoso.test', body },
      });
      expect((await h.deliver(6102)).status).toBe(202);
      expect(await h.outcomeOf(6102)).toMatchObject({ code: 'awaiting-confirmation', waiting: true });
      expect(patchesOf(h, 'u-sydc')).toHaveLength(0);
      const token = CONFIRM_LINK.exec(String(h.halo.actions(6102).at(-1)!.note_html))![1]!;

      const app = h.desk.app!;
      const page = await request(app).get(`/c/${token}`);
      expect(page.status).toBe(200);
      const nonce = /name="nonce" value="([^"]*)"/.exec(page.text)![1]!;
      const answer = await request(app)
        .post(`/c/${token}`)
        .type('form')
        .set('Sec-Fetch-Site', 'same-origin')
        .send({ nonce, decision: 'confirmed' });
      expect(answer.status).toBe(200);
      expect(await h.outcomeOfJob('halopsa-6102-confirm-confirmed')).toMatchObject({
        code: 'reset-delivered',
      });
      expect(patchesOf(h, 'u-sydc')).toHaveLength(1);
      const link = LINK.exec(String(h.halo.actions(6102).at(-1)!.note_html))![1]!;
      const revealed = await proceedThroughLink(app, `/s/${link}`);
      expect(revealed.text).toContain(h.graph.user(TENANT, 'u-sydc')!.password!);
    });
  },
);

/**
 * Files `count` reset tickets, each for a staff member of its own, and delivers each webhook as a PSA does:
 * again after a non-2xx answer, until it is accepted. `during` starts once a third of them are in.
 */
/** A burst ticket's staff member: an object id shaped as Entra's are (a GUID). */
const staffId = (ticketId: number) => `00000000-0000-4000-8000-${String(ticketId).padStart(12, '0')}`;

async function burst(h: Harness, firstId: number, count: number, during: () => Promise<void>) {
  const answers = new Map<number, number[]>();
  const tickets = Array.from({ length: count }, (_, i) => firstId + i);
  for (const id of tickets) {
    h.graph.tenant(TENANT).addUser({
      id: staffId(id),
      userPrincipalName: `staff${id}@contoso.test`,
      mail: `staff${id}@contoso.test`,
      displayName: `Staff ${id}`,
      managerId: 'u-maria',
      methods: [
        { '@odata.type': '#microsoft.graph.passwordAuthenticationMethod', id: `pw-${id}` },
        { '@odata.type': '#microsoft.graph.phoneAuthenticationMethod', id: `ph-${id}`, phoneType: 'mobile' },
      ],
    });
    h.fileResetTicket({ id, target: `staff${id}@contoso.test` });
    answers.set(id, []);
  }
  const deliverUntilAccepted = async (id: number) => {
    const deadline = Date.now() + 40_000;
    for (;;) {
      const status = (await h.deliver(id)).status;
      answers.get(id)!.push(status);
      if (status >= 200 && status < 300) return;
      if (Date.now() > deadline)
        throw new Error(`ticket ${id} never accepted: ${answers.get(id)!.join(',')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const deliveries: Array<Promise<void>> = [];
  let fault: Promise<void> | undefined;
  for (const [i, id] of tickets.entries()) {
    if (i === Math.floor(count / 3)) fault = during();
    deliveries.push(deliverUntilAccepted(id));
    await new Promise((r) => setTimeout(r, 40));
  }
  await fault;
  await Promise.all(deliveries);
  return { tickets, answers };
}

/**
 * Waits until every ticket of a burst is in the ticket ledger (the once-only record of a finished ticket)
 * and no job is left to run, then lists every broken promise: a webhook answered other than 202 or 503, a
 * ticket never finished, a second password reset, a missing or second delivery note, a delivered link that
 * does not reveal the password that was set.
 */
async function brokenPromises(h: Harness, tickets: number[], answers: Map<number, number[]>) {
  const ledger = createRedisTicketLedger(h.redis, h.prefix);
  // Normally seconds. A job whose completion was among the last writes a failover lost stays active until
  // its lock lapses and BullMQ's stalled check runs it again (up to a minute with BullMQ's defaults).
  const deadline = Date.now() + 80_000;
  const settled = async () => {
    for (const id of tickets) if (!(await ledger.get('halopsa', String(id)))) return false;
    const counts = await h.desk.queue.queue.getJobCounts('active', 'wait', 'delayed', 'prioritized');
    return Object.values(counts).every((n) => n === 0);
  };
  while (!(await settled().catch(() => false)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const problems: string[] = [];
  for (const id of tickets) {
    const statuses = answers.get(id)!;
    if (!statuses.every((s) => s === 202 || s === 503) || statuses.at(-1) !== 202) {
      problems.push(`${id}: webhook answered ${statuses.join(',')}`);
    }
    const entry = await ledger.get('halopsa', String(id));
    const patches = patchesOf(h, staffId(id)).length;
    const customerNotes = h.halo.actions(id).filter((a) => !a.hiddenfromuser);
    if (!entry) {
      const state = (await (await h.job(id))?.getState()) ?? 'no job';
      problems.push(`${id}: never finished (${patches} resets, ${customerNotes.length} notes, job ${state})`);
    } else if (entry.outcome === 'reset-delivered') {
      if (patches !== 1) problems.push(`${id}: delivered after ${patches} password resets`);
      if (customerNotes.length !== 1) problems.push(`${id}: ${customerNotes.length} delivery notes`);
      const token = LINK.exec(String(customerNotes[0]?.note_html))?.[1];
      const revealed = token ? await proceedThroughLink(h.desk.app!, `/s/${token}`) : undefined;
      if (!revealed?.text.includes(h.graph.user(TENANT, staffId(id))!.password!)) {
        problems.push(`${id}: the delivered link does not reveal the password`);
      }
    } else if (entry.outcome === 'secure-link-unavailable' && entry.handedOff) {
      // The link store fails fast and closed: a Redis refusal at that step hands the ticket to the engineers
      // before any password is set.
      if (patches !== 0) problems.push(`${id}: handed off after ${patches} password resets`);
    } else {
      problems.push(`${id}: ended ${entry.outcome}`);
    }
  }
  // What the service logged as going wrong, to tell a broken promise's cause from the test's output alone.
  if (problems.length > 0) {
    console.log(
      h.logs
        .filter((line) => /"level":(40|50|60)/.test(line))
        .slice(-60)
        .join('\n'),
    );
  }
  return problems;
}

describe.skipIf(!availability.run)(
  'When SENTINEL FAILOVER promotes the replica in the middle of a burst',
  () => {
    const ctx = onSentinelSet();

    it('then no accepted ticket is lost, no one is reset twice, and the service goes on without a restart', async () => {
      const { tickets, answers } = await burst(ctx.h, 6200, 24, async () => {
        await ctx.set.failover();
      });
      // Judged once the old master is a replica: what it took after the promotion is gone by then.
      await ctx.set.converged();
      expect(await brokenPromises(ctx.h, tickets, answers)).toEqual([]);
    }, 150_000);
  },
);

describe.skipIf(!availability.run)('When the master process is killed in the middle of a burst', () => {
  const ctx = onSentinelSet();

  it('then webhooks get 503 while there is no master, no accepted ticket is lost, no one is reset twice, and the service recovers without a restart', async () => {
    const { h, set } = ctx;
    let whileNoMaster: number | undefined;
    h.fileResetTicket({ id: 6399, target: 'sam@contoso.test', resetMfa: 'No' });
    const { tickets, answers } = await burst(h, 6300, 24, async () => {
      const { from } = await set.killMaster();
      // The sentinels take a second or two to agree the master is down and promote the replica: meanwhile
      // there is none (the pause lets the service see its connections close).
      await new Promise((r) => setTimeout(r, 100));
      whileNoMaster = (await h.deliver(6399)).status;
      await set.promotedFrom(from);
      // What a supervisor does: the killed node comes back, as a replica of the new master.
      await set.restartKilled();
    });
    expect(whileNoMaster).toBe(503);
    await set.converged();
    expect(await brokenPromises(h, tickets, answers)).toEqual([]);
    // The ticket refused meanwhile is accepted when the PSA tries again.
    expect((await h.deliver(6399)).status).toBe(202);
    expect(await h.outcomeOf(6399, 30_000)).toMatchObject({ code: 'reset-delivered' });
  }, 150_000);
});
