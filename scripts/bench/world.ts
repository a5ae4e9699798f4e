// The simulated world a phase runs against: Graph and HaloPSA simulators with M customers, the service's
// env vars for it, tickets filed in both, and webhooks delivered the way the PSA sends them.
import {
  startGraphSimulator,
  type GraphSimOptions,
  type GraphSimulator,
} from '../../test/simulators/graph-simulator.js';
import {
  haloWebhookBody,
  startHaloSimulator,
  type HaloSimOptions,
  type HaloSimulator,
} from '../../test/simulators/halopsa-simulator.js';
import { HALO } from '../../test/sandbox/psa-sandboxes.js';
import { GRAPH_APP, REDIS_URL, S, sleep } from './settings.js';
import { addBurstCustomer, burstWorldEnv, fileBurstTicket } from '../../test/sandbox/burst-tickets.js';

export interface World {
  graph: GraphSimulator;
  halo: HaloSimulator;
  tenants: string[];
  /** ms timestamps of customer-visible notes, by ticket. */
  notes: Map<number, number[]>;
  throttled: { graph: number; halo: number };
  env(prefix: string, role: 'api' | 'worker' | 'all'): Record<string, string>;
  fileTicket(ticketId: number, customer: number): void;
  close(): Promise<void>;
}

const tenantIdOf = (i: number) => `b3a0c0de-0000-4000-8000-${String(i).padStart(12, '0')}`;

export async function startWorld(
  customers: number,
  graphOptions: GraphSimOptions = {},
  haloOptions: HaloSimOptions = {},
): Promise<World> {
  const throttled = { graph: 0, halo: 0 };
  const notes = new Map<number, number[]>();
  const graph = await startGraphSimulator({ ...graphOptions, onThrottle: () => void throttled.graph++ });
  const halo = await startHaloSimulator({
    ...haloOptions,
    onThrottle: () => void throttled.halo++,
    onAction: (ticketId, action) => {
      if (!action.hiddenfromuser) notes.set(ticketId, [...(notes.get(ticketId) ?? []), performance.now()]);
    },
  });
  const tenants: string[] = [];
  const customerList: Array<Record<string, string>> = [];
  for (let i = 0; i < customers; i++) {
    const tenantId = tenantIdOf(i);
    tenants.push(tenantId);
    customerList.push(addBurstCustomer({ graph, halo }, GRAPH_APP, tenantId, i));
  }
  return {
    graph,
    halo,
    tenants,
    notes,
    throttled,
    env(prefix, role) {
      return {
        RESETDESK_ROLE: role,
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
        HOST: '127.0.0.1',
        PORT: '0',
        PUBLIC_BASE_URL: 'http://127.0.0.1:8080',
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        WORKER_CONCURRENCY: String(S.workerConcurrency),
        ...burstWorldEnv({ graph, halo }, GRAPH_APP, customerList),
        GRAPH_TIMEOUT_MS: '10000',
        SECURE_LINK_SERVER_KEY: Buffer.alloc(32, 7).toString('base64'),
        MSP_NAME: 'Bench MSP',
        HALOPSA_TIMEOUT_MS: '10000',
      };
    },
    fileTicket(ticketId, customer) {
      fileBurstTicket({ graph, halo }, tenantIdOf(customer), ticketId, customer);
    },
    close: () => Promise.all([graph.close(), halo.close()]).then(() => undefined),
  };
}

export const AUTH = `Basic ${Buffer.from(`${HALO.webhookUser}:${HALO.webhookPassword}`).toString('base64')}`;
export const webhookBody = (ticketId: number, customer = 0) =>
  JSON.stringify(
    haloWebhookBody(ticketId, 'full', { client_id: 100 + customer, tickettype_id: HALO.resetType }),
  );

export async function deliver(port: number, ticketId: number, customer: number): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/halopsa`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: AUTH },
      body: webhookBody(ticketId, customer),
    });
    await res.arrayBuffer();
    if (res.status === 202) return;
    await sleep(100);
  }
  throw new Error(`webhook for ticket ${ticketId} not accepted`);
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
