// Phase 4: N tickets across M customers under per-tenant 429 limits: drain time against the ideal, lost and
// duplicated tickets, fairness between customers, 429s and peak memory.
import { randomUUID } from 'node:crypto';
import { graphCalls, haloApiCalls, startService } from './service-under-test.js';
import { BURST_PACING, log, pct, round, S } from './settings.js';
import { deliver, startWorld, waitFor } from './world.js';

export async function burstPhase(perTicket: { graph: number; psa: number }) {
  const n = S.burstTickets;
  const m = S.burstCustomers;
  log(
    `burst: ${n} tickets across ${m} customers; Graph ${S.graphLimit.ratePerSecond}/s per tenant (burst ${S.graphLimit.burst}), Halo ${S.haloLimit.max} per ${S.haloLimit.windowMs} ms`,
  );
  const world = await startWorld(m, { perTenantRateLimit: S.graphLimit }, { rateLimit: S.haloLimit });
  const prefix = `bench-burst-${randomUUID().slice(0, 8)}`;
  const svc = await startService(world, prefix, BURST_PACING, 'burst');
  try {
    // Tickets grouped by customer (all of customer 0 first...): the order in which FIFO would starve the last.
    const ids: Array<{ id: number; customer: number }> = [];
    for (let c = 0; c < m; c++)
      for (let k = 0; k < Math.ceil(n / m) && ids.length < n; k++)
        ids.push({ id: 100_000 + ids.length, customer: c });
    for (const t of ids) world.fileTicket(t.id, t.customer);
    const started = performance.now();
    let sent = 0;
    const intakeLatencies: number[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < ids.length) {
          const t = ids[sent++]!;
          const t0 = performance.now();
          await deliver(svc.api.port!, t.id, t.customer);
          intakeLatencies.push(performance.now() - t0);
        }
      }),
    );
    const intakeSeconds = (performance.now() - started) / 1000;
    log(`burst: ${n} webhooks accepted in ${round(intakeSeconds)} s; draining…`);
    const timeoutMs = 600_000;
    await waitFor(() => ids.every((t) => world.notes.has(t.id)), timeoutMs, 'burst notes');
    const drain = (performance.now() - started) / 1000;
    await waitFor(
      async () => ((await svc.queue.getJobCounts('completed')).completed ?? 0) >= ids.length,
      60_000,
      'burst jobs to complete',
    );
    const counts = await svc.queue.getJobCounts('completed', 'failed', 'delayed', 'waiting', 'active');
    let metricsText = '';
    try {
      metricsText = await (await fetch(`http://127.0.0.1:${svc.worker.port}/metrics`)).text();
    } catch {
      /* reported as empty */
    }
    const metric = (name: string) =>
      metricsText
        .split('\n')
        .filter((l) => l.startsWith(name))
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);

    const perCustomerFinish = new Map<number, number>();
    for (const t of ids) {
      const at = (world.notes.get(t.id)![0]! - started) / 1000;
      perCustomerFinish.set(t.customer, Math.max(perCustomerFinish.get(t.customer) ?? 0, at));
    }
    const finishes = [...perCustomerFinish.values()];
    const perCustomerFirst = new Map<number, number>();
    for (const t of ids) {
      const at = (world.notes.get(t.id)![0]! - started) / 1000;
      perCustomerFirst.set(t.customer, Math.min(perCustomerFirst.get(t.customer) ?? Infinity, at));
    }
    const ticketsPerTenant = Math.ceil(n / m);
    // What the simulated limits allow at best, for the calls a ticket needs (measured in the pipeline phase).
    const graphBound =
      Math.max(0, ticketsPerTenant * perTicket.graph - S.graphLimit.burst) / S.graphLimit.ratePerSecond;
    const psaBound = (n * perTicket.psa) / (S.haloLimit.max / (S.haloLimit.windowMs / 1000));
    const ideal = Math.max(graphBound, psaBound);
    const rss = await svc.stop();
    return {
      tickets: n,
      customers: m,
      limits: { graphPerTenant: S.graphLimit, halo: S.haloLimit },
      pacing: BURST_PACING,
      webhookIntakeSeconds: round(intakeSeconds, 1),
      webhookP99Ms: round(pct(intakeLatencies, 99)),
      drainSeconds: round(drain, 1),
      idealSeconds: round(ideal, 1),
      drainVsIdeal: round(drain / ideal, 2),
      lost: ids.filter((t) => !world.notes.has(t.id)).length,
      duplicated: ids.filter((t) => (world.notes.get(t.id)?.length ?? 0) > 1).length,
      jobs: counts,
      customerFinishSeconds: {
        min: round(Math.min(...finishes)),
        p50: round(pct(finishes, 50)),
        max: round(Math.max(...finishes)),
        spreadOfDrain: round((Math.max(...finishes) - Math.min(...finishes)) / drain, 2),
        // By customer, in the order their tickets were filed: first and last customer note (s).
        firstNoteByCustomer: [...perCustomerFirst.values()].map((v) => round(v, 0)),
        lastNoteByCustomer: finishes.map((v) => round(v, 0)),
      },
      throttled429: { graph: world.throttled.graph, halo: world.throttled.halo },
      outsideCalls: { graph: graphCalls(world), halo: haloApiCalls(world) },
      callsPerTicket: {
        graph: round(graphCalls(world) / n, 2),
        halo: round(haloApiCalls(world) / n, 2),
      },
      pacingDelays: metric('resetdesk_pacing_delays_total'),
      peakRssMb: { api: round(rss.apiRss / 1024), worker: round(rss.workerRss / 1024) },
    };
  } finally {
    await svc.stop().catch(() => undefined);
    await world.close();
  }
}
