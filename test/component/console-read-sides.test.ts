import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConfirmationStore } from '../../services/confirmation/confirmation-store.js';
import { createConsoleAudit } from '../../services/console/console-audit.js';
import { createLogger } from '../../services/logging/logger.js';
import { createHandOffReader, createRedisTicketLedger } from '../../services/policy/ticket-ledger.js';
import { createLiveLinkReader } from '../../services/secure-link/live-link-reader.js';
import { createRedisSecureLinkStore } from '../../services/secure-link/secure-link-store.js';
import { keysUnder, testRedis } from '../support/redis.js';

/**
 * What the operator console reads, against real Redis: each list holds only what it should, in order,
 * bounded, found with SCAN (a KEYS call fails these tests), and never a secret.
 */

let redis: Redis;
/** The same client, except that KEYS throws: the read sides must never block Redis with it. */
let noKeys: Redis;
const prefix = `rdtest-console-${randomBytes(4).toString('hex')}`;
const keyPrefix = `${prefix}:`;
const serverKey = randomBytes(32);
const silent = createLogger({ level: 'silent' });

beforeAll(async () => {
  redis = await testRedis();
  noKeys = new Proxy(redis, {
    get(target, property, receiver) {
      if (property === 'keys') throw new Error('KEYS must not be used');
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
});

afterAll(async () => {
  const keys = await keysUnder(redis, prefix);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('pending confirmations', () => {
  it('When links are pending, decided or not links at all, then only the pending ones are listed, soonest expiry first, up to the limit', async () => {
    const store = createConfirmationStore({
      redis: noKeys,
      keyPrefix,
      serverKey,
      publicBaseUrl: 'https://r.example.test',
    });
    const make = (ticketId: string, ttlSeconds: number) =>
      store.create({
        psa: 'halopsa',
        ticketId,
        correlationId: `halopsa-${ticketId}`,
        question: {
          targetDisplayName: `Staff ${ticketId}`,
          targetSignInName: `s${ticketId}@contoso.example`,
          what: 'password',
        },
        requesterSignInName: 'maria@contoso.example',
        ttlSeconds,
      });
    const later = await make('1', 7200);
    const sooner = await make('2', 600);
    const decided = await make('3', 3600);
    await store.decide(decided.token, 'confirmed', {});
    // A ticket's confirmation state lives in the same namespace (confirmation-gate.ts): not a link.
    await redis.hset(`${keyPrefix}confirm:halopsa:1`, {
      status: 'pending',
      expiresAt: String(Date.now() + 1000),
    });

    const listed = await store.listPending(10);
    expect(listed.map((p) => p.context.ticketId)).toEqual(['2', '1']);
    expect(listed[0]).toMatchObject({
      ref: sooner.ref.slice(0, 12),
      question: { targetDisplayName: 'Staff 2', targetSignInName: 's2@contoso.example' },
      requesterSignInName: 'maria@contoso.example',
    });
    expect(listed[0]!.askedAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(JSON.stringify(listed)).not.toContain(later.token);
    expect(JSON.stringify(listed)).not.toContain(sooner.token);
    expect(await store.listPending(1)).toHaveLength(1);
  });
});

describe('live secure links', () => {
  it('When links are live or used up, then the live ones are listed with their staff member and views left, never the password or token', async () => {
    const store = createRedisSecureLinkStore({
      redis,
      keyPrefix,
      serverKey,
      publicBaseUrl: 'https://r.example.test',
      logger: silent,
    });
    const context = (ticketId: string) => ({
      psa: 'connectwise' as const,
      ticketId,
      correlationId: `cw-${ticketId}`,
    });
    const live = await store.create('Harbor#Lantern#Meadow#83', {
      ttlSeconds: 600,
      maxViews: 2,
      context: context('7'),
      target: 'jo@contoso.example',
    });
    const usedUp = await store.create('Copper#Willow#Stone#19', {
      ttlSeconds: 600,
      maxViews: 1,
      context: context('8'),
    });
    await store.reveal(usedUp.token);
    await store.reveal(live.token);

    const listed = await createLiveLinkReader(noKeys, keyPrefix).listLive(10);
    expect(listed).toEqual([
      {
        ref: live.ref!.slice(0, 12),
        context: context('7'),
        target: 'jo@contoso.example',
        viewsLeft: 1,
        expiresAt: live.expiresAt,
      },
    ]);
    const shown = JSON.stringify(listed);
    for (const secret of ['Harbor#Lantern#Meadow#83', 'Copper#Willow#Stone#19', live.token, usedUp.token]) {
      expect(shown).not.toContain(secret);
    }
  });
});

describe('hand-offs', () => {
  it('When the ledger holds delivered tickets, old hand-offs and recent ones, then only the recent hand-offs are listed, newest first', async () => {
    const ledger = createRedisTicketLedger(redis, prefix);
    const ago = (days: number) => new Date(Date.now() - days * 86400_000).toISOString();
    await ledger.record('halopsa', '10', {
      outcome: 'target-privileged',
      handedOff: true,
      finishedAt: ago(1),
    });
    await ledger.record('autotask', '11', {
      outcome: 'requester-not-found',
      handedOff: true,
      finishedAt: ago(0.1),
    });
    await ledger.record('halopsa', '12', {
      outcome: 'reset-delivered',
      handedOff: false,
      finishedAt: ago(0.1),
    });
    await ledger.record('halopsa', '13', {
      outcome: 'retries-exhausted',
      handedOff: true,
      finishedAt: ago(10),
    });
    await redis.set(`${prefix}:ledger:halopsa:14`, 'not json');

    const listed = await createHandOffReader(noKeys, prefix).listHandOffs(
      new Date(Date.now() - 7 * 86400_000),
      10,
    );
    expect(listed.map((h) => [h.psa, h.ticketId, h.outcome])).toEqual([
      ['autotask', '11', 'requester-not-found'],
      ['halopsa', '10', 'target-privileged'],
    ]);
  });
});

describe('the console audit', () => {
  it('When operators act, then each action is one console.audit log line and the Redis list keeps the newest, bounded', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }),
    });
    const audit = createConsoleAudit({ redis, prefix: `${prefix}-audit`, logger, limit: 3 });
    const operator = { oid: '0b1c2d3e-0000-4000-8000-00000000000a', upn: 'ops@example-msp.test' };
    for (const jobId of ['a', 'b', 'c', 'd']) {
      await audit.record({ operator, action: 'job.retry', target: `halopsa-${jobId}`, result: 'ok' });
    }
    expect((await audit.recent(10)).map((e) => e.target)).toEqual(['halopsa-d', 'halopsa-c', 'halopsa-b']);
    expect(await redis.llen(`${prefix}-audit:console:audit`)).toBe(3);
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[3]!)).toMatchObject({
      event: 'console.audit',
      operator,
      action: 'job.retry',
      target: 'halopsa-d',
      result: 'ok',
    });
  });
});
