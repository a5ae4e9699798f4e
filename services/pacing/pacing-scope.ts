import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The keys a job has already been admitted on. The worker runs each job in its own scope: the first call of
 * the job on a key is an admission (strict: a whole ticket's worth of tokens must be there), later calls
 * borrow ahead and wait in-process. Outside a scope (link-event notes, scripts) every call borrows.
 */
const scope = new AsyncLocalStorage<Set<string>>();

export function runInPacingScope<T>(fn: () => Promise<T>): Promise<T> {
  return scope.run(new Set<string>(), fn);
}

/** 'admit' for the first call on `key` in the current job, 'reserve' otherwise. */
export function modeFor(key: string): 'admit' | 'reserve' {
  const admitted = scope.getStore();
  return admitted && !admitted.has(key) ? 'admit' : 'reserve';
}

export function markAdmitted(key: string): void {
  scope.getStore()?.add(key);
}
