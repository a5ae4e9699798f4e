import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { outcomeEvent } from '../../services/domain/outcome-events.js';
import { endpointIdOf, type EventEndpoint } from '../../services/events/event-sender.js';
import { createEventDelivery, type EventDelivery } from '../../workers/event-delivery-worker.js';
import { dumpUnder, keysUnder, testRedis } from '../support/redis.js';

/**
 * The `event-deliveries` queue and worker on real Redis: a fact published again is one post, a receiver that
 * keeps refusing is given up after the attempts and logged, and publishing never throws, not even with Redis
 * gone.
 */

const HOOK = '/hooks/T0-NOT-FOR-REDIS';
let server: Server;
let base: string;
const posts: string[] = [];
let status = 200;
let redis: Redis;
let workerRedis: Redis;
const logLines: string[] = [];
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString('utf8'));
      cb();
    },
  }),
);
const deliveries: EventDelivery[] = [];
const prefixes: string[] = [];

function endpoint(path: string, types: EventEndpoint['types'] = ['reset.handed-off']): EventEndpoint {
  const url = `${base}${HOOK}${path}`;
  return { id: endpointIdOf(url), url, format: 'slack', types };
}

function delivery(endpoints: EventEndpoint[], withWorker: boolean): EventDelivery {
  const prefix = `rdtest-ev-${randomBytes(4).toString('hex')}`;
  prefixes.push(prefix);
  const d = createEventDelivery({
    fastRedis: redis,
    connection: withWorker ? workerRedis : undefined,
    prefix,
    endpoints,
    logger,
    attempts: 3,
    backoffMs: 20,
  });
  deliveries.push(d);
  return d;
}

const EVENT = outcomeEvent('reset.handed-off', 'evt_00000000000000000000000000000001', {
  psa: 'halopsa',
  ticketId: '9001',
  customer: 'contoso',
});

beforeAll(async () => {
  server = createServer((req, res) => {
    posts.push(req.url ?? '');
    req.resume();
    req.on('end', () => res.writeHead(status).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  redis = await testRedis();
  workerRedis = await testRedis();
});

afterAll(async () => {
  for (const d of deliveries) await d.close();
  for (const prefix of prefixes) {
    const keys = await keysUnder(redis, prefix);
    if (keys.length) await redis.del(...keys);
  }
  await redis.quit();
  await workerRedis.quit();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('the event-deliveries queue', () => {
  it('When an event is published twice, then one job per subscribed endpoint is queued, holding no endpoint URL', async () => {
    const wanted = endpoint('/a');
    const other = endpoint('/b', ['link.viewed']);
    const d = delivery([wanted, other], false);
    await d.events.publish(EVENT);
    await d.events.publish(EVENT);
    const jobs = await d.queue.getJobs(['waiting', 'delayed', 'active', 'completed']);
    expect(jobs.map((j) => [j.id, j.data.endpoint])).toEqual([[`${EVENT.id}-${wanted.id}`, wanted.id]]);
    const dump = await dumpUnder(redis, prefixes.at(-1)!);
    expect(dump).toContain(EVENT.id);
    expect(dump).not.toContain(HOOK);
  });

  it('When the receiver keeps refusing, then the event is tried the configured times, logged and dropped', async () => {
    status = 403;
    posts.length = 0;
    const refusing = endpoint('/refusing');
    const d = delivery([refusing], true);
    await d.events.publish(EVENT);
    const jobId = `${EVENT.id}-${refusing.id}`;
    await vi.waitFor(async () => expect(await (await d.queue.getJob(jobId))!.getState()).toBe('failed'), {
      timeout: 10_000,
      interval: 50,
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(posts).toEqual([`${HOOK}/refusing`, `${HOOK}/refusing`, `${HOOK}/refusing`]);
    const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.event === 'events.retry')).toHaveLength(2);
    const dropped = lines.filter((l) => l.event === 'events.dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({
      status: 403,
      endpoint: refusing.id,
      eventId: EVENT.id,
      type: EVENT.type,
    });
    expect(logLines.join('\n')).not.toContain(HOOK);
    status = 200;
  });

  it('When Redis cannot take the event, then publishing resolves and says so in the log', async () => {
    const gone = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    gone.on('error', () => undefined);
    const d = createEventDelivery({
      fastRedis: gone,
      prefix: 'rdtest-ev-gone',
      endpoints: [endpoint('/a')],
      logger,
      attempts: 3,
      backoffMs: 20,
    });
    d.queue.on('error', () => undefined);
    await expect(d.events.publish(EVENT)).resolves.toBeUndefined();
    expect(logLines.some((l) => l.includes('"event":"events.publish-failed"'))).toBe(true);
    await d.close().catch(() => undefined);
    gone.disconnect();
  });
});
