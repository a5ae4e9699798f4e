import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/load-config.js';
import { validEnv } from '../support/test-config.js';

/**
 * The Redis topology settings: exactly one topology, complete, nothing of another one, and on Cluster a
 * hash-tagged key prefix. Every refusal names the key and its env var and never repeats a secret; the process
 * entry point turns it into exit code 78.
 */

const dir = mkdtempSync(join(tmpdir(), 'rd-redis-config-'));
const CA_PATH = 'test/.sim-tls/cert.pem';
const NOT_PEM = join(dir, 'not-a-certificate.txt');
writeFileSync(NOT_PEM, 'hello');

const SENTINEL = {
  REDIS_MODE: 'sentinel',
  REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2:26379,[fd00::3]:26379',
  REDIS_SENTINEL_MASTER_NAME: 'resetdesk',
};
const CLUSTER = {
  REDIS_MODE: 'cluster',
  REDIS_CLUSTER_NODES: '10.0.1.1:7000,10.0.1.2:7000',
  REDIS_KEY_PREFIX: '{resetdesk}',
};
const SECRET = 'sup3r-secret-redis-password';

const refusal = (env: Record<string, string>): string => {
  try {
    loadConfig({ env: validEnv(env) });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
};

describe('Redis topology configuration', () => {
  it('When nothing is set, then the service uses a single Redis on 127.0.0.1:6379 under the prefix "resetdesk"', () => {
    expect(loadConfig({ env: validEnv() }).redis).toEqual({
      keyPrefix: 'resetdesk',
      topology: { mode: 'standalone', url: 'redis://127.0.0.1:6379' },
      waitReplicas: 0,
    });
  });

  it('When a rediss:// URL and a CA file are set, then TLS trusts that CA', () => {
    const { topology } = loadConfig({
      env: validEnv({ REDIS_URL: 'rediss://cache.example.net:6380/2', REDIS_TLS_CA_PATH: CA_PATH }),
    }).redis;
    expect(topology).toEqual({
      mode: 'standalone',
      url: 'rediss://cache.example.net:6380/2',
      tls: { ca: readFileSync(CA_PATH, 'utf8') },
    });
  });

  it('When Sentinel is set with credentials and TLS for both sides, then each goes where it belongs', () => {
    const { topology } = loadConfig({
      env: validEnv({
        ...SENTINEL,
        REDIS_USERNAME: 'resetdesk',
        REDIS_PASSWORD: SECRET,
        REDIS_TLS: 'true',
        REDIS_SENTINEL_USERNAME: 'sentinel-user',
        REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
        REDIS_SENTINEL_TLS: 'true',
        REDIS_TLS_CA_PATH: CA_PATH,
        REDIS_NAT_MAP: '172.17.0.2:6379=10.0.0.9:16379',
      }),
    }).redis;
    const tls = { ca: readFileSync(CA_PATH, 'utf8') };
    expect(topology).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
        { host: 'fd00::3', port: 26379 },
      ],
      masterName: 'resetdesk',
      username: 'resetdesk',
      password: SECRET,
      tls,
      sentinelUsername: 'sentinel-user',
      sentinelPassword: 'sentinel-secret',
      sentinelTls: tls,
      natMap: { '172.17.0.2:6379': { host: '10.0.0.9', port: 16379 } },
    });
  });

  it('When Cluster is set with a hash-tagged prefix, then the seed nodes and credentials are taken', () => {
    const { redis } = loadConfig({
      env: validEnv({ ...CLUSTER, REDIS_PASSWORD: SECRET, REDIS_TLS: 'true' }),
    });
    expect(redis).toEqual({
      keyPrefix: '{resetdesk}',
      waitReplicas: 0,
      topology: {
        mode: 'cluster',
        nodes: [
          { host: '10.0.1.1', port: 7000 },
          { host: '10.0.1.2', port: 7000 },
        ],
        password: SECRET,
        tls: {},
      },
    });
  });

  it('When Sentinel is set, then a write the service relies on waits for one replica unless told otherwise', () => {
    expect(loadConfig({ env: validEnv(SENTINEL) }).redis.waitReplicas).toBe(1);
    expect(loadConfig({ env: validEnv({ ...SENTINEL, REDIS_WAIT_REPLICAS: '2' }) }).redis.waitReplicas).toBe(
      2,
    );
    expect(loadConfig({ env: validEnv({ ...SENTINEL, REDIS_WAIT_REPLICAS: '0' }) }).redis.waitReplicas).toBe(
      0,
    );
    expect(loadConfig({ env: validEnv({ REDIS_WAIT_REPLICAS: '1' }) }).redis.waitReplicas).toBe(1);
  });

  it.each([
    ['an unknown mode', { REDIS_MODE: 'replicated' }, /redis\.mode/],
    [
      'a URL of another scheme',
      { REDIS_URL: 'http://cache:6379' },
      /redis\.url: must be a redis:\/\/ or rediss:\/\//,
    ],
    [
      'a sentinel without a port',
      { ...SENTINEL, REDIS_SENTINELS: '10.0.0.1' },
      /redis\.sentinels: .*host:port/,
    ],
    [
      'a cluster node with a bad port',
      { ...CLUSTER, REDIS_CLUSTER_NODES: '10.0.1.1:99999' },
      /redis\.clusterNodes/,
    ],
    ['a NAT map entry without "="', { ...CLUSTER, REDIS_NAT_MAP: '10.0.0.1:7000' }, /redis\.natMap/],
    [
      'Sentinel without sentinels',
      { REDIS_MODE: 'sentinel', REDIS_SENTINEL_MASTER_NAME: 'resetdesk' },
      /redis\.sentinels \(REDIS_SENTINELS\) is required when redis\.mode is sentinel/,
    ],
    [
      'Sentinel without a master name',
      { REDIS_MODE: 'sentinel', REDIS_SENTINELS: '10.0.0.1:26379' },
      /redis\.sentinelMasterName \(REDIS_SENTINEL_MASTER_NAME\) is required/,
    ],
    [
      'Cluster without nodes',
      { REDIS_MODE: 'cluster', REDIS_KEY_PREFIX: '{resetdesk}' },
      /redis\.clusterNodes \(REDIS_CLUSTER_NODES\) is required/,
    ],
    [
      'Cluster with a prefix without a hash tag',
      { ...CLUSTER, REDIS_KEY_PREFIX: 'resetdesk' },
      /redis\.keyPrefix \(REDIS_KEY_PREFIX\) must hold a hash tag on Redis Cluster, e\.g\. \{resetdesk\}/,
    ],
    ['Cluster with an empty hash tag', { ...CLUSTER, REDIS_KEY_PREFIX: '{}resetdesk' }, /redis\.keyPrefix/],
    [
      'Cluster with an unclosed hash tag',
      { ...CLUSTER, REDIS_KEY_PREFIX: 'resetdesk{a' },
      /redis\.keyPrefix/,
    ],
    ['an empty prefix', { REDIS_KEY_PREFIX: '' }, /redis\.keyPrefix \(REDIS_KEY_PREFIX\) must not be empty/],
    [
      'standalone with sentinels',
      { REDIS_SENTINELS: '10.0.0.1:26379' },
      /redis\.sentinels \(REDIS_SENTINELS\) only applies when redis\.mode \(REDIS_MODE\) is sentinel, not standalone/,
    ],
    [
      'standalone with cluster nodes',
      { REDIS_CLUSTER_NODES: '10.0.1.1:7000' },
      /redis\.clusterNodes \(REDIS_CLUSTER_NODES\) only applies when redis\.mode \(REDIS_MODE\) is cluster/,
    ],
    ['standalone with REDIS_TLS', { REDIS_TLS: 'true' }, /redis\.tls \(REDIS_TLS\) .*use a rediss:\/\/ URL/],
    ['standalone with a NAT map', { REDIS_NAT_MAP: '10.0.0.1:7000=127.0.0.1:17000' }, /redis\.natMap/],
    [
      'Sentinel with a URL',
      { ...SENTINEL, REDIS_URL: 'redis://10.0.0.1:6379' },
      /redis\.url \(REDIS_URL\) only applies when redis\.mode \(REDIS_MODE\) is standalone, not sentinel/,
    ],
    [
      'Sentinel with cluster nodes',
      { ...SENTINEL, REDIS_CLUSTER_NODES: '10.0.1.1:7000' },
      /redis\.clusterNodes/,
    ],
    ['Cluster with a URL', { ...CLUSTER, REDIS_URL: 'redis://10.0.1.1:7000' }, /redis\.url \(REDIS_URL\)/],
    ['Cluster with sentinels', { ...CLUSTER, REDIS_SENTINELS: '10.0.0.1:26379' }, /redis\.sentinels/],
    [
      'Cluster with a sentinel master name',
      { ...CLUSTER, REDIS_SENTINEL_MASTER_NAME: 'resetdesk' },
      /redis\.sentinelMasterName \(REDIS_SENTINEL_MASTER_NAME\)/,
    ],
    ['Cluster with sentinel TLS', { ...CLUSTER, REDIS_SENTINEL_TLS: 'true' }, /redis\.sentinelTls/],
    [
      'Cluster with replicas to wait for',
      { ...CLUSTER, REDIS_WAIT_REPLICAS: '1' },
      /redis\.waitReplicas \(REDIS_WAIT_REPLICAS\) is not supported on Redis Cluster/,
    ],
    ['a replica count that is not a number', { REDIS_WAIT_REPLICAS: 'one' }, /redis\.waitReplicas/],
    [
      'a URL with a password and REDIS_PASSWORD',
      { REDIS_URL: `redis://:${SECRET}@cache:6379`, REDIS_PASSWORD: 'another' },
      /redis\.url \(REDIS_URL\) already holds credentials/,
    ],
    [
      'a CA file without TLS',
      { ...SENTINEL, REDIS_TLS_CA_PATH: CA_PATH },
      /redis\.tlsCaPath \(REDIS_TLS_CA_PATH\) is set but no TLS is on/,
    ],
    [
      'a CA file that is not there',
      { REDIS_URL: 'rediss://cache:6380', REDIS_TLS_CA_PATH: join(dir, 'missing.pem') },
      /redis\.tlsCaPath \(REDIS_TLS_CA_PATH\): file not found/,
    ],
    [
      'a CA file without a certificate',
      { REDIS_URL: 'rediss://cache:6380', REDIS_TLS_CA_PATH: NOT_PEM },
      /redis\.tlsCaPath \(REDIS_TLS_CA_PATH\): .* holds no PEM certificate/,
    ],
  ])('When the settings have %s, then start-up stops naming the key', (_what, env, named) => {
    expect(refusal(env)).toMatch(named);
  });

  it('When several settings are wrong, then one message names them all', () => {
    const message = refusal({
      REDIS_MODE: 'cluster',
      REDIS_KEY_PREFIX: 'resetdesk',
      REDIS_URL: 'redis://x:6379',
    });
    expect(message).toMatch(/redis\.url/);
    expect(message).toMatch(/redis\.clusterNodes/);
    expect(message).toMatch(/redis\.keyPrefix/);
  });

  it('When a refused setting holds a secret, then the message does not repeat it', () => {
    const refused: Array<Record<string, string>> = [
      { REDIS_URL: `http://user:${SECRET}@cache:6379` },
      { REDIS_URL: `redis://user:${SECRET}@cache:6379`, REDIS_PASSWORD: SECRET },
      { ...CLUSTER, REDIS_SENTINEL_PASSWORD: SECRET },
      { ...CLUSTER, REDIS_URL: `redis://:${SECRET}@cache:6379` },
    ];
    for (const env of refused) {
      expect(refusal(env)).not.toContain(SECRET);
    }
  });
});

describe('When the process starts with an invalid Redis topology', () => {
  const start = (env: Record<string, string>) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
        env: { ...process.env, ...validEnv(env), LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('exit', (code) => resolve({ code, output }));
    });

  it('then it exits 78 before connecting anywhere, with a message naming the key', async () => {
    const [cluster, sentinel, both] = await Promise.all([
      start({ ...CLUSTER, REDIS_KEY_PREFIX: 'resetdesk', REDIS_PASSWORD: SECRET }),
      start({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: '127.0.0.1:1' }),
      start({ ...SENTINEL, REDIS_CLUSTER_NODES: '127.0.0.1:1' }),
    ]);
    expect(cluster).toMatchObject({ code: 78 });
    expect(cluster.output).toMatch(/invalid configuration: .*redis\.keyPrefix \(REDIS_KEY_PREFIX\)/);
    expect(cluster.output).not.toContain(SECRET);
    expect(sentinel).toMatchObject({ code: 78 });
    expect(sentinel.output).toMatch(/REDIS_SENTINEL_MASTER_NAME/);
    expect(both).toMatchObject({ code: 78 });
    expect(both.output).toMatch(/REDIS_CLUSTER_NODES/);
  }, 30_000);
});
