import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load-config.js';
import { TransientError } from '../../services/domain/errors.js';
import { createLogger } from '../../services/logging/logger.js';
import { replicatedWrites } from '../../services/redis/replicated-writes.js';
import { createResetdesk } from '../../app/resetdesk.js';
import { WEBHOOK_PASSWORD, WEBHOOK_USER } from '../sandbox/sandbox.js';
import { keysUnder, testRedis, testRedisUrl } from '../support/redis.js';
import { validEnv } from '../support/test-config.js';

/**
 * A write the service relies on waits for the replicas (`REDIS_WAIT_REPLICAS`, Redis WAIT). The local test
 * Redis has no replica, so here every such write goes unconfirmed: what the service does then. That the
 * confirmed path works is shown on a real Sentinel set (redis-sentinel.test.ts, where it is on by default).
 */
describe('Writes that must reach a replica', () => {
  let redis: Redis;
  const prefix = `rdtest-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    redis = await testRedis();
  });
  afterAll(async () => {
    const keys = await keysUnder(redis, prefix);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('When no replica confirms the job, then the webhook gets 503 (the PSA delivers it again)', async () => {
    const config = loadConfig({
      env: validEnv({
        REDIS_URL: await testRedisUrl(),
        REDIS_KEY_PREFIX: prefix,
        REDIS_WAIT_REPLICAS: '1',
        RESETDESK_ROLE: 'api',
        HALOPSA_WEBHOOK_USERNAME: WEBHOOK_USER,
        HALOPSA_WEBHOOK_PASSWORD: WEBHOOK_PASSWORD,
      }),
    });
    const desk = createResetdesk(config, createLogger({ level: 'silent' }));
    try {
      const res = await request(desk.app!)
        .post('/webhooks/halopsa')
        .auth(WEBHOOK_USER, WEBHOOK_PASSWORD)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ object_id: 5300 }));
      expect(res.status).toBe(503);
    } finally {
      await desk.close(1000);
    }
  });

  it('When fewer replicas confirm than required, then the write is reported as a transient failure', async () => {
    const replicated = replicatedWrites(redis, 1);
    const written = replicated(() => redis.set(`${prefix}:a`, '1'));
    await expect(written).rejects.toBeInstanceOf(TransientError);
    await expect(written).rejects.toThrow(/confirmed a write on 0 of 1 replica/);
  });

  it('When the client reconnects between the write and the confirmation, then the write counts as unconfirmed', async () => {
    const client = await testRedis();
    try {
      const replicated = replicatedWrites(client, 1);
      const written = replicated(async () => {
        const result = await client.set(`${prefix}:b`, '1');
        // A failover's reconnect: the WAIT would run on a new connection that wrote nothing.
        client.disconnect(true);
        return result;
      });
      await expect(written).rejects.toThrow(/reconnected before confirming/);
    } finally {
      client.disconnect();
    }
  });

  it('When no replicas are required, then the write runs unchanged', async () => {
    expect(await replicatedWrites(redis, 0)(() => redis.set(`${prefix}:c`, '1'))).toBe('OK');
  });
});
