import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.js';
import { testRedis, testRedisUrl } from '../support/redis.js';

/** A port nobody listens on right now (the OS picks it), for a child process that cannot report its own. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** GET until it answers 200 (readiness follows the Redis connection, which opens just after the start). */
async function untilReady(url: string): Promise<Response> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(url);
    if (res.status === 200 || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the real entry point (`app/main.ts`) and asks both of its ports for /metrics. */
describe('Where the running service serves /metrics', () => {
  let sandbox: Sandbox;
  const prefix = `rdtest-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    const redis = await testRedis();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await sandbox.close();
  });

  async function start(env: Record<string, string>, ready = ['resetdesk listening', 'metrics listening']) {
    const port = await freePort();
    const metricsPort = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
      env: {
        ...process.env,
        ...sandbox.env,
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        HOST: '127.0.0.1',
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        REDIS_URL: await testRedisUrl(),
        REDIS_KEY_PREFIX: prefix,
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 15_000;
    while (!ready.every((line) => output.includes(line))) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`service did not start:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return {
      publicUrl: `http://127.0.0.1:${port}/metrics`,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      internal: (path: string) => `http://127.0.0.1:${metricsPort}${path}`,
      async stop() {
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
        return output;
      },
    };
  }

  it('by default: on the metrics port only, the public port answers 404', async () => {
    const svc = await start({});
    try {
      expect((await fetch(svc.publicUrl)).status).toBe(404);
      const scraped = await fetch(svc.metricsUrl);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('resetdesk_queue_jobs');
    } finally {
      await svc.stop();
    }
  });

  it('with METRICS_BEARER_TOKEN: on both ports, each only with the token', async () => {
    const token = 'metrics-scrape-token-0123456789';
    const svc = await start({ METRICS_BEARER_TOKEN: token });
    try {
      for (const url of [svc.publicUrl, svc.metricsUrl]) {
        expect((await fetch(url)).status, url).toBe(401);
        expect((await fetch(url, { headers: { Authorization: 'Bearer nope' } })).status, url).toBe(401);
        const scraped = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
        expect(scraped.status, url).toBe(200);
        expect(await scraped.text(), url).toContain('resetdesk_queue_jobs');
      }
    } finally {
      const output = await svc.stop();
      expect(output).not.toContain(token);
    }
  });

  it('a worker-only process answers /healthz and /readyz (and /metrics) on its internal listener', async () => {
    const svc = await start({ RESETDESK_ROLE: 'worker' }, ['resetdesk worker started', 'metrics listening']);
    try {
      const live = await fetch(svc.internal('/healthz'));
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok' });
      const ready = await untilReady(svc.internal('/readyz'));
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });
      expect((await fetch(svc.metricsUrl)).status).toBe(200);
      await expect(fetch(svc.publicUrl)).rejects.toThrow();
    } finally {
      await svc.stop();
    }
  });

  it('with METRICS_ENABLED=false: no /metrics, but the health endpoints stay', async () => {
    const svc = await start({ METRICS_ENABLED: 'false' });
    try {
      expect((await fetch(svc.metricsUrl)).status).toBe(404);
      expect((await fetch(svc.internal('/healthz'))).status).toBe(200);
      expect((await untilReady(svc.internal('/readyz'))).status).toBe(200);
    } finally {
      await svc.stop();
    }
  });
});
