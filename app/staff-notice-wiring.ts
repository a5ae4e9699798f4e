import type { Router } from 'express';
import { createGraphMailSender } from '../integrations/graph/graph-mail-sender.js';
import type { DirectoryFactory, DisavowOutcome, PsaAdapter, PsaKind } from '../services/domain/ports.js';
import type { Logger } from '../services/logging/logger.js';
import type { RedisOutageLog } from '../services/logging/redis-outage-log.js';
import type { Metrics } from '../services/metrics/metrics.js';
import type { RedisClient } from '../services/redis/redis-client.js';
import { redisKeys, STAFF_NOTICES_QUEUE_NAME } from '../services/redis/redis-keys.js';
import { createDisavowRouter } from '../services/staff-notice/disavow-routes.js';
import { createDisavowStore } from '../services/staff-notice/disavow-store.js';
import { createStaffNotices, type StaffNotices } from '../workers/staff-notice-worker.js';
import { oneTimeLinkStoreBasics, queueErrorListeners } from './redis-wiring.js';
import type { WiringPlan } from './wiring-plan.js';

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

export function wireStaffNotices(input: {
  plan: WiringPlan;
  logger: Logger;
  fastRedis: RedisClient;
  /** The worker's connection (undefined in an API-only process). */
  workerConnection: RedisClient | undefined;
  prefix: string;
  psa: (kind: PsaKind) => PsaAdapter;
  /** The customers' tenants; undefined where no worker runs. */
  directories: DirectoryFactory | undefined;
  redisOutage: RedisOutageLog;
  onDisavowed?: (outcome: DisavowOutcome) => void;
  metrics?: Pick<Metrics, 'watchQueue' | 'watchWorker'>;
}): StaffNoticeWiring {
  const { plan, logger, fastRedis, prefix, directories, redisOutage } = input;
  const store = createDisavowStore({
    ...oneTimeLinkStoreBasics(plan, fastRedis, prefix),
    ttlHours: plan.notify?.disavowLinkTtlHours ?? 72,
  });
  const errors = queueErrorListeners(redisOutage, logger, 'staff-notices', 'staff-notices');
  const staffNotices = createStaffNotices({
    connection: input.workerConnection ?? fastRedis,
    fastRedis,
    prefix,
    logger,
    attempts: plan.queue.attempts,
    backoffMs: plan.worker.backoffMs,
    concurrency: plan.worker.concurrency,
    locks: plan.worker,
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
    reportError: (source, err) => errors[source](err),
  });
  input.metrics?.watchQueue(STAFF_NOTICES_QUEUE_NAME, staffNotices.queue);
  if (staffNotices.worker) input.metrics?.watchWorker(staffNotices.worker, STAFF_NOTICES_QUEUE_NAME);
  return {
    staffNotices,
    disavowRouter: () =>
      createDisavowRouter({
        store,
        mspName: plan.links.mspName,
        logger,
        onDisavow: (report) => staffNotices.reportDisavow(report),
        redis: fastRedis,
        keyPrefix: redisKeys(prefix).storePrefix,
        limits: {
          failedLookups: plan.links.failedLookups,
          windowSeconds: plan.links.failedLookupWindowSeconds,
        },
      }),
  };
}
