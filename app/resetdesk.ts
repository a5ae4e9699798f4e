import type { Express, Router } from 'express';
import type { Worker } from 'bullmq';
import type { AppConfig } from '../config/load-config.js';
import { createGraphDirectoryFactory } from '../integrations/graph/graph-directory.js';
import { ResetQueue } from '../workers/reset-queue.js';
import { startResetWorker } from '../workers/reset-worker.js';
import { startTicketSweep, type TicketSweep } from '../workers/ticket-sweep.js';
import { createFailedJobs } from '../workers/failed-jobs.js';
import { createLinkEventReporting, LINK_EVENTS_QUEUE_NAME } from '../workers/link-events-worker.js';
import type { AftercareService } from '../workers/aftercare-worker.js';
import { wireAftercare } from './aftercare-wiring.js';
import { wireOperatorConsole } from './console-wiring.js';
import { staffDisavowedEvent } from '../services/domain/outcome-events.js';
import { EVENT_DELIVERY_QUEUE_NAME } from '../workers/event-delivery-worker.js';
import { wireEventDelivery } from './events-wiring.js';
import type { StaffNotices } from '../workers/staff-notice-worker.js';
import { wireStaffNotices } from './staff-notice-wiring.js';
import type { DirectoryFactory, DisavowOutcome, PsaAdapter, PsaKind } from '../services/domain/ports.js';
import { ResetUseCase } from '../services/domain/reset/reset-use-case.js';
import { buildApp } from '../services/http/app.js';
import { createHealthRouter } from '../services/http/health-routes.js';
import type { Logger } from '../services/logging/logger.js';
import { createRedisOutageLog } from '../services/logging/redis-outage-log.js';
import type { Metrics } from '../services/metrics/metrics.js';
import { createQueueDepthLease } from '../services/metrics/queue-depth-lease.js';
import {
  createServicePacer,
  graphPacingKey,
  pacedDirectoryFactory,
  pacedPsaAdapter,
  type PacingOptions,
} from '../services/pacing/index.js';
import { planWiring, type WiringPlan } from './wiring-plan.js';
import { ReloadableCustomerDirectory, startCustomerReload } from './customer-reload.js';
import type { WebhookReceiver } from '../services/intake/webhook-intake-route.js';
import { createRedisSecureLinkStore } from '../services/secure-link/secure-link-store.js';
import { createSecureLinkRouter } from '../services/secure-link/secure-link-routes.js';
import { createTokenSealer } from '../services/secure-link/token-sealer.js';
import { createConfirmationGate } from '../services/confirmation/confirmation-gate.js';
import { createConfirmationRouter } from '../services/confirmation/confirmation-routes.js';
import { createConfirmationStore } from '../services/confirmation/confirmation-store.js';
import { createRedisRequestRateLimiter } from '../services/policy/request-rate-limiter.js';
import { createRedisTicketLedger } from '../services/policy/ticket-ledger.js';
import type { RedisClient } from '../services/redis/redis-client.js';
import { closeRedisClient, createRedisClient } from '../services/redis/redis-connections.js';
import { createWatchedRedisClient, oneTimeLinkStoreBasics, queueErrorListeners } from './redis-wiring.js';
import { replicatedWrites } from '../services/redis/replicated-writes.js';
import { redisKeys } from '../services/redis/redis-keys.js';

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

