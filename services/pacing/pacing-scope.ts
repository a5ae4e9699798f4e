import { AsyncLocalStorage } from 'node:async_hooks';
import type { Reservation } from './token-bucket.js';

/**
 * The reservations of the job being run, by pacing key. The worker runs each job in its own scope: the
 * job's first call on a key reserves a ticket's worth of tokens, its later calls spend them locally. When the
 * job stops (done, parked or failed) unspent tokens go back to their buckets. Outside a scope (link-event
 * notes, scripts) every call takes its own tokens.
 */
const scope = new AsyncLocalStorage<Map<string, Reservation>>();

export async function runInPacingScope<T>(fn: () => Promise<T>): Promise<T> {
  const reservations = new Map<string, Reservation>();
  try {
    return await scope.run(reservations, fn);
  } finally {
    await Promise.all([...reservations.values()].map((r) => r.release()));
  }
}

/** The current job's reservations, or undefined outside a job. */
export function jobReservations(): Map<string, Reservation> | undefined {
  return scope.getStore();
}
