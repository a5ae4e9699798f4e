import { NamedError } from '../domain/errors.js';

/**
 * Thrown by the pacing decorators instead of making an outside call: the bucket of `key` is empty, or the key
 * is paused by a 429's Retry-After. Not a failure: the worker moves the job to "delayed" for `delayMs`
 * without using an attempt, so the slot goes to another customer's ticket. The use case resumes from its
 * journal when the job runs again.
 */
export class PacingDelay extends NamedError {
  constructor(
    readonly key: string,
    readonly delayMs: number,
    readonly reason: 'budget' | 'paused',
  ) {
    super(
      'PacingDelay',
      `paced: ${key} ${reason === 'paused' ? 'is paused' : 'is out of budget'} for ${delayMs} ms`,
    );
  }
}

export function isPacingDelay(err: unknown): err is PacingDelay {
  return err instanceof PacingDelay || (err instanceof Error && err.name === 'PacingDelay');
}
