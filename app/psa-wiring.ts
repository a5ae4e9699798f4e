import { fencedPsaAdapter } from '../workers/run-fence.js';
import type { PsaAdapter, PsaKind } from '../services/domain/ports.js';
import type { WebhookReceiver } from '../services/intake/webhook-intake-route.js';
import type { Logger } from '../services/logging/logger.js';
import { createServicePacer, pacedPsaAdapter, type PacingDeps } from '../services/pacing/index.js';
import type { ServiceRedis } from './redis-wiring.js';
import type { ResetdeskOverrides } from './resetdesk.js';
import type { WiringPlan } from './wiring-plan.js';

/** The PSAs the plan enables: an adapter per PSA (paced when pacing is on) and their webhook receivers. */
export interface PsaWiring {
  psaFor(kind: PsaKind): PsaAdapter;
  receivers: WebhookReceiver[];
}

export function wirePsas(plan: WiringPlan, logger: Logger, pacing: PacingDeps | undefined): PsaWiring {
  const adapters = new Map<PsaKind, PsaAdapter>();
  const receivers: WebhookReceiver[] = [];
  for (const psa of plan.psas) {
    const built = psa.build(logger);
    // Fenced inside pacing: a reset run that lost its job while it waited its turn writes nothing more.
    const fenced = fencedPsaAdapter(built.adapter);
    adapters.set(psa.kind, pacing ? pacedPsaAdapter(fenced, pacing) : fenced);
    receivers.push(built.receiver);
  }
  return {
    psaFor(kind) {
      const adapter = adapters.get(kind);
      if (!adapter) throw new Error(`no adapter configured for PSA ${kind}`);
      return adapter;
    },
    receivers,
  };
}

/** Pacing of Graph and PSA calls (token buckets in Redis), from the plan unless a test replaces it; off unless enabled. */
export function wirePacing(
  plan: WiringPlan,
  redis: ServiceRedis,
  overrides: Pick<ResetdeskOverrides, 'pacing' | 'metrics'>,
): PacingDeps | undefined {
  const options = overrides.pacing ?? plan.pacing;
  if (!options?.enabled) return undefined;
  return {
    pacer: createServicePacer(redis.fast, redis.prefix, options),
    options,
    observer: overrides.metrics,
  };
}
