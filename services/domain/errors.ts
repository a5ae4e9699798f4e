/**
 * Errors that say what the worker should do with them. Adapters translate their wire errors into these at
 * their edge; the use case and the worker only ever look at these classes (or at `name`, which survives
 * serialisation across process boundaries).
 *
 * Messages never contain a secret: they are written to logs, to BullMQ's `failedReason` and to ticket notes.
 */

/**
 * The base of the service's own errors. `name` is the class's name, given explicitly (it is what survives
 * serialisation, where the class does not); the prototype is set again so `instanceof` holds for subclasses.
 */
export abstract class NamedError extends Error {
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * Worth retrying later: 429, 5xx, timeouts, connection errors. `retryAfterMs` comes from Retry-After.
 * `unprocessed`: the outside system answered that it did not carry the request out (throttled, unavailable),
 * so a change it asked for certainly did not happen; without it, a change may have happened before the
 * answer was lost.
 */
export class TransientError extends NamedError {
  readonly unprocessed: boolean;

  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown; unprocessed?: boolean },
  ) {
    super('TransientError', message, options);
    this.unprocessed = options?.unprocessed === true;
  }
}

export type DirectoryErrorReason =
  | 'insufficient-privileges'
  | 'synced-object'
  | 'password-rejected'
  | 'not-found'
  | 'bad-request'
  | 'auth-failed'
  /** A Temporary Access Pass refused by the tenant's policy: the method is off or the user is not in its scope. */
  | 'tap-not-allowed'
  /** The operation is not possible for an external guest user (a Temporary Access Pass, for one). */
  | 'guest-user';

/** A permanent error that carries its reason (see `errorWithReason`). */
abstract class ReasonedError extends NamedError {
  abstract readonly reason: string;
}

/** The base of a permanent error that carries its reason (a code the use case decides on) next to its message. */
function errorWithReason<R extends string>(name: string) {
  return class extends ReasonedError {
    constructor(
      readonly reason: R,
      message: string,
      options?: { cause?: unknown },
    ) {
      super(name, message, options);
    }
  };
}

/** A permanent answer from the customer's tenant. Retrying the same call will not change it. */
export class DirectoryError extends errorWithReason<DirectoryErrorReason>('DirectoryError') {}

export type NotificationErrorReason =
  /** The app may not send as the sender mailbox: Mail.Send, RBAC for Applications or an access policy. */
  | 'not-permitted'
  /** The sender mailbox does not exist or has no Exchange Online mailbox. */
  | 'sender-not-found'
  /** The mail service refused the message itself (a recipient, the subject, the size). */
  | 'rejected'
  /** The app could not get a token for the MSP's own tenant. */
  | 'auth-failed';

/** A permanent answer from the mail service of the MSP's own tenant. Retrying the same message will not change it. */
export class NotificationError extends errorWithReason<NotificationErrorReason>('NotificationError') {}

/** A permanent answer from the PSA (bad configuration, refused write). */
export class PsaError extends NamedError {
  /** The HTTP status the PSA answered, when the refusal was an HTTP answer. */
  readonly status?: number;

  constructor(message: string, options?: { status?: number; cause?: unknown }) {
    super('PsaError', message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.status !== undefined) this.status = options.status;
  }
}

/**
 * The secure-link store refused to keep a secret (Redis answered no): fail closed, send no password. A store
 * that cannot be reached throws `TransientError` instead: an outage passes, a refusal is a decision.
 */
export class SecureLinkStoreError extends NamedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SecureLinkStoreError', message, options);
  }
}

export function isTransient(err: unknown): err is TransientError {
  return err instanceof TransientError || (err instanceof Error && err.name === 'TransientError');
}

/** The message of anything thrown, for logs, notes and wrapped errors (messages never hold a secret). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `errorMessage`, led by the error's reason when it has one (`not-permitted: …`), for notes an engineer reads. */
export function errorWithReasonMessage(err: unknown): string {
  return err instanceof ReasonedError ? `${err.reason}: ${err.message}` : errorMessage(err);
}
