import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import express, { type Express } from 'express';
import request from 'supertest';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHaloPsaAdapter } from '../../integrations/halopsa/halopsa-adapter.js';
import type { OutcomeEvent, SecureLinkOptions } from '../../services/domain/ports.js';
import { createSecureLinkRouter } from '../../services/secure-link/secure-link-routes.js';
import {
  createRedisSecureLinkStore,
  type RedisSecureLinkStore,
} from '../../services/secure-link/secure-link-store.js';
import { createLinkEventReporting, type LinkEventReporting } from '../../workers/link-events-worker.js';
import { startHaloSimulator, type HaloSimulator } from '../simulators/halopsa-simulator.js';
import { dumpUnder, keysUnder, testRedis } from '../support/redis.js';
import { proceedThroughLink } from '../support/secure-link-client.js';

/**
 * Secure-link events reported back to a HaloPSA ticket (issue item 5), through the real router, the real
 * Redis store, the BullMQ `link-events` queue and worker, and the HaloPSA adapter against the simulator.
 */

const CLIENT = 12;
const RESET_TYPE = 31;
const TEAM_HANDOFF = 4;
const STATUS_HANDOFF = 23;
const INTERNAL_OUTCOME = 7;
const SECRET = 'Willow#Anchor#Summit#62';

let halo: HaloSimulator;
let redis: Redis;
let workerRedis: Redis;
let prefix: string;
let reporting: LinkEventReporting;
let raw: RedisSecureLinkStore;
let store: RedisSecureLinkStore;
let app: Express;
const logLines: string[] = [];
let nextTicket = 5000;
/** Every outcome event the reporting published, in order. */
const published: OutcomeEvent[] = [];
const eventsOf = (ticketId: number) => published.filter((e) => e.ticketId === String(ticketId));

beforeAll(async () => {
  halo = await startHaloSimulator();
  halo.addClient(CLIENT, 'Contoso');
  halo.addUser({ id: 7, client_id: CLIENT, name: 'Maria Manager', emailaddress: 'maria@contoso.test' });
  redis = await testRedis();
  workerRedis = await testRedis();
  prefix = `rdtest-le-${randomBytes(4).toString('hex')}`;
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        logLines.push(chunk.toString('utf8'));
        cb();
      },
    }),
  );
  const adapter = createHaloPsaAdapter(
    {
      resourceServerUrl: halo.resourceServerUrl,
      authServerUrl: halo.authServerUrl,
      clientId: halo.defaultApp.clientId,
      clientSecret: halo.defaultApp.clientSecret,
      scope: 'all',
      timeoutMs: 2000,
      resetTicketTypeIds: [RESET_TYPE],
      fields: { target: 'CFResetTarget', resetPassword: 'CFResetPassword', resetMfa: 'CFResetMFA' },
      outcomes: { customerNoteId: 12, internalNoteId: INTERNAL_OUTCOME },
      statuses: {},
      handoff: { teamId: TEAM_HANDOFF, statusId: STATUS_HANDOFF },
    },
    logger,
  );
  reporting = createLinkEventReporting({
    connection: workerRedis,
    fastRedis: redis,
    prefix,
    psa: () => adapter,
    logger,
    attempts: 5,
    backoffMs: 50,
    expiryGraceMs: 100,
    events: {
      publish: async (event) => {
        published.push(event);
      },
    },
  });
  raw = createRedisSecureLinkStore({
    redis,
    keyPrefix: `${prefix}:`,
    serverKey: randomBytes(32),
    publicBaseUrl: 'https://reset.example.test',
    logger,
  });
  store = reporting.wrapStore(raw);
  app = express();
  app.use(
    '/s',
    createSecureLinkRouter({
      store,
      mspName: 'Ashton Solutions',
      logger,
      onRevealed: reporting.onRevealed,
      onDestroyed: reporting.onDestroyed,
      redis,
      keyPrefix: `${prefix}:`,
    }),
  );
});

