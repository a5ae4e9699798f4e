import { randomBytes } from 'node:crypto';

/** The env of a valid configuration with placeholder URLs; tests override what they point elsewhere. */
export function validEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PUBLIC_BASE_URL: 'https://reset.example.test',
    GRAPH_CLIENT_ID: '7c1f4b2e-0000-4000-8000-000000000001',
    GRAPH_CLIENT_SECRET: 'graph-client-secret-value',
    SECURE_LINK_SERVER_KEY: randomBytes(32).toString('base64'),
    // Tests pace explicitly (an override) where pacing is what they test.
    PACING_ENABLED: 'false',
    HALOPSA_RESOURCE_SERVER_URL: 'https://halo.example.test/api',
    HALOPSA_AUTH_SERVER_URL: 'https://halo.example.test/auth',
    HALOPSA_CLIENT_ID: 'halo-client',
    HALOPSA_CLIENT_SECRET: 'halo-client-secret-value',
    HALOPSA_WEBHOOK_USERNAME: 'resetdesk',
    HALOPSA_WEBHOOK_PASSWORD: 'a-long-random-webhook-password',
    HALOPSA_RESET_TICKET_TYPE_IDS: '31',
    HALOPSA_CUSTOMER_NOTE_OUTCOME_ID: '12',
    RESETDESK_CUSTOMERS_JSON: JSON.stringify([
      {
        name: 'contoso',
        psa: 'halopsa',
        psaCustomerId: 12,
        tenantId: '11111111-2222-3333-4444-555555555555',
      },
    ]),
    ...overrides,
  };
}

/** ConnectWise and Autotask enabled with placeholder settings, beside `validEnv`'s HaloPSA. */
export const OTHER_PSAS_ENV: Readonly<Record<string, string>> = Object.freeze({
  CONNECTWISE_ENABLED: 'true',
  CONNECTWISE_SITE_URL: 'https://api-na.myconnectwise.net',
  CONNECTWISE_COMPANY_ID: 'examplemsp',
  CONNECTWISE_PUBLIC_KEY: 'cw-public',
  CONNECTWISE_PRIVATE_KEY: 'cw-private-key-value',
  CONNECTWISE_CLIENT_ID: '11111111-aaaa-4bbb-8ccc-222222222222',
  CONNECTWISE_RESET_BOARD_IDS: '5',
  AUTOTASK_ENABLED: 'true',
  AUTOTASK_BASE_URL: 'https://webservices5.autotask.net/atservicesrest',
  AUTOTASK_USERNAME: 'api@example.test',
  AUTOTASK_SECRET: 'autotask-api-secret',
  AUTOTASK_INTEGRATION_CODE: 'INTEGRATIONCODE',
  AUTOTASK_WEBHOOK_SECRET_KEY: 'a-long-autotask-webhook-secret',
  AUTOTASK_RESET_QUEUE_IDS: '29683',
});
