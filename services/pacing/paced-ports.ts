import { isTransient } from '../domain/errors.js';
import type { Directory, DirectoryFactory, PsaAdapter } from '../domain/ports.js';
import { aroundEachMethod } from '../domain/port-decorator.js';
import { isPacingDelay, PacingDelay } from './pacing-delay.js';
import type { PacingOptions } from './pacing-options.js';
import { jobReservations } from './pacing-scope.js';
import type { Pacer, Reservation } from './token-bucket.js';

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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The system a pacing key belongs to, as metrics name it: `graph` or the PSA kind. */
const systemOf = (key: string) => (key.startsWith('psa:') ? key.slice(4) : key.split(':')[0]!);

/** Counts a refusal (budget or pause) before it travels up to the worker. */
function counted<T>(deps: PacingDeps, key: string, step: Promise<T>): Promise<T> {
  return step.catch((err: unknown) => {
    if (isPacingDelay(err)) deps.observer?.delayed(systemOf(key), err.reason);
    throw err;
  });
}

/** The current job's reservation on `key`, made now (one Redis step) if the job has none yet. */
async function reservationFor(deps: PacingDeps, key: string): Promise<Reservation | undefined> {
  const reservations = jobReservations();
  if (!reservations) return undefined;
  let reservation = reservations.get(key);
  if (!reservation) {
    reservation = await counted(deps, key, deps.pacer.admit(key));
    reservations.set(key, reservation);
  }
  return reservation;
}

/**
 * Tokens for one call of `cost` on `key`. Inside a job the first call on a key reserves the ticket's tokens
 * and later calls spend them locally, each waiting for its turn at the key's rate; outside a job, or once the
 * reservation is spent, each call takes its own.
 */
async function tokensFor(deps: PacingDeps, key: string, cost: number): Promise<void> {
  const waitMs = (await reservationFor(deps, key))?.spend(cost);
  if (waitMs === undefined) await counted(deps, key, deps.pacer.take(key, cost));
  else if (waitMs > 0) await sleep(waitMs);
}

/**
 * Admits the current job on `key` before its use case runs: a job parked on a key comes back to this key
 * first, so a wake that cannot go on costs one Redis step and no PSA or Graph call. Must run inside the
 * job's pacing scope; the job's calls on that key then spend the reservation.
 */
export async function admitParkedJob(deps: PacingDeps, key: string): Promise<void> {
  await reservationFor(deps, key);
}

/**
 * Wraps every function property of `target`: take tokens of `key` first, time the call, and turn a 429 into
 * a pause of the key plus a `PacingDelay`; methods added to the port later are paced too (`aroundEachMethod`).
 */
function paced<T extends object>(target: T, key: string, system: string, deps: PacingDeps): T {
  const costs = deps.options.costs;
  return aroundEachMethod(target, (call, prop) => {
    const cost = costs[`${system}.${prop}`] ?? costs[prop] ?? 1;
    return async (...args) => {
      await tokensFor(deps, key, cost);
      const started = performance.now();
      try {
        const result = await call(...args);
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
  });
}

/** The pacing key of a customer tenant's Graph calls. */
export const graphPacingKey = (tenantId: string) => `graph:${tenantId.toLowerCase()}`;

/** Graph calls paced per customer tenant (`graph:<tenantId>`). */
export function pacedDirectoryFactory(inner: DirectoryFactory, deps: PacingDeps): DirectoryFactory {
  return {
    forTenant(tenantId: string): Directory {
      return paced(inner.forTenant(tenantId), graphPacingKey(tenantId), 'graph', deps);
    },
  };
}

/** PSA calls paced per PSA (`psa:<kind>`). */
export function pacedPsaAdapter(inner: PsaAdapter, deps: PacingDeps): PsaAdapter {
  return paced(inner, `psa:${inner.kind}`, inner.kind, deps);
}
