import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/load-config.js';
import { validEnv } from '../support/test-config.js';

function withoutKey(key: string): NodeJS.ProcessEnv {
  const env = validEnv();
  delete env[key];
  return env;
}

describe('loadConfig', () => {
  it('When every required key is set, then the config loads with the customer mapping', () => {
    const config = loadConfig({ env: validEnv() });
    expect(config.customerDirectory.find('halopsa', '12')?.tenantId).toBe(
      '11111111-2222-3333-4444-555555555555',
    );
    expect(config.customerDirectory.find('halopsa', '13')).toBeUndefined();
    expect(config.halopsa.resetTicketTypeIds).toEqual([31]);
    expect(config.secureLink.serverKey).toHaveLength(32);
  });

  it.each([
    ['PUBLIC_BASE_URL', /server\.publicBaseUrl/],
    ['GRAPH_CLIENT_ID', /graph\.clientId/],
    ['SECURE_LINK_SERVER_KEY', /secureLink\.serverKey/],
    ['HALOPSA_CLIENT_SECRET', /halopsa\.clientSecret/],
    ['HALOPSA_WEBHOOK_PASSWORD', /halopsa\.webhookPassword/],
    ['HALOPSA_RESET_TICKET_TYPE_IDS', /halopsa\.resetTicketTypeIds/],
    ['HALOPSA_CUSTOMER_NOTE_OUTCOME_ID', /halopsa\.customerNoteOutcomeId/],
  ])('When %s is missing, then start-up stops with a message naming it', (key, named) => {
    expect(() => loadConfig({ env: withoutKey(key) })).toThrowError(named);
  });

  it('When neither a Graph secret nor a certificate is set, then the message names both options', () => {
    expect(() => loadConfig({ env: withoutKey('GRAPH_CLIENT_SECRET') })).toThrowError(
      /graph\.clientSecret .* or graph\.certificatePath/,
    );
  });

  it.each([
    [{ PORT: 'eighty' }, /server\.port/],
    [{ SECURE_LINK_SERVER_KEY: 'c2hvcnQ=' }, /secureLink\.serverKey/],
    [{ GRAPH_BASE_URL: 'not a url' }, /graph\.baseUrl/],
    [{ LOG_LEVEL: 'loud' }, /log\.level/],
    [{ PACING_GRAPH_RATE: '0' }, /pacing\.graphRatePerSecond/],
    [{ PACING_HALOPSA_RATE: '-1' }, /pacing\.halopsaRatePerSecond/],
    [{ PACING_GRAPH_BURST: 'lots' }, /pacing\.graphBurst/],
    [{ WORKER_LOCK_DURATION_MS: '0' }, /worker\.lockDurationMs/],
    [{ WORKER_STALLED_INTERVAL_MS: '1.5' }, /worker\.stalledIntervalMs/],
    [{ WORKER_MAX_STALLED_COUNT: '-1' }, /worker\.maxStalledCount/],
    [{ WORKER_SWEEP_INTERVAL_MS: 'soon' }, /worker\.sweepIntervalMs/],
    [{ HALOPSA_WEBHOOK_PASSWORD: 'short' }, /halopsa\.webhookPassword/],
    [
      {
        RESETDESK_CUSTOMERS_JSON: JSON.stringify([
          { name: 'x', psa: 'halopsa', psaCustomerId: 1, tenantId: 'nope' },
        ]),
      },
      /customers\[0\]\.tenantId/,
    ],
    [
      {
        RESETDESK_CUSTOMERS_JSON: JSON.stringify([
          { name: 'a', psa: 'halopsa', psaCustomerId: 1, tenantId: '11111111-2222-3333-4444-555555555555' },
          { name: 'b', psa: 'halopsa', psaCustomerId: '1', tenantId: '11111111-2222-3333-4444-555555555556' },
        ]),
      },
      /duplicate customer halopsa:1/,
    ],
  ])('When a value is invalid (%o), then start-up stops naming the key', (override, named) => {
    expect(() => loadConfig({ env: validEnv(override as Record<string, string>) })).toThrowError(named);
  });

  it('When the config file has an unknown key, then start-up stops naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rd-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ halopsa: { handofTeamId: 4 } }));
    expect(() => loadConfig({ env: validEnv({ RESETDESK_CONFIG: file }) })).toThrowError(
      /halopsa\.handofTeamId/,
    );
  });

  it('When the config file names structure and env vars hold secrets, then both are used, env winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rd-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ halopsa: { handoffTeamId: 4, scope: 'all' }, worker: { concurrency: 2 } }),
    );
    const config = loadConfig({ env: validEnv({ RESETDESK_CONFIG: file, WORKER_CONCURRENCY: '6' }) });
    expect(config.halopsa.handoffTeamId).toBe(4);
    expect(config.worker.concurrency).toBe(6);
  });

  it('When the config file is missing, then start-up stops naming the file', () => {
    expect(() =>
      loadConfig({ env: validEnv({ RESETDESK_CONFIG: '/nonexistent/resetdesk.json' }) }),
    ).toThrowError(ConfigError);
  });

  it('The example config file in the repository is valid', () => {
    const config = loadConfig({
      env: {
        ...validEnv(),
        RESETDESK_CONFIG: new URL('../../config/example.config.json', import.meta.url).pathname,
        RESETDESK_CUSTOMERS_JSON: undefined,
      },
    });
    expect(config.customers.map((c) => c.name)).toEqual(['contoso', 'fabrikam']);
  });
});
