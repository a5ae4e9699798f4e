import type { Express } from 'express';
import type { Worker } from 'bullmq';
import type { AppConfig } from '../config/load-config.js';
import { createGraphDirectoryFactory } from '../integrations/graph/graph-directory.js';
import { ResetQueue } from '../workers/reset-queue.js';
import { startResetWorker } from '../workers/reset-worker.js';
import { createLinkEventReporting } from '../workers/link-events-worker.js';
import type { DirectoryFactory, PsaAdapter, PsaKind } from './domain/ports.js';
import { ResetUseCase } from './domain/reset-use-case.js';
import { buildApp } from './http/app.js';
import type { Logger } from './logging/logger.js';
import type { Metrics } from './metrics/metrics.js';
import {
  createServicePacer,
  graphPacingKey,
  pacedDirectoryFactory,
  pacedPsaAdapter,
  type PacingOptions,
} from './pacing/index.js';
import { createPsaRegistry } from './psa-registry.js';
import { createRedisSecureLinkStore } from './secure-link/secure-link-store.js';
import { createSecureLinkRouter } from './secure-link/secure-link-routes.js';
import { createTokenSealer } from './secure-link/token-sealer.js';
import { createConfirmationGate } from './confirmation/confirmation-gate.js';
import { createConfirmationRouter } from './confirmation/confirmation-routes.js';
import { createConfirmationStore } from './confirmation/confirmation-store.js';
import { createRedisRequestRateLimiter } from './policy/request-rate-limiter.js';
import { createRedisTicketLedger } from './policy/ticket-ledger.js';
import type { RedisClient } from './redis/redis-client.js';
import { closeRedisClient, createRedisClient } from './redis/redis-connections.js';
import { replicatedWrites } from './redis/replicated-writes.js';

export interface Resetdesk {
  app?: Express;
  worker?: Worker;
  queue: ResetQueue;
  /** Stops taking work, lets running jobs finish (up to timeoutMs), closes Redis. */
  close(timeoutMs?: number): Promise<void>;
}

export interface ResetdeskOverrides {
  /** Replaces the Graph adapter (tests that need a directory double). */
  directories?: DirectoryFactory;
  newPassword?: () => string;
  /** Paces PSA and Graph calls through Redis token buckets (services/pacing) when given and enabled. */
  pacing?: PacingOptions;
  /** Prometheus metrics (services/metrics): GET /metrics, webhook/job/outside-call figures. */
  metrics?: Metrics;
}

