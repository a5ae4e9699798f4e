import { UnrecoverableError, type Job } from 'bullmq';
import type { OutcomeEvent, OutcomeEvents } from '../services/domain/ports.js';
import {
  describeEndpoint,
  EventPostError,
  postEvent,
  type EventEndpoint,
} from '../services/events/event-sender.js';
import type { Logger } from '../services/logging/logger.js';
import type { RedisClient } from '../services/redis/redis-client.js';
import { eventDeliveryJobId, QUEUE_NAMES } from '../services/redis/redis-keys.js';
import { failedForGood, keptJobOptions } from './job-runner.js';
import { openSideQueue, sideWorkerOptions, type SideQueue, type SideQueueOptions } from './side-queue.js';
import { errorMessage } from '../services/domain/errors.js';

/** How long a posted event's job is kept: an event published again within it is recognised as a repeat. */
const RETENTION_SECONDS = 7 * 86400;
/** Longest wait for an endpoint's answer. */
const POST_TIMEOUT_MS = 10_000;

/**
 * One event for one endpoint. The event holds no secret (see OutcomeEvent); the endpoint is named by its
 * id only, since its URL may be the secret (a Teams or Slack webhook).
 */
export interface EventDeliveryJobData {
  event: OutcomeEvent;
  endpoint: string;
}

/** Publishing goes through `fastRedis`, so it never waits on a Redis outage. */
export interface EventDeliveryOptions extends SideQueueOptions {
  /** A dedicated connection for the worker (`maxRetriesPerRequest: null`); no worker without it. */
  connection?: RedisClient;
  endpoints: readonly EventEndpoint[];
  /** Posts per event and endpoint before the event is logged and dropped (config `events.attempts`). */
  attempts: number;
  /** Replaces `fetch` (tests). */
  fetch?: typeof fetch;
}

export interface EventDelivery extends SideQueue<EventDeliveryJobData, { code: 'delivered' }> {
  /** The `OutcomeEvents` port: queues an event for every endpoint that takes its type. */
  events: OutcomeEvents;
}

/**
 * Events out through a BullMQ queue (`event-deliveries`): `publish` adds one job per endpoint that takes
 * the event's type, with an id made of the event id and the endpoint's, so publishing a fact again adds
 * nothing. The worker posts each job in the endpoint's format (signed for `standard`); any answer but 2xx
 * is retried with backoff (an endpoint's Retry-After honoured), so a receiver down for an hour or two still
 * gets every event; after the last attempt the event is logged and dropped for that endpoint.
 */
export function createEventDelivery(options: EventDeliveryOptions): EventDelivery {
  const { logger } = options;
  const log = logger.child({ component: 'events' });
  const byId = new Map(options.endpoints.map((e) => [e.id, e]));
  const jobOptions = keptJobOptions(options.attempts, RETENTION_SECONDS);

  const side = openSideQueue<EventDeliveryJobData, { code: 'delivered' }>(
    QUEUE_NAMES.eventDeliveries,
    options.fastRedis,
    { ...options, log, logName: 'event' },
    options.connection && { processor: deliver, options: sideWorkerOptions(options.connection, options) },
  );
  const { queue, worker } = side;

  const events: OutcomeEvents = {
    async publish(event) {
      const to = options.endpoints.filter((e) => e.types.includes(event.type));
      if (to.length === 0) return;
      try {
        await queue.addBulk(
          to.map((endpoint) => ({
            name: event.type,
            data: { event, endpoint: endpoint.id },
            opts: { ...jobOptions, jobId: eventDeliveryJobId(event.id, endpoint.id) },
          })),
        );
      } catch (err) {
        log.error(
          {
            event: 'events.publish-failed',
            type: event.type,
            eventId: event.id,
            ticketId: event.ticketId,
            err: { message: errorMessage(err) },
          },
          'could not queue an outcome event; it is dropped',
        );
      }
    },
  };

  async function deliver(job: Job<EventDeliveryJobData>): Promise<{ code: 'delivered' }> {
    const endpoint = byId.get(job.data.endpoint);
    if (!endpoint) {
      throw new UnrecoverableError(`endpoint ${job.data.endpoint} is no longer configured`);
    }
    const { status } = await postEvent(endpoint, job.data.event, {
      timeoutMs: POST_TIMEOUT_MS,
      fetch: options.fetch,
    });
    jobLogger(job).info(
      { event: 'events.delivered', status, ...describeEndpoint(endpoint) },
      'outcome event delivered',
    );
    return { code: 'delivered' };
  }

  worker?.on('failed', (job, err) => {
    if (!job) return;
    const endpoint = byId.get(job.data.endpoint);
    const where = endpoint ? describeEndpoint(endpoint) : { endpoint: job.data.endpoint };
    const status = err instanceof EventPostError ? err.status : undefined;
    if (failedForGood(job, err)) {
      jobLogger(job).error(
        { event: 'events.dropped', status, ...where, err: { message: err.message } },
        'gave up posting an outcome event to an endpoint; it is dropped',
      );
    } else {
      jobLogger(job).warn(
        { event: 'events.retry', status, ...where, err: { message: err.message } },
        'outcome event not taken; will retry',
      );
    }
  });

  function jobLogger(job: Job<EventDeliveryJobData>): Logger {
    return log.child({
      type: job.data.event.type,
      eventId: job.data.event.id,
      ticketId: job.data.event.ticketId,
      attempt: job.attemptsMade + 1,
    });
  }

  return { ...side, events };
}
