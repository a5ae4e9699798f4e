import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load-config.js';
import { createConfirmationRouter } from '../../services/confirmation/confirmation-routes.js';
import { createConfirmationStore } from '../../services/confirmation/confirmation-store.js';
import { buildApp, type AppDeps } from '../../services/http/app.js';
import { createLogger } from '../../services/logging/logger.js';
import { createPsaRegistry } from '../../services/psa-registry.js';
import { createSecureLinkRouter } from '../../services/secure-link/secure-link-routes.js';
import { createRedisSecureLinkStore } from '../../services/secure-link/secure-link-store.js';
import { validEnv } from '../support/test-config.js';
import { useLinkTestRedis } from './one-time-link-test-support.js';

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
  const app = buildApp({
    logger,
    redis,
    queue: {
      enqueue: async (psa, ticketId) => {
        queued.push(`${psa}-${ticketId}`);
        return `${psa}-${ticketId}`;
      },
    },
    receivers: createPsaRegistry(config, logger).receivers,
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
  return { app, config, lines, queued, logText: () => lines.join(''), secureLink, confirmationLink };
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
