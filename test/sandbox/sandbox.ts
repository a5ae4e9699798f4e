import { randomBytes } from 'node:crypto';
import { startGraphSimulator, type GraphSimulator } from '../simulators/graph-simulator.js';
import { startHaloSimulator, type HaloSimulator } from '../simulators/halopsa-simulator.js';

/**
 * The built-in sandbox: a simulated Entra tenant (Graph + token endpoint) and a simulated HaloPSA, seeded
 * with one customer. Used by `npm run demo` and by the component tests, and reached by the service only
 * through the same configuration (env vars) a production deployment uses.
 *
 * Contoso (Halo client 12) → tenant TENANT: Maria Manager manages Sam Staff (cloud-only) and Syd Synced
 * (synchronised from on-premises AD); Mallory Peer manages nobody.
 */
export const TENANT = '3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f';
export const HALO_CLIENT = 12;
export const RESET_TYPE = 31;
export const STATUS_AWAITING = 22;
export const STATUS_HANDOFF = 23;
export const TEAM_HANDOFF = 4;
export const WEBHOOK_USER = 'resetdesk';
export const WEBHOOK_PASSWORD = 'correct-horse-webhook-secret';
export const CUSTOMER_NOTE_OUTCOME = 12;
const GRAPH_APP = {
  clientId: '7c1f4b2e-0000-4000-8000-00000000c0de',
  secret: 'graph-app-secret-for-the-sandbox',
};

export interface Sandbox {
  graph: GraphSimulator;
  halo: HaloSimulator;
  /** Env vars that point the service at the sandbox; add REDIS_URL, PUBLIC_BASE_URL and overrides. */
  env: Record<string, string>;
  /** Adds a "Password / MFA reset" ticket as the Halo portal form would. */
  fileResetTicket(ticket: {
    id: number;
    target?: string;
    resetPassword?: string;
    resetMfa?: string;
    userId?: number;
  }): void;
  close(): Promise<void>;
}

export async function startSandbox(): Promise<Sandbox> {
  const graph = await startGraphSimulator();
  const halo = await startHaloSimulator();

  graph
    .tenant(TENANT)
    .registerApp(GRAPH_APP.clientId, GRAPH_APP.secret)
    .addUser({
      id: 'u-maria',
      userPrincipalName: 'maria@contoso.test',
      mail: 'maria@contoso.test',
      displayName: 'Maria Manager',
    })
    .addUser({
      id: 'u-mallory',
      userPrincipalName: 'mallory@contoso.test',
      mail: 'mallory@contoso.test',
      displayName: 'Mallory Peer',
    })
    .addUser({
      id: 'u-sam',
      userPrincipalName: 'sam@contoso.test',
      mail: 'sam@contoso.test',
      displayName: 'Sam Staff',
      managerId: 'u-maria',
      methods: [
        {
          '@odata.type': '#microsoft.graph.passwordAuthenticationMethod',
          id: '28c10230-6103-485e-b985-444c60001490',
        },
        {
          '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
          id: 'auth-1',
          isDefault: true,
        },
        {
          '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
          id: '3179e48a-750b-4051-897c-87b9720928f7',
          phoneType: 'mobile',
        },
      ],
    })
    .addUser({
      id: 'u-syd',
      userPrincipalName: 'syd@contoso.test',
      mail: 'syd@contoso.test',
      displayName: 'Syd Synced',
      managerId: 'u-maria',
      onPremisesSyncEnabled: true,
      onPremisesSamAccountName: 'syd.synced',
      onPremisesDomainName: 'corp.contoso.test',
      onPremisesLastSyncDateTime: '2026-11-30T08:15:00Z',
      methods: [{ '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethod', id: 'oath-1' }],
    });

  halo.addClient(HALO_CLIENT, 'Contoso');
  halo.addUser({ id: 7, client_id: HALO_CLIENT, name: 'Maria Manager', emailaddress: 'maria@contoso.test' });
  halo.addUser({ id: 8, client_id: HALO_CLIENT, name: 'Mallory Peer', emailaddress: 'mallory@contoso.test' });

  const env: Record<string, string> = {
    GRAPH_BASE_URL: graph.url,
    GRAPH_AUTHORITY_HOST: graph.url,
    GRAPH_DISABLE_INSTANCE_DISCOVERY: 'true',
    GRAPH_CLIENT_ID: GRAPH_APP.clientId,
    GRAPH_CLIENT_SECRET: GRAPH_APP.secret,
    HALOPSA_RESOURCE_SERVER_URL: halo.resourceServerUrl,
    HALOPSA_AUTH_SERVER_URL: halo.authServerUrl,
    HALOPSA_CLIENT_ID: halo.defaultApp.clientId,
    HALOPSA_CLIENT_SECRET: halo.defaultApp.clientSecret,
    HALOPSA_WEBHOOK_USERNAME: WEBHOOK_USER,
    HALOPSA_WEBHOOK_PASSWORD: WEBHOOK_PASSWORD,
    HALOPSA_RESET_TICKET_TYPE_IDS: String(RESET_TYPE),
    HALOPSA_CUSTOMER_NOTE_OUTCOME_ID: String(CUSTOMER_NOTE_OUTCOME),
    HALOPSA_AWAITING_CONFIRMATION_STATUS_ID: String(STATUS_AWAITING),
    HALOPSA_HANDOFF_TEAM_ID: String(TEAM_HANDOFF),
    HALOPSA_HANDOFF_STATUS_ID: String(STATUS_HANDOFF),
    SECURE_LINK_SERVER_KEY: randomBytes(32).toString('base64'),
    MSP_NAME: 'Ashton Solutions',
    RESETDESK_CUSTOMERS_JSON: JSON.stringify([
      { name: 'contoso', psa: 'halopsa', psaCustomerId: HALO_CLIENT, tenantId: TENANT },
    ]),
  };

  return {
    graph,
    halo,
    env,
    fileResetTicket({ id, target, resetPassword, resetMfa, userId = 7 }) {
      const customfields = [
        ...(target !== undefined ? [{ id: 101, name: 'CFResetTarget', value: target }] : []),
        ...(resetPassword !== undefined ? [{ id: 102, name: 'CFResetPassword', value: resetPassword }] : []),
        ...(resetMfa !== undefined ? [{ id: 103, name: 'CFResetMFA', value: resetMfa }] : []),
      ];
      halo.addTicket({
        id,
        summary: 'Password / MFA reset',
        tickettype_id: RESET_TYPE,
        client_id: HALO_CLIENT,
        user_id: userId,
        status_id: 1,
        customfields,
      });
    },
    async close() {
      await Promise.all([graph.close(), halo.close()]);
    },
  };
}
