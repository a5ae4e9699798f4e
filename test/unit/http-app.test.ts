import { randomBytes } from 'node:crypto';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load-config.js';
import { planWiring } from '../../app/wiring-plan.js';
import { createConfirmationRouter } from '../../services/confirmation/confirmation-routes.js';
import { createConfirmationStore } from '../../services/confirmation/confirmation-store.js';
import { buildApp, type AppDeps } from '../../services/http/app.js';
import { createLogger } from '../../services/logging/logger.js';
import { createMetrics } from '../../services/metrics/metrics.js';
import { createMetricsApp } from '../../services/metrics/metrics-server.js';
import { createSecureLinkRouter } from '../../services/secure-link/secure-link-routes.js';
import { createRedisSecureLinkStore } from '../../services/secure-link/secure-link-store.js';
import { validEnv } from '../support/test-config.js';
import { useLinkTestRedis, withServer } from './one-time-link-test-support.js';

/**
 * The public HTTP edge as `buildApp` assembles it (the service's own routers, a real Redis for the link
 * stores, the PSA receivers built from configuration), with every log line captured.
 */

const SECRET = 'Harbor#Lantern#Meadow#83';
let redis: Redis;
const prefixes: string[] = [];
useLinkTestRedis(prefixes, (r) => (redis = r));

function edge(env: Record<string, string> = {}, deps: Partial<AppDeps> = {}) {
  const keyPrefix = `test:edge:${randomBytes(6).toString('hex')}:`;
  prefixes.push(keyPrefix);
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    }) as never,
  });
  const config = loadConfig({ env: validEnv(env) });
  const links = createRedisSecureLinkStore({
    redis,
    keyPrefix,
    serverKey: randomBytes(32),
    publicBaseUrl: 'https://reset.example.test',
    logger,
  });
  const confirmations = createConfirmationStore({
    redis,
    keyPrefix,
    serverKey: randomBytes(32),
    publicBaseUrl: 'https://reset.example.test',
  });
  const queued: string[] = [];
  /** The size of every body a receiver was handed (`receive` runs only once the body was read). */
  const bodiesSeen: number[] = [];
  const receivers = planWiring(config)
    .psas.map((psa) => psa.build(logger).receiver)
    .map((receiver) => ({
      ...receiver,
      receive: (input: Parameters<typeof receiver.receive>[0]) => {
        bodiesSeen.push(input.rawBody.length);
        return receiver.receive(input);
      },
    }));
  const app = buildApp({
    logger,
    redis,
    queue: {
      enqueue: async (psa, ticketId) => {
        queued.push(`${psa}-${ticketId}`);
        return `${psa}-${ticketId}`;
      },
    },
    receivers,
    secureLinkRouter: createSecureLinkRouter({
      store: links,
      mspName: 'Ashton Solutions',
      logger,
      redis,
      keyPrefix,
    }),
    confirmationRouter: createConfirmationRouter({
      store: confirmations,
      mspName: 'Ashton Solutions',
      logger,
      onDecision: async () => undefined,
      redis,
      keyPrefix,
    }),
    bodyLimitBytes: config.server.bodyLimitBytes,
    trustProxy: 0,
    ...deps,
  });
  const secureLink = async () =>
    (
      await links.create(SECRET, {
        ttlSeconds: 600,
        maxViews: 1,
        context: { psa: 'halopsa', ticketId: '7', correlationId: 'halopsa-7' },
      })
    ).token;
  const confirmationLink = async () =>
    (
      await confirmations.create({
        psa: 'halopsa',
        ticketId: '8',
        correlationId: 'halopsa-8',
        question: { targetDisplayName: 'Jane Doe', what: 'both' },
        ttlSeconds: 600,
      })
    ).token;
  return {
    app,
    config,
    lines,
    queued,
    bodiesSeen,
    logText: () => lines.join(''),
    secureLink,
    confirmationLink,
  };
}