afterEach(() => {
  logLines.length = 0;
});

afterAll(async () => {
  await reporting?.close();
  const keys = redis ? await keysUnder(redis, prefix) : [];
  if (keys.length) await redis.del(...keys);
  await redis?.quit();
  await workerRedis?.quit();
  await halo?.close();
});

function newTicket(): number {
  const id = nextTicket++;
  halo.addTicket({
    id,
    summary: 'Password / MFA reset',
    tickettype_id: RESET_TYPE,
    client_id: CLIENT,
    user_id: 7,
    status_id: 1,
  });
  return id;
}

async function createLink(ticketId: number, ttlSeconds: number, maxViews = 1) {
  const options: SecureLinkOptions = {
    ttlSeconds,
    maxViews,
    context: { psa: 'halopsa', ticketId: String(ticketId), correlationId: `halopsa-${ticketId}` },
  };
  return store.create(SECRET, options);
}

const notesOf = (ticketId: number) => halo.actions(ticketId);
const html = (action: Record<string, unknown>) => String(action.note_html);

describe('a revealed link', () => {
  it('writes one internal note saying when (UTC), from which address and with which (escaped) user agent', async () => {
    const ticketId = newTicket();
    const link = await createLink(ticketId, 600, 2);
    const res = await proceedThroughLink(app, new URL(link.url).pathname, {
      'User-Agent': 'Mozilla/5.0 (TestPhone) <b>bold</b> https://evil.example/x',
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain(SECRET);

    await vi.waitFor(() => expect(notesOf(ticketId)).toHaveLength(1), { timeout: 10_000, interval: 50 });
    const [note] = notesOf(ticketId);
    expect(note).toMatchObject({ hiddenfromuser: true, sendemail: false, outcome_id: INTERNAL_OUTCOME });
    const text = html(note!);
    expect(text).toContain('Secure link opened');
    expect(text).toMatch(/revealed at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC from 127\.0\.0\.1 /);
    expect(text).toContain('&lt;b&gt;bold&lt;/b&gt;'); // escaped, not markup
    expect(text).not.toContain('<b>');
    expect(text).toContain('https[:]//evil.example/x'); // defanged: the PSA makes no link of it
    expect(text).not.toMatch(/href="https:\/\/evil/);
    expect(text).toContain('view 1 of the link');
    expect(text).toContain('1 more time');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(link.token);

    // Nothing secret in Redis: not the password, not the token, not the key part (job data included).
    const dump = await dumpUnder(redis, prefix);
    expect(dump).toContain(`revealed-${link.ref}-1`); // the job is there, by ref
    expect(dump).not.toContain(SECRET);
    expect(dump).not.toContain(link.token);
    expect(dump).not.toContain(link.token.slice(22));
    expect(logLines.join('\n')).not.toContain(link.token);
    expect(logLines.join('\n')).not.toContain(SECRET);
  });

  it('is noted exactly once even when the PSA answers 503 to the first try', async () => {
    const ticketId = newTicket();
    const link = await createLink(ticketId, 600, 1);
    halo.failNext({ method: 'POST', pathPattern: '/api/Actions', status: 503, times: 1 });
    expect((await proceedThroughLink(app, new URL(link.url).pathname)).status).toBe(200);
    await vi.waitFor(() => expect(notesOf(ticketId)).toHaveLength(1), { timeout: 10_000, interval: 50 });
    const job = await reporting.queue.getJob(`revealed-${link.ref}-1`);
    await vi.waitFor(async () => expect(await job!.getState()).toBe('completed'), { timeout: 5000 });
    expect((await reporting.queue.getJob(`revealed-${link.ref}-1`))!.attemptsMade).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(notesOf(ticketId)).toHaveLength(1);
    expect(html(notesOf(ticketId)[0]!)).toContain('That was its last view');
    // The retry published its link.viewed again under the same id: one fact, one event id.
    expect(new Set(eventsOf(ticketId).map((e) => `${e.type} ${e.id}`)).size).toBe(1);
    expect(eventsOf(ticketId)[0]).toMatchObject({
      type: 'link.viewed',
      view: { number: 1, left: 0 },
      linkRef: link.ref!.slice(0, 12),
    });
    expect(JSON.stringify(eventsOf(ticketId))).not.toContain(link.token);
    // Revealed, so its expiry will say nothing and the ticket stays where it is.
  });
});

describe('a link its viewer destroys', () => {
  it('When the viewer clicks "destroy this link", Then one internal note says the viewer destroyed it and when', async () => {
    // Arrange
    const ticketId = newTicket();
    const link = await createLink(ticketId, 600, 3);
    const path = new URL(link.url).pathname;
    const revealed = await proceedThroughLink(app, path);
    const nonce = /class="destroy">\s*<input type="hidden" name="nonce" value="([^"]+)">/.exec(
      revealed.text,
    )?.[1];
    expect(nonce).toBeTruthy();

    // Act
    const res = await request(app)
      .post(`${path}/destroy`)
      .set('Sec-Fetch-Site', 'same-origin')
      .set('User-Agent', 'ViewerPhone/1.0')
      .type('form')
      .send({ nonce });

    // Assert
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(notesOf(ticketId)).toHaveLength(2), { timeout: 10_000, interval: 50 });
    const texts = notesOf(ticketId).map(html);
    const destroyed = texts.find((t) => t.includes('Secure link destroyed'));
    expect(destroyed).toMatch(
      /the viewer destroyed the link at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC from 127\.0\.0\.1 /,
    );
    expect(destroyed).toContain('ViewerPhone/1.0');
    expect(notesOf(ticketId).every((n) => n.hiddenfromuser === true)).toBe(true);
    expect((await request(app).get(path)).status).toBe(404);
    // The expiry check is gone with the link: nothing more will be written.
    expect(await reporting.queue.getJob(`expiry-${link.ref}`)).toBeUndefined();
    const dump = await dumpUnder(redis, prefix);
    expect(dump).toContain(`destroyed-${link.ref}`);
    expect(dump).not.toContain(SECRET);
    expect(dump).not.toContain(link.token);
    expect(logLines.join('\n')).not.toContain(SECRET);
    expect(logLines.join('\n')).not.toContain(link.token);
  });
});

