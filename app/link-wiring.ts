import type { Router } from 'express';
import { createConfirmationGate } from '../services/confirmation/confirmation-gate.js';
import { createConfirmationRouter } from '../services/confirmation/confirmation-routes.js';
import {
  createConfirmationStore,
  type ConfirmationStore,
} from '../services/confirmation/confirmation-store.js';
import type { OutcomeEvents, PsaAdapter, PsaKind, SecureLinkStore } from '../services/domain/ports.js';
import { redisKeys, QUEUE_NAMES } from '../services/redis/redis-keys.js';
import { createRedisSecureLinkStore } from '../services/secure-link/secure-link-store.js';
import { createSecureLinkRouter } from '../services/secure-link/secure-link-routes.js';
import type { RedisClient } from '../services/redis/redis-client.js';
import type { ResetQueue } from '../workers/reset-queue.js';
import { createLinkEventReporting, type LinkEventReporting } from '../workers/link-events-worker.js';
import { oneTimeLinkStoreBasics, queueErrorListeners } from './redis-wiring.js';
import { sharedWorkerSettings, watchQueueMetrics, type WiringBase } from './wiring-base.js';

/** What every one-time-link router (`/s`, `/c`, `/n`) is built with: the MSP's name, its log, the guess limiter. */
export function linkRouterBasics({ plan, logger, redis }: WiringBase) {
  return {
    mspName: plan.links.mspName,
    logger,
    redis: redis.fast,
    keyPrefix: redisKeys(redis.prefix).storePrefix,
    limits: {
      failedLookups: plan.links.failedLookups,
      windowSeconds: plan.links.failedLookupWindowSeconds,
    },
  };
}

/** The one-time links of the service: secure links (`/s`) and email-request confirmations (`/c`). */
export interface OneTimeLinks {
  /** The secure-link store, its reveals and expiries reported back to the ticket. */
  secureLinks: SecureLinkStore;
  linkEvents: LinkEventReporting;
  confirmationStore: ConfirmationStore;
  confirmations: ReturnType<typeof createConfirmationGate>;
  /** The `/s` and `/c` routers (for an API process). */
  routers(): { secureLinkRouter: Router; confirmationRouter: Router };
}

/**
 * Reveals and unviewed expiries go back to the ticket through their own queue, so a PSA outage delays the
 * notes but does not lose them. Email requests wait for the manager's answer on a confirmation link, whose
 * decision queues another run of the ticket's job.
 */
export function wireOneTimeLinks(
  base: WiringBase,
  input: {
    /** The link-events worker's connection (undefined in an API-only process). */
    workerConnection: RedisClient | undefined;
    psa: (kind: PsaKind) => PsaAdapter;
    queue: ResetQueue;
    events?: OutcomeEvents;
  },
): OneTimeLinks {
  const { plan, logger, redis } = base;
  const linkEvents = createLinkEventReporting({
    ...sharedWorkerSettings(plan, queueErrorListeners(redis.outage, logger, 'link-events')),
    connection: input.workerConnection ?? redis.fast,
    fastRedis: redis.fast,
    prefix: redis.prefix,
    psa: input.psa,
    logger,
    startWorker: plan.roles.worker,
    events: input.events,
  });
  watchQueueMetrics(base.metrics, QUEUE_NAMES.linkEvents, linkEvents);
  const secureLinks = linkEvents.wrapStore(
    createRedisSecureLinkStore({ ...oneTimeLinkStoreBasics(plan, redis), logger }),
  );
  const confirmationStore = createConfirmationStore(oneTimeLinkStoreBasics(plan, redis));
  const confirmations = createConfirmationGate({
    redis: redis.fast,
    prefix: redis.prefix,
    links: { create: (link) => confirmationStore.create(link) },
    followUp: async (psa, ticketId, reason, delayMs) => {
      await input.queue.enqueueFollowUp(psa, ticketId, reason, delayMs);
    },
  });
  return {
    secureLinks,
    linkEvents,
    confirmationStore,
    confirmations,
    routers: () => ({
      secureLinkRouter: createSecureLinkRouter({
        ...linkRouterBasics(base),
        store: secureLinks,
        onRevealed: linkEvents.onRevealed,
        onDestroyed: linkEvents.onDestroyed,
      }),
      confirmationRouter: createConfirmationRouter({
        ...linkRouterBasics(base),
        store: confirmationStore,
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
      }),
    }),
  };
}
