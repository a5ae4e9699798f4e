import type { Worker } from 'bullmq';
import type { DirectoryFactory, OutcomeEvents, PsaAdapter, PsaKind } from '../services/domain/ports.js';
import { ResetUseCase } from '../services/domain/reset/reset-use-case.js';
import { pacedDirectoryFactory, type PacingDeps } from '../services/pacing/paced-ports.js';
import { createRedisRequestRateLimiter } from '../services/policy/request-rate-limiter.js';
import { createRedisTicketLedger } from '../services/policy/ticket-ledger.js';
import { replicatedWrites } from '../services/redis/replicated-writes.js';
import { createTokenSealer } from '../services/secure-link/token-sealer.js';
import type { AftercareService } from '../workers/aftercare-worker.js';
import type { ResetQueue } from '../workers/reset-queue.js';
import { startResetWorker } from '../workers/reset-worker.js';
import { fencedDirectories } from '../workers/run-fence.js';
import type { StaffNotices } from '../workers/staff-notice-worker.js';
import { startTicketSweep } from '../workers/ticket-sweep.js';
import { wireAftercare } from './aftercare-wiring.js';
import type { OneTimeLinks } from './link-wiring.js';
import type { ReloadableCustomerDirectory } from './customer-reload.js';
import type { ResetdeskOverrides } from './resetdesk.js';
import type { WiringBase } from './wiring-base.js';

/** The reset worker of a worker process, with the sweep of lost tickets and the watch after a delivery. */
export interface ResetWork {
  worker: Worker;
  aftercare?: AftercareService;
  /** Stops the sweep of lost tickets (before the worker: the sweep queues work). */
  stopSweep(): Promise<void>;
}

/**
 * The use case on its worker: every port it needs (paced where pacing is on), the worker that runs it, and
 * the sweep that finds tickets whose job was lost. Runs on its own Redis connection.
 */
export function startResetWork(
  base: WiringBase,
  input: {
    queue: ResetQueue;
    psa: (kind: PsaKind) => PsaAdapter;
    directories: DirectoryFactory;
    pacing: PacingDeps | undefined;
    customers: ReloadableCustomerDirectory;
    links: Pick<OneTimeLinks, 'secureLinks' | 'confirmations'>;
    events?: OutcomeEvents;
    staffNotices: StaffNotices;
    overrides: Pick<ResetdeskOverrides, 'newPassword' | 'metrics'>;
  },
): ResetWork {
  const { plan, logger, redis } = base;
  const { queue, pacing } = input;
  const workerRedis = redis.open('worker');
  // Fenced inside pacing: a reset run that lost its job while it waited its turn changes nothing more.
  const fenced = fencedDirectories(input.directories);
  const directories = pacing ? pacedDirectoryFactory(fenced, pacing) : fenced;
  const aftercare = plan.watch
    ? wireAftercare(base, {
        watch: plan.watch,
        queueConnection: workerRedis,
        psa: input.psa,
        directories,
        events: input.events,
      })
    : undefined;
  const ledger = createRedisTicketLedger(workerRedis, redis.prefix);
  const useCase = new ResetUseCase({
    psa: input.psa,
    directories,
    links: input.links.secureLinks,
    sealer: createTokenSealer(plan.links.serverKey, plan.links.previousServerKeys),
    customers: input.customers,
    ledger,
    rateLimiter: createRedisRequestRateLimiter(workerRedis, redis.prefix),
    confirmations: input.links.confirmations,
    aftercare,
    events: input.events,
    staffNotices: plan.notify ? input.staffNotices.scheduler : undefined,
    settings: {
      retryStatusIds: plan.reset.retryStatusIds,
      mspName: plan.links.mspName,
      linkTtlHours: plan.links.ttlHours,
      linkMaxViews: plan.links.maxViews,
      revokeSessions: plan.reset.revokeSessions,
      earlierWriteSettleMs: plan.reset.earlierWriteSettleMs,
    },
    newPassword: input.overrides.newPassword,
  });
  const resetWorker = startResetWorker({
    connection: workerRedis,
    replicated: replicatedWrites(workerRedis, plan.redis.waitReplicas),
    prefix: redis.prefix,
    useCase,
    logger,
    concurrency: plan.worker.concurrency,
    backoffMs: plan.worker.backoffMs,
    lockDurationMs: plan.worker.lockDurationMs,
    stalledIntervalMs: plan.worker.stalledIntervalMs,
    maxStalledCount: plan.worker.maxStalledCount,
    pacing,
    reportError: redis.outage.errorListener('worker', (err) =>
      logger.error({ err: { message: err.message } }, 'worker error'),
    ),
  });
  const { worker } = resetWorker;
  input.overrides.metrics?.watchWorker(worker, 'resets');
  const sweep = startTicketSweep({
    redis: workerRedis,
    prefix: redis.prefix,
    queue,
    ledger,
    logger,
    intervalMs: plan.worker.sweepIntervalMs,
    recoverFailedJob: resetWorker.recoverFailedJob,
  });
  return {
    worker,
    aftercare,
    stopSweep: () => sweep.stop(),
  };
}
