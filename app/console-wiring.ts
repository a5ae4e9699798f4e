import type { Router } from 'express';
import { Queue } from 'bullmq';
import type { ConfirmationStore } from '../services/confirmation/confirmation-store.js';
import { createConsoleAudit } from '../services/console/console-audit.js';
import { consoleRedirectUri, createConsoleRouter } from '../services/console/console-router.js';
import { createOidcSignIn } from '../services/console/console-sign-in.js';
import type { FailedJobs } from '../services/console/console-sources.js';
import { createHandOffReader } from '../services/policy/ticket-ledger.js';
import { redisKeys, QUEUE_NAMES } from '../services/redis/redis-keys.js';
import { createLiveLinkReader } from '../services/secure-link/live-link-reader.js';
import { watchList, type AftercareJobData } from '../workers/aftercare-worker.js';
import type { WiringBase } from './wiring-base.js';
import type { WiringPlan } from './wiring-plan.js';

export interface OperatorConsole {
  path: string;
  router: Router;
  close(): Promise<void>;
}

/**
 * The operator console on the API: Entra sign-in, the stores' read sides, the failed jobs' retry, and the
 * queues (bull-board, read-only). The watch's queue is read here too, when the watch is on, for its page.
 */
export function wireOperatorConsole(
  base: WiringBase,
  input: {
    console: NonNullable<WiringPlan['console']>;
    /** The queues bull-board shows; a new queue is one more entry. */
    queues: Queue[];
    confirmations: ConfirmationStore;
    failedJobs: FailedJobs;
  },
): OperatorConsole {
  const { plan, logger } = base;
  const { fast: fastRedis, prefix } = base.redis;
  const settings = input.console;
  const watchQueue = plan.watch
    ? new Queue<AftercareJobData>(QUEUE_NAMES.aftercare, { connection: fastRedis, prefix })
    : undefined;
  const router = createConsoleRouter({
    basePath: settings.path,
    publicBaseUrl: plan.links.publicBaseUrl,
    mspName: plan.links.mspName,
    serverKey: plan.links.serverKey,
    sessionHours: settings.sessionHours,
    allowedGroupId: settings.allowedGroupId,
    signIn: createOidcSignIn({
      issuer: settings.issuer,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      redirectUri: consoleRedirectUri(plan.links.publicBaseUrl, settings.path),
    }),
    sources: {
      confirmations: input.confirmations,
      links: createLiveLinkReader(fastRedis, redisKeys(prefix).storePrefix),
      handOffs: createHandOffReader(fastRedis, prefix),
      failedJobs: input.failedJobs,
      audit: createConsoleAudit({ redis: fastRedis, prefix, logger }),
      ...(watchQueue ? { watches: watchList(watchQueue) } : {}),
      queues: [...input.queues, ...(watchQueue ? [watchQueue] : [])],
    },
    logger,
  });
  return {
    path: settings.path,
    router,
    close: async () => {
      await watchQueue?.close();
    },
  };
}
