import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keysUnder, testRedis, testRedisUrl } from '../support/redis.js';
import { validEnv } from '../support/test-config.js';

const TENANT = '11111111-2222-3333-4444-555555555555';

describe('The running process reloads its customers on SIGHUP', () => {
  const folder = mkdtempSync(join(tmpdir(), 'rd-sighup-'));
  const prefix = `rdtest-sighup-${process.pid}`;
  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    const redis = await testRedis();
    const keys = await keysUnder(redis, prefix);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('When SIGHUP arrives, then the customers are reloaded and the process keeps running', async () => {
    // Arrange: the real entry point, customers in a file.
    const file = join(folder, 'resetdesk.json');
    const customers = (mode: string) =>
      JSON.stringify({
        customers: [{ name: 'contoso', psa: 'halopsa', psaCustomerId: 12, tenantId: TENANT, mode }],
      });
    writeFileSync(file, customers('on'));
    const env = validEnv({
      RESETDESK_CONFIG: file,
      REDIS_URL: await testRedisUrl(),
      REDIS_KEY_PREFIX: prefix,
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
    });
    delete env.RESETDESK_CUSTOMERS_JSON;
    const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const waitFor = async (pattern: RegExp) => {
      const deadline = Date.now() + 20_000;
      while (!pattern.test(output)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`not seen ${pattern}: ${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await waitFor(/resetdesk listening/);

      // Act: a bad file first (kept out), then SIGHUP with a good one.
      writeFileSync(file, customers('sometimes'));
      await waitFor(/"event":"customers\.reload-refused"/);
      writeFileSync(file, customers('dry-run'));
      await waitFor(/"event":"customers\.reloaded","trigger":"file-change"/);
      child.kill('SIGHUP');

      // Assert
      await waitFor(/"event":"customers\.reloaded","trigger":"SIGHUP"/);
      expect(child.exitCode).toBeNull();
      expect(output).toMatch(/customers\[0\]\.mode/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }, 40_000);
});
