import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientError } from '../../services/domain/errors.js';
import type { Directory, DirectoryFactory, PsaAdapter } from '../../services/domain/ports.js';
import {
  createRedisPacer,
  pacedDirectoryFactory,
  pacedPsaAdapter,
  PacingDelay,
  runInPacingScope,
  type Pacer,
  type TakeMode,
} from '../../services/pacing/index.js';
import { keysUnder, testRedis } from '../support/redis.js';

/**
 * The Redis token bucket and the pacing decorators. No test depends on the clock: rates are tiny so nothing
 * refills during a test, and a bucket's state is seeded directly when a test needs a precise starting point.
 */
let redis: Redis;
const prefix = `rdtest-pace-${randomUUID().slice(0, 8)}`;
const SLOW = { ratePerSecond: 0.001, burst: 5, ticketCost: 3 }; // one token per 1000 s

beforeAll(async () => {
  redis = await testRedis();
});
afterAll(async () => {
  const keys = await keysUnder(redis, prefix);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

const pacerWith = (limit = SLOW, maxInlineWaitMs = 0) =>
  createRedisPacer({ redis, keyPrefix: prefix, limitFor: () => limit, maxInlineWaitMs });

async function delayOf(p: Promise<unknown>): Promise<PacingDelay> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PacingDelay);
  return err as PacingDelay;
}

describe('Redis token bucket', () => {
  it('grants the burst, then refuses with the time until the next ticket fits', async () => {
    const pacer = pacerWith();
    const key = `graph:${randomUUID()}`;
    for (let i = 0; i < 5; i++) await pacer.take(key, 1, 'reserve');
    const delay = await delayOf(pacer.take(key, 1, 'admit'));
    expect(delay.key).toBe(key);
    expect(delay.reason).toBe('budget');
    // Empty bucket; a new ticket needs 3 tokens at 1 per 1000 s.
    expect(delay.delayMs).toBeGreaterThanOrEqual(2_999_000);
  });

  it('admits a new ticket only while a whole ticket’s worth of tokens is there', async () => {
    const pacer = pacerWith();
    const key = `graph:${randomUUID()}`;
    await pacer.take(key, 1, 'admit'); // 5 → 4
    await pacer.take(key, 1, 'admit'); // 4 → 3
    await pacer.take(key, 1, 'admit'); // 3 → 2
    const delay = await delayOf(pacer.take(key, 1, 'admit'));
    expect(delay.reason).toBe('budget');
    // A started ticket may still take the remaining tokens.
    await pacer.take(key, 1, 'reserve');
    await pacer.take(key, 1, 'reserve');
  });

  it('lets a started ticket borrow ahead only up to the inline-wait debt', async () => {
    const pacer = pacerWith({ ratePerSecond: 0.001, burst: 5, ticketCost: 1 }, 0);
    const key = `psa:halopsa-${randomUUID()}`;
    // Seed a bucket already 1 token in debt, stamped in the future so nothing refills.
    await redis.hset(`${prefix}:pace:{${key}}:bucket`, 't', '-1', 'ts', '99999999999999');
    const delay = await delayOf(pacer.take(key, 1, 'reserve'));
    expect(delay.reason).toBe('budget');
  });

  it('spreads parked tickets: each refusal books a later wake-up', async () => {
    const pacer = pacerWith();
    const key = `graph:${randomUUID()}`;
    await redis.hset(`${prefix}:pace:{${key}}:bucket`, 't', '0', 'ts', '99999999999999');
    const first = await delayOf(pacer.take(key, 1, 'admit'));
    const second = await delayOf(pacer.take(key, 1, 'admit'));
    // One ticket (3 tokens) apart at 1 token per 1000 s.
    expect(second.delayMs - first.delayMs).toBeGreaterThanOrEqual(2_999_000);
  });

  it('a pause refuses every call on the key, and a shorter pause does not cut a longer one', async () => {
    const pacer = pacerWith();
    const key = `graph:${randomUUID()}`;
    const other = `graph:${randomUUID()}`;
    await pacer.pause(key, 600_000);
    await pacer.pause(key, 1_000);
    const delay = await delayOf(pacer.take(key, 1, 'reserve'));
    expect(delay.reason).toBe('paused');
    expect(delay.delayMs).toBeGreaterThan(500_000);
    await pacer.take(other, 1, 'admit'); // another tenant is not paused
  });
});

