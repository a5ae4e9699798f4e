import { AsyncLocalStorage } from 'node:async_hooks';
import type { DirectoryFactory, PsaAdapter } from '../services/domain/ports.js';
import { aroundEachMethod } from '../services/domain/port-decorator.js';

/**
 * The fence of the reset run being worked: resolves while the run still holds its job, throws
 * `LockLostError` once another run has taken the job over.
 */
export type RunFence = () => Promise<void>;

const currentFence = new AsyncLocalStorage<RunFence>();

/**
 * Runs one reset run behind its fence: every call the run makes through fenced ports first checks that the
 * run still holds its job. Between the run's last journal step and its next outside call it may wait (on
 * pacing, on Redis coming back, frozen); a run that lost its ticket in that time stops there instead of
 * changing the account or writing the ticket a second time.
 */
export function runFenced<T>(fence: RunFence, work: () => Promise<T>): Promise<T> {
  return currentFence.run(fence, work);
}

/**
 * A port whose every method checks the current run's fence before it calls through. Outside a fenced run
 * (the watch, link events, the console) it calls straight through. Put it inside pacing, so that the check
 * comes after any pacing wait, right before the request.
 */
function fenced<T extends object>(target: T): T {
  return aroundEachMethod(target, (call) => async (...args) => {
    await currentFence.getStore()?.();
    return call(...args);
  });
}

/** Graph, fenced per tenant (see `runFenced`). */
export function fencedDirectories(inner: DirectoryFactory): DirectoryFactory {
  return { forTenant: (tenantId) => fenced(inner.forTenant(tenantId)) };
}

/** A PSA adapter, fenced (see `runFenced`). */
export function fencedPsaAdapter(inner: PsaAdapter): PsaAdapter {
  return fenced(inner);
}
