import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load-config.js';
import { createLogger } from '../../services/logging/logger.js';
import { createMetrics } from '../../services/metrics/metrics.js';
import { pacingOptions } from '../../services/pacing/index.js';
import { createResetdesk, type Resetdesk } from '../../services/resetdesk.js';
import { haloWebhookBody } from '../simulators/halopsa-simulator.js';
import {
  HALO_CLIENT,
  RESET_TYPE,
  startSandbox,
  WEBHOOK_PASSWORD,
  WEBHOOK_USER,
  type Sandbox,
} from '../sandbox/sandbox.js';
import { keysUnder, testRedis, testRedisUrl } from '../support/redis.js';
import { validEnv } from '../support/test-config.js';

/**
 * What an operator watches on GET /metrics after real traffic: webhook answers by status, job outcomes,
 * durations, outside-call latencies, 429s and pacing delays, queue depth. One reset runs through the sandbox
 * while Graph answers its first call with a 429; a webhook with wrong credentials is refused.
 */
const PASSWORD = 'Metric-Proof-Passw0rd-7';

let sandbox: Sandbox;
let desk: Resetdesk;
let redis: Redis;
let text = '';
const prefix = `rdtest-${randomUUID().slice(0, 8)}`;

const deliver = (ticketId: number, password = WEBHOOK_PASSWORD) =>
  request(desk.app!)
    .post('/webhooks/halopsa')
    .auth(WEBHOOK_USER, password)
    .set('Content-Type', 'application/json')
    .send(
      JSON.stringify(
        haloWebhookBody(ticketId, 'full', { client_id: HALO_CLIENT, tickettype_id: RESET_TYPE }),
      ),
    );

/** The value of one sample line, e.g. `resetdesk_jobs_total{outcome="reset-delivered"}`. */
function sample(name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = /\{(.*)\}/.exec(line)?.[1] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) {
      return Number(line.split(' ').pop());
    }
  }
  return undefined;
}

beforeAll(async () => {
  sandbox = await startSandbox('halopsa');
  const config = loadConfig({
    env: validEnv({
      ...sandbox.env,
      REDIS_URL: await testRedisUrl(),
      REDIS_KEY_PREFIX: prefix,
      PUBLIC_BASE_URL: 'http://127.0.0.1:8080',
      LOG_LEVEL: 'silent',
      WORKER_BACKOFF_MS: '50',
    }),
  });
  desk = createResetdesk(config, createLogger({ level: 'silent' }), {
    pacing: pacingOptions({
      graph: { ratePerSecond: 1000, burst: 1000 },
      psa: { halopsa: { ratePerSecond: 1000, burst: 1000 } },
    }),
    metrics: createMetrics(),
    newPassword: () => PASSWORD,
  });
  redis = await testRedis();

  sandbox.fileResetTicket({ id: 801, target: 'sam@contoso.test', resetPassword: 'Yes', resetMfa: 'Yes' });
  // The tenant's first Graph call is throttled for a moment: the ticket is parked, then finishes.
  sandbox.graph.failNext({ pathPattern: /^\/(v1\.0|beta)\//, status: 429, retryAfterSeconds: 1 });
  expect((await deliver(801)).status).toBe(202);
  expect((await deliver(802, 'not-the-password')).status).toBe(401);
  for (;;) {
    const job = await desk.queue.queue.getJob('halopsa-801');
    const state = job ? await job.getState() : 'missing';
    if (state === 'completed') break;
    if (state === 'failed') throw new Error(job!.failedReason);
    await new Promise((r) => setTimeout(r, 50));
  }
  const res = await request(desk.app!).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toContain('text/plain');
  text = res.text;
});

afterAll(async () => {
  await desk?.close(5000);
  const keys = await keysUnder(redis, prefix);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await sandbox?.close();
});

describe('GET /metrics after a reset that was throttled once', () => {
  it('counts webhook answers by PSA and status', () => {
    expect(sample('resetdesk_webhook_requests_total', { psa: 'halopsa', status: '202' })).toBe(1);
    expect(sample('resetdesk_webhook_requests_total', { psa: 'halopsa', status: '401' })).toBe(1);
  });

  it('counts the job by its outcome, with its durations', () => {
    expect(sample('resetdesk_jobs_total', { outcome: 'reset-delivered' })).toBe(1);
    expect(sample('resetdesk_job_total_seconds_count', { outcome: 'reset-delivered' })).toBe(1);
    expect(sample('resetdesk_job_total_seconds_sum', { outcome: 'reset-delivered' })).toBeGreaterThan(0);
    expect(sample('resetdesk_job_run_seconds_count', { outcome: 'reset-delivered' })).toBe(1);
  });

  it('times outside calls per system and operation, and counts the 429 and the pause it caused', () => {
    const reset = { system: 'graph', operation: 'resetPassword', result: 'ok' };
    expect(sample('resetdesk_outside_call_seconds_count', reset)).toBe(1);
    expect(
      sample('resetdesk_outside_call_seconds_count', {
        system: 'halopsa',
        operation: 'addNote',
        result: 'ok',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample('resetdesk_outside_call_seconds_count', { system: 'graph', result: 'throttled' })).toBe(1);
    expect(sample('resetdesk_throttled_total', { system: 'graph' })).toBe(1);
    expect(sample('resetdesk_pacing_delays_total', { system: 'graph', reason: 'paused' })).toBe(1);
  });

  it('shows the queue depth by state: nothing left waiting, delayed or failed', () => {
    for (const state of ['waiting', 'active', 'delayed', 'failed']) {
      expect(sample('resetdesk_queue_jobs', { queue: 'resets', state })).toBe(0);
    }
  });

  it('carries no password, secret or link token', () => {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(WEBHOOK_PASSWORD);
    expect(text).not.toContain(sandbox.env.GRAPH_CLIENT_SECRET!);
    expect(text).not.toMatch(/\/s\/[A-Za-z0-9_-]{20,}/);
  });
});