/** The composition root: builds every adapter from configuration and wires them to the use case. */
export function createResetdesk(
  config: AppConfig,
  logger: Logger,
  overrides: ResetdeskOverrides = {},
): Resetdesk {
  const runApi = config.role === 'all' || config.role === 'api';
  const runWorker = config.role === 'all' || config.role === 'worker';
  const prefix = config.redis.keyPrefix;

  const topology = config.redis.topology;
  // Fail fast when Redis is down: a webhook gets 503, a link store failure hands the ticket off.
  const fastRedis = createRedisClient(topology, 'intake', logger);
  const queue = new ResetQueue({
    connection: fastRedis,
    replicated: replicatedWrites(fastRedis, config.redis.waitReplicas),
    prefix,
    attempts: config.worker.attempts,
    retentionDays: config.worker.jobRetentionDays,
  });
  queue.queue.on('error', (err) => logger.warn({ err: { message: err.message } }, 'queue error'));
  const { adapters, receivers } = createPsaRegistry(config, logger);
  const pacing = overrides.pacing?.enabled
    ? {
        pacer: createServicePacer(fastRedis, prefix, overrides.pacing),
        options: overrides.pacing,
        observer: overrides.metrics,
      }
    : undefined;
  if (pacing) for (const [kind, adapter] of adapters) adapters.set(kind, pacedPsaAdapter(adapter, pacing));
  overrides.metrics?.watchQueue('resets', queue.queue);
  const psaFor = (kind: PsaKind): PsaAdapter => {
    const adapter = adapters.get(kind);
    if (!adapter) throw new Error(`no adapter configured for PSA ${kind}`);
    return adapter;
  };

  // Reveals and unviewed expiries go back to the ticket through their own queue, so a PSA outage delays
  // the notes but does not lose them.
  const linkEventsRedis = runWorker ? createRedisClient(topology, 'link-events', logger) : undefined;
  const linkEvents = createLinkEventReporting({
    connection: linkEventsRedis ?? fastRedis,
    fastRedis,
    prefix,
    psa: psaFor,
    logger,
    attempts: config.worker.attempts,
    backoffMs: config.worker.backoffMs,
    concurrency: config.worker.concurrency,
    startWorker: runWorker,
  });
  const links = linkEvents.wrapStore(
    createRedisSecureLinkStore({
      redis: fastRedis,
      keyPrefix: `${prefix}:`,
      serverKey: config.secureLink.serverKey,
      publicBaseUrl: config.server.publicBaseUrl,
      logger,
    }),
  );

  // Email requests wait for the manager's answer on a one-time confirmation link (/c/<token>).
  const confirmationStore = createConfirmationStore({
    redis: fastRedis,
    keyPrefix: `${prefix}:`,
    serverKey: config.secureLink.serverKey,
    publicBaseUrl: config.server.publicBaseUrl,
  });
  const confirmations = createConfirmationGate({
    redis: fastRedis,
    prefix,
    links: { create: (input) => confirmationStore.create(input) },
    followUp: async (psa, ticketId, reason, delayMs) => {
      await queue.enqueueFollowUp(psa, ticketId, reason, delayMs);
    },
  });

  let app: Express | undefined;
  if (runApi) {
    app = buildApp({
      logger,
      redis: fastRedis,
      queue,
      receivers,
      secureLinkRouter: createSecureLinkRouter({
        store: links,
        mspName: config.secureLink.mspName,
        logger,
        onRevealed: linkEvents.onRevealed,
        redis: fastRedis,
        keyPrefix: `${prefix}:`,
        limits: {
          failedLookups: config.secureLink.failedLookupsPerWindow,
          windowSeconds: config.secureLink.failedLookupWindowSeconds,
        },
      }),
      confirmationRouter: createConfirmationRouter({
        store: confirmationStore,
        mspName: config.secureLink.mspName,
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
        keyPrefix: `${prefix}:`,
        limits: {
          failedLookups: config.secureLink.failedLookupsPerWindow,
          windowSeconds: config.secureLink.failedLookupWindowSeconds,
        },
      }),
      bodyLimitBytes: config.server.bodyLimitBytes,
      trustProxy: config.server.trustProxy,
      metrics: overrides.metrics,
      pacingKeyOf: pacing
        ? (psa, customerHint) => {
            const tenantId = config.customerDirectory.find(psa, customerHint)?.tenantId;
            return tenantId === undefined ? undefined : graphPacingKey(tenantId);
          }
        : undefined,
    });
  }

  let worker: Worker | undefined;
  let workerRedis: RedisClient | undefined;
  if (runWorker) {
    workerRedis = createRedisClient(topology, 'worker', logger);
    const directories =
      overrides.directories ??
      createGraphDirectoryFactory(
        {
          baseUrl: config.graph.baseUrl,
          authorityHost: config.graph.authorityHost,
          clientId: config.graph.clientId,
          clientSecret: config.graph.clientSecret,
          certificatePath: config.graph.certificatePath,
          timeoutMs: config.graph.timeoutMs,
          disableInstanceDiscovery: config.graph.disableInstanceDiscovery,
        },
        logger.child({ integration: 'graph' }),
      );
    const useCase = new ResetUseCase({
      psa: psaFor,
      directories: pacing ? pacedDirectoryFactory(directories, pacing) : directories,
      links,
      sealer: createTokenSealer(config.secureLink.serverKey),
      customers: config.customerDirectory,
      ledger: createRedisTicketLedger(workerRedis, prefix),
      rateLimiter: createRedisRequestRateLimiter(workerRedis, prefix),
      confirmations,
      settings: {
        retryStatusIds: {
          halopsa: config.halopsa.retryStatusId?.toString(),
          connectwise: config.connectwise.retryStatusId?.toString(),
          autotask: config.autotask.retryStatusId?.toString(),
        },
        mspName: config.secureLink.mspName,
        linkTtlHours: config.secureLink.ttlHours,
        linkMaxViews: config.secureLink.maxViews,
        revokeSessions: config.graph.revokeSessions,
      },
      newPassword: overrides.newPassword,
    });
    worker = startResetWorker({
      connection: workerRedis,
      replicated: replicatedWrites(workerRedis, config.redis.waitReplicas),
      prefix,
      useCase,
      logger,
      concurrency: config.worker.concurrency,
      backoffMs: config.worker.backoffMs,
      pacing,
    });
    overrides.metrics?.watchWorker(worker);
  }

  return {
    app,
    worker,
    queue,
    async close(timeoutMs = config.server.shutdownTimeoutMs) {
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
      if (worker) await Promise.race([worker.close(), deadline]);
      await Promise.race([queue.close().catch(() => undefined), deadline]);
      await Promise.race([linkEvents.close().catch(() => undefined), deadline]);
      for (const client of [fastRedis, workerRedis, linkEventsRedis]) {
        if (client) await closeRedisClient(client);
      }
    },
  };
}
