import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configKeys, type ConfigLeaf } from '../../config/config-keys.js';
import { createConfig } from '../../config/config-schema.js';
import { loadConfig } from '../../config/load-config.js';
import { planWarnings, planWiring } from '../../app/wiring-plan.js';
import { OTHER_PSAS_ENV, validEnv } from '../support/test-config.js';

/**
 * Every configuration key must reach the code that uses it. The composition root builds the service from
 * its wiring plan only (app/wiring-plan.ts), so a key reaches a consumer exactly when changing it
 * changes the plan. This test is generated from the schema: a new key that nothing reads fails it.
 */

const certificate = join(mkdtempSync(join(tmpdir(), 'rd-cert-')), 'certificate.pem');
// Read as a CA bundle by the Redis settings; never parsed as a real certificate by the plan.
writeFileSync(certificate, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

/** A configuration with every PSA, pacing, notices and the console on, so that every section is planned. */
function baseEnv(): NodeJS.ProcessEnv {
  return validEnv({
    PACING_ENABLED: 'true',
    ...OTHER_PSAS_ENV,
    NOTIFY_ENABLED: 'true',
    NOTIFY_MSP_TENANT_ID: '99999999-8888-4777-8666-555555555555',
    NOTIFY_SENDER_MAILBOX: 'notices@example-msp.test',
    CONSOLE_ENABLED: 'true',
    CONSOLE_OIDC_ISSUER: 'https://login.microsoftonline.com/99999999-8888-4777-8666-555555555555/v2.0',
    CONSOLE_OIDC_CLIENT_ID: '33333333-aaaa-4bbb-8ccc-444444444444',
    CONSOLE_OIDC_CLIENT_SECRET: 'console-client-secret-value',
    CONSOLE_ALLOWED_GROUP_ID: '55555555-aaaa-4bbb-8ccc-666666666666',
  });
}

function rangeOf(format: unknown): [number, number] | undefined {
  const m = typeof format === 'string' ? /^integer (\d+)-(\d+)$/.exec(format) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** A valid value for the key that differs from what the base configuration holds. */
function otherValue(key: string, leaf: ConfigLeaf, current: unknown): unknown {
  const { format } = leaf;
  if (Array.isArray(format)) return format.find((option) => option !== current);
  const range = rangeOf(format);
  if (range) return (current as number) + 1 <= range[1] ? (current as number) + 1 : (current as number) - 1;
  switch (format) {
    case Boolean:
      return !current;
    case 'nat':
    case 'port':
      return ((current as number | null) ?? 0) + 1000;
    case 'positive-number':
      return (current as number) * 2;
    case 'int-list':
      return [4242];
    case 'string-list':
      return key.endsWith('keyUrlAllowedOrigins') ? ['https://*.other.example'] : ['Other Source'];
    case 'http-url':
    case 'public-url':
      return 'https://other.example.test';
    case 'redis-url':
      return 'redis://other.example.test:6380';
    case 'redis-address-list':
      return ['10.9.9.9:6379'];
    case 'redis-nat-map':
      return ['10.0.0.9:6379=127.0.0.1:6379'];
    case 'password-separators':
      return '.';
    case 'tenant-guid':
      return '77777777-6666-4555-8444-333333333333';
    case 'email-address':
      return 'other-sender@example-msp.test';
    case 'base64-32-bytes':
      return randomBytes(32).toString('base64');
    case 'base64-32-bytes-list':
      return [randomBytes(32).toString('base64')];
    case Object:
      return { requesterLimit: { count: 9, windowMinutes: 15 } };
    case 'customer-list':
      return [
        {
          name: 'fabrikam',
          psa: 'connectwise',
          psaCustomerId: 'Fabrikam',
          tenantId: '66666666-7777-8888-9999-000000000000',
        },
      ];
    case 'event-endpoint-list':
      return [{ url: 'https://hooks.example.test/resetdesk', format: 'slack' }];
    case String:
      if (key === 'graph.certificatePath' || key === 'redis.tlsCaPath') return certificate;
      if (key === 'console.allowedGroupId') return '77777777-aaaa-4bbb-8ccc-888888888888';
      if (key === 'console.issuer') return 'https://login.microsoftonline.com/other-tenant/v2.0';
      return `${(current as string | null) ?? 'a-value-long-enough-for-any-secret'}-other`;
  }
  throw new Error(`no other value known for ${key} (format ${String(format)}): teach this test the format`);
}

/** The plan as comparable data: maps as entries, buffers as hex, functions (builders) left out. */
function comparable(value: unknown): unknown {
  if (value instanceof Map) return [...value.entries()].map(comparable);
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value === 'function') return undefined;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  }
  return value;
}

const SENTINEL = {
  redis: { url: null, mode: 'sentinel', sentinels: ['10.0.0.1:26379'], sentinelMasterName: 'resetdesk' },
};

