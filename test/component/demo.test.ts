import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/redis-server.js';
import { keysUnder, testRedis, testRedisUrl } from '../support/redis.js';

/**
 * `npm run demo` as someone trying resetdesk runs it: a clear line when Redis is down, a clean stop on SIGTERM
 * and SIGINT, and no Redis keys left behind. The demo runs as a child process with a key prefix of its own.
 */

let redis: Redis;
beforeAll(async () => {
  redis = await testRedis();
});
afterAll(async () => {
  await redis.quit();
});

interface Demo {
  child: ChildProcess;
  output(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

function startDemo(env: Record<string, string>, args: string[] = []): Demo {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/sandbox/demo.ts', ...args], {
    env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    child,
    output: () => stdout,
    stderr: () => stderr,
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
}

async function until(what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const uniquePrefix = () => `resetdesk-demo-test-${randomUUID().slice(0, 8)}`;

describe('npm run demo', () => {
  it('When Redis is down, then it says "start Redis or set REDIS_URL" in one line and exits 1', async () => {
    const demo = startDemo({
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      REDIS_KEY_PREFIX: uniquePrefix(),
    });
    expect(await demo.exited).toBe(1);
    const lines = demo.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/start Redis or set REDIS_URL/);
    expect(demo.output()).toBe('');
  });

  it('When the flow runs through, then it exits 0 and leaves no Redis key behind', async () => {
    const prefix = uniquePrefix();
    const demo = startDemo({ REDIS_URL: await testRedisUrl(), REDIS_KEY_PREFIX: prefix });
    expect(await demo.exited, demo.output() + demo.stderr()).toBe(0);
    expect(demo.output()).toMatch(/outcome: reset-delivered/);
    expect(await keysUnder(redis, prefix)).toEqual([]);
  });

  it('When run with --tap, then the reset issues a Temporary Access Pass and exits 0', async () => {
    const prefix = uniquePrefix();
    const demo = startDemo({ REDIS_URL: await testRedisUrl(), REDIS_KEY_PREFIX: prefix }, ['--tap']);
    expect(await demo.exited, demo.output() + demo.stderr()).toBe(0);
    expect(demo.output()).toMatch(/outcome: reset-delivered/);
    expect(demo.output()).toContain('a Temporary Access Pass (behind the same secure link): yes');
    expect(demo.output()).toContain('https://aka.ms/mysecurityinfo');
    expect(await keysUnder(redis, prefix)).toEqual([]);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'When it keeps running and gets %s, then it stops cleanly: exit 0, no key left, no sandbox file left',
    async (signal) => {
      const prefix = uniquePrefix();
      const demo = startDemo({ REDIS_URL: await testRedisUrl(), REDIS_KEY_PREFIX: prefix }, [
        '--keep-running',
      ]);
      await until('the demo to wait', () => demo.output().includes('Ctrl+C stops the demo'));
      expect((await keysUnder(redis, prefix)).length).toBeGreaterThan(0);
      expect(existsSync('test/.sandbox.env')).toBe(true);
      demo.child.kill(signal);
      expect(await demo.exited, demo.output() + demo.stderr()).toBe(0);
      expect(demo.output()).toContain(`${signal}: stopping the demo`);
      expect(await keysUnder(redis, prefix)).toEqual([]);
      expect(existsSync('test/.sandbox.env')).toBe(false);
    },
  );

  it('refuses a key prefix that is not its own (it removes every key under it)', async () => {
    const demo = startDemo({ REDIS_URL: await testRedisUrl(), REDIS_KEY_PREFIX: 'resetdesk' });
    expect(await demo.exited).toBe(1);
    expect(demo.stderr()).toMatch(/REDIS_KEY_PREFIX must start with "resetdesk-demo"/);
  });
});
