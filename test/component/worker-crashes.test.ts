import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load-config.js';
import { createLogger } from '../../services/logging/logger.js';
import { createResetdesk, type Resetdesk } from '../../app/resetdesk.js';
import { LockLostError, openJobsKeys, writeJobDataFenced } from '../../workers/open-jobs-store.js';
import { QUEUE_NAMES, redisKeys } from '../../services/redis/redis-keys.js';
import { startSandbox, TENANT, WEBHOOK_PASSWORD, WEBHOOK_USER, type Sandbox } from '../sandbox/sandbox.js';
import { haloWebhookBody } from '../simulators/halopsa-simulator.js';
import { testRedis, testRedisUrl } from '../support/redis.js';
import { proceedThroughLink } from '../support/secure-link-client.js';
import { validEnv } from '../support/test-config.js';

/**
 * Workers that crash in the middle of a ticket, as separate service instances on one Redis: a worker is
 * "crashed" by closing it without letting its job finish (its lock is never renewed or released), while the
 * simulator holds the request it was making and then cuts it off.
 */
const LINK = /https:\/\/reset\.example\.test\/s\/([A-Za-z0-9_-]+)/;

describe('When the workers working a ticket crash twice in a row', () => {
  let sandbox: Sandbox;
  let redis: Redis;
  let prefix: string;
  let api: Resetdesk;
  const desks: Resetdesk[] = [];
  const logs: string[] = [];

  const configFor = async (role: 'api' | 'worker') =>
    loadConfig({
      env: validEnv({
        ...sandbox.env,
        RESETDESK_ROLE: role,
        REDIS_URL: await testRedisUrl(),
        REDIS_KEY_PREFIX: prefix,
        HALOPSA_TIMEOUT_MS: '10000',
        GRAPH_TIMEOUT_MS: '10000',
        WORKER_LOCK_DURATION_MS: '1000',
        WORKER_STALLED_INTERVAL_MS: '300',
        WORKER_MAX_STALLED_COUNT: '1',
        WORKER_BACKOFF_MS: '50',
      }),
    });
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    }) as never,
  });
  const startWorker = async () => {
    const desk = createResetdesk(await configFor('worker'), logger);
    desks.push(desk);
    return desk;
  };

  beforeAll(async () => {
    sandbox = await startSandbox();
    redis = await testRedis();
    prefix = `rdtest-${randomUUID().slice(0, 8)}`;
    api = createResetdesk(await configFor('api'), logger);
  });
  afterAll(async () => {
    for (const desk of [api, ...desks]) await desk.close(1000);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await sandbox.close();
  });

  it('then the third worker delivers the link of the one password set, and the engineers are told', async () => {
    sandbox.fileResetTicket({ id: 8101, target: 'sam@contoso.test' });
    const note = () => sandbox.halo.hold({ method: 'POST', pathPattern: '/api/Actions' });

    // First worker: sets the password, then dies while its delivery note is on the wire.
    const first = note();
    const a = await startWorker();
    const res = await request(api.app!)
      .post('/webhooks/halopsa')
      .auth(WEBHOOK_USER, WEBHOOK_PASSWORD)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(haloWebhookBody(8101, 'full', { client_id: 12, tickettype_id: 31 })));
    expect(res.status).toBe(202);
    await first.arrived;
    await a.close(0);
    first.drop();

    // Second worker: takes the stalled job over, and dies the same way.
    const second = note();
    const b = await startWorker();
    await second.arrived;
    await b.close(0);
    second.drop();

    // Third worker: the job has stalled past its limit and is given up; it still ends with the manager.
    await startWorker();
    const deadline = Date.now() + 20_000;
    while (sandbox.halo.actions(8101).length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const actions = sandbox.halo.actions(8101);
    expect(actions.map((x) => x.hiddenfromuser === true)).toEqual([false, true]);
    const token = LINK.exec(String(actions[0]!.note_html))![1]!;
    const revealed = await proceedThroughLink(api.app!, `/s/${token}`);
    const sam = sandbox.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!;
    expect(revealed.text).toContain(sam.password!);
    expect(sam.passwordChanges).toBe(1);
    expect(String(actions[1]!.note_html)).toContain('written to the ticket late');
    expect(String(actions[1]!.note_html)).toContain('its worker stopped more than 1 times');
  }, 30_000);
});

describe('The journal of a run', () => {
  it('can no longer be written once another run holds the job (BullMQ job hash and lock layout pinned)', async () => {
    const redis = await testRedis();
    const prefix = `rdtest-${randomUUID().slice(0, 8)}`;
    const queue = new Queue('resets', { connection: redis, prefix });
    const worker = new Worker('resets', null, { connection: redis.duplicate(), prefix, autorun: false });
    try {
      await queue.add('reset', { progress: {} }, { jobId: 'halopsa-1' });
      const job = (await worker.getNextJob('run-a'))!;
      const target = {
        jobKey: `${prefix}:resets:halopsa-1`,
        lockKey: redisKeys(prefix).jobLock(QUEUE_NAMES.resets, 'halopsa-1'),
        jobId: 'halopsa-1',
        token: 'run-a',
      };
      await writeJobDataFenced(redis, prefix, target, { progress: { moved: true } }, true);
      expect((await queue.getJob('halopsa-1'))!.data).toEqual({ progress: { moved: true } });
      expect(await redis.sismember(openJobsKeys(prefix).changing, 'halopsa-1')).toBe(1);

      // Another run took the job over (the first one's lock lapsed).
      await redis.set(`${prefix}:resets:${job.id}:lock`, 'run-b');
      await expect(
        writeJobDataFenced(redis, prefix, target, { progress: { customerNote: 'started' } }, false),
      ).rejects.toBeInstanceOf(LockLostError);
      expect((await queue.getJob('halopsa-1'))!.data).toEqual({ progress: { moved: true } });
    } finally {
      await worker.close(true);
      await queue.obliterate({ force: true });
      await redis.del(openJobsKeys(prefix).changing);
      await queue.close();
      await redis.quit();
    }
  });
});
