import type { Logger } from '../../services/logging/logger.js';
import { capturedLogger } from '../support/captured-logs.js';

/** Small helpers the PSA adapter contract tests share. */

/**
 * The reason `promise` rejects with, so a test can assert on the error object itself (class, status, `cause`,
 * what `inspect` shows), which `rejects.toThrow` does not allow; a promise that resolves fails the test.
 */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

/** A debug-level logger whose lines are kept, parsed, for assertions on what was (and was not) logged. */
export function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const { logger, records } = capturedLogger();
  return { logger, lines: records };
}
