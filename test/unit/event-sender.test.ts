import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outcomeEvent } from '../../services/domain/outcome-events.js';
import {
  EventPostError,
  endpointIdOf,
  postEvent,
  type EventEndpoint,
} from '../../services/events/event-sender.js';

/**
 * A receiver verifies every standard event with its Standard Webhooks library and the shared secret; what
 * it does not answer 2xx is a refusal the worker retries.
 */

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const EVENT = outcomeEvent(
  'reset.handed-off',
  'evt_0123456789abcdef0123456789abcdef',
  {
    psa: 'halopsa',
    ticketId: '4242',
    customer: 'contoso',
    tenantId: '11111111-2222-3333-4444-555555555555',
    target: { userPrincipalName: 'syd@contoso.test', displayName: 'Syd Synced' },
  },
  { outcome: 'synced-user-password', delivered: true },
);

let server: Server;
let base: string;
const received: Received[] = [];
let answer: (path: string) => { status: number; headers?: Record<string, string>; body?: string };

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const a = answer(req.url ?? '');
      res.writeHead(a.status, a.headers).end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received.length = 0;
  answer = () => ({ status: 204 });
});

function endpoint(path: string, format: EventEndpoint['format'], secret?: string): EventEndpoint {
  const url = `${base}${path}`;
  return { id: endpointIdOf(url), url, format, ...(secret ? { secret } : {}), types: [EVENT.type] };
}

const flat = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));

describe('posting an outcome event', () => {
  it('When posted to a standard endpoint, then the receiver verifies it with Webhook.verify and the shared secret', async () => {
    await postEvent(endpoint('/standard', 'standard', SECRET), EVENT, { timeoutMs: 2000 });
    expect(received).toHaveLength(1);
    const [got] = received;
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['webhook-id']).toBe(EVENT.id);
    expect(Math.abs(Number(got!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    expect(got!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const payload = new Webhook(SECRET).verify(got!.body, flat(got!.headers));
    expect(payload).toMatchObject({
      type: 'reset.handed-off',
      timestamp: EVENT.occurredAt,
      data: { id: EVENT.id, ticketId: '4242', outcome: { code: 'synced-user-password' } },
    });
  });

  it('When the body or the secret differ, then verification fails (the signature covers the body)', async () => {
    await postEvent(endpoint('/standard', 'standard', SECRET), EVENT, { timeoutMs: 2000 });
    const [got] = received;
    expect(() => new Webhook(SECRET).verify(got!.body.replace('4242', '4243'), flat(got!.headers))).toThrow();
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    expect(() => new Webhook(other).verify(got!.body, flat(got!.headers))).toThrow();
  });

  it('When posted twice (a retry), then the webhook-id is the same and each attempt is signed afresh', async () => {
    const target = endpoint('/standard', 'standard', SECRET);
    await postEvent(target, EVENT, { timeoutMs: 2000 });
    await postEvent(target, EVENT, { timeoutMs: 2000 });
    expect(received.map((r) => r.headers['webhook-id'])).toEqual([EVENT.id, EVENT.id]);
    for (const r of received) expect(() => new Webhook(SECRET).verify(r.body, flat(r.headers))).not.toThrow();
  });

  it('Teams and Slack endpoints get their own format, unsigned (their URL is the secret)', async () => {
    await postEvent(endpoint('/teams', 'teams'), EVENT, { timeoutMs: 2000 });
    await postEvent(endpoint('/slack', 'slack'), EVENT, { timeoutMs: 2000 });
    const [teams, slack] = received;
    expect(JSON.parse(teams!.body)).toMatchObject({ type: 'message', attachments: [{ contentUrl: null }] });
    expect(JSON.parse(slack!.body)).toHaveProperty('blocks');
    for (const r of [teams!, slack!]) expect(r.headers['webhook-signature']).toBeUndefined();
  });

  it('When the receiver answers 500 with Retry-After, then the post fails with the status and the delay', async () => {
    answer = () => ({ status: 503, headers: { 'retry-after': '30' } });
    const err = await postEvent(endpoint('/standard', 'standard', SECRET), EVENT, { timeoutMs: 2000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EventPostError);
    expect(err).toMatchObject({ status: 503, retryAfterMs: 30_000, message: 'answered HTTP 503' });
  });

  it('When the receiver redirects, then the event is not sent anywhere else and the post fails', async () => {
    answer = (path) =>
      path === '/moved' ? { status: 302, headers: { location: `${base}/elsewhere` } } : { status: 200 };
    await expect(postEvent(endpoint('/moved', 'slack'), EVENT, { timeoutMs: 2000 })).rejects.toMatchObject({
      status: 302,
    });
    expect(received.map((r) => r.path)).toEqual(['/moved']);
  });

  it('When Teams answers 200 with "HTTP error 429" in the body, then it counts as throttled', async () => {
    answer = () => ({
      status: 200,
      body: 'Microsoft Teams endpoint returned HTTP error 429 to the connector',
    });
    await expect(postEvent(endpoint('/teams', 'teams'), EVENT, { timeoutMs: 2000 })).rejects.toMatchObject({
      status: 429,
    });
  });

  it('When nothing listens, then the error names no URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const url = `http://127.0.0.1:${port}/hook-secret-path`;
    const err = (await postEvent({ id: 'x', url, format: 'slack', types: [] }, EVENT, {
      timeoutMs: 2000,
    }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(EventPostError);
    expect(err.message).not.toContain('hook-secret-path');
  });
});
