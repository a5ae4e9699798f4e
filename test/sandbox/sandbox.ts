import { randomBytes } from 'node:crypto';
import type { PsaKind } from '../../services/domain/ports.js';
import { startGraphSimulator, type GraphSimulator } from '../simulators/graph-simulator.js';
import type { HaloSimulator } from '../simulators/halopsa-simulator.js';
import { HALO, startPsaSandbox, type PsaSandbox } from './psa-sandboxes.js';

/**
 * The built-in sandbox: a simulated Entra tenant (Graph + token endpoint) and one simulated PSA, seeded with
 * one customer. Used by `npm run demo` and by the component tests, and reached by the service only through
 * the same configuration (env vars) a production deployment uses.
 *
 * Contoso → tenant TENANT: Maria Manager manages Sam Staff (cloud-only) and Syd Synced (synchronised from
 * on-premises AD); Mallory Peer manages nobody.
 */
export const TENANT = '3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f';
export const HALO_CLIENT = HALO.client;
export const RESET_TYPE = HALO.resetType;
export const STATUS_AWAITING = HALO.statusAwaiting;
export const STATUS_HANDOFF = HALO.statusHandoff;
export const TEAM_HANDOFF = HALO.teamHandoff;
export const WEBHOOK_USER = HALO.webhookUser;
export const WEBHOOK_PASSWORD = HALO.webhookPassword;
const GRAPH_APP = {
  clientId: '7c1f4b2e-0000-4000-8000-00000000c0de',
  secret: 'graph-app-secret-for-the-sandbox',
};

export interface Sandbox {
  graph: GraphSimulator;
  psa: PsaSandbox;
  /** The HaloPSA simulator (only when the sandbox runs HaloPSA). */
  halo: HaloSimulator;
  /** Env vars that point the service at the sandbox; add REDIS_URL, PUBLIC_BASE_URL and overrides. */
  env: Record<string, string>;
  /** Adds a "Password / MFA reset" ticket as the PSA's portal form would. */
  fileResetTicket: PsaSandbox['fileResetTicket'];
  close(): Promise<void>;
}

export async function startSandbox(psaKind: PsaKind = 'halopsa'): Promise<Sandbox> {
  const graph = await startGraphSimulator();
  const psa = await startPsaSandbox(psaKind);

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
      id: '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d',
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

  const env: Record<string, string> = {
    GRAPH_BASE_URL: graph.url,
    GRAPH_AUTHORITY_HOST: graph.url,
    GRAPH_DISABLE_INSTANCE_DISCOVERY: 'true',
    GRAPH_CLIENT_ID: GRAPH_APP.clientId,
    GRAPH_CLIENT_SECRET: GRAPH_APP.secret,
    SECURE_LINK_SERVER_KEY: randomBytes(32).toString('base64'),
    MSP_NAME: 'Ashton Solutions',
    RESETDESK_CUSTOMERS_JSON: JSON.stringify([
      { name: 'contoso', psa: psa.psa, psaCustomerId: psa.customerId, tenantId: TENANT },
    ]),
    ...psa.env,
  };

  return {
    graph,
    psa,
    get halo(): HaloSimulator {
      const halo = (psa as PsaSandbox & { halo?: HaloSimulator }).halo;
      if (!halo) throw new Error('this sandbox does not run HaloPSA');
      return halo;
    },
    env,
    fileResetTicket: (t) => psa.fileResetTicket(t),
    async close() {
      await Promise.all([graph.close(), psa.close()]);
    },
  };
}
