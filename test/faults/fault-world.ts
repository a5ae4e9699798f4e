import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startGraphSimulator, type GraphSimulator } from '../simulators/graph-simulator.js';
import { haloWebhookBody, startHaloSimulator, type HaloSimulator } from '../simulators/halopsa-simulator.js';
import { HALO } from '../sandbox/psa-sandboxes.js';
import { openJobMember, openJobsKeys } from '../../workers/open-jobs-store.js';
import { addBurstCustomer, burstUserId, burstWorldEnv, fileBurstTicket } from '../sandbox/burst-tickets.js';

/**
 * The outside world of the fault suite: a simulated Entra/Graph with a few customer tenants and a simulated
 * HaloPSA, in this process. Tickets are filed as a manager's portal form would file them; every fact the
 * suite judges a ticket by is read from the simulators (notes, passwords set) and, for a delivered link,
 * from the service's own secure-link page.
 */
const GRAPH_APP = { clientId: '7c1f4b2e-0000-4000-8000-00000000fa17', secret: 'graph-app-secret-faults' };
const AUTH = `Basic ${Buffer.from(`${HALO.webhookUser}:${HALO.webhookPassword}`).toString('base64')}`;

export const tenantOf = (customer: number) => `fa170000-0000-4000-8000-${String(customer).padStart(12, '0')}`;

export interface TicketVerdict {
  ticketId: number;
  delivered: boolean;
  handedOff: boolean;
  deliveryNotes: number;
  handOffNotes: number;
  passwordChanges: number;
  /** A delivered link whose password is not the staff member's current one (or that does not open). */
  mismatch: boolean;
  /** Still known to the service (a job or an open-job record) though not finished. */
  pending: boolean;
  /** When the first delivery or hand-off note arrived (performance.now()). */
  finishedAt?: number;
}

export interface FaultWorld {
  graph: GraphSimulator;
  halo: HaloSimulator;
  /** Env vars that point the service at this world. */
  env: Record<string, string>;
  fileTicket(ticketId: number, customer: number): void;
  customerOf(ticketId: number): number;
  /** Posts the ticket's webhook once; resolves with the HTTP status (0 when the connection failed). */
  deliverOnce(apiPort: number, ticketId: number): Promise<number>;
  /** Posts the webhook until it is answered 2xx, as a PSA retries; resolves with the time of acceptance. */
  deliver(apiPort: number, ticketId: number, giveUpAfterMs?: number): Promise<number>;
  /** When the ticket's first delivery or hand-off note arrived, if it has. */
  finishedAt(ticketId: number): number | undefined;
  /** When the service last touched the finished ticket (its move after the note), if it has finished. */
  doneAt(ticketId: number): number | undefined;
  /** When the ticket was last moved (awaiting confirmation, or to the engineers), if it has been. */
  movedAt(ticketId: number): number | undefined;
  finished(ticketId: number): boolean;
  /** Judges a ticket: notes, passwords set, and the delivered link revealed through the API. */
  verdict(ticketId: number, apiPort: number, redis: Redis, prefix: string): Promise<TicketVerdict>;
  /** Ends every storm and outage the simulators were put in. */
  calm(): void;
  close(): Promise<void>;
}

const isDelivery = (a: Record<string, unknown>) =>
  a.hiddenfromuser !== true && /Ref RD-D-/.test(String(a.note_html));
const isHandOff = (a: Record<string, unknown>) =>
  a.hiddenfromuser === true && /resetdesk handed this ticket to an engineer/.test(String(a.note_html));

