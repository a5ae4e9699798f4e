import { randomBytes, randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConfirmationGate } from '../../services/confirmation/confirmation-gate.js';
import { createConfirmationStore } from '../../services/confirmation/confirmation-store.js';
import { createLogger } from '../../services/logging/logger.js';
import { createGuessLimiter } from '../../services/one-time-links/guess-limiter.js';
import { createRedisPacer, pacingOptions } from '../../services/pacing/index.js';
import { createRedisRequestRateLimiter } from '../../services/policy/request-rate-limiter.js';
import { createRedisTicketLedger } from '../../services/policy/ticket-ledger.js';
import { createRedisSecureLinkStore } from '../../services/secure-link/secure-link-store.js';
import { startHarness, TENANT, type Harness } from '../support/component-harness.js';
import { keysUnder } from '../support/redis.js';
import { redisTopologyAvailability, startCluster, type LocalCluster } from '../support/redis-topologies.js';
import { proceedThroughLink } from '../support/secure-link-client.js';

/**
 * The whole service on a real local Redis Cluster (three masters, test/support/redis-topologies.ts),
 * configured only through REDIS_MODE=cluster and its keys, with pacing on so that its scripts run too. Then
 * every Lua script and multi-key command of the service, one by one, on the Cluster: all of their keys hash
 * to the slot of the prefix's hash tag, and without the tag Redis Cluster refuses them (CROSSSLOT), which
 * is why the configuration insists on it.
 */
const availability = redisTopologyAvailability();

const LINK = /https:\/\/reset\.example\.test\/s\/([A-Za-z0-9_-]+)/;
const CONFIRM_LINK = /https:\/\/reset\.example\.test\/c\/([A-Za-z0-9_-]+)/;
const HALO_EMAIL_SOURCE = 1;
const FAST = { ratePerSecond: 1000, burst: 1000, ticketCost: 1 };

describe.skipIf(!availability.run)('On Redis Cluster', () => {
  let cluster: LocalCluster;
  let h: Harness;
  beforeAll(async () => {
    cluster = await startCluster();
    h = await startHarness(
      { HALOPSA_EMAIL_SOURCES: String(HALO_EMAIL_SOURCE) },
      'halopsa',
      { pacing: pacingOptions({ graph: FAST, psa: { halopsa: FAST } }) },
      { redis: cluster },
    );
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await cluster?.stop();
  });

  const patchesOf = (userId: string) =>
    h.graph.graphRequests(TENANT).filter((r) => r.method === 'PATCH' && r.path === `/v1.0/users/${userId}`);

  it('When a manager files a reset, then it is delivered once and the secure link reveals the password once per view', async () => {
    h.fileResetTicket({ id: 8101, target: 'sam@contoso.test' });
    expect((await h.deliver(8101)).status).toBe(202);
    // A duplicate delivery is the same job (BullMQ's add script on the hash-tagged queue).
    expect((await h.deliver(8101)).status).toBe(202);
    expect(await h.outcomeOf(8101)).toMatchObject({ code: 'reset-delivered', delivered: true });
    expect(patchesOf('5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')).toHaveLength(1);
    const password = h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.password!;
    const notes = h.halo.actions(8101);
    expect(notes).toHaveLength(1);
    const token = LINK.exec(String(notes[0]!.note_html))![1]!;
    for (let view = 1; view <= 2; view++) {
      expect((await proceedThroughLink(h.desk.app!, `/s/${token}`)).text).toContain(password);
    }
    // The link had two views: the third finds nothing.
    expect((await proceedThroughLink(h.desk.app!, `/s/${token}`)).text).not.toContain(password);
    expect(await h.redisDump()).not.toContain(password);
    expect(h.logs.join('\n')).not.toContain(password);
  });

  it('When a manager emails the request, then nothing is reset until the confirmation link says yes', async () => {
    const body = 'Please reset the password for syd.cloud@contoso.test. Thanks, Maria';
    h.graph.tenant(TENANT).addUser({
      id: 'u-sydc',
      userPrincipalName: 'syd.cloud@contoso.test',
      mail: 'syd.cloud@contoso.test',
      displayName: 'Syd Cloud',
      managerId: 'u-maria',
    });
    h.halo.addTicket({
      id: 8102,
      summary: 'Password reset',
      details: body,
      tickettype_id: 31,
      client_id: 12,
      user_id: 7,
      source: HALO_EMAIL_SOURCE,
      email: { from: 'maria@contoso.test', body },
    });
    expect((await h.deliver(8102)).status).toBe(202);
    expect(await h.outcomeOf(8102)).toMatchObject({ code: 'awaiting-confirmation', waiting: true });
    expect(patchesOf('u-sydc')).toHaveLength(0);
    const token = CONFIRM_LINK.exec(String(h.halo.actions(8102).at(-1)!.note_html))![1]!;
    const app = h.desk.app!;
    const page = await request(app).get(`/c/${token}`);
    const nonce = /name="nonce" value="([^"]*)"/.exec(page.text)![1]!;
    const answer = await request(app)
      .post(`/c/${token}`)
      .type('form')
      .set('Sec-Fetch-Site', 'same-origin')
      .send({ nonce, decision: 'confirmed' });
    expect(answer.status).toBe(200);
    expect(await h.outcomeOfJob('halopsa-8102-confirm-confirmed')).toMatchObject({ code: 'reset-delivered' });
    expect(patchesOf('u-sydc')).toHaveLength(1);
    const link = LINK.exec(String(h.halo.actions(8102).at(-1)!.note_html))![1]!;
    expect((await proceedThroughLink(app, `/s/${link}`)).text).toContain(
      h.graph.user(TENANT, 'u-sydc')!.password!,
    );
  });

  it('When tokens are guessed, then the failed-lookup limiter counts them in the Cluster', async () => {
    const guess = randomBytes(32).toString('base64url');
    expect((await request(h.desk.app!).get(`/s/${guess}`)).status).toBe(404);
    expect((await keysUnder(h.redis, h.prefix)).some((k) => k.includes('link-guess'))).toBe(true);
  });

  it("Then every key the service wrote hashes to the prefix's one slot", async () => {
    const keys = await keysUnder(h.redis, h.prefix);
    expect(keys.some((k) => k.includes(':pace:'))).toBe(true);
    expect(keys.some((k) => k.includes(':ledger:'))).toBe(true);
    expect(await slotsOf(h.redis as Cluster, keys)).toHaveLength(1);
  });
});

