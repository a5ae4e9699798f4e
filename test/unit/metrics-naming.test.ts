import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBuildInfo } from '../../services/metrics/build-info.js';
import { createMetrics } from '../../services/metrics/metrics.js';
import { createQueueDepthLease, queueDepthLeaseKey } from '../../services/metrics/queue-depth-lease.js';
import { testRedis } from '../support/redis.js';

/**
 * Metrics a stock Prometheus setup understands: Prometheus' naming rules, Node's standard process metrics,
 * a build-info gauge, queue depth reported by one process only, and a README that lists what the code has.
 */

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

async function metricTypes(): Promise<Map<string, string>> {
  const metrics = createMetrics();
  const all = await metrics.registry.getMetricsAsJSON();
  return new Map(all.map((m) => [m.name, String(m.type)]));
}

describe('metric names', () => {
  it('follow Prometheus naming: _total only on counters, every histogram in seconds, snake_case', async () => {
    // Node's standard metrics keep prom-client's names as they are (see below), so only ours are checked.
    const ours = [...(await metricTypes())].filter(([name]) => name.startsWith('resetdesk_'));
    expect(ours.length).toBeGreaterThan(5);
    for (const [name, type] of ours) {
      expect(name, name).toMatch(/^[a-z][a-z0-9_]*$/);
      if (type === 'counter') expect(name, `${name} is a counter`).toMatch(/_total$/);
      else expect(name, `${name} is a ${type}`).not.toMatch(/_total$/);
      if (type === 'histogram') expect(name, name).toMatch(/_seconds$/);
    }
  });

  it("keep Node's standard names (unprefixed), so stock Node.js dashboards work", async () => {
    const names = [...(await metricTypes()).keys()];
    for (const standard of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(names, standard).toContain(standard);
    }
    expect(
      names.filter((n) => n.startsWith('resetdesk_process') || n.startsWith('resetdesk_nodejs')),
    ).toEqual([]);
  });

  it('resetdesk_build_info is 1 with the release from package.json and the Node version', async () => {
    const text = await createMetrics({ defaultMetrics: false }).registry.metrics();
    const line = text.split('\n').find((l) => l.startsWith('resetdesk_build_info{'));
    expect(line).toBeDefined();
    expect(line).toContain(`version="${pkg.version}"`);
    expect(line).toContain(`node="${process.version}"`);
    expect(line!.endsWith(' 1')).toBe(true);
    expect(readBuildInfo().version).toBe(pkg.version);
  });

  it('resetdesk_build_info carries the commit when the build recorded one', async () => {
    const text = await createMetrics({
      defaultMetrics: false,
      buildInfo: { version: '9.9.9', commit: 'abc1234', node: 'v20.0.0' },
    }).registry.metrics();
    expect(text).toContain('resetdesk_build_info{version="9.9.9",node="v20.0.0",commit="abc1234"} 1');
  });
});

describe("the README's list of metrics", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(
    readme.indexOf('\n## Metrics'),
    readme.indexOf('\n## ', readme.indexOf('\n## Metrics') + 1),
  );

  /** Rows of the section's table: metric name → type. */
  function documented(): Map<string, string> {
    const rows = new Map<string, string>();
    for (const line of section.split('\n')) {
      const cells = line.split('|').map((c) => c.trim());
      const name = /^`(resetdesk_[a-z0-9_]+)(\{[^}]*\})?`$/.exec(cells[1] ?? '')?.[1];
      if (name) rows.set(name, cells[2] ?? '');
    }
    return rows;
  }

  it('has a Metrics section with a table', () => {
    expect(section.length).toBeGreaterThan(100);
    expect(documented().size).toBeGreaterThan(5);
  });

  it('names exactly the metrics the code registers, each with its type', async () => {
    const code = new Map([...(await metricTypes())].filter(([name]) => name.startsWith('resetdesk_')));
    expect([...documented().keys()].sort()).toEqual([...code.keys()].sort());
    for (const [name, type] of documented()) expect(type, name).toBe(code.get(name));
  });
});

describe('queue depth is reported by one process', () => {
  let redis: Redis;
  const prefix = `rdtest-lease-${randomUUID().slice(0, 8)}`;
  const queue = {
    async getJobCounts() {
      return { waiting: 3, active: 1, delayed: 2, prioritized: 0, failed: 0 };
    },
  };

  beforeAll(async () => {
    redis = await testRedis();
  });
  afterAll(async () => {
    await redis.del(queueDepthLeaseKey(prefix));
    await redis.quit();
  });

  /** A process's metrics: its own lease on the shared Redis, watching the same queue. */
  function processMetrics(ttlMs: number) {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.shareQueueDepth(createQueueDepthLease(redis, prefix, { ttlMs }));
    metrics.watchQueue('resets', queue);
    return metrics;
  }

  const depthLines = async (metrics: ReturnType<typeof createMetrics>) =>
    (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith('resetdesk_queue_jobs{'));

  it('When three processes are scraped, then exactly one reports the depth, and it keeps reporting', async () => {
    const processes = [processMetrics(60_000), processMetrics(60_000), processMetrics(60_000)];
    const first = await Promise.all(processes.map(depthLines));
    expect(first.filter((lines) => lines.length > 0)).toHaveLength(1);
    const reporter = first.findIndex((lines) => lines.length > 0);
    expect(first[reporter]).toContain('resetdesk_queue_jobs{queue="resets",state="waiting"} 3');
    const second = await Promise.all(processes.map(depthLines));
    expect(second.map((lines) => lines.length > 0)).toEqual(first.map((lines) => lines.length > 0));
  });

  it('When the reporting process stops, then another takes over once its lease runs out', async () => {
    await redis.del(queueDepthLeaseKey(prefix));
    const a = processMetrics(300);
    const b = processMetrics(300);
    expect(await depthLines(a)).not.toEqual([]);
    expect(await depthLines(b)).toEqual([]);
    await new Promise((r) => setTimeout(r, 400));
    expect(await depthLines(b)).not.toEqual([]);
    expect(await depthLines(a)).toEqual([]);
  });

  it('When Redis cannot be asked, then the process reports no depth rather than a wrong one', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.shareQueueDepth(
      createQueueDepthLease({ eval: () => Promise.reject(new Error('down')) } as unknown as Redis, prefix),
    );
    metrics.watchQueue('resets', queue);
    expect(await depthLines(metrics)).toEqual([]);
  });
});