describe('link routes are case-sensitive', () => {
  it('GET /S/<token> and /C/<token> are the 404 of any unknown path, and no log line carries the token', async () => {
    const { app, logText, secureLink, confirmationLink } = edge();
    const s = await secureLink();
    const c = await confirmationLink();
    for (const path of [`/S/${s}`, `/C/${c}`]) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(404);
      expect(res.text, path).not.toContain('Click Here to Proceed');
      expect(res.text, path).not.toContain('Jane Doe');
    }
    // The links themselves still open at their real, lower-case paths.
    expect((await request(app).get(`/s/${s}`)).status).toBe(200);
    expect((await request(app).get(`/c/${c}`)).status).toBe(200);
    const text = logText();
    expect(text).toContain('/S/[token]');
    expect(text).toContain('/C/[token]');
    expect(text).not.toContain(s);
    expect(text).not.toContain(c);
  });
});

const MB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x20);

interface StreamedPost {
  status: number;
  /** Body bytes the client had written when the answer's headers arrived. */
  writtenBeforeAnswer: number;
  /** The server closed the connection after its answer (without the client ending the request). */
  closedByServer: boolean;
  body: string;
}

/**
 * POSTs a `totalBytes` body the way a real client streams it: the first 64 KB chunk, then a pause of up to
 * `pauseMs` for an early answer, then the rest (only if none came). Declares a Content-Length, or sends
 * chunked when `chunked` is set, so the server cannot tell the size up front. Stops writing at the answer
 * and resolves once it is read and the server closed the connection, or two seconds later.
 */
function streamedPost(
  origin: string,
  path: string,
  headers: OutgoingHttpHeaders,
  totalBytes: number,
  chunked: boolean,
  pauseMs = 2000,
): Promise<StreamedPost> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = httpRequest(`${origin}${path}`, {
      method: 'POST',
      agent: false,
      headers: {
        'Content-Type': 'application/json',
        ...headers,
        ...(chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(totalBytes) }),
      },
    });
    req.on('error', (err) => {
      // Writing on after an early answer may meet a closed connection; only an error before it counts.
      if (!answered) reject(err);
    });
    req.on('response', (res) => {
      answered = true;
      const writtenBeforeAnswer = written;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        const done = (closedByServer: boolean) => {
          clearTimeout(giveUp);
          req.destroy();
          resolve({ status: res.statusCode ?? 0, writtenBeforeAnswer, closedByServer, body });
        };
        // The client neither ends nor destroys the request: only the server can close the connection now.
        const giveUp = setTimeout(() => done(false), 2000);
        if (req.socket?.destroyed) done(true);
        else req.socket?.once('close', () => done(true));
      });
    });
    const writeRest = () => {
      if (answered || req.destroyed) return;
      if (written >= totalBytes) {
        req.end();
        return;
      }
      const piece = CHUNK.subarray(0, Math.min(CHUNK.length, totalBytes - written));
      written += piece.length;
      if (req.write(piece)) setImmediate(writeRest);
      else req.once('drain', writeRest);
    };
    written += CHUNK.length;
    req.write(CHUNK);
    req.flushHeaders();
    const pause = setTimeout(writeRest, pauseMs);
    req.on('response', () => clearTimeout(pause));
  });
}

