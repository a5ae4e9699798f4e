/**
 * Names of what the service keeps in Redis under its key prefix (`redis.keyPrefix`), for the parts that
 * name their own. A BullMQ queue keeps every key under `<prefix>:<queue name>:`, so on Cluster the
 * hash-tagged prefix puts a queue and its jobs in one slot.
 */

/** The queue of outcome-event posts: one job per event and endpoint (workers/event-delivery-worker.ts). */
export const EVENT_DELIVERY_QUEUE_NAME = 'event-deliveries';

/**
 * The job of one event for one endpoint: the same event published again maps to the same job, which BullMQ
 * ignores while the first is kept. No `:` (BullMQ refuses it in job ids).
 */
export function eventDeliveryJobId(eventId: string, endpointId: string): string {
  return `${eventId}-${endpointId}`;
}
