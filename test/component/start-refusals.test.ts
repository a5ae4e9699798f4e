import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../support/redis.js';
import { validEnv } from '../support/test-config.js';

/** Runs the real entry point with a configuration and returns its exit code and everything it printed. */
async function start(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output };
}

describe('When the configuration cannot work, the process stops at start with exit code 78 naming the key', () => {
  let busy: Server;
  let busyPort: number;
  let redisUrl: string;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as AddressInfo).port;
    redisUrl = await testRedisUrl();
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it('When the port is already in use, then it says so for server.port (no "Unhandled error event")', async () => {
    const { code, output } = await start(
      validEnv({ HOST: '127.0.0.1', PORT: String(busyPort), REDIS_URL: redisUrl, LOG_LEVEL: 'fatal' }),
    );
    expect(code).toBe(78);
    expect(output).toMatch(/server\.port \(PORT\): port \d+ on 127\.0\.0\.1 is already in use/);
    expect(output).not.toMatch(/Unhandled 'error' event|\n\s+at \S+:\d+/);
  });

  it('When a ConnectWise key origin is malformed, then it names connectwise.keyUrlAllowedOrigins (no stack trace)', async () => {
    const { code, output } = await start(
      validEnv({
        REDIS_URL: redisUrl,
        CONNECTWISE_ENABLED: 'true',
        CONNECTWISE_SITE_URL: 'https://api-na.myconnectwise.net',
        CONNECTWISE_COMPANY_ID: 'examplemsp',
        CONNECTWISE_PUBLIC_KEY: 'cw-public',
        CONNECTWISE_PRIVATE_KEY: 'cw-private-key-value',
        CONNECTWISE_CLIENT_ID: '11111111-aaaa-4bbb-8ccc-222222222222',
        CONNECTWISE_RESET_BOARD_IDS: '5',
        CONNECTWISE_KEY_URL_ALLOWED_ORIGINS: 'ftp://cw.example.test',
      }),
    );
    expect(code).toBe(78);
    expect(output).toMatch(/connectwise\.keyUrlAllowedOrigins \(CONNECTWISE_KEY_URL_ALLOWED_ORIGINS\)/);
    expect(output).not.toMatch(/\n\s+at \S+:\d+/);
  });

  it('When REDIS_URL is not a Redis URL, then it names redis.url instead of retrying forever', async () => {
    const { code, output } = await start(validEnv({ REDIS_URL: 'not-a-url' }));
    expect(code).toBe(78);
    expect(output).toMatch(/redis\.url: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(output).not.toContain('not-a-url');
  });

  it('When an event endpoint is plain http to another host, then it names events.endpoints and quotes no URL', async () => {
    const { code, output } = await start(
      validEnv({
        REDIS_URL: redisUrl,
        EVENT_ENDPOINTS_JSON: JSON.stringify([
          { url: 'http://hooks.example.test/services/T0/B0/not-for-the-log', format: 'slack' },
        ]),
      }),
    );
    expect(code).toBe(78);
    expect(output).toMatch(/events\.endpoints\[0\]\.url: must be an https URL/);
    expect(output).not.toContain('not-for-the-log');
    expect(output).not.toMatch(/\n\s+at \S+:\d+/);
  });

  it('When the console is on without its sign-in keys, then it names each and never prints the secret it has', async () => {
    const { code, output } = await start(
      validEnv({
        REDIS_URL: redisUrl,
        CONSOLE_ENABLED: 'true',
        CONSOLE_OIDC_CLIENT_SECRET: 'console-client-secret-value',
      }),
    );
    expect(code).toBe(78);
    expect(output).toMatch(/console\.issuer \(CONSOLE_OIDC_ISSUER\) \(required when console\.enabled\)/);
    expect(output).toMatch(/console\.allowedGroupId \(CONSOLE_ALLOWED_GROUP_ID\)/);
    expect(output).not.toContain('console-client-secret-value');
  });

  it("When a customer's password format cannot reach 14 characters, then it names customers[0].passwordFormat", async () => {
    const { code, output } = await start(
      validEnv({
        REDIS_URL: redisUrl,
        RESETDESK_CUSTOMERS_JSON: JSON.stringify([
          {
            name: 'contoso',
            psa: 'halopsa',
            psaCustomerId: 12,
            tenantId: '11111111-2222-3333-4444-555555555555',
            passwordFormat: { words: 2, digits: 1 },
          },
        ]),
      }),
    );
    expect(code).toBe(78);
    expect(output).toMatch(/customers\[0\]\.passwordFormat: customer "contoso".*at least 14 characters/);
    expect(output).not.toMatch(/\n\s+at \S+:\d+/);
  });
});
