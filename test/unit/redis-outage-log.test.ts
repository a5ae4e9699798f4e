import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../services/logging/logger.js';
import { createRedisOutageLog } from '../../services/logging/redis-outage-log.js';

describe('The Redis outage log', () => {
  let lines: Array<Record<string, unknown>>;
  let log: ReturnType<typeof createRedisOutageLog>;
  beforeEach(() => {
    vi.useFakeTimers();
    lines = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _enc, done) {
          for (const l of chunk.toString('utf8').split('\n').filter(Boolean))
            lines.push(JSON.parse(l) as Record<string, unknown>);
          done();
        },
      }) as never,
    });
    log = createRedisOutageLog(logger, 1000);
  });
  afterEach(() => {
    log.close();
    vi.useRealTimers();
  });

  it('When four clients fail and twenty webhooks are refused every second, then it writes one line a second that counts them', () => {
    const refused = new Error("Stream isn't writeable and enableOfflineQueue options is false");
    for (let second = 0; second < 3; second++) {
      for (let i = 0; i < 20; i++) {
        for (const source of ['redis', 'worker', 'queue', 'link-events'])
          log.listener(source)(new Error('connect ECONNREFUSED 127.0.0.1:6390'));
        log.webhookRefused(refused);
        vi.advanceTimersByTime(50);
      }
    }
    vi.advanceTimersByTime(1000);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.length).toBeLessThanOrEqual(4);
    expect(lines.every((l) => l.event === 'redis.unavailable')).toBe(true);
    const counted = lines.slice(1).reduce((n, l) => n + Number(l.errors) + Number(l.webhooksRefused), 0);
    expect(counted).toBe(3 * 20 * 5 - 1);
    expect(lines[1]!.sources).toEqual(expect.arrayContaining(['redis', 'worker', 'queue', 'intake']));
  });

  it("When the timer fires a little early (the event loop's clock lags the wall clock), then the next line still waits a whole second", () => {
    const start = Date.now();
    log.listener('redis')(new Error('connect ECONNREFUSED'));
    vi.advanceTimersByTime(10);
    log.listener('worker')(new Error('connect ECONNREFUSED'));
    // The wall clock is set back 5 ms: the timer due in 990 ms fires when Date.now() says 995 ms have passed.
    vi.setSystemTime(Date.now() - 5);
    vi.advanceTimersByTime(990);
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(10);
    expect(lines).toHaveLength(2);
    expect(Number(lines[1]!.time) - Number(lines[0]!.time)).toBeGreaterThanOrEqual(1000);
    expect(Number(lines[0]!.time)).toBe(start);
  });

  it('When Redis is back, then one line says so, with how long it was down', () => {
    log.listener('redis')(new Error('connect ECONNREFUSED'));
    vi.advanceTimersByTime(4000);
    log.readyListener('redis')();
    log.readyListener('worker')();
    const recovered = lines.filter((l) => l.event === 'redis.recovered');
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.downForMs).toBe(4000);
  });

  it("When a BullMQ worker reports errors, then lost connections join the outage line and a job's own trouble is logged as it is", () => {
    const other: string[] = [];
    const listener = log.errorListener('worker', (err) => other.push(err.message));
    for (let i = 0; i < 10; i++)
      listener(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' }));
    listener(new Error('Missing lock for job halopsa-1. moveToDelayed'));
    vi.advanceTimersByTime(1000);
    expect(other).toEqual(['Missing lock for job halopsa-1. moveToDelayed']);
    expect(lines.map((l) => l.event)).toEqual(['redis.unavailable', 'redis.unavailable']);
    expect(lines[1]!.errors).toBe(9);
  });

  it('When clients connect at start, then nothing is logged', () => {
    log.readyListener('redis')();
    expect(lines).toEqual([]);
  });
});