describe('webhooks authenticated by a header are refused before their body is read', () => {
  it('an unauthenticated 10 MB POST to /webhooks/halopsa gets 401 after its first 64 KB, and no receiver sees a body', async () => {
    const { app, bodiesSeen, queued, logText } = edge();
    await withServer(app, async (origin) => {
      for (const chunked of [true, false]) {
        for (const authorization of [undefined, 'Basic d3Jvbmc6d3Jvbmc=', 'Bearer x']) {
          const label = `${chunked ? 'chunked' : 'content-length'}, ${authorization ?? 'no credentials'}`;
          const res = await streamedPost(
            origin,
            '/webhooks/halopsa',
            authorization ? { Authorization: authorization } : {},
            10 * MB,
            chunked,
          );
          expect(res.status, label).toBe(401);
          expect(JSON.parse(res.body), label).toEqual({ error: 'unauthenticated' });
          // The answer came while the client had sent only its first chunk of the 10 MB.
          expect(res.writtenBeforeAnswer, label).toBe(CHUNK.length);
          // The server closes the connection rather than read the rest of the body to keep it open.
          expect(res.closedByServer, label).toBe(true);
        }
      }
    });
    expect(bodiesSeen).toEqual([]);
    expect(queued).toEqual([]);
    expect(logText()).toContain('intake.unauthenticated');
  });

  it('with the right Basic credentials the body is read and capped as before: 413 over the limit, 202 within it', async () => {
    const { app, config, bodiesSeen, queued } = edge();
    const auth = `Basic ${Buffer.from(`${config.halopsa.webhookUsername}:${config.halopsa.webhookPassword}`).toString('base64')}`;
    await withServer(app, async (origin) => {
      const big = await streamedPost(origin, '/webhooks/halopsa', { Authorization: auth }, 10 * MB, true, 0);
      expect(big.status).toBe(413);
      expect(big.writtenBeforeAnswer).toBeGreaterThan(config.server.bodyLimitBytes);
    });
    const ok = await request(app)
      .post('/webhooks/halopsa')
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .send('{"object_id": 4242}');
    expect(ok.status).toBe(202);
    expect(queued).toEqual(['halopsa-4242']);
    expect(bodiesSeen).toEqual([19]);
  });

  it('a signature scheme (Autotask) still caps the body first: an unsigned oversized POST is 413, a small one 401', async () => {
    const { app, bodiesSeen } = edge({
      HALOPSA_ENABLED: 'false',
      AUTOTASK_ENABLED: 'true',
      AUTOTASK_BASE_URL: 'https://webservices.example.test/atservicesrest',
      AUTOTASK_USERNAME: 'api@example.test',
      AUTOTASK_SECRET: 'autotask-secret-value',
      AUTOTASK_INTEGRATION_CODE: 'INTEGRATIONCODE',
      AUTOTASK_WEBHOOK_SECRET_KEY: 'a-long-random-autotask-webhook-key',
      AUTOTASK_RESET_QUEUE_IDS: '29683',
      RESETDESK_CUSTOMERS_JSON: JSON.stringify([
        {
          name: 'contoso',
          psa: 'autotask',
          psaCustomerId: 174,
          tenantId: '11111111-2222-3333-4444-555555555555',
        },
      ]),
    });
    const big = await request(app)
      .post('/webhooks/autotask')
      .set('Content-Type', 'application/json')
      .send(`{"pad":"${'x'.repeat(300 * 1024)}"}`);
    expect(big.status).toBe(413);
    const small = await request(app)
      .post('/webhooks/autotask')
      .set('Content-Type', 'application/json')
      .send('{"Id": 1}');
    expect(small.status).toBe(401);
    expect(bodiesSeen).toEqual([9]);
  });
});

describe('GET /metrics', () => {
  const TOKEN = 'metrics-scrape-token-0123456789';

  it('is not served on the public port by default', async () => {
    const { app } = edge({}, { metrics: createMetrics({ defaultMetrics: false }) });
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('resetdesk_');
  });

  it('is served on the public port only with the configured bearer token', async () => {
    const { app } = edge(
      {},
      { metrics: createMetrics({ defaultMetrics: false }), metricsBearerToken: TOKEN },
    );
    for (const authorization of [
      undefined,
      'Bearer wrong',
      `Bearer ${TOKEN.slice(0, -1)}x`,
      `Bearer ${TOKEN}x`,
      `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`,
      TOKEN,
    ]) {
      const r = request(app).get('/metrics');
      const res = await (authorization ? r.set('Authorization', authorization) : r);
      expect(res.status, authorization).toBe(401);
      expect(res.headers['www-authenticate'], authorization).toBe('Bearer realm="metrics"');
      expect(res.text, authorization).not.toContain('resetdesk_');
    }
    const ok = await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('resetdesk_webhook_requests_total');
  });

  it('the metrics listener serves /metrics (with the token when one is configured) and nothing else', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const open = createMetricsApp(metrics);
    const res = await request(open).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toContain('resetdesk_jobs_finished_total');
    expect((await request(open).get('/')).status).toBe(404);
    expect((await request(open).get('/s/x')).status).toBe(404);

    const guarded = createMetricsApp(metrics, { bearerToken: TOKEN });
    expect((await request(guarded).get('/metrics')).status).toBe(401);
    expect((await request(guarded).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).status).toBe(200);
  });
});
