export { PacingDelay, isPacingDelay } from './pacing-delay.js';
export { DEFAULT_PACING, pacingOptions, type BucketLimit, type PacingOptions } from './pacing-options.js';
export { createRedisPacer, Reservation, type Pacer } from './token-bucket.js';
export { runInPacingScope } from './pacing-scope.js';
export {
  pacedDirectoryFactory,
  pacedPsaAdapter,
  admitParkedJob,
  graphPacingKey,
  type PacingObserver,
  type PacingDeps,
} from './paced-ports.js';

import type { RedisClient } from '../redis/redis-client.js';
import type { PacingOptions } from './pacing-options.js';
import { createRedisPacer, type Pacer } from './token-bucket.js';
import type { PsaKind } from '../domain/ports.js';

/** The Redis pacer for a service: `graph:*` keys use the Graph limit, `psa:<kind>` the PSA's. */
export function createServicePacer(redis: RedisClient, keyPrefix: string, options: PacingOptions): Pacer {
  return createRedisPacer({
    redis,
    keyPrefix,
    maxInlineWaitMs: options.maxInlineWaitMs,
    limitFor: (key) =>
      key.startsWith('psa:') ? (options.psa[key.slice(4) as PsaKind] ?? options.graph) : options.graph,
  });
}
