import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configKeys } from '../../config/config-keys.js';
import { ConfigError, loadConfig, type AppConfig } from '../../config/load-config.js';
import { secretFileVariables } from '../../config/secret-files.js';
import { validEnv } from '../support/test-config.js';

/**
 * Every secret can come from a file (`<ENV>_FILE`, as Docker and Kubernetes secrets are mounted). The cases
 * are generated from the schema: a new `sensitive` key is covered without touching this test.
 */

const dir = mkdtempSync(join(tmpdir(), 'rd-secret-files-'));
let files = 0;
function secretFile(content: string): string {
  const path = join(dir, `secret-${files++}`);
  writeFileSync(path, content);
  return path;
}

/** A valid value for a secret of this format, as an env var would hold it. */
function validSecret(format: unknown): string {
  switch (format) {
    case 'redis-url':
      return 'redis://:from-a-file@redis.internal:6379';
    case 'base64-32-bytes':
    case 'base64-32-bytes-list':
      return randomBytes(32).toString('base64');
    case 'event-endpoint-list':
      return JSON.stringify([
        {
          url: 'https://events.example-msp.test/resetdesk',
          format: 'standard',
          secret: `whsec_${randomBytes(32).toString('base64')}`,
        },
      ]);
    default:
      return `from-a-file-${randomBytes(12).toString('hex')}`;
  }
}

function valueAt(config: unknown, key: string): unknown {
  const value = key
    .split('.')
    .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], config);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  // A list of objects (the event endpoints) as the JSON its variable holds.
  if (Array.isArray(value) && value.some((v) => typeof v === 'object' && !Buffer.isBuffer(v)))
    return JSON.stringify(value);
  if (Array.isArray(value))
    return value.map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : v)).join(',');
  return value;
}

const secrets = configKeys().filter(([, leaf]) => leaf.sensitive);

/**
 * The Redis section is read as one topology once loaded: where each Redis secret lands, and the settings
 * its topology needs beside it.
 */
const SENTINEL_ENV = {
  REDIS_MODE: 'sentinel',
  REDIS_SENTINELS: '10.0.0.1:26379',
  REDIS_SENTINEL_MASTER_NAME: 'rd',
};
const REDIS_SECRETS: Record<string, { env?: Record<string, string>; read: (c: AppConfig) => unknown }> = {
  'redis.url': { read: (c) => (c.redis.topology.mode === 'standalone' ? c.redis.topology.url : undefined) },
  'redis.password': { read: (c) => c.redis.topology.password },
  'redis.sentinelPassword': {
    env: SENTINEL_ENV,
    read: (c) => (c.redis.topology.mode === 'sentinel' ? c.redis.topology.sentinelPassword : undefined),
  },
};

describe('secrets from files (<ENV>_FILE)', () => {
  it('Every sensitive key has a _FILE variable', () => {
    expect(secretFileVariables().map(([key]) => key)).toEqual(secrets.map(([key]) => key));
    expect(secretFileVariables().map(([, , file]) => file)).toContain('SECURE_LINK_SERVER_KEY_FILE');
  });

  it.each(secrets.map(([key, leaf]) => [key, leaf.env!, leaf.format] as const))(
    'When %s comes from %s_FILE, then the value is the file content with its trailing newline trimmed',
    (key, env, format) => {
      const value = validSecret(format);
      const base = validEnv();
      delete base[env];
      const redis = REDIS_SECRETS[key];
      const config = loadConfig({
        env: { ...base, ...redis?.env, [`${env}_FILE`]: secretFile(`${value}\n`) },
      });
      expect(redis ? redis.read(config) : valueAt(config, key)).toBe(value);
    },
  );

  it('A file written on Windows (CRLF) loses its line ending too', () => {
    const base = validEnv();
    delete base.GRAPH_CLIENT_SECRET;
    const config = loadConfig({ env: { ...base, GRAPH_CLIENT_SECRET_FILE: secretFile('crlf-secret\r\n') } });
    expect(config.graph.clientSecret).toBe('crlf-secret');
  });

  it('When both the variable and its _FILE are set, then start-up stops naming the key and both variables', () => {
    const env = validEnv({ GRAPH_CLIENT_SECRET_FILE: secretFile('from-the-file\n') });
    expect(() => loadConfig({ env })).toThrow(ConfigError);
    expect(() => loadConfig({ env })).toThrow(
      /graph\.clientSecret: both GRAPH_CLIENT_SECRET and GRAPH_CLIENT_SECRET_FILE are set/,
    );
  });

  it('When the file cannot be read, then start-up stops naming the key and the variable', () => {
    const base = validEnv();
    delete base.HALOPSA_CLIENT_SECRET;
    const env = { ...base, HALOPSA_CLIENT_SECRET_FILE: join(dir, 'missing') };
    expect(() => loadConfig({ env })).toThrow(
      /halopsa\.clientSecret: HALOPSA_CLIENT_SECRET_FILE names a file that cannot be read \(ENOENT\)/,
    );
  });

  it.runIf(process.getuid?.() !== 0)(
    'When the file is not readable by the service, then the error says so',
    () => {
      const path = secretFile('unreadable');
      chmodSync(path, 0o000);
      const base = validEnv();
      delete base.SECURE_LINK_SERVER_KEY;
      expect(() => loadConfig({ env: { ...base, SECURE_LINK_SERVER_KEY_FILE: path } })).toThrow(
        /secureLink\.serverKey: SECURE_LINK_SERVER_KEY_FILE names a file that cannot be read \(EACCES\)/,
      );
    },
  );

  it('When the file is empty, then start-up stops naming the variable', () => {
    const base = validEnv();
    delete base.HALOPSA_WEBHOOK_PASSWORD;
    expect(() => loadConfig({ env: { ...base, HALOPSA_WEBHOOK_PASSWORD_FILE: secretFile('\n') } })).toThrow(
      /halopsa\.webhookPassword: HALOPSA_WEBHOOK_PASSWORD_FILE names an empty file/,
    );
  });

  it('A configuration error about a secret file never quotes the secret', () => {
    const secret = 'short';
    const base = validEnv();
    delete base.HALOPSA_WEBHOOK_PASSWORD;
    try {
      loadConfig({ env: { ...base, HALOPSA_WEBHOOK_PASSWORD_FILE: secretFile(`${secret}\n`) } });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/halopsa\.webhookPassword/);
      expect((err as Error).message).not.toMatch(/\bshort\b/);
    }
  });

  it('A _FILE variable of a key that is not a secret is not read', () => {
    const env = validEnv({ PUBLIC_BASE_URL_FILE: join(dir, 'missing') });
    expect(loadConfig({ env }).server.publicBaseUrl).toBe('https://reset.example.test');
  });
});