/** A pacer double that records what it was asked, and refuses keys listed in `refuse`. */
function recordingPacer(refuse = new Set<string>()) {
  const takes: Array<{ key: string; cost: number; mode: TakeMode }> = [];
  const pauses: Array<{ key: string; ms: number }> = [];
  const pacer: Pacer = {
    async take(key, cost, mode) {
      takes.push({ key, cost, mode });
      if (refuse.has(key)) throw new PacingDelay(key, 1234, 'budget');
    },
    async pause(key, ms) {
      pauses.push({ key, ms });
    },
  };
  return { pacer, takes, pauses };
}

const options = { costs: { removeMfaMethods: 3 }, defaultPauseMs: 30_000, maxPauseMs: 300_000 };

describe('pacing decorators', () => {
  const directory = {
    findUsersByAddress: async () => [],
    removeMfaMethods: async () => [],
    // A method the port does not have yet: paced without code changes.
    someFutureMethod: async (x: number) => x * 2,
    throttled: async () => {
      throw new TransientError('Graph answered 429', 7_000);
    },
    refused: async () => {
      throw new Error('permanent');
    },
  };
  const factory = { forTenant: () => directory as unknown as Directory } as DirectoryFactory;

  it('paces every method per tenant, with per-method costs, and reports each call', async () => {
    const { pacer, takes } = recordingPacer();
    const calls: string[] = [];
    const paced = pacedDirectoryFactory(factory, {
      pacer,
      options,
      observer: { call: (s, op, _sec, r) => calls.push(`${s}.${op}:${r}`), delayed: () => undefined },
    }).forTenant('ABC') as unknown as typeof directory;
    await paced.findUsersByAddress();
    await paced.removeMfaMethods();
    expect(await paced.someFutureMethod(21)).toBe(42);
    expect(takes).toEqual([
      { key: 'graph:abc', cost: 1, mode: 'reserve' },
      { key: 'graph:abc', cost: 3, mode: 'reserve' },
      { key: 'graph:abc', cost: 1, mode: 'reserve' },
    ]);
    expect(calls).toEqual([
      'graph.findUsersByAddress:ok',
      'graph.removeMfaMethods:ok',
      'graph.someFutureMethod:ok',
    ]);
  });

  it('turns a 429 into a pause of that tenant and a PacingDelay; other errors pass through', async () => {
    const { pacer, pauses } = recordingPacer();
    const paced = pacedDirectoryFactory(factory, { pacer, options }).forTenant(
      't1',
    ) as unknown as typeof directory;
    const delay = await delayOf(paced.throttled());
    expect(delay).toMatchObject({ key: 'graph:t1', delayMs: 7_000, reason: 'paused' });
    expect(pauses).toEqual([{ key: 'graph:t1', ms: 7_000 }]);
    await expect(paced.refused()).rejects.toThrow('permanent');
    expect(pauses).toHaveLength(1);
  });

  it('does not call the PSA when its bucket refuses, and admits once per job', async () => {
    let called = 0;
    const psa = {
      kind: 'halopsa',
      getTicket: async () => {
        called++;
        return null;
      },
    } as unknown as PsaAdapter;
    const refused = recordingPacer(new Set(['psa:halopsa']));
    await delayOf(pacedPsaAdapter(psa, { pacer: refused.pacer, options }).getTicket('1'));
    expect(called).toBe(0);

    const ok = recordingPacer();
    const paced = pacedPsaAdapter(psa, { pacer: ok.pacer, options });
    expect(paced.kind).toBe('halopsa');
    await runInPacingScope(async () => {
      await paced.getTicket('1');
      await paced.getTicket('1');
    });
    expect(ok.takes.map((t) => t.mode)).toEqual(['admit', 'reserve']);
  });
});
