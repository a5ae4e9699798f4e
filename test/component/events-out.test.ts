import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTCOME_CODES } from '../../services/domain/outcome-codes.js';
import { createMetrics } from '../../services/metrics/metrics.js';
import { startHarness, TENANT, type Harness } from '../support/component-harness.js';
import { proceedThroughLink } from '../support/secure-link-client.js';
import { untilEvent } from '../support/until-event.js';

/**
 * Events out, end to end: the whole service on real Redis and the simulators posts each outcome to a local
 * receiver, signed the Standard Webhooks way, once per fact, through refusals, and never with a secret.
 */

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  answered: number;
}

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const LINK = /https:\/\/reset\.example\.test\/s\/([A-Za-z0-9_-]+)/;

let server: Server;
const received: Received[] = [];
/** Statuses to answer the next requests with, in order; 200 once it is empty. */
const answers: number[] = [];
let h: Harness;
const metrics = createMetrics({ defaultMetrics: false });
/** A path as secret as a Slack or Teams webhook's: it must never reach Redis or the logs. */
const HOOK = '/hooks/T0SECRET-PATH';

const flat = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));

/** The verified standard events about a ticket that the receiver accepted. */
function acceptedFor(
  ticketId: number,
  type?: string,
): Array<{ type: string; data: Record<string, unknown> }> {
  return received
    .filter((r) => r.path === `${HOOK}/standard` && r.answered === 200)
    .map(
      (r) => new Webhook(SECRET).verify(r.body, r.headers) as { type: string; data: Record<string, unknown> },
    )
    .filter((e) => e.data.ticketId === String(ticketId) && (!type || e.type === type));
}

/** Told of every post the receiver answered. */
const arrivals = new EventEmitter();

const until = (check: () => boolean) => untilEvent(arrivals, 'post', check, 'events');

/** Long enough for a duplicate to arrive if one were sent (retries here are 50 ms apart). */
const settle = () => new Promise((r) => setTimeout(r, 600));

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answered = answers.shift() ?? 200;
      received.push({
        path: req.url ?? '',
        headers: flat(req.headers),
        body: Buffer.concat(chunks).toString('utf8'),
        answered,
      });
      res.writeHead(answered).end();
      arrivals.emit('post');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  h = await startHarness(
    {
      EVENT_ENDPOINTS_JSON: JSON.stringify([
        { url: `${base}${HOOK}/standard`, format: 'standard', secret: SECRET },
        { url: `${base}${HOOK}/slack`, format: 'slack', types: ['reset.delivered'] },
      ]),
      EVENT_BACKOFF_MS: '50',
      EVENT_ATTEMPTS: '4',
    },
    'halopsa',
    { metrics },
  );
}, 30_000);

afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('events out', () => {
  it('When a ticket is handed off, then exactly one signed reset.handed-off event reaches the receiver', async () => {
    // Syd is synchronised from on-premises AD: MFA is reset, the password goes to an engineer.
    h.fileResetTicket({ id: 7101, target: 'syd@contoso.test' });
    await h.deliver(7101);
    expect(await h.outcomeOf(7101)).toMatchObject({ code: 'synced-user-password', handedOff: true });
    await until(() => acceptedFor(7101).length > 0);
    await settle();

    const events = acceptedFor(7101);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'reset.handed-off',
      data: {
        psa: 'halopsa',
        ticketId: '7101',
        customer: 'contoso',
        tenantId: TENANT,
        target: { userPrincipalName: 'syd@contoso.test', displayName: 'Syd Synced' },
        outcome: {
          code: 'synced-user-password',
          meaning: OUTCOME_CODES['synced-user-password'].meaning,
          nextStep: OUTCOME_CODES['synced-user-password'].nextStep,
        },
        delivered: true,
      },
    });
    // The Slack endpoint takes reset.delivered only.
    expect(received.filter((r) => r.path === `${HOOK}/slack` && r.body.includes('7101'))).toEqual([]);
  });

  it('When the receiver answers 500 and then 200, then it gets the event once, after the retry, under the same id', async () => {
    answers.push(500);
    h.fileResetTicket({ id: 7102, target: 'syd@contoso.test' });
    await h.deliver(7102);
    await h.outcomeOf(7102);
    await until(() => acceptedFor(7102).length > 0);
    await settle();

    const posts = received.filter(
      (r) => r.path === `${HOOK}/standard` && r.body.includes('"ticketId":"7102"'),
    );
    expect(posts.map((p) => p.answered)).toEqual([500, 200]);
    expect(posts[0]!.headers['webhook-id']).toBe(posts[1]!.headers['webhook-id']);
    expect(acceptedFor(7102)).toHaveLength(1);
  });

  it('When a password is reset and its link opened, then the events say so and no event ever holds the password or the link', async () => {
    h.fileResetTicket({ id: 7103, target: 'sam@contoso.test' });
    await h.deliver(7103);
    expect(await h.outcomeOf(7103)).toMatchObject({ code: 'reset-delivered' });
    const password = h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.password!;
    const token = LINK.exec(String(h.halo.actions(7103)[0]!.note_html))![1]!;
    const opened = await proceedThroughLink(h.desk.app!, `/s/${token}`);
    expect(opened.text).toContain(password);
    await until(() => acceptedFor(7103, 'link.viewed').length > 0);
    await until(() => received.some((r) => r.path === `${HOOK}/slack` && r.body.includes('7103')));
    await settle();

    expect(acceptedFor(7103).map((e) => e.type)).toEqual(['reset.delivered', 'link.viewed']);
    expect(acceptedFor(7103, 'reset.delivered')[0]!.data).toMatchObject({
      outcome: { code: 'reset-delivered' },
      target: { userPrincipalName: 'sam@contoso.test' },
      delivered: true,
    });
    expect(acceptedFor(7103, 'link.viewed')[0]!.data).toMatchObject({ view: { number: 1 } });
    for (const r of received) {
      expect(r.body).not.toContain(password);
      expect(r.body).not.toContain(token);
      expect(r.body).not.toContain('reset.example.test');
    }
    const dump = await h.redisDump();
    expect(dump).not.toContain(password);
    expect(dump).toContain('evt_'); // the event jobs are there, named by event and endpoint id
    for (const secret of [HOOK, SECRET.slice(6)]) {
      expect(dump).not.toContain(secret);
      expect(h.logs.join('\n')).not.toContain(secret);
    }
  });

  it('Delivered events are counted per queue, retries apart', async () => {
    const text = await metrics.registry.getSingleMetricAsString('resetdesk_jobs_finished_total');
    // Events of tickets 7101, 7102 (after its retry) and 7103 (delivered, viewed) at /standard, and 7103 at /slack.
    expect(text).toContain('resetdesk_jobs_finished_total{queue="event-deliveries",outcome="delivered"} 5');
    const retries = await metrics.registry.getSingleMetricAsString('resetdesk_job_retries_total');
    expect(retries).toContain('resetdesk_job_retries_total{queue="event-deliveries"} 1');
  });
});
