/**
 * Every Redis key the service writes, named in one place (as BullMQ's `QueueKeys` names a queue's), so that no
 * module reads another's keys by convention and a reader of a Redis dump can tell what each key is. Every key
 * starts with the deployment's prefix (`redis.keyPrefix`, e.g. `resetdesk`; on Cluster it carries a hash tag
 * so that all keys share a slot). No key name holds a secret: links and confirmations are named by a hash.
 *
 * | key                                             | what it holds                                          |
 * | ----------------------------------------------- | ------------------------------------------------------ |
 * | `<p>:<queue>:…`                                 | BullMQ's own keys of each queue in `QUEUE_NAMES`       |
 * | `<p>:ledger:<psa>:<ticket>`                     | the once-only record of a ticket that ended            |
 * | `<p>:budget:<requester│customer>:<id>:<window>` | requests counted per requester and customer            |
 * | `<p>:budget:ticket:<psa>:<ticket>`              | a ticket whose request was counted once                |
 * | `<p>:open-jobs`, `<p>:changing-jobs`            | tickets accepted, and those whose account was touched  |
 * | `<p>:sweep-lock`                                | the one sweeper of vanished jobs                       |
 * | `<p>:metrics:queue-depth-reporter`              | the one process reporting queue depth                  |
 * | `<p>:pace:{<bucket>}…`                          | pacing token buckets (services/pacing/token-bucket.ts) |
 * | `<p>:link:<hash>`, `<p>:link-meta:<hash>`       | a secure link's ciphertext and its reporting record    |
 * | `<p>:confirm:<hash>`                            | an email request's confirmation question               |
 * | `<p>:confirm:<psa>:<ticket>`                    | which question a ticket waits on                       |
 * | `<p>:disavow:<hash>`                            | a "this wasn't me" link's record (ticket, account)     |
 * | `<p>:<limiter>:<address>`                       | failed one-time link lookups per address               |
 * | `<p>:console:audit`                             | the operator console's audit trail (a capped list)     |
 */

/** The BullMQ queues. */
export const QUEUE_NAMES = {
  resets: 'resets',
  linkEvents: 'link-events',
  aftercare: 'aftercare',
  /** Outcome-event posts: one job per event and endpoint (workers/event-delivery-worker.ts). */
  eventDeliveries: 'event-deliveries',
  /** Notices to staff members and their "this wasn't me" reports (workers/staff-notice-worker.ts). */
  staffNotices: 'staff-notices',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/**
 * The job of one event for one endpoint: the same event published again maps to the same job, which BullMQ
 * ignores while the first is kept. No `:` (BullMQ refuses it in job ids).
 */
export function eventDeliveryJobId(eventId: string, endpointId: string): string {
  return `${eventId}-${endpointId}`;
}

/** The deployment-wide keys under `prefix` (the configured `redis.keyPrefix`, without a trailing colon). */
export function redisKeys(prefix: string) {
  return {
    /** What stores that name their own records by hash are given: `<prefix>:`. */
    storePrefix: `${prefix}:`,
    /** BullMQ's hash of one job. */
    job: (queue: QueueName, jobId: string) => `${prefix}:${queue}:${jobId}`,
    /** BullMQ's lock of one job while a worker runs it: the token of the run that holds it. */
    jobLock: (queue: QueueName, jobId: string) => `${prefix}:${queue}:${jobId}:lock`,
    ledger: (psa: string, ticketId: string) => `${prefix}:ledger:${psa}:${ticketId}`,
    budgetWindow: (kind: 'requester' | 'customer', id: string, window: number) =>
      `${prefix}:budget:${kind}:${id}:${window}`,
    budgetTicket: (ticketRef: string) => `${prefix}:budget:ticket:${ticketRef}`,
    openJobs: `${prefix}:open-jobs`,
    changingJobs: `${prefix}:changing-jobs`,
    sweepLock: `${prefix}:sweep-lock`,
    queueDepthLease: `${prefix}:metrics:queue-depth-reporter`,
    /** The confirmation question a ticket waits on (services/confirmation/confirmation-gate.ts). */
    ticketConfirmation: (psa: string, ticketId: string) => `${prefix}:confirm:${psa}:${ticketId}`,
    /** Where every ledger record's key starts, and its SCAN pattern (the console's hand-offs page). */
    ledgerStart: `${prefix}:ledger:`,
    ledgerPattern: `${escapeGlob(prefix)}:ledger:*`,
    /** The operator console's audit trail: a list, newest first, trimmed to its limit. */
    consoleAudit: `${prefix}:console:audit`,
    /** A pacing bucket's keys all start here; the braces keep them in one Cluster slot. */
    paceBucket: (bucket: string) => `${prefix}:pace:{${bucket}}`,
  };
}

/** Keys under a store's own prefix (`storePrefix` above, or a test's). */
export const storeKeys = {
  link: (storePrefix: string, idHash: string) => `${storePrefix}link:${idHash}`,
  linkMeta: (storePrefix: string, ref: string) => `${storePrefix}link-meta:${ref}`,
  confirmation: (storePrefix: string, ref: string) => `${storePrefix}confirm:${ref}`,
  /** SCAN patterns of every link and every confirmation record under a store's prefix. */
  linkPattern: (storePrefix: string) => `${escapeGlob(storePrefix)}link:*`,
  confirmationPattern: (storePrefix: string) => `${escapeGlob(storePrefix)}confirm:*`,
  /** A "this wasn't me" link's record, named by the hash of its token. */
  disavow: (storePrefix: string, ref: string) => `${storePrefix}disavow:${ref}`,
  /** The name of the `/n` pages' failed-lookup limiter (see `guessLimiter`). */
  disavowGuessName: 'disavow-guess',
  /** The key prefix the failed-lookup limiter adds each address to. */
  guessLimiter: (storePrefix: string, name: string) => `${storePrefix}${name}`,
};

/** Glob characters escaped, so a key prefix is matched literally by SCAN MATCH. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
