import { isTransient } from '../domain/errors.js';
import type { Directory, DirectoryFactory, PsaAdapter } from '../domain/ports.js';
import { isPacingDelay, PacingDelay } from './pacing-delay.js';
import type { PacingOptions } from './pacing-options.js';
import { markAdmitted, modeFor } from './pacing-scope.js';
import type { Pacer } from './token-bucket.js';

/** What the decorators report (the metrics module implements it; every member is optional to call). */
export interface PacingObserver {
  /** One outside call finished: `result` is ok, error, or throttled (429 / Retry-After). */
  call(system: string, operation: string, seconds: number, result: 'ok' | 'error' | 'throttled'): void;
  /** A call was not made because its key was out of budget or paused. */
  delayed(system: string, reason: 'budget' | 'paused'): void;
}

export interface PacingDeps {
  pacer: Pacer;
  options: Pick<PacingOptions, 'costs' | 'defaultPauseMs' | 'maxPauseMs'>;
  observer?: PacingObserver;
}

const isThrottle = (err: unknown): err is Error & { retryAfterMs?: number } =>
  isTransient(err) && (err.retryAfterMs !== undefined || /\b429\b/.test(err.message));

/**
 * Wraps every function property of `target`: take a token of `key` first, time the call, and turn a 429 into
 * a pause of the key plus a `PacingDelay`. A Proxy, so methods added to the port later are paced too.
 */
function paced<T extends object>(target: T, key: string, system: string, deps: PacingDeps): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      let fn = wrapped.get(prop);
      if (!fn) {
        const method = value as (...args: unknown[]) => Promise<unknown>;
        fn = async (...args: unknown[]) => {
          try {
            await deps.pacer.take(key, deps.options.costs[prop] ?? 1, modeFor(key));
          } catch (err) {
            if (isPacingDelay(err)) deps.observer?.delayed(system, err.reason);
            throw err;
          }
          markAdmitted(key);
          const started = performance.now();
          try {
            const result = await method.apply(obj, args);
            deps.observer?.call(system, prop, (performance.now() - started) / 1000, 'ok');
            return result;
          } catch (err) {
            const seconds = (performance.now() - started) / 1000;
            if (!isThrottle(err)) {
              deps.observer?.call(system, prop, seconds, 'error');
              throw err;
            }
            deps.observer?.call(system, prop, seconds, 'throttled');
            const ms = Math.min(err.retryAfterMs ?? deps.options.defaultPauseMs, deps.options.maxPauseMs);
            await deps.pacer.pause(key, ms);
            deps.observer?.delayed(system, 'paused');
            throw new PacingDelay(key, ms, 'paused');
          }
        };
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}

/** Graph calls paced per customer tenant (`graph:<tenantId>`). */
export function pacedDirectoryFactory(inner: DirectoryFactory, deps: PacingDeps): DirectoryFactory {
  return {
    forTenant(tenantId: string): Directory {
      return paced(inner.forTenant(tenantId), `graph:${tenantId.toLowerCase()}`, 'graph', deps);
    },
  };
}

/** PSA calls paced per PSA (`psa:<kind>`). */
export function pacedPsaAdapter(inner: PsaAdapter, deps: PacingDeps): PsaAdapter {
  return paced(inner, `psa:${inner.kind}`, inner.kind, deps);
}
