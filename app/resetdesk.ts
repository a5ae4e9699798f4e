import type { Express, Router } from 'express';
import type { Worker } from 'bullmq';
import type { AppConfig } from '../config/load-config.js';
import { createGraphDirectoryFactory } from '../integrations/graph/graph-directory.js';
import { ResetQueue } from '../workers/reset-queue.js';
import { createFailedJobs } from '../workers/failed-jobs.js';
import type { AftercareService } from '../workers/aftercare-worker.js';
import type { StaffNotices } from '../workers/staff-notice-worker.js';
import { staffDisavowedEvent } from '../services/domain/outcome-events.js';
import type { DirectoryFactory, DisavowOutcome, OutcomeEvents } from '../services/domain/ports.js';
import { buildApp } from '../services/http/app.js';
import { createHealthRouter } from '../services/http/health-routes.js';
import type { Logger } from '../services/logging/logger.js';
import type { Metrics } from '../services/metrics/metrics.js';
import { createQueueDepthLease } from '../services/metrics/queue-depth-lease.js';
import { graphPacingKey, type PacingOptions } from '../services/pacing/index.js';
import { replicatedWrites } from '../services/redis/replicated-writes.js';
import { wireOperatorConsole } from './console-wiring.js';
import { ReloadableCustomerDirectory, startCustomerReload } from './customer-reload.js';
import { wireEventDelivery } from './events-wiring.js';
import { wireOneTimeLinks } from './link-wiring.js';
import { wirePacing, wirePsas } from './psa-wiring.js';
import { openServiceRedis } from './redis-wiring.js';
import { startResetWork } from './reset-wiring.js';
import { wireStaffNotices } from './staff-notice-wiring.js';
import type { WiringBase } from './wiring-base.js';
import { planWiring, type WiringPlan } from './wiring-plan.js';

export interface Resetdesk {
  app?: Express;
  worker?: Worker;
  /** The queue of notices to staff members and their "this wasn't me" reports (workers/staff-notice-worker.ts). */
  staffNotices: StaffNotices;
  queue: ResetQueue;
  /** The follow-up of delivered resets (workers with `watch.enabled` only). */
  aftercare?: AftercareService;
  /** GET /healthz and /readyz for the internal listener (every role, the worker-only one included). */
  health: Router;
  /**
   * Loads the customers again (SIGHUP; a change of the configuration file does it by itself): true when
   * the new ones are in place, false when the file was refused and the old ones stay.
   */
  reloadCustomers(trigger: string): boolean;
  /** Stops taking work, lets running jobs finish (up to timeoutMs), closes Redis. */
  close(timeoutMs?: number): Promise<void>;
}

export interface ResetdeskOverrides {
  /** Replaces the Graph adapter (tests that need a directory double). */
  directories?: DirectoryFactory;
  newPassword?: () => string;
  /** Replaces the configured pacing of PSA and Graph calls (services/pacing); off unless `enabled`. */
  pacing?: PacingOptions;
  /** Prometheus metrics (services/metrics): webhook/job/outside-call figures; GET /metrics with a token. */
  metrics?: Metrics;
  /** Told what each "this wasn't me" report did, once handed to the engineers (events, metrics). */
  onDisavowed?: (outcome: DisavowOutcome) => void;
}

/** The composition root for a configuration: see `assembleResetdesk`. */
export function createResetdesk(
  config: AppConfig,
  logger: Logger,
  overrides: ResetdeskOverrides = {},
): Resetdesk {
  return assembleResetdesk(planWiring(config), logger, overrides);
}

/**
 * The composition root: the service's Redis, the PSAs, the queues and their workers, the one-time links, and
 * (by role) the HTTP app and the reset worker, each from its builder in this folder.
 */