/** Settings a variant needs beside its key to stay valid (a rule ties the two together). */
const COMPANIONS: Record<string, Record<string, unknown>> = {
  // Every customer's PSA must be enabled.
  'halopsa.enabled': {
    customers: [
      {
        name: 'contoso',
        psa: 'autotask',
        psaCustomerId: 12,
        tenantId: '11111111-2222-3333-4444-555555555555',
      },
    ],
  },
  // ConnectWise statuses belong to a board: a hand-off board needs a status of that board.
  'connectwise.handoffBoardId': { connectwise: { handoffStatusId: 77 } },
  // Redis settings belong to one topology each: a Sentinel or Cluster key comes with its topology.
  'redis.mode': { redis: { url: null, sentinels: ['10.0.0.1:26379'], sentinelMasterName: 'resetdesk' } },
  'redis.tls': { redis: { url: null, mode: 'cluster', clusterNodes: ['10.0.1.1:7000'], keyPrefix: '{rd}' } },
  'redis.tlsCaPath': { redis: { url: 'rediss://127.0.0.1:6380' } },
  'redis.sentinels': { redis: { url: null, mode: 'sentinel', sentinelMasterName: 'resetdesk' } },
  'redis.sentinelMasterName': { redis: { url: null, mode: 'sentinel', sentinels: ['10.0.0.1:26379'] } },
  'redis.sentinelUsername': SENTINEL,
  'redis.sentinelPassword': SENTINEL,
  'redis.sentinelTls': SENTINEL,
  'redis.clusterNodes': { redis: { url: null, mode: 'cluster', keyPrefix: '{rd}' } },
  'redis.natMap': SENTINEL,
};

function nested(key: string, value: unknown): Record<string, unknown> {
  return key
    .split('.')
    .reverse()
    .reduce<unknown>((inner, part) => ({ [part]: inner }), value) as Record<string, unknown>;
}

function valueAt(config: unknown, key: string): unknown {
  return key
    .split('.')
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], config);
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const both = typeof out[k] === 'object' && typeof v === 'object' && !Array.isArray(v) && v !== null;
    out[k] = both ? merge(out[k] as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

describe('every configuration key reaches its consumer', () => {
  const env = baseEnv();
  const base = loadConfig({ env });
  // The values as the schema holds them (a section such as redis is reshaped once loaded).
  const raw = createConfig({ env }).getProperties();
  const basePlan = JSON.stringify(comparable(planWiring(base)));

  it.each(configKeys().map(([key, leaf]) => [key, leaf] as const))(
    'When %s changes, then what the service is built with changes',
    (key, leaf) => {
      const current = valueAt(raw, key);
      const value = otherValue(key, leaf, current);
      const overrides = merge(COMPANIONS[key] ?? {}, nested(key, value));
      // Env vars win over overrides: leave out those of every key the variant sets.
      const variantEnv = { ...env };
      for (const [k, l] of configKeys()) if (valueAt(overrides, k) !== undefined) delete variantEnv[l.env!];
      const variant = loadConfig({ env: variantEnv, overrides });
      expect(JSON.stringify(comparable(planWiring(variant))), `${key} reaches nothing`).not.toBe(basePlan);
    },
  );

  it('The base configuration plans every PSA, pacing, metrics and notices (so no section is skipped)', () => {
    const plan = planWiring(base);
    expect(plan.psas.map((p) => p.kind)).toEqual(['halopsa', 'connectwise', 'autotask']);
    expect(plan.pacing?.enabled).toBe(true);
    expect(plan.metrics.enabled).toBe(true);
    expect(plan.notify).toBeDefined();
    expect(plan.console).toBeDefined();
  });
});

describe('start-up warnings', () => {
  it('When an enabled PSA has no ticket-source lists, then the start warns that its tickets get the email checks', () => {
    const env = baseEnv();
    delete env.HALOPSA_EMAIL_SOURCES;
    const warnings = planWarnings(planWiring(loadConfig({ env }))).filter((w) => /source lists/.test(w));
    expect(warnings).toHaveLength(3);
    expect(warnings.find((w) => w.startsWith('autotask:'))).toMatch(
      /autotask\.sourceEmailIds, autotask\.sourcePortalIds, autotask\.sourceAgentIds.*email checks/,
    );
  });

  it('When every enabled PSA lists its sources and names its resolved status, then nothing is warned about', () => {
    const warnings = planWarnings(
      planWiring(
        loadConfig({
          env: validEnv({
            HALOPSA_PORTAL_SOURCES: '3',
            HALOPSA_EMAIL_SOURCES: 'Email',
            HALOPSA_RESOLVED_STATUS_ID: '9',
          }),
        }),
      ),
    );
    expect(warnings).toEqual([]);
  });

  it('When the watch is on and a PSA has no resolved status, then the start says back-in tickets stay where they are', () => {
    const env = validEnv({ HALOPSA_PORTAL_SOURCES: '3', HALOPSA_EMAIL_SOURCES: 'Email' });
    expect(planWarnings(planWiring(loadConfig({ env })))).toEqual([
      expect.stringMatching(
        /^halopsa: no resolved status is configured \(halopsa\.resolvedStatusId \(HALOPSA_RESOLVED_STATUS_ID\)\)/,
      ),
    ]);
    expect(planWarnings(planWiring(loadConfig({ env: { ...env, WATCH_ENABLED: 'false' } })))).toEqual([]);
  });
});
