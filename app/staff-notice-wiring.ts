import type { Router } from 'express';
import { createGraphMailSender } from '../integrations/graph/graph-mail-sender.js';
import type { DirectoryFactory, DisavowOutcome, PsaAdapter, PsaKind } from '../services/domain/ports.js';
import type { RedisClient } from '../services/redis/redis-client.js';
import { createDisavowRouter } from '../services/staff-notice/disavow-routes.js';
import { createDisavowStore } from '../services/staff-notice/disavow-store.js';
import { createStaffNotices, type StaffNotices } from '../workers/staff-notice-worker.js';
import { linkRouterBasics } from './link-wiring.js';
import { oneTimeLinkStoreBasics, queueErrorListeners } from './redis-wiring.js';
import { sharedWorkerSettings, watchQueueMetrics, type WiringBase } from './wiring-base.js';
import { QUEUE_NAMES } from '../services/redis/redis-keys.js';

/**
 * The composition of "Telling the staff member": the `/n` store and pages, the `staff-notices` queue and,
 * where the worker runs, its handlers (Graph for the customers' tenants, sendMail from the MSP's mailbox when
 * notices are on). Kept apart from the root so that the feature is wired in one place.
 */
export interface StaffNoticeWiring {
  staffNotices: StaffNotices;
  /** The `/n` router (for an API process). */
  disavowRouter(): Router;
}

export function wireStaffNotices(
  base: WiringBase,
  input: {
    /** The worker's connection (undefined in an API-only process). */
    workerConnection: RedisClient | undefined;
    psa: (kind: PsaKind) => PsaAdapter;
    /** The customers' tenants; undefined where no worker runs. */
    directories: DirectoryFactory | undefined;
    onDisavowed?: (outcome: DisavowOutcome) => void;
  },
): StaffNoticeWiring {
  const { plan, logger, redis } = base;
  const { directories } = input;
  const store = createDisavowStore({
    ...oneTimeLinkStoreBasics(plan, redis),
    ttlHours: plan.notify?.disavowLinkTtlHours ?? 72,
  });
  const staffNotices = createStaffNotices({
    ...sharedWorkerSettings(plan, queueErrorListeners(redis.outage, logger, 'staff-notices')),
    connection: input.workerConnection ?? redis.fast,
    fastRedis: redis.fast,
    prefix: redis.prefix,
    logger,
    handlers: directories && {
      notice: {
        psa: input.psa,
        directories,
        mailer: plan.notify
          ? createGraphMailSender(
              plan.graph,
              { tenantId: plan.notify.tenantId, senderMailbox: plan.notify.senderMailbox },
              logger.child({ integration: 'graph-mail' }),
            )
          : undefined,
        links: store,
        mspName: plan.links.mspName,
      },
      disavow: { psa: input.psa, directories, customers: plan.customers },
    },
    onDisavowed: input.onDisavowed,
  });
  watchQueueMetrics(base.metrics, QUEUE_NAMES.staffNotices, staffNotices);
  return {
    staffNotices,
    disavowRouter: () =>
      createDisavowRouter({
        ...linkRouterBasics(base),
        store,
        onDisavow: (report) => staffNotices.reportDisavow(report),
      }),
  };
}
