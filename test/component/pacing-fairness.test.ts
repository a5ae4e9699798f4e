import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load-config.js';
import { createLogger } from '../../services/logging/logger.js';
import { pacingOptions } from '../../services/pacing/index.js';
import { createResetdesk, type Resetdesk } from '../../app/resetdesk.js';
import { HALO } from '../sandbox/psa-sandboxes.js';
import { haloWebhookBody } from '../simulators/halopsa-simulator.js';
import {
  HALO_CLIENT,
  RESET_TYPE,
  startSandbox,
  TENANT,
  WEBHOOK_PASSWORD,
  WEBHOOK_USER,
  type Sandbox,
} from '../sandbox/sandbox.js';
import { keysUnder, testRedis, testRedisUrl } from '../support/redis.js';
import { validEnv } from '../support/test-config.js';
import { watchJobs, type JobWaits, type WaitedState } from '../support/wait-for-job.js';

/**
 * Pacing gives fairness: a 429 with Retry-After from one customer's tenant parks that customer's tickets
 * (delayed jobs, no attempt used, no further calls to that tenant) while another customer's ticket is worked.
 * Waits on job states only; nothing depends on how long anything takes.
 */
const OTHER_TENANT = '9d1e7c44-1111-4a2b-8c3d-0e0f10111213';
const OTHER_CLIENT = 77;

let sandbox: Sandbox;
let desk: Resetdesk;
let redis: Redis;
let jobs: JobWaits;
const prefix = `rdtest-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  sandbox = await startSandbox('halopsa');
  const appId = sandbox.env.GRAPH_CLIENT_ID!;
  sandbox.graph
    .tenant(OTHER_TENANT)
    .registerApp(appId, sandbox.env.GRAPH_CLIENT_SECRET!)
    .addUser({
      id: 'o-boss',
      userPrincipalName: 'boss@fabrikam.test',
      mail: 'boss@fabrikam.test',
      displayName: 'Olga Boss',
    })
    .addUser({
      id: 'o-staff',
      userPrincipalName: 'ole@fabrikam.test',
      mail: 'ole@fabrikam.test',
      displayName: 'Ole Staff',
      managerId: 'o-boss',
    });
  sandbox.halo.addClient(OTHER_CLIENT, 'Fabrikam');
  sandbox.halo.addUser({
    id: 70,
    client_id: OTHER_CLIENT,
    name: 'Olga Boss',
    emailaddress: 'boss@fabrikam.test',
  });
  const customers = JSON.parse(sandbox.env.RESETDESK_CUSTOMERS_JSON!) as unknown[];
  customers.push({ name: 'fabrikam', psa: 'halopsa', psaCustomerId: OTHER_CLIENT, tenantId: OTHER_TENANT });

  const config = loadConfig({
    env: validEnv({
      ...sandbox.env,
      RESETDESK_CUSTOMERS_JSON: JSON.stringify(customers),
      REDIS_URL: await testRedisUrl(),
      REDIS_KEY_PREFIX: prefix,
      PUBLIC_BASE_URL: 'http://127.0.0.1:8080',
      LOG_LEVEL: 'silent',
      WORKER_BACKOFF_MS: '50',
    }),
  });
  desk = createResetdesk(config, createLogger({ level: 'silent' }), {
    // Generous budgets (nothing is refused for budget) and a long cap, so the Retry-After pause lasts the test.
    pacing: pacingOptions({
      graph: { ratePerSecond: 1000, burst: 1000, ticketCost: 1 },
      psa: { halopsa: { ratePerSecond: 1000, burst: 1000, ticketCost: 1 } },
      maxPauseMs: 3_600_000,
    }),
  });
  redis = await testRedis();
  jobs = await watchJobs(desk.queue.queue, await testRedis());
});

afterAll(async () => {
  await jobs?.close();
  await desk?.close(5000);
  const keys = await keysUnder(redis, prefix);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await sandbox?.close();
});

const deliver = (ticketId: number, client: number) =>
  request(desk.app!)
    .post('/webhooks/halopsa')
    .auth(WEBHOOK_USER, WEBHOOK_PASSWORD)
    .set('Content-Type', 'application/json')
    .send(
      JSON.stringify(haloWebhookBody(ticketId, 'full', { client_id: client, tickettype_id: RESET_TYPE })),
    );

async function stateOf(ticketId: number, wanted: WaitedState[]): Promise<string> {
  return (await jobs.waitForJob(`halopsa-${ticketId}`, { until: wanted })).state;
}

describe('pacing across customers', () => {
  it('a 429 on one tenant delays only that tenant’s tickets', async () => {
    sandbox.fileResetTicket({ id: 501, target: 'sam@contoso.test', resetPassword: 'Yes', resetMfa: 'Yes' });
    sandbox.halo.addTicket({
      id: 502,
      summary: 'Password / MFA reset',
      tickettype_id: RESET_TYPE,
      client_id: OTHER_CLIENT,
      user_id: 70,
      source: HALO.portalSource,
      customfields: [{ id: 101, name: 'CFResetTarget', value: 'ole@fabrikam.test' }],
    });
    sandbox.fileResetTicket({ id: 503, target: 'syd@contoso.test', resetPassword: 'No', resetMfa: 'Yes' });

    // Contoso's tenant answers its next Graph call with 429 and an hour's Retry-After.
    sandbox.graph.failNext({ pathPattern: /^\/(v1\.0|beta)\//, status: 429, retryAfterSeconds: 3600 });
    expect((await deliver(501, HALO_CLIENT)).status).toBe(202);
    const first = await stateOf(501, ['delayed', 'completed', 'failed']);
    if (first === 'failed') throw new Error((await desk.queue.queue.getJob('halopsa-501'))!.failedReason);
    expect(first).toBe('delayed');
    const contosoCalls = sandbox.graph.graphRequests(TENANT).length;

    // Fabrikam's ticket is worked to the end meanwhile; a second Contoso ticket is parked without a call.
    expect((await deliver(502, OTHER_CLIENT)).status).toBe(202);
    expect((await deliver(503, HALO_CLIENT)).status).toBe(202);
    expect(await stateOf(502, ['completed', 'failed'])).toBe('completed');
    expect(await stateOf(503, ['delayed', 'completed', 'failed'])).toBe('delayed');
    expect(sandbox.psa.notes(502).some((n) => n.visibility === 'customer')).toBe(true);

    expect(sandbox.graph.graphRequests(TENANT)).toHaveLength(contosoCalls);
    // The webhook named Contoso's client: the second ticket waited on Contoso's tenant before reading
    // anything, so a paused tenant costs no PSA requests either.
    expect(sandbox.halo.requests.filter((r) => r.path.toLowerCase().includes('/tickets/503'))).toEqual([]);
    expect(sandbox.psa.notes(501)).toEqual([]);
    const parked = await desk.queue.queue.getJob('halopsa-501');
    expect(parked?.attemptsMade).toBe(0);
  });
});
