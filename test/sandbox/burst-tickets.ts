import type { GraphSimulator } from '../simulators/graph-simulator.js';
import type { HaloSimulator } from '../simulators/halopsa-simulator.js';
import { HALO, haloSandboxEnv } from './psa-sandboxes.js';

/** The Entra object id of the staff member a burst ticket is about (a GUID, as Graph's ids are). */
export const burstUserId = (ticketId: number) =>
  `5a3e0000-0000-4000-8000-${String(ticketId).padStart(12, '0')}`;

/** The Entra object id of customer `n`'s manager. */
const burstManagerId = (customer: number) => `5a3e0000-0000-4000-9000-${String(customer).padStart(12, '0')}`;

/**
 * Customer `n` of a many-customer burst (the benchmark's and the fault suite's world): its tenant, with the
 * service's Graph app registered and the manager in it, and its Halo client with the manager as a user.
 * Returns the customers-file entry that maps the two.
 */
export function addBurstCustomer(
  sims: { graph: GraphSimulator; halo: HaloSimulator },
  graphApp: { clientId: string; secret: string },
  tenantId: string,
  customer: number,
): { name: string; psa: 'halopsa'; psaCustomerId: string; tenantId: string } {
  sims.graph
    .tenant(tenantId)
    .registerApp(graphApp.clientId, graphApp.secret)
    .addUser({
      id: burstManagerId(customer),
      userPrincipalName: `manager@c${customer}.test`,
      mail: `manager@c${customer}.test`,
      displayName: `Manager ${customer}`,
    });
  sims.halo.addClient(100 + customer, `Customer ${customer}`);
  sims.halo.addUser({
    id: 5000 + customer,
    client_id: 100 + customer,
    name: `Manager ${customer}`,
    emailaddress: `manager@c${customer}.test`,
  });
  return { name: `c${customer}`, psa: 'halopsa', psaCustomerId: String(100 + customer), tenantId };
}

/**
 * One reset ticket of a many-customer burst (the benchmark's and the fault suite's world): customer `n` is
 * Halo client `100 + n` with its manager `5000 + n`, in its own tenant; the staff member has one
 * Authenticator method, and the ticket asks for a password and an MFA reset from the portal.
 */
export function fileBurstTicket(
  sims: { graph: GraphSimulator; halo: HaloSimulator },
  tenantId: string,
  ticketId: number,
  customer: number,
): void {
  const upn = `staff${ticketId}@c${customer}.test`;
  sims.graph.tenant(tenantId).addUser({
    id: burstUserId(ticketId),
    userPrincipalName: upn,
    mail: upn,
    displayName: `Staff ${ticketId}`,
    managerId: burstManagerId(customer),
    methods: [
      { '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', id: `a-${ticketId}` },
    ],
  });
  sims.halo.addTicket({
    id: ticketId,
    summary: 'Password / MFA reset',
    tickettype_id: HALO.resetType,
    client_id: 100 + customer,
    user_id: 5000 + customer,
    status_id: 1,
    source: HALO.portalSource,
    customfields: [
      { id: 101, name: 'CFResetTarget', value: upn },
      { id: 102, name: 'CFResetPassword', value: 'Yes' },
      { id: 103, name: 'CFResetMFA', value: 'Yes' },
    ],
  });
}

/**
 * The env vars that point a service at a burst world's simulators, with its customers, and lift the request
 * budgets as an MSP does in an incident (one manager asks for many resets).
 */
export function burstWorldEnv(
  sims: { graph: GraphSimulator; halo: HaloSimulator },
  graphApp: { clientId: string; secret: string },
  customers: readonly object[],
): Record<string, string> {
  return {
    GRAPH_BASE_URL: sims.graph.url,
    GRAPH_AUTHORITY_HOST: sims.graph.url,
    GRAPH_DISABLE_INSTANCE_DISCOVERY: 'true',
    GRAPH_CLIENT_ID: graphApp.clientId,
    GRAPH_CLIENT_SECRET: graphApp.secret,
    RESETDESK_CUSTOMERS_JSON: JSON.stringify(customers),
    RESETDESK_POLICY_JSON: JSON.stringify({
      requesterLimit: { count: 1000, windowMinutes: 60 },
      customerLimit: { count: 100000, windowMinutes: 60 },
    }),
    ...haloSandboxEnv(sims.halo),
  };
}