/** The composition root: builds every adapter from the wiring plan and wires them to the use case. */
export function assembleResetdesk(
  plan: WiringPlan,
  logger: Logger,
  overrides: ResetdeskOverrides = {},
): Resetdesk {
  const runApi = plan.roles.api;
  const runWorker = plan.roles.worker;
  const prefix = plan.redis.keyPrefix;
  // Both roles reload: the API maps webhooks to tenants for pacing, the worker decides with the settings.
  const customers = new ReloadableCustomerDirectory(plan.customers);
  const customerReload = startCustomerReload({
    directory: customers,
    load: plan.customerReload.load,
    file: plan.customerReload.file,
    logger,
  });

  const { topology, waitReplicas } = plan.redis;
  // Fail fast when Redis is down: a webhook gets 503, a link store failure is retried by the job.
  // Every client reports to one outage log: an outage is one line a second, not one per client and attempt.
  const redisOutage = createRedisOutageLog(logger);
  const fastRedis = createWatchedRedisClient(topology, 'intake', redisOutage, 'redis');
  const queue = new ResetQueue({
    connection: fastRedis,
    replicated: replicatedWrites(fastRedis, waitReplicas),
    prefix,
    attempts: plan.queue.attempts,
    retentionDays: plan.queue.retentionDays,
  });
  queue.queue.on(
    'error',
    redisOutage.errorListener('queue', (err) =>
      logger.warn({ err: { message: err.message } }, 'queue error'),
    ),
  );
  const adapters = new Map<PsaKind, PsaAdapter>();
  const receivers: WebhookReceiver[] = [];
  for (const psa of plan.psas) {
    const built = psa.build(logger);
    adapters.set(psa.kind, built.adapter);
    receivers.push(built.receiver);
  }
  const pacingOptions = overrides.pacing ?? plan.pacing;
  const pacing = pacingOptions?.enabled
    ? {
        pacer: createServicePacer(fastRedis, prefix, pacingOptions),
        options: pacingOptions,
        observer: overrides.metrics,
      }
    : undefined;
  if (pacing) for (const [kind, adapter] of adapters) adapters.set(kind, pacedPsaAdapter(adapter, pacing));
  const psaFor = (kind: PsaKind): PsaAdapter => {
    const adapter = adapters.get(kind);
    if (!adapter) throw new Error(`no adapter configured for PSA ${kind}`);
    return adapter;
  };

  const { delivery: eventDelivery, connection: eventsRedis } = wireEventDelivery({
    plan,
    runWorker,
    fastRedis,
    prefix,
    logger,
    redisOutage,
  });

  // Reveals and unviewed expiries go back to the ticket through their own queue, so a PSA outage delays
  // the notes but does not lose them.
  const linkEventsRedis = runWorker
    ? createWatchedRedisClient(topology, 'link-events', redisOutage)
    : undefined;
  const linkEventErrors = queueErrorListeners(redisOutage, logger, 'link-events', 'link-events');
  const linkEvents = createLinkEventReporting({
    connection: linkEventsRedis ?? fastRedis,
    fastRedis,
    prefix,
    psa: psaFor,
    logger,
    attempts: plan.queue.attempts,
    backoffMs: plan.worker.backoffMs,
    concurrency: plan.worker.concurrency,
    locks: plan.worker,
    startWorker: runWorker,
    reportError: (source, err) => linkEventErrors[source](err),
    events: eventDelivery?.events,
  });
  if (overrides.metrics) {
    // Depth is one fact about Redis: one process at a time reports it (see queue-depth-lease.ts).
    overrides.metrics.shareQueueDepth(createQueueDepthLease(fastRedis, prefix));
    overrides.metrics.watchQueue('resets', queue.queue);
    overrides.metrics.watchQueue(LINK_EVENTS_QUEUE_NAME, linkEvents.queue);
    if (linkEvents.worker) overrides.metrics.watchWorker(linkEvents.worker, LINK_EVENTS_QUEUE_NAME);
    if (eventDelivery) {
      overrides.metrics.watchQueue(EVENT_DELIVERY_QUEUE_NAME, eventDelivery.queue);
      if (eventDelivery.worker)
        overrides.metrics.watchWorker(eventDelivery.worker, EVENT_DELIVERY_QUEUE_NAME);
    }
  }
  const links = linkEvents.wrapStore(
    createRedisSecureLinkStore({
      ...oneTimeLinkStoreBasics(plan, fastRedis, prefix),
      logger,
    }),
  );

  // Email requests wait for the manager's answer on a one-time confirmation link (/c/<token>).
  const confirmationStore = createConfirmationStore(oneTimeLinkStoreBasics(plan, fastRedis, prefix));
  const confirmations = createConfirmationGate({
    redis: fastRedis,
    prefix,
    links: { create: (input) => confirmationStore.create(input) },
    followUp: async (psa, ticketId, reason, delayMs) => {
      await queue.enqueueFollowUp(psa, ticketId, reason, delayMs);
    },
  });

  const operatorConsole =
    runApi && plan.console
      ? wireOperatorConsole({
          plan,
          console: plan.console,
          logger,
          fastRedis,
          prefix,
          queues: [queue.queue, linkEvents.queue],
          confirmations: confirmationStore,
          failedJobs: createFailedJobs(queue.queue, {
            logger,
            maxStalledCount: plan.worker.maxStalledCount,
          }),
        })
      : undefined;
  // The customers' tenants, for the worker only (an API-only process never calls Graph).
  const directories = runWorker
    ? (overrides.directories ??
      createGraphDirectoryFactory(plan.graph, logger.child({ integration: 'graph' })))
    : undefined;
  // Notices to the staff member after a delivered reset, and their "this wasn't me" (/n/<token>), through
  // their own queue: a mail or PSA outage delays them and never holds up a reset. The link-events worker's
  // connection serves its worker too (BullMQ gives each worker its own blocking connection from it).
  const notices = wireStaffNotices({
    plan,
    logger,
    fastRedis,
    workerConnection: linkEventsRedis,
    prefix,
    psa: psaFor,
    directories,
    redisOutage,
    onDisavowed: (outcome) => {
      overrides.onDisavowed?.(outcome);
      // The report's reference names the fact: a report handled again gives the same event id.
      void eventDelivery?.events.publish(
        staffDisavowedEvent(
          { psa: outcome.psa, ticketId: outcome.ticketId, tenantId: outcome.tenantId },
          { distinct: outcome.ref, outcome: outcome.code },
        ),
      );
    },
    metrics: overrides.metrics,
  });
  const { staffNotices } = notices;

  let app: Express | undefined;
  if (runApi) {
    app = buildApp({
      logger,
      redis: fastRedis,
      queue,
      receivers,
      secureLinkRouter: createSecureLinkRouter({
        store: links,
        mspName: plan.links.mspName,
        logger,
        onRevealed: linkEvents.onRevealed,
        onDestroyed: linkEvents.onDestroyed,
        redis: fastRedis,
        keyPrefix: redisKeys(prefix).storePrefix,
        limits: {
          failedLookups: plan.links.failedLookups,
          windowSeconds: plan.links.failedLookupWindowSeconds,
        },
      }),
      confirmationRouter: createConfirmationRouter({
        store: confirmationStore,
        mspName: plan.links.mspName,
        logger,
        onDecision: async (decision, context, viewer) => {
          const recorded = await confirmations.decide(context.psa, context.ticketId, decision);
          logger.info(
            {
              event: 'audit.confirmation',
              correlationId: context.correlationId,
              decision,
              recorded,
              ip: viewer.ip,
              userAgent: viewer.userAgent,
            },
            `email request ${decision} by the contact on file`,
          );
        },
        redis: fastRedis,
        keyPrefix: redisKeys(prefix).storePrefix,
        limits: {
          failedLookups: plan.links.failedLookups,
          windowSeconds: plan.links.failedLookupWindowSeconds,
        },
      }),
      operatorConsole,
      disavowRouter: notices.disavowRouter(),
      bodyLimitBytes: plan.http.bodyLimitBytes,
      trustProxy: plan.http.trustProxy,
      metrics: overrides.metrics,
      metricsBearerToken: plan.metrics.bearerToken,
      onQueueUnavailable: redisOutage.webhookRefused,
      pacingKeyOf: pacing
        ? (psa, customerHint) => {
            const tenantId = customers.find(psa, customerHint)?.tenantId;
            return tenantId === undefined ? undefined : graphPacingKey(tenantId);
          }
        : undefined,
    });
  }

  let worker: Worker | undefined;
  let sweep: TicketSweep | undefined;
  let workerRedis: RedisClient | undefined;
  let aftercareRedis: RedisClient | undefined;
  let aftercare: AftercareService | undefined;
  if (runWorker && directories) {
    workerRedis = createWatchedRedisClient(topology, 'worker', redisOutage);
    const pacedDirectories = pacing ? pacedDirectoryFactory(directories, pacing) : directories;
    if (plan.watch) {
      aftercareRedis = createRedisClient(topology, 'aftercare');
      aftercare = wireAftercare({
        plan,
        watch: plan.watch,
        connection: aftercareRedis,
        queueConnection: workerRedis,
        prefix,
        logger,
        psa: psaFor,
        directories: pacedDirectories,
        events: eventDelivery?.events,
        redisOutage,
        metrics: overrides.metrics,
      });
    }
    const ledger = createRedisTicketLedger(workerRedis, prefix);
    const useCase = new ResetUseCase({
      psa: psaFor,
      directories: pacedDirectories,
      links,
      sealer: createTokenSealer(plan.links.serverKey, plan.links.previousServerKeys),
      customers,
      ledger,
      rateLimiter: createRedisRequestRateLimiter(workerRedis, prefix),
      confirmations,
      aftercare,
      events: eventDelivery?.events,
      staffNotices: plan.notify ? staffNotices.scheduler : undefined,
      settings: {
        retryStatusIds: plan.reset.retryStatusIds,
        mspName: plan.links.mspName,
        linkTtlHours: plan.links.ttlHours,
        linkMaxViews: plan.links.maxViews,
        revokeSessions: plan.reset.revokeSessions,
      },
      newPassword: overrides.newPassword,
    });
    const resetWorker = startResetWorker({
      connection: workerRedis,
      replicated: replicatedWrites(workerRedis, waitReplicas),
      prefix,
      useCase,
      logger,
      concurrency: plan.worker.concurrency,
      backoffMs: plan.worker.backoffMs,
      lockDurationMs: plan.worker.lockDurationMs,
      stalledIntervalMs: plan.worker.stalledIntervalMs,
      maxStalledCount: plan.worker.maxStalledCount,
      pacing,
      reportError: redisOutage.errorListener('worker', (err) =>
        logger.error({ err: { message: err.message } }, 'worker error'),
      ),
    });
    worker = resetWorker.worker;
    overrides.metrics?.watchWorker(worker, 'resets');
    sweep = startTicketSweep({
      redis: workerRedis,
      prefix,
      queue,
      ledger,
      logger,
      intervalMs: plan.worker.sweepIntervalMs,
      recoverFailedJob: resetWorker.recoverFailedJob,
    });
  }

  return {
    app,
    worker,
    staffNotices,
    queue,
    aftercare,
    health: createHealthRouter(fastRedis, worker ? () => worker.isRunning() : undefined),
    reloadCustomers: (trigger) => customerReload.reload(trigger),
    async close(timeoutMs = plan.http.shutdownTimeoutMs) {
      customerReload.close();
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
      await Promise.race([sweep?.stop(), deadline]);
      if (worker) await Promise.race([worker.close(), deadline]);
      await Promise.race([queue.close().catch(() => undefined), deadline]);
      await Promise.race([linkEvents.close().catch(() => undefined), deadline]);
      await Promise.race([aftercare?.close().catch(() => undefined), deadline]);
      await Promise.race([operatorConsole?.close().catch(() => undefined), deadline]);
      // After the workers that publish: a last event is queued before its queue closes.
      await Promise.race([eventDelivery?.close().catch(() => undefined), deadline]);
      await Promise.race([staffNotices.close().catch(() => undefined), deadline]);
      redisOutage.close();
      for (const client of [fastRedis, workerRedis, linkEventsRedis, aftercareRedis, eventsRedis]) {
        if (client) await closeRedisClient(client);
      }
    },
  };
}
