import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientError } from '../../services/domain/errors.js';
import type { Directory, DirectoryFactory, PsaAdapter } from '../../services/domain/ports.js';
import {
  admitParkedJob,
  createRedisPacer,
  pacedDirectoryFactory,
  pacedPsaAdapter,
  PacingDelay,
  runInPacingScope,
  Reservation,
  type Pacer,
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

const bucket = (key: string) => `${prefix}:pace:{${key}}:bucket`;
const tokensIn = async (key: string) => Number(await redis.hget(bucket(key), 't'));
/** Seeds a bucket stamped in the future, so nothing refills while the test runs. */
const seed = (key: string, tokens: number) =>
  redis.hset(bucket(key), 't', String(tokens), 'ts', '99999999999999');

describe('Redis token bucket', () => {
  it('grants the burst call by call, then refuses with the time until a ticket fits', async () => {
    const pacer = pacerWith();
    const key = `graph:${randomUUID()}`;
    for (let i = 0; i < 5; i++) await pacer.take(key, 1);
    const delay = await delayOf(pacer.admit(key));
    expect(delay.key).toBe(key);
    expect(delay.reason).toBe('budget');
    // Empty bucket; a new ticket needs 3 tokens at 1 per 1000 s.
    expect(delay.delayMs).toBeGreaterThanOrEqual(2_999_000);
  });

  it('reserves a ticket’s tokens in one step; the ticket spends them without asking Redis again', async () => {
    const pacer = pacerWith();
    const key = `graph:${randomUUID()}`;
    await seed(key, 5);
    const reservation = await pacer.admit(key);
    expect(reservation.size).toBe(3);
    expect(await tokensIn(key)).toBe(2);
    expect([reservation.spend(1), reservation.spend(2)]).toEqual([0, 0]);
    expect(reservation.spend(1)).toBeUndefined(); // spent: the next call takes its own tokens
    expect(await tokensIn(key)).toBe(2);
    // Two tokens left: not a ticket's worth, so the next ticket waits; a single call may still go.
    expect((await delayOf(pacer.admit(key))).reason).toBe('budget');
    await pacer.take(key, 1);
    expect(await tokensIn(key)).toBe(1);
  });

  it('gives back what a stopped ticket did not spend, never above the burst', async () => {
    const pacer = pacerWith();
    const key = `graph:${randomUUID()}`;
    await seed(key, 5);
    const reservation = await pacer.admit(key); // 5 → 2
    reservation.spend(1);
    await reservation.release();
    expect(await tokensIn(key)).toBe(4);
    await reservation.release(); // a second release gives nothing more
    expect(await tokensIn(key)).toBe(4);
    await seed(key, 5);
    const other = await pacer.admit(key);
    await pacer.take(key, 1); // 2 → 1
    await seed(key, 4);
    await other.release(); // 4 + 3 capped at the burst
    expect(await tokensIn(key)).toBe(5);
  });

  it('with an inline wait, admits at half a ticket and spaces the ticket’s calls at the rate', async () => {
    // 1 token per 1000 s and a 3,000,000 ms inline wait: a ticket may run 3 tokens ahead of the bucket.
    const pacer = pacerWith(SLOW, 3_000_000);
    const key = `graph:${randomUUID()}`;
    await seed(key, 2);
    const reservation = await pacer.admit(key); // 2 → -1
    expect(await tokensIn(key)).toBe(-1);
    expect(reservation.spend(1)).toBe(0);
    expect(reservation.spend(1)).toBe(0);
    const third = reservation.spend(1)!; // the token the bucket makes 1000 s from now
    expect(third).toBeGreaterThan(999_000);
    expect(third).toBeLessThanOrEqual(1_000_000);
    // In debt: the next ticket is refused until the bucket holds half a ticket again (2.5 tokens: 2500 s).
    const delay = await delayOf(pacer.admit(key));
    expect(delay.delayMs).toBeGreaterThanOrEqual(2_499_000);
    await seed(key, 1.4);
    expect((await delayOf(pacer.admit(key))).reason).toBe('budget');
    await seed(key, 1.5);
    await pacer.admit(key);
  });

  it('lets a call outside a reservation borrow ahead only up to the inline-wait debt', async () => {
    const pacer = pacerWith({ ratePerSecond: 0.001, burst: 5, ticketCost: 1 }, 0);
    const key = `psa:halopsa-${randomUUID()}`;
    await seed(key, 0);
    const delay = await delayOf(pacer.take(key, 1));
    expect(delay.reason).toBe('budget');
    expect(await tokensIn(key)).toBe(0);
  });

  it('spreads parked tickets: each refusal books a later wake-up', async () => {
    const pacer = pacerWith();
    const key = `graph:${randomUUID()}`;
    await seed(key, 0);
    const first = await delayOf(pacer.admit(key));
    const second = await delayOf(pacer.admit(key));
    // One ticket (3 tokens) apart at 1 token per 1000 s.
    expect(second.delayMs - first.delayMs).toBeGreaterThanOrEqual(2_999_000);
  });

  it('a pause refuses every call on the key, and a shorter pause does not cut a longer one', async () => {
    const pacer = pacerWith();
    const key = `graph:${randomUUID()}`;
    const other = `graph:${randomUUID()}`;
    await pacer.pause(key, 600_000);
    await pacer.pause(key, 1_000);
    const delay = await delayOf(pacer.take(key, 1));
    expect(delay.reason).toBe('paused');
    expect(delay.delayMs).toBeGreaterThan(500_000);
    expect((await delayOf(pacer.admit(key))).reason).toBe('paused');
    await pacer.admit(other); // another tenant is not paused
  });
});

/**
 * A pacer double that records what it was asked, and refuses keys listed in `refuse`. Its reservations are
 * real (`Reservation`), with `size` tokens that were all there (no waiting), and record what they give back.
 */
function recordingPacer(refuse = new Set<string>(), size = 2) {
  const takes: Array<{ key: string; cost: number }> = [];
  const admits: string[] = [];
  const refunds: Array<{ key: string; tokens: number }> = [];
  const pauses: Array<{ key: string; ms: number }> = [];
  const pacer: Pacer = {
    async admit(key) {
      admits.push(key);
      if (refuse.has(key)) throw new PacingDelay(key, 1234, 'budget');
      return new Reservation(key, size, size, 1, async (tokens) => {
        refunds.push({ key, tokens });
      });
    },
    async take(key, cost) {
      takes.push({ key, cost });
      if (refuse.has(key)) throw new PacingDelay(key, 1234, 'budget');
    },
    async pause(key, ms) {
      pauses.push({ key, ms });
    },
  };
  return { pacer, takes, admits, refunds, pauses };
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

  it('outside a job, paces every method per tenant call by call, with per-method costs, and reports each call', async () => {
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
      { key: 'graph:abc', cost: 1 },
      { key: 'graph:abc', cost: 3 },
      { key: 'graph:abc', cost: 1 },
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

  it('does not call the PSA when its bucket refuses, and counts the refusal', async () => {
    let called = 0;
    const psa = {
      kind: 'halopsa',
      getTicket: async () => {
        called++;
        return null;
      },
    } as unknown as PsaAdapter;
    const delayed: string[] = [];
    const observer = { call: () => undefined, delayed: (s: string, r: string) => delayed.push(`${s}:${r}`) };
    const refused = recordingPacer(new Set(['psa:halopsa']));
    const paced = pacedPsaAdapter(psa, { pacer: refused.pacer, options, observer });
    await delayOf(paced.getTicket('1'));
    await delayOf(runInPacingScope(() => paced.getTicket('1')));
    expect(called).toBe(0);
    expect(delayed).toEqual(['halopsa:budget', 'halopsa:budget']);
  });

  it('a cost named for one system wins over the method’s cost for every system', async () => {
    const { pacer, takes } = recordingPacer();
    const costs = { ...options, costs: { getTicket: 2, 'connectwise.getTicket': 3 } };
    const psaOf = (kind: string) =>
      pacedPsaAdapter({ kind, getTicket: async () => null } as unknown as PsaAdapter, {
        pacer,
        options: costs,
      });
    await psaOf('halopsa').getTicket('1');
    await psaOf('connectwise').getTicket('1');
    expect(takes).toEqual([
      { key: 'psa:halopsa', cost: 2 },
      { key: 'psa:connectwise', cost: 3 },
    ]);
  });

  it('in a job, reserves once per key, spends locally, then takes per call, and gives back the rest', async () => {
    const { pacer, takes, admits, refunds } = recordingPacer(new Set(), 4);
    const tenant = pacedDirectoryFactory(factory, { pacer, options }).forTenant(
      't2',
    ) as unknown as typeof directory;
    await runInPacingScope(async () => {
      await tenant.findUsersByAddress(); // 1 of 4
      await tenant.removeMfaMethods(); // 4 of 4
      await tenant.findUsersByAddress(); // reservation spent: a call of its own
    });
    expect(admits).toEqual(['graph:t2']);
    expect(takes).toEqual([{ key: 'graph:t2', cost: 1 }]);
    expect(refunds).toEqual([]);

    await runInPacingScope(() => tenant.findUsersByAddress());
    expect(admits).toEqual(['graph:t2', 'graph:t2']); // a new job reserves again
    expect(refunds).toEqual([{ key: 'graph:t2', tokens: 3 }]);
  });

  it('gives back a reservation when the job stops on another key, and a parked job is admitted first', async () => {
    const { pacer, admits, refunds } = recordingPacer(new Set(['psa:halopsa']), 4);
    const delayed: string[] = [];
    const deps = {
      pacer,
      options,
      observer: { call: () => undefined, delayed: (s: string) => delayed.push(s) },
    };
    const tenant = pacedDirectoryFactory(factory, deps).forTenant('t3') as unknown as typeof directory;
    const psa = pacedPsaAdapter(
      { kind: 'halopsa', getTicket: async () => null } as unknown as PsaAdapter,
      deps,
    );
    await delayOf(
      runInPacingScope(async () => {
        await admitParkedJob(deps, 'graph:t3');
        await tenant.findUsersByAddress();
        await psa.getTicket('1');
      }),
    );
    expect(admits).toEqual(['graph:t3', 'psa:halopsa']);
    expect(refunds).toEqual([{ key: 'graph:t3', tokens: 3 }]);
    expect(delayed).toEqual(['halopsa']);
    // A parked job whose key still refuses is counted too, and makes no call.
    await delayOf(runInPacingScope(() => admitParkedJob(deps, 'psa:halopsa')));
    expect(delayed).toEqual(['halopsa', 'halopsa']);
  });
});
