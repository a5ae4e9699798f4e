import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { testRedis, testRedisUrl } from '../support/redis.js';

/** Runs the real entry point (`app/main.ts`) as its own process, configured by env vars only. */
describe('When the process gets SIGTERM while a reset is running', () => {
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

  it('then it finishes the running job, writes it back and exits 0', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
      env: {
        ...process.env,
        ...sandbox.env,
        PORT: String(port),
        METRICS_PORT: '0',
        HOST: '127.0.0.1',
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        REDIS_URL: await testRedisUrl(),
        REDIS_KEY_PREFIX: prefix,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 15_000;
    while (!output.includes('resetdesk listening')) {
      if (Date.now() > deadline) throw new Error(`service did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    sandbox.fileResetTicket({ id: 7001, target: 'sam@contoso.test', resetMfa: 'No' });
    // Hold the password reset in Graph long enough for SIGTERM to arrive mid-job.
    sandbox.graph.failNext({
      method: 'PATCH',
      pathPattern: '/v1.0/users/5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d',
      delayMs: 1500,
    });
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/halopsa`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Basic ${Buffer.from(`${WEBHOOK_USER}:${WEBHOOK_PASSWORD}`).toString('base64')}`,
      },
      body: JSON.stringify(
        haloWebhookBody(7001, 'full', { client_id: HALO_CLIENT, tickettype_id: RESET_TYPE }),
      ),
    });
    expect(res.status).toBe(202);
    while (!sandbox.graph.graphRequests(TENANT).some((r) => r.method === 'PATCH')) {
      if (Date.now() > deadline) throw new Error(`the reset never started:\n${output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGTERM');

    expect(await exited).toBe(0);
    expect(output).toContain('shutting down');
    expect(
      sandbox.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.forceChangePasswordNextSignIn,
    ).toBe(true);
    expect(sandbox.halo.actions(7001)).toHaveLength(1);
    expect(output).not.toContain(
      sandbox.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.password!,
    );
  });
});