describe('a link that expires unviewed', () => {
  it('writes an internal "expired unviewed" note and moves the ticket to the engineers', async () => {
    const ticketId = newTicket();
    const link = await createLink(ticketId, 1);
    await vi.waitFor(() => expect(notesOf(ticketId)).toHaveLength(1), { timeout: 10_000, interval: 100 });
    const text = html(notesOf(ticketId)[0]!);
    expect(notesOf(ticketId)[0]).toMatchObject({ hiddenfromuser: true, outcome_id: INTERNAL_OUTCOME });
    expect(text).toContain('Secure link expired unviewed');
    expect(text).toContain('never collected');
    expect(text).toContain('still cannot sign in');
    expect(text).toContain('Next step: re-issue');
    expect(text).toContain(link.expiresAt.toISOString().replace('T', ' ').slice(0, 19));
    await vi.waitFor(
      () => expect(halo.ticket(ticketId)).toMatchObject({ team_id: TEAM_HANDOFF, status_id: STATUS_HANDOFF }),
      { timeout: 5000 },
    );
    // The payload is gone; only the non-secret record remains.
    expect(await keysUnder(redis, `${prefix}:link:${link.ref}`)).toHaveLength(0);
  });

  it('is noted once and still handed off when the PSA fails the first note and the first move', async () => {
    const ticketId = newTicket();
    halo.failNext({ method: 'POST', pathPattern: '/api/Actions', status: 503, times: 1 });
    halo.failNext({ method: 'POST', pathPattern: '/api/Tickets', status: 503, times: 1 });
    await createLink(ticketId, 1);
    await vi.waitFor(
      () => expect(halo.ticket(ticketId)).toMatchObject({ team_id: TEAM_HANDOFF, status_id: STATUS_HANDOFF }),
      { timeout: 10_000, interval: 100 },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(notesOf(ticketId)).toHaveLength(1);
    expect(html(notesOf(ticketId)[0]!)).toContain('expired unviewed');
    expect(eventsOf(ticketId).length).toBeGreaterThanOrEqual(2); // once per try, the first one included
    expect(new Set(eventsOf(ticketId).map((e) => `${e.type} ${e.id}`)).size).toBe(1);
    expect(eventsOf(ticketId)[0]).toMatchObject({ type: 'link.expired-unviewed', psa: 'halopsa' });
  });

  it('says nothing when the link was revealed before it expired', async () => {
    const ticketId = newTicket();
    const link = await createLink(ticketId, 1.5, 2);
    await proceedThroughLink(app, new URL(link.url).pathname);
    await vi.waitFor(() => expect(notesOf(ticketId)).toHaveLength(1), { timeout: 5000, interval: 50 });
    const expiry = await reporting.queue.getJob(`expiry-${link.ref}`);
    await vi.waitFor(async () => expect(await expiry!.getState()).toBe('completed'), {
      timeout: 10_000,
      interval: 100,
    });
    expect(notesOf(ticketId)).toHaveLength(1);
    expect(html(notesOf(ticketId)[0]!)).toContain('Secure link opened');
    expect(halo.ticket(ticketId)).toMatchObject({ status_id: 1 });
    expect(eventsOf(ticketId).map((e) => e.type)).toEqual(['link.viewed']);
  });
});

describe('a destroyed link (its password was superseded)', () => {
  it('through the wrapped store: its expiry check is removed and no note is ever written', async () => {
    const ticketId = newTicket();
    const link = await createLink(ticketId, 1);
    expect(await reporting.queue.getJob(`expiry-${link.ref}`)).toBeDefined();
    await store.destroy(link.token);
    expect(await reporting.queue.getJob(`expiry-${link.ref}`)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 2000));
    expect(notesOf(ticketId)).toHaveLength(0);
    expect(halo.ticket(ticketId)).toMatchObject({ status_id: 1 });
  });

  it('even when the check still runs (the record says destroyed): no note, no move', async () => {
    const ticketId = newTicket();
    const link = await createLink(ticketId, 1);
    await raw.destroy(link.token); // bypasses the job removal: only the record's flag stops the note
    const expiry = await reporting.queue.getJob(`expiry-${link.ref}`);
    await vi.waitFor(async () => expect(await expiry!.getState()).toBe('completed'), {
      timeout: 10_000,
      interval: 100,
    });
    expect(notesOf(ticketId)).toHaveLength(0);
    expect(halo.ticket(ticketId)).toMatchObject({ status_id: 1 });
  });
});

describe('the wrapped store', () => {
  it('fails closed when the expiry check cannot be scheduled (Redis down): the new link is destroyed and create throws a transient error', async () => {
    const failing = createLinkEventReporting({
      connection: workerRedis,
      fastRedis: redis,
      prefix,
      psa: () => {
        throw new Error('unused');
      },
      logger: pino({ level: 'silent' }),
      attempts: 1,
      backoffMs: 10,
      startWorker: false,
    });
    vi.spyOn(failing.queue, 'add').mockRejectedValueOnce(new Error('Redis is down'));
    const wrapped = failing.wrapStore(raw);
    await expect(
      wrapped.create(SECRET, {
        ttlSeconds: 60,
        maxViews: 1,
        context: { psa: 'halopsa', ticketId: '1', correlationId: 'c' },
      }),
    ).rejects.toMatchObject({ name: 'TransientError' });
    const links = await keysUnder(redis, `${prefix}:link:`);
    for (const key of links) expect(await redis.hget(key, 'context')).not.toContain('"ticketId":"1"');
    await failing.close();
  });
});
