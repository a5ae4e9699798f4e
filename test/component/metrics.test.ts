import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../services/metrics/metrics.js';
import { createMetricsApp } from '../../services/metrics/metrics-server.js';
import { pacingOptions } from '../../services/pacing/index.js';
import { startHarness, WEBHOOK_PASSWORD, type Harness } from '../support/component-harness.js';

/**
 * What an operator watches on GET /metrics (the metrics listener, `metrics.port`) after real traffic: webhook
 * answers by status, job outcomes, retries, durations, outside-call latencies, 429s and pacing delays, queue
 * depth. One reset runs through the sandbox while Graph answers its first call with a 429; a second one while
 * the PSA refuses its first note (503), so its job is retried once; a webhook with wrong credentials is refused.
 */
const PASSWORD = 'Metric-Proof-Passw0rd-7';

let h: Harness;
let text = '';

/** The value of one sample line, e.g. `resetdesk_jobs_finished_total{outcome="reset-delivered"}`. */
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
  const metrics = createMetrics();
  h = await startHarness({}, 'halopsa', {
    pacing: pacingOptions({
      graph: { ratePerSecond: 1000, burst: 1000 },
      psa: { halopsa: { ratePerSecond: 1000, burst: 1000 } },
    }),
    metrics,
    newPassword: () => PASSWORD,
  });
  h.fileResetTicket({ id: 801, target: 'sam@contoso.test', resetPassword: 'Yes', resetMfa: 'Yes' });
  // The tenant's first Graph call is throttled for a moment: the ticket is parked, then finishes.
  h.graph.failNext({ pathPattern: /^\/(v1\.0|beta)\//, status: 429, retryAfterSeconds: 1 });
  expect((await h.deliver(801)).status).toBe(202);
  const refused = await request(h.desk.app!)
    .post('/webhooks/halopsa')
    .auth('someone', 'not-the-password')
    .send('{"object_id": 802}');
  expect(refused.status).toBe(401);
  expect((await h.outcomeOf(801)).code).toBe('reset-delivered');
  h.fileResetTicket({ id: 803, target: 'sam@contoso.test', resetPassword: 'Yes', resetMfa: 'Yes' });
  h.sandbox.psa.failNextNote();
  expect((await h.deliver(803)).status).toBe(202);
  expect((await h.outcomeOf(803)).code).toBe('reset-delivered');
  // Not on the public port: only the metrics listener serves it.
  expect((await request(h.desk.app!).get('/metrics')).status).toBe(404);
  const res = await request(createMetricsApp(metrics)).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toContain('text/plain');
  text = res.text;
});

afterAll(async () => {
  await h?.close();
});

describe('GET /metrics after a reset that was throttled once', () => {
  it('counts webhook answers by PSA and status', () => {
    expect(sample('resetdesk_webhook_requests_total', { psa: 'halopsa', status: '202' })).toBe(2);
    expect(sample('resetdesk_webhook_requests_total', { psa: 'halopsa', status: '401' })).toBe(1);
  });

  it('counts each job once by its outcome, with its durations', () => {
    const delivered = { queue: 'resets', outcome: 'reset-delivered' };
    expect(sample('resetdesk_jobs_finished_total', delivered)).toBe(2);
    expect(sample('resetdesk_job_turnaround_seconds_count', { outcome: 'reset-delivered' })).toBe(2);
    expect(sample('resetdesk_job_turnaround_seconds_sum', { outcome: 'reset-delivered' })).toBeGreaterThan(0);
    expect(sample('resetdesk_job_run_duration_seconds_count', delivered)).toBe(2);
  });

  it('counts the retried attempt apart from finished jobs', () => {
    expect(sample('resetdesk_job_retries_total', { queue: 'resets' })).toBe(1);
    expect(text).not.toMatch(/resetdesk_jobs_finished_total\{[^}]*outcome="retry"/);
  });

  it('times outside calls per system and operation, and counts the 429 and the pause it caused', () => {
    const reset = { system: 'graph', operation: 'resetPassword', result: 'ok' };
    expect(sample('resetdesk_outside_call_duration_seconds_count', reset)).toBe(2);
    expect(
      sample('resetdesk_outside_call_duration_seconds_count', {
        system: 'halopsa',
        operation: 'addNote',
        result: 'ok',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample('resetdesk_outside_call_duration_seconds_count', { system: 'graph', result: 'throttled' }),
    ).toBe(1);
    expect(sample('resetdesk_throttled_total', { system: 'graph' })).toBe(1);
    expect(sample('resetdesk_pacing_delays_total', { system: 'graph', reason: 'paused' })).toBe(1);
  });

  it('shows the depth of the reset queue by state: nothing left waiting, delayed or failed', () => {
    for (const state of ['waiting', 'active', 'delayed', 'failed']) {
      expect(sample('resetdesk_queue_jobs', { queue: 'resets', state })).toBe(0);
    }
  });

  it('watches the link-events queue too: each delivered link waits there for its expiry check', () => {
    expect(sample('resetdesk_queue_jobs', { queue: 'link-events', state: 'delayed' })).toBe(2);
    expect(sample('resetdesk_queue_jobs', { queue: 'link-events', state: 'failed' })).toBe(0);
  });

  it('carries no password, secret or link token', () => {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(WEBHOOK_PASSWORD);
    expect(text).not.toContain(h.sandbox.env.GRAPH_CLIENT_SECRET!);
    expect(text).not.toMatch(/\/s\/[A-Za-z0-9_-]{20,}/);
  });
});
