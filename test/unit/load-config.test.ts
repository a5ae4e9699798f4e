import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/load-config.js';
import { planWiring } from '../../app/wiring-plan.js';
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

  it.each([9, '9'])(
    'When a customer names its resolved status as %o, then it is kept as the text the PSA adapters take',
    (resolvedStatusId) => {
      const tenantId = '11111111-2222-3333-4444-555555555555';
      const env = validEnv({
        RESETDESK_CUSTOMERS_JSON: JSON.stringify([
          { name: 'contoso', psa: 'halopsa', psaCustomerId: 12, tenantId, resolvedStatusId },
        ]),
      });

      const config = loadConfig({ env });

      expect(config.customerDirectory.find('halopsa', '12')?.resolvedStatusId).toBe('9');
    },
  );

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
    [{ METRICS_BEARER_TOKEN: 'short' }, /metrics\.bearerToken/],
    [{ METRICS_BEARER_TOKEN: 'a long token with spaces in it' }, /metrics\.bearerToken/],
    [{ METRICS_PORT: '8080' }, /metrics\.port/],
    [{ CONNECTWISE_KEY_URL_FETCHES_PER_MINUTE: '0' }, /connectwise\.keyUrlFetchesPerMinute/],
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
    ...['Resolved', '0', '-3', '12.5', ''].map((resolvedStatusId): [Record<string, string>, RegExp] => [
      {
        RESETDESK_CUSTOMERS_JSON: JSON.stringify([
          {
            name: 'x',
            psa: 'halopsa',
            psaCustomerId: 12,
            tenantId: '11111111-2222-3333-4444-555555555555',
            resolvedStatusId,
          },
        ]),
      },
      /customers\[0\]\.resolvedStatusId/,
    ]),
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

  it.each([
    [
      'connectwise',
      'config/example.connectwise.config.json',
      { CONNECTWISE_PUBLIC_KEY: 'cw-public', CONNECTWISE_PRIVATE_KEY: 'cw-private-key-value' },
    ],
    [
      'autotask',
      'config/example.autotask.config.json',
      {
        AUTOTASK_USERNAME: 'api@example.test',
        AUTOTASK_SECRET: 'autotask-api-secret',
        AUTOTASK_INTEGRATION_CODE: 'INTEGRATIONCODE',
        AUTOTASK_WEBHOOK_SECRET_KEY: 'a-long-autotask-webhook-secret',
      },
    ],
  ] as const)('The %s-only example config file in the repository is valid', (psa, file, secrets) => {
    const config = loadConfig({
      env: {
        ...validEnv(secrets),
        RESETDESK_CONFIG: new URL(`../../${file}`, import.meta.url).pathname,
        RESETDESK_CUSTOMERS_JSON: undefined,
      },
    });
    expect(planWiring(config).psas.map((p) => p.kind)).toEqual([psa]);
    expect(config.customers.map((c) => [c.name, c.psa])).toEqual([
      ['contoso', psa],
      ['fabrikam', psa],
    ]);
  });

  it('When the file holds the documented policy shape (requesterLimit, customerLimit), then it starts with it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rd-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        policy: {
          requesterLimit: { count: 3, windowMinutes: 60 },
          customerLimit: { count: 50, windowMinutes: 30 },
          managerChainDepth: 1,
        },
      }),
    );
    const config = loadConfig({ env: validEnv({ RESETDESK_CONFIG: file }) });
    expect(config.policy.requesterLimit).toEqual({ count: 3, windowMinutes: 60 });
    expect(config.policy.customerLimit).toEqual({ count: 50, windowMinutes: 30 });
    expect(config.policy.managerChainDepth).toBe(1);
    // Keys the file leaves out keep their defaults.
    expect(config.policy.allowEmailRequests).toBe(true);
  });

  it('When a policy value is invalid, then the message names the policy key (and does not blame the JSON)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rd-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ policy: { requesterLimit: { count: 0, windowMinutes: 60 } } }));
    const load = () => loadConfig({ env: validEnv({ RESETDESK_CONFIG: file }) });
    expect(load).toThrowError(/policy\.requesterLimit\.count/);
    expect(load).not.toThrowError(/not valid JSON/);
  });

  it('When RESETDESK_POLICY_JSON is not JSON, then start-up stops with a configuration error', () => {
    expect(() => loadConfig({ env: validEnv({ RESETDESK_POLICY_JSON: '{nope' }) })).toThrowError(ConfigError);
  });

  it.each([
    [{ AUTOTASK_WEBHOOK_SECRET_KEY: 'x' }, /autotask\.webhookSecretKey: must be at least 16/],
    [{ PUBLIC_BASE_URL: 'http://reset.example-msp.com' }, /server\.publicBaseUrl: must be an https URL/],
    [{ PUBLIC_BASE_URL: 'https://user:pw@reset.example-msp.com' }, /server\.publicBaseUrl/],
    [{ SECURE_LINK_MAX_VIEWS: '0' }, /secureLink\.maxViews: must be a whole number from 1 to 20/],
    [{ SECURE_LINK_TTL_HOURS: '100000' }, /secureLink\.ttlHours: must be a whole number from 1 to 336/],
    [{ SECURE_LINK_FAILED_LOOKUPS: '0' }, /secureLink\.failedLookupsPerWindow/],
    [{ WORKER_CONCURRENCY: '0' }, /worker\.concurrency/],
    [{ WORKER_ATTEMPTS: '0' }, /worker\.attempts/],
    [{ GRAPH_TIMEOUT_MS: '0' }, /graph\.timeoutMs/],
    [{ REDIS_URL: 'not-a-url' }, /redis\.url: must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, /redis\.url/],
    [{ REDIS_KEY_PREFIX: '' }, /redis\.keyPrefix/],
    [{ HALOPSA_ENABLED: 'false' }, /no PSA is enabled/],
    [{ RESETDESK_CUSTOMERS_JSON: '[]' }, /no customers are configured/],
    [
      {
        CONNECTWISE_ENABLED: 'false',
        RESETDESK_CUSTOMERS_JSON: JSON.stringify([
          {
            name: 'x',
            psa: 'connectwise',
            psaCustomerId: 1,
            tenantId: '11111111-2222-3333-4444-555555555555',
          },
        ]),
      },
      /customers\[0\]\.psa: .*connectwise, which is not enabled/,
    ],
  ])('When a setting is unsafe or unusable (%o), then start-up stops naming the key', (override, named) => {
    const env = validEnv(override as Record<string, string>);
    if ('AUTOTASK_WEBHOOK_SECRET_KEY' in override) Object.assign(env, autotaskEnv());
    expect(() => loadConfig({ env })).toThrowError(named);
  });

  it('When PUBLIC_BASE_URL is plain http on this machine (tests, the demo), then it is accepted', () => {
    expect(
      loadConfig({ env: validEnv({ PUBLIC_BASE_URL: 'http://127.0.0.1:8080' }) }).server.publicBaseUrl,
    ).toBe('http://127.0.0.1:8080');
  });

  it('When a ConnectWise key origin is malformed, then planning the service stops naming the key', () => {
    const env = validEnv({ ...connectWiseEnv(), CONNECTWISE_KEY_URL_ALLOWED_ORIGINS: 'https://*' });
    expect(() => planWiring(loadConfig({ env }))).toThrowError(
      /connectwise\.keyUrlAllowedOrigins \(CONNECTWISE_KEY_URL_ALLOWED_ORIGINS\)/,
    );
  });

  describe('notices from the MSP tenant', () => {
    const notifyEnv = {
      NOTIFY_ENABLED: 'true',
      NOTIFY_MSP_TENANT_ID: '99999999-8888-4777-8666-555555555555',
      NOTIFY_SENDER_MAILBOX: 'notices@example-msp.test',
    };

    it('When notices are on with the tenant and sender, then the plan carries both and the link lifetime', () => {
      expect(planWiring(loadConfig({ env: validEnv(notifyEnv) })).notify).toEqual({
        tenantId: '99999999-8888-4777-8666-555555555555',
        senderMailbox: 'notices@example-msp.test',
        disavowLinkTtlHours: 72,
      });
      expect(
        planWiring(loadConfig({ env: validEnv({ ...notifyEnv, NOTIFY_DISAVOW_LINK_TTL_HOURS: '24' }) }))
          .notify?.disavowLinkTtlHours,
      ).toBe(24);
    });

    it('When a customer asks for sign-in to be blocked on "this wasn\'t me", then the customer carries it', () => {
      const customers = JSON.stringify([
        {
          name: 'contoso',
          psa: 'halopsa',
          psaCustomerId: 12,
          tenantId: '11111111-2222-3333-4444-555555555555',
          blockSignInOnDisavow: true,
        },
      ]);
      const plan = planWiring(loadConfig({ env: validEnv({ RESETDESK_CUSTOMERS_JSON: customers }) }));
      expect(plan.customers.find('halopsa', '12')?.blockSignInOnDisavow).toBe(true);
    });

    it('When notices are off, then nothing is planned and the keys are not required', () => {
      expect(planWiring(loadConfig({ env: validEnv() })).notify).toBeUndefined();
    });

    it('When notices are on without the tenant and sender, then start-up stops naming both', () => {
      expect(() => loadConfig({ env: validEnv({ NOTIFY_ENABLED: 'true' }) })).toThrowError(
        /notify\.mspTenantId \(NOTIFY_MSP_TENANT_ID\) \(required when notify\.enabled\), notify\.senderMailbox/,
      );
    });

    it.each([
      [
        { NOTIFY_MSP_TENANT_ID: 'example-msp.onmicrosoft.com' },
        /notify\.mspTenantId: must be the Entra tenant id/,
      ],
      [
        { NOTIFY_SENDER_MAILBOX: 'Notices <notices@example-msp.test>' },
        /notify\.senderMailbox \(NOTIFY_SENDER_MAILBOX\): must be a plain email address/,
      ],
      [
        { NOTIFY_MSP_TENANT_ID: '11111111-2222-3333-4444-555555555555' },
        /notify\.mspTenantId .*tenant of customers\[0\] \("contoso"\)/,
      ],
    ])('When a notice setting is unsafe (%o), then start-up stops naming the key', (override, named) => {
      expect(() => planWiring(loadConfig({ env: validEnv({ ...notifyEnv, ...override }) }))).toThrowError(
        named,
      );
    });
  });

  describe('operator console', () => {
    const consoleEnv = {
      CONSOLE_ENABLED: 'true',
      CONSOLE_OIDC_ISSUER: 'https://login.microsoftonline.com/99999999-8888-4777-8666-555555555555/v2.0',
      CONSOLE_OIDC_CLIENT_ID: '33333333-aaaa-4bbb-8ccc-444444444444',
      CONSOLE_OIDC_CLIENT_SECRET: 'console-client-secret-value',
      CONSOLE_ALLOWED_GROUP_ID: '55555555-AAAA-4bbb-8ccc-666666666666',
    };

    it('When the console is on with its sign-in keys, then the plan carries them (group id in lower case)', () => {
      expect(planWiring(loadConfig({ env: validEnv(consoleEnv) })).console).toEqual({
        path: '/console',
        sessionHours: 8,
        issuer: consoleEnv.CONSOLE_OIDC_ISSUER,
        clientId: consoleEnv.CONSOLE_OIDC_CLIENT_ID,
        clientSecret: consoleEnv.CONSOLE_OIDC_CLIENT_SECRET,
        allowedGroupId: '55555555-aaaa-4bbb-8ccc-666666666666',
      });
    });

    it('When the console is off, then nothing is planned and its sign-in keys are not required', () => {
      expect(planWiring(loadConfig({ env: validEnv() })).console).toBeUndefined();
    });

    it('When the console is on without its sign-in keys, then start-up stops naming each', () => {
      expect(() => loadConfig({ env: validEnv({ CONSOLE_ENABLED: 'true' }) })).toThrowError(
        /console\.issuer \(CONSOLE_OIDC_ISSUER\) \(required when console\.enabled\), console\.clientId .*console\.clientSecret .*console\.allowedGroupId/,
      );
    });

    it.each([
      [{ CONSOLE_PATH: 'console' }, /console\.path \(CONSOLE_PATH\): must be a path/],
      [{ CONSOLE_PATH: '/console/' }, /console\.path \(CONSOLE_PATH\): must be a path/],
      [{ CONSOLE_PATH: '/s/console' }, /console\.path \(CONSOLE_PATH\): must not be under \/s/],
      [{ CONSOLE_PATH: '/webhooks' }, /console\.path \(CONSOLE_PATH\): must not be under \/webhooks/],
      [
        { CONSOLE_OIDC_ISSUER: 'http://login.example.test/v2.0' },
        /console\.issuer \(CONSOLE_OIDC_ISSUER\): must be an https URL/,
      ],
      [
        { CONSOLE_ALLOWED_GROUP_ID: 'Resetdesk Operators' },
        /console\.allowedGroupId \(CONSOLE_ALLOWED_GROUP_ID\): must be the group's object id/,
      ],
    ])('When a console setting is unsafe (%o), then start-up stops naming the key', (override, named) => {
      expect(() => loadConfig({ env: validEnv({ ...consoleEnv, ...override }) })).toThrowError(named);
    });

    it('When the client secret comes from CONSOLE_OIDC_CLIENT_SECRET_FILE, then the file is read', () => {
      const file = join(mkdtempSync(join(tmpdir(), 'rd-console-')), 'secret');
      writeFileSync(file, 'secret-from-a-file\n');
      const { CONSOLE_OIDC_CLIENT_SECRET: _unused, ...env } = consoleEnv;
      const config = loadConfig({ env: validEnv({ ...env, CONSOLE_OIDC_CLIENT_SECRET_FILE: file }) });
      expect(planWiring(config).console?.clientSecret).toBe('secret-from-a-file');
    });
  });

  it('When the ConnectWise hand-off board has no status, then planning the service stops naming the section', () => {
    const env = validEnv({ ...connectWiseEnv(), CONNECTWISE_HANDOFF_BOARD_ID: '9' });
    expect(() => planWiring(loadConfig({ env }))).toThrowError(
      /connectwise: .*handoff\.boardId needs handoff\.statusId/,
    );
  });
});

function connectWiseEnv(): Record<string, string> {
  return {
    CONNECTWISE_ENABLED: 'true',
    CONNECTWISE_SITE_URL: 'https://api-na.myconnectwise.net',
    CONNECTWISE_COMPANY_ID: 'examplemsp',
    CONNECTWISE_PUBLIC_KEY: 'cw-public',
    CONNECTWISE_PRIVATE_KEY: 'cw-private-key-value',
    CONNECTWISE_CLIENT_ID: '11111111-aaaa-4bbb-8ccc-222222222222',
    CONNECTWISE_RESET_BOARD_IDS: '5',
  };
}

function autotaskEnv(): Record<string, string> {
  return {
    AUTOTASK_ENABLED: 'true',
    AUTOTASK_BASE_URL: 'https://webservices5.autotask.net/atservicesrest',
    AUTOTASK_USERNAME: 'api@example.test',
    AUTOTASK_SECRET: 'autotask-api-secret',
    AUTOTASK_INTEGRATION_CODE: 'INTEGRATIONCODE',
    AUTOTASK_RESET_QUEUE_IDS: '29683',
  };
}
