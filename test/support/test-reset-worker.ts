import type { Redis } from 'ioredis';
import type { ResetUseCase } from '../../services/domain/reset/reset-use-case.js';
import { createLogger } from '../../services/logging/logger.js';
import { startResetWorker, type ResetWorker } from '../../workers/reset-worker.js';

/**
 * The reset worker on a test's Redis space, one job at a time, driving a stand-in for the use case (only the
 * methods the test expects to run). A long lock unless the test needs another.
 */
export function startTestResetWorker(
  space: { redis: Redis; prefix: string },
  useCase: Partial<Pick<ResetUseCase, 'handle' | 'handOffAfterFailure'>>,
  lockDurationMs = 30_000,
): ResetWorker {
  return startResetWorker({
    connection: space.redis.duplicate({ maxRetriesPerRequest: null }),
    prefix: space.prefix,
    useCase: useCase as ResetUseCase,
    logger: createLogger({ level: 'silent' }),
    concurrency: 1,
    backoffMs: 100,
    lockDurationMs,
    stalledIntervalMs: lockDurationMs,
    maxStalledCount: 1,
  });
}