export function assembleResetdesk(
  plan: WiringPlan,
  logger: Logger,
  overrides: ResetdeskOverrides = {},
): Resetdesk {
  const { api: runApi, worker: runWorker } = plan.roles;
  const redis = openServiceRedis(plan, logger);
  const base: WiringBase = { plan, logger, redis, metrics: overrides.metrics };
  // Both roles reload: the API maps webhooks to tenants for pacing, the worker decides with the settings.
  const customers = new ReloadableCustomerDirectory(plan.customers);
  const customerReload = startCustomerReload({ directory: customers, ...plan.customerReload, logger });

  const pacing = wirePacing(plan, redis, overrides);
  const queue = new ResetQueue({
    connection: redis.fast,
    replicated: replicatedWrites(redis.fast, plan.redis.waitReplicas),
    prefix: redis.prefix,
    attempts: plan.queue.attempts,
    retentionDays: plan.queue.retentionDays,
    pacingKeyOf:
      pacing &&
      ((psa, customerHint) => {
        const tenantId = customers.find(psa, customerHint)?.tenantId;
        return tenantId === undefined ? undefined : graphPacingKey(tenantId);
      }),
  });
  queue.queue.on(
    'error',
    redis.outage.errorListener('queue', (err) =>
      logger.warn({ err: { message: err.message } }, 'queue error'),
    ),
  );
  const { psaFor, receivers } = wirePsas(plan, logger, pacing);
  const eventDelivery = wireEventDelivery(base);
  const events = eventDelivery?.events;
  // The link-events worker's connection serves the staff notices' worker too (BullMQ gives each worker its
  // own blocking connection from it).
  const workerConnection = runWorker ? redis.open('link-events') : undefined;
  const links = wireOneTimeLinks(base, { workerConnection, psa: psaFor, queue, events });
  if (overrides.metrics) {
    // Depth is one fact about Redis: one process at a time reports it (see queue-depth-lease.ts).
    overrides.metrics.shareQueueDepth(createQueueDepthLease(redis.fast, redis.prefix));
    overrides.metrics.watchQueue('resets', queue.queue);
  }
  // The customers' tenants, for the worker only (an API-only process never calls Graph).
  const directories = runWorker
    ? (overrides.directories ??
      createGraphDirectoryFactory(plan.graph, logger.child({ integration: 'graph' })))
    : undefined;
  // Notices to the staff member after a delivered reset, and their "this wasn't me" (/n/<token>), through
  // their own queue: a mail or PSA outage delays them and never holds up a reset.
  const notices = wireStaffNotices(base, {
    workerConnection,
    psa: psaFor,
    directories,
    onDisavowed: (outcome) => {
      overrides.onDisavowed?.(outcome);
      publishDisavowed(events, outcome);
    },
  });
  const { staffNotices } = notices;
  const operatorConsole =
    runApi && plan.console
      ? wireOperatorConsole(base, {
          console: plan.console,
          queues: [queue.queue, links.linkEvents.queue],
          confirmations: links.confirmationStore,
          failedJobs: createFailedJobs(queue.queue, { logger, maxStalledCount: plan.worker.maxStalledCount }),
        })
      : undefined;
  const app = runApi
    ? buildApp({
        logger,
        redis: redis.fast,
        queue,
        receivers,
        ...links.routers(),
        operatorConsole,
        disavowRouter: notices.disavowRouter(),
        bodyLimitBytes: plan.http.bodyLimitBytes,
        trustProxy: plan.http.trustProxy,
        metrics: overrides.metrics,
        metricsBearerToken: plan.metrics.bearerToken,
        onQueueUnavailable: redis.outage.webhookRefused,
      })
    : undefined;
  const resets =
    runWorker && directories
      ? startResetWork(base, {
          queue,
          psa: psaFor,
          directories,
          pacing,
          customers,
          links,
          events,
          staffNotices,
          overrides,
        })
      : undefined;
  const worker = resets?.worker;

  return {
    app,
    worker,
    staffNotices,
    queue,
    aftercare: resets?.aftercare,
    health: createHealthRouter(redis.fast, worker ? () => worker.isRunning() : undefined),
    reloadCustomers: (trigger) => customerReload.reload(trigger),
    async close(timeoutMs = plan.http.shutdownTimeoutMs) {
      customerReload.close();
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
      // In order, each given until the one deadline: the sweep (it queues work) before the reset worker,
      // the workers that publish events before the events' queue, so a last event is queued before it closes.
      const steps = [
        () => resets?.stopSweep(),
        () => worker?.close(),
        () => queue.close(),
        () => links.linkEvents.close(),
        () => resets?.aftercare?.close(),
        () => operatorConsole?.close(),
        () => eventDelivery?.close(),
        () => staffNotices.close(),
      ];
      for (const step of steps) await Promise.race([step()?.catch(() => undefined), deadline]);
      await redis.close();
    },
  };
}

/** A "this wasn't me" report as an event; its reference names the fact, so a report handled again gives the same event id. */
function publishDisavowed(events: OutcomeEvents | undefined, outcome: DisavowOutcome): void {
  void events?.publish(
    staffDisavowedEvent(
      { psa: outcome.psa, ticketId: outcome.ticketId, tenantId: outcome.tenantId },
      { distinct: outcome.ref, outcome: outcome.code },
    ),
  );
}