export async function startFaultWorld(customers: number): Promise<FaultWorld> {
  const finished = new Map<number, number>();
  const graph = await startGraphSimulator();
  const halo = await startHaloSimulator({
    onAction: (ticketId, action) => {
      const stored = action as unknown as Record<string, unknown>;
      if (!finished.has(ticketId) && (isDelivery(stored) || isHandOff(stored)))
        finished.set(ticketId, performance.now());
    },
  });
  const customerList: Array<Record<string, string>> = [];
  for (let i = 0; i < customers; i++) {
    customerList.push(addBurstCustomer({ graph, halo }, GRAPH_APP, tenantOf(i), i));
  }
  const customerOfTicket = new Map<number, number>();

  const env: Record<string, string> = {
    PUBLIC_BASE_URL: 'https://reset.faults.test',
    ...burstWorldEnv({ graph, halo }, GRAPH_APP, customerList),
    SECURE_LINK_SERVER_KEY: randomBytes(32).toString('base64'),
    MSP_NAME: 'Fault Suite MSP',
  };

  async function deliverOnce(apiPort: number, ticketId: number): Promise<number> {
    const customer = customerOfTicket.get(ticketId) ?? 0;
    try {
      const res = await fetch(`http://127.0.0.1:${apiPort}/webhooks/halopsa`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: AUTH },
        body: JSON.stringify(
          haloWebhookBody(ticketId, 'full', { client_id: 100 + customer, tickettype_id: HALO.resetType }),
        ),
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  async function reveal(apiPort: number, url: string): Promise<string | undefined> {
    const path = new URL(url).pathname;
    const page = await fetch(`http://127.0.0.1:${apiPort}${path}`);
    const nonce = /name="nonce" value="([^"]*)"/.exec(await page.text())?.[1];
    if (!nonce) return undefined;
    const res = await fetch(`http://127.0.0.1:${apiPort}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Sec-Fetch-Site': 'same-origin' },
      body: new URLSearchParams({ nonce }).toString(),
    });
    const html = await res.text();
    const secret = /<span id="secret"[^>]*>([^<]*)<\/span>/.exec(html)?.[1];
    return secret
      ?.replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  }

  function movedAt(ticketId: number): number | undefined {
    let moved: number | undefined;
    halo.requests.forEach((r, i) => {
      const body = r.body as Array<{ id?: number }> | undefined;
      const answered = halo.departures[i];
      if (r.method === 'POST' && /^\/api\/tickets$/i.test(r.path) && body?.[0]?.id === ticketId && answered)
        moved = Math.max(moved ?? 0, answered);
    });
    return moved;
  }

  return {
    graph,
    halo,
    env,
    customerOf: (ticketId) => customerOfTicket.get(ticketId) ?? 0,
    fileTicket(ticketId, customer) {
      customerOfTicket.set(ticketId, customer);
      fileBurstTicket({ graph, halo }, tenantOf(customer), ticketId, customer);
    },
    deliverOnce,
    async deliver(apiPort, ticketId, giveUpAfterMs = 60_000) {
      const deadline = Date.now() + giveUpAfterMs;
      for (;;) {
        const status = await deliverOnce(apiPort, ticketId);
        if (status >= 200 && status < 300) return performance.now();
        if (Date.now() > deadline) throw new Error(`webhook of ticket ${ticketId} never accepted`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    finishedAt: (ticketId) => finished.get(ticketId),
    doneAt(ticketId) {
      const noted = finished.get(ticketId);
      return noted === undefined ? undefined : Math.max(noted, movedAt(ticketId) ?? 0);
    },
    movedAt,
    finished: (ticketId) => finished.has(ticketId),
    async verdict(ticketId, apiPort, redis, prefix) {
      const actions = halo.actions(ticketId);
      const deliveries = actions.filter(isDelivery);
      const handOffs = actions.filter(isHandOff);
      const user = graph.user(tenantOf(customerOfTicket.get(ticketId) ?? 0), burstUserId(ticketId));
      let mismatch = false;
      const link = deliveries
        .map((a) => /https:\/\/reset\.faults\.test\/s\/[A-Za-z0-9_-]+/.exec(String(a.note_html))?.[0])
        .find((u) => u !== undefined);
      if (link) {
        const revealed = await reveal(apiPort, link).catch(() => undefined);
        mismatch = revealed === undefined || revealed !== user?.password;
      }
      const jobId = `halopsa-${ticketId}`;
      const pending =
        (await redis.exists(`${prefix}:resets:${jobId}`)) === 1 ||
        (await redis.zscore(
          openJobsKeys(prefix).open,
          openJobMember({ psa: 'halopsa', ticketId: String(ticketId), jobId }),
        )) !== null;
      return {
        ticketId,
        delivered: deliveries.length > 0 && link !== undefined,
        handedOff: handOffs.length > 0,
        deliveryNotes: deliveries.length,
        handOffNotes: handOffs.length,
        passwordChanges: user?.passwordChanges ?? 0,
        mismatch,
        pending,
        finishedAt: finished.get(ticketId),
      };
    },
    calm() {
      for (let i = 0; i < customers; i++) graph.storm(tenantOf(i));
      halo.down();
    },
    close: () => Promise.all([graph.close(), halo.close()]).then(() => undefined),
  };
}