async function slotsOf(cluster: Cluster, keys: string[]): Promise<number[]> {
  const slots = new Set<number>();
  for (const key of keys) slots.add(Number(await cluster.cluster('KEYSLOT', key)));
  return [...slots];
}

describe.skipIf(!availability.run)('Every Lua script and multi-key command on Redis Cluster', () => {
  let cluster: LocalCluster;
  let redis: Cluster;
  const tag = `rdtest-lua-${randomUUID().slice(0, 8)}`;
  const prefix = `{${tag}}`;
  const logger = createLogger({ level: 'silent' });
  const serverKey = randomBytes(32);
  const publicBaseUrl = 'https://reset.example.test';
  beforeAll(async () => {
    cluster = await startCluster();
    redis = (await cluster.connect()) as Cluster;
  }, 60_000);
  afterAll(async () => {
    await redis?.quit();
    await cluster?.stop();
  });

  it('pacing: take, reserve, give back and pause (three keys per step)', async () => {
    const pacer = createRedisPacer({
      redis,
      keyPrefix: prefix,
      limitFor: () => ({ ratePerSecond: 1, burst: 5, ticketCost: 3 }),
      maxInlineWaitMs: 0,
    });
    await pacer.take('graph:tenant-a', 1);
    const reservation = await pacer.admit('graph:tenant-a');
    await reservation.release();
    await pacer.pause('graph:tenant-a', 60_000);
    await expect(pacer.take('graph:tenant-a', 1)).rejects.toMatchObject({ reason: 'paused' });
  });

  it('request budgets: requester, customer and ticket keys in one script', async () => {
    const limiter = createRedisRequestRateLimiter(redis, prefix);
    const limits = { requester: { count: 1, windowMinutes: 60 }, customer: { count: 5, windowMinutes: 60 } };
    expect(await limiter.take('contoso', 'maria@contoso.test', limits, 'halopsa-1')).toBe('ok');
    expect(await limiter.take('contoso', 'maria@contoso.test', limits, 'halopsa-2')).toBe('requester');
  });

  it('secure link: store (a transaction over two keys), claim a view and destroy (scripts over two keys)', async () => {
    const store = createRedisSecureLinkStore({
      redis,
      keyPrefix: `${prefix}:`,
      serverKey,
      publicBaseUrl,
      logger,
    });
    const context = { psa: 'halopsa' as const, ticketId: '1', correlationId: 'halopsa-1' };
    const link = await store.create('Copper#Falcon#Orchard#29', { ttlSeconds: 600, maxViews: 2, context });
    const ref = store.linkRef(link.token)!;
    expect(await store.reveal(link.token)).toMatchObject({
      status: 'revealed',
      secret: 'Copper#Falcon#Orchard#29',
    });
    expect(await store.linkMeta(ref)).toMatchObject({ revealed: 1 });
    await store.destroy(link.token);
    expect(await store.reveal(link.token)).toMatchObject({ status: 'unavailable' });
    expect(await store.linkMeta(ref)).toMatchObject({ destroyed: true });
  });

  it('confirmation: store, decide once, reopen, and the gate records the answer', async () => {
    const store = createConfirmationStore({ redis, keyPrefix: `${prefix}:`, serverKey, publicBaseUrl });
    const followUps: string[] = [];
    const gate = createConfirmationGate({
      redis,
      prefix,
      links: { create: (input) => store.create(input) },
      followUp: async (_psa, ticketId, reason) => {
        followUps.push(`${ticketId}:${reason}`);
      },
    });
    const asked = await gate.request({
      psa: 'halopsa',
      ticketId: '2',
      correlationId: 'halopsa-2',
      binding: {
        requesterId: 'u-maria',
        targetId: '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d',
        resetPassword: true,
        resetMfa: true,
      },
      target: { displayName: 'Sam Staff', userPrincipalName: 'sam@contoso.example' },
      ttlMinutes: 10,
    });
    const token = CONFIRM_LINK.exec(asked.url)![1]!;
    expect(await store.decide(token, 'confirmed', {})).toMatchObject({ status: 'decided' });
    expect(await store.decide(token, 'denied', {})).toMatchObject({ status: 'unavailable' });
    expect(await store.reopen(token, 'confirmed')).toBe(true);
    expect(await gate.decide('halopsa', '2', 'confirmed')).toBe(true);
    expect(await gate.decide('halopsa', '2', 'denied')).toBe(false);
    const binding = {
      requesterId: 'u-maria',
      targetId: '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d',
      resetPassword: true,
      resetMfa: true,
    };
    expect(await gate.check('halopsa', '2', binding)).toBe('confirmed');
    expect(await gate.check('halopsa', '2', binding)).toBe('none');
    expect(followUps).toEqual(['2:confirm-expiry', '2:confirm-confirmed']);
    await store.destroy(token);
  });

  it('ticket ledger and failed-lookup limiter', async () => {
    const ledger = createRedisTicketLedger(redis, prefix);
    const entry = { outcome: 'reset-delivered', handedOff: false, finishedAt: new Date().toISOString() };
    await ledger.record('halopsa', '3', entry);
    expect(await ledger.get('halopsa', '3')).toEqual(entry);
    const limiter = createGuessLimiter(redis, `${prefix}:`, 2, 600, logger);
    expect(await limiter.recordFailure('192.0.2.7')).toBe(0);
    expect(await limiter.recordFailure('192.0.2.7')).toBe(0);
    expect(await limiter.recordFailure('192.0.2.7')).toBeGreaterThan(0);
  });

  it("then every key they wrote hashes to the prefix's one slot", async () => {
    const keys = await keysUnder(redis, prefix);
    expect(keys.length).toBeGreaterThan(8);
    expect(await slotsOf(redis, keys)).toHaveLength(1);
  });

  it('When the prefix has no hash tag, then Redis Cluster refuses the multi-key scripts and transactions', async () => {
    const untagged = `rdtest-lua-${randomUUID().slice(0, 8)}`;
    const limiter = createRedisRequestRateLimiter(redis, untagged);
    const limits = { requester: { count: 1, windowMinutes: 60 }, customer: { count: 5, windowMinutes: 60 } };
    await expect(limiter.take('contoso', 'maria@contoso.test', limits, 'halopsa-1')).rejects.toThrow(
      /CROSSSLOT/,
    );
    const store = createRedisSecureLinkStore({
      redis,
      keyPrefix: `${untagged}:`,
      serverKey,
      publicBaseUrl,
      logger,
    });
    await expect(
      store.create('Copper#Falcon#Orchard#29', {
        ttlSeconds: 600,
        maxViews: 1,
        context: { psa: 'halopsa', ticketId: '1', correlationId: 'halopsa-1' },
      }),
    ).rejects.toThrow(/slot/i);
  });
});
