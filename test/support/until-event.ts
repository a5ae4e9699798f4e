import { once, type EventEmitter } from 'node:events';

/**
 * Waits until `check` holds, looking again each time `emitter` emits `event` (a post answered, a log line
 * written), never on a timer. Throws after `timeoutMs`, naming `what` it waited for.
 */
export async function untilEvent(
  emitter: EventEmitter,
  event: string,
  check: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    while (!check()) await once(emitter, event, { signal });
  } catch (err) {
    if (signal.aborted)
      throw new Error(`timed out waiting for ${what} after ${timeoutMs} ms`, { cause: err });
    throw err;
  }
}
