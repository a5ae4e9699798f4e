/**
 * Names of the Redis keys and BullMQ queues of the one-time links' records and the staff notices, in one place: every key lives under the
 * configured prefix (`redis.keyPrefix`), so that one Redis can serve several deployments and a test can
 * clear exactly its own keys. `keyPrefix` here is the prefix with its trailing colon (`resetdesk:`).
 */
export const redisKeys = {
  /** An email request's confirmation link: `<keyPrefix>confirm:<ref>`. */
  confirmationLink: (keyPrefix: string, ref: string) => `${keyPrefix}confirm:${ref}`,
  /** A "this wasn't me" link's record: `<keyPrefix>disavow:<ref>` (ref: sha256 of the token, never the token). */
  disavowLink: (keyPrefix: string, ref: string) => `${keyPrefix}disavow:${ref}`,
  /** The failed-lookup counters of the `/n` pages, one per client address (see guess-limiter.ts). */
  disavowGuessName: 'disavow-guess',
} as const;

/** BullMQ queue of the notices to staff members and of their "this wasn't me" reports. */
export const STAFF_NOTICES_QUEUE_NAME = 'staff-notices';
