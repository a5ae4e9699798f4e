import type { Job } from 'bullmq';
import type { RedisClient } from '../services/redis/redis-client.js';
import { SecureLinkStoreError, TransientError, errorMessage } from '../services/domain/errors.js';
import type {
  OutcomeEvents,
  PsaAdapter,
  PsaKind,
  SecureLink,
  SecureLinkOptions,
  SecureLinkStore,
  TicketNote,
} from '../services/domain/ports.js';
import type { Logger } from '../services/logging/logger.js';
import {
  decideOnExpiry,
  destroyedNote,
  expiredUnviewedNote,
  linkOutcomeEvent,
  revealedNote,
  shortRef,
  type LinkDestroyedEvent,
  type LinkEvent,
  type LinkEventContext,
  type LinkExpiryCheck,
  type LinkRevealedEvent,
} from '../services/secure-link/link-events.js';
import type { DestroyedViewer, RevealedViewer } from '../services/secure-link/secure-link-routes.js';
import { readLinkMeta } from '../services/secure-link/link-meta.js';
import { linkRefOf, type SecureLinkContext } from '../services/secure-link/secure-link-store.js';
import { isRedisRefusal } from '../services/one-time-links/redis-deadline.js';
import { failedForGood, failureToThrow, keptJobOptions, runLater } from './job-runner.js';
import { openSideQueue, sideWorkerOptions, type SideQueue, type SideQueueOptions } from './side-queue.js';
import { QUEUE_NAMES, redisKeys } from '../services/redis/redis-keys.js';

/** Kept after completion so that a re-added job id is still recognised as a duplicate. */
const RETENTION_SECONDS = 14 * 86400;
/** Longest a user agent is kept in job data (the note cuts it further). */
const MAX_USER_AGENT = 256;

/**
 * A link-event job: the event plus what this job has already done, saved before and after each PSA write so
 * that a retry never writes a note twice or skips one. Nothing secret: no token, no password.
 */
export type LinkEventJobData = LinkEvent & { progress?: { note?: 'started' | 'done'; moved?: boolean } };

export interface LinkEventReportingOptions extends SideQueueOptions {
  /** A dedicated connection for the worker (`maxRetriesPerRequest: null`), not shared with the API. */
  connection: RedisClient;
  psa: (kind: PsaKind) => PsaAdapter;
  /**
   * The secure-link store's key prefix, where the links' reporting records live. Default `${prefix}:`,
   * which is what `app/resetdesk.ts` gives the store.
   */
  linkKeyPrefix?: string;
  /** Run the worker in this process (default true). An API-only process only adds jobs. */
  startWorker?: boolean;
  /** Wait after a link's expiry before checking it, so the last second's reveal is counted (default 2000 ms). */
  expiryGraceMs?: number;
  /**
   * Where `link.viewed` and `link.expired-unviewed` go, before the note (a PSA outage does not hold them
   * back). Their ids come from the link's ref (and the view number): a retried job publishes the same event.
   */
  events?: OutcomeEvents;
}

export interface LinkEventReporting extends SideQueue<LinkEventJobData> {
  /**
   * The secure-link router's `onRevealed`: queues an internal "opened" note. Returns at once and never throws;
   * a job that cannot be added is logged.
   */
  onRevealed(context: SecureLinkContext, viewer: RevealedViewer): void;
  /**
   * The secure-link router's `onDestroyed`: queues an internal "the viewer destroyed the link" note. Returns
   * at once and never throws, like `onRevealed`.
   */
  onDestroyed(context: SecureLinkContext, viewer: DestroyedViewer): void;
  /** Schedules the expiry check of a link at its expiry time (one job per link, id from its ref). */
  trackExpiry(link: { ref: string; expiresAt: Date; context: SecureLinkContext }): Promise<void>;
  /**
   * Wraps a store so every created link has its expiry check scheduled, and every destroyed link has it
   * removed. If the check cannot be scheduled the new link is destroyed and `create` throws, so no link is
   * delivered whose expiry nobody would notice: `TransientError` while Redis cannot be reached (the reset is
   * tried again later), `SecureLinkStoreError` when Redis refuses (the use case hands the ticket off).
   */
  wrapStore<S extends SecureLinkStore>(store: S): S;
}

const expiryJobId = (ref: string) => `expiry-${ref}`;
const revealedJobId = (ref: string, viewNumber: number) => `revealed-${ref}-${viewNumber}`;
const destroyedJobId = (ref: string) => `destroyed-${ref}`;

/**
 * Reports secure-link events back to the ticket through a BullMQ queue (`link-events`), so a PSA outage delays
 * a note but does not lose it:
 * - on every reveal, an internal note: when (UTC), from which address and user agent, which view;
 * - when a link's lifetime ends, a check of its reporting record (`link-meta:<ref>`, written by the store):
 *   never revealed and not destroyed → an internal "expired unviewed" note and the ticket moved to the
 *   engineers; revealed or destroyed (its password was superseded) → nothing;
 * - when the viewer destroys the link, an internal note: when, from which address and user agent.
 * Notes carry markers and each job journals its progress, so a retried job never writes a note twice.
 * Transient PSA errors are retried with backoff (Retry-After honoured); anything else fails the job at once.
 */
export function createLinkEventReporting(options: LinkEventReportingOptions): LinkEventReporting {
  const { prefix, logger } = options;
  const log = logger.child({ component: 'link-events' });
  const linkKeyPrefix = options.linkKeyPrefix ?? redisKeys(prefix).storePrefix;
  const graceMs = options.expiryGraceMs ?? 2000;
  const jobOptions = keptJobOptions(options.attempts, RETENTION_SECONDS);

  const side = openSideQueue<LinkEventJobData, unknown>(
    QUEUE_NAMES.linkEvents,
    options.fastRedis,
    { ...options, log, logName: 'link-events' },
    (options.startWorker ?? true)
      ? { processor: report, options: sideWorkerOptions(options.connection, options) }
      : undefined,
  );
  const { queue, worker } = side;

  async function trackExpiry(link: { ref: string; expiresAt: Date; context: SecureLinkContext }) {
    const data: LinkExpiryCheck = {
      kind: 'expiry',
      psa: link.context.psa,
      ticketId: link.context.ticketId,
      correlationId: link.context.correlationId,
      ref: link.ref,
      expiresAt: link.expiresAt.toISOString(),
    };
    const delay = Math.max(0, link.expiresAt.getTime() - Date.now()) + graceMs;
    await queue.add('expiry', data, { ...jobOptions, jobId: expiryJobId(link.ref), delay });
  }

  /** What every viewer event carries: the link's ticket, when, and from where (the user agent capped). */
  function viewerFields(
    context: SecureLinkContext,
    ref: string,
    at: Date,
    viewer: { ip?: string; userAgent?: string },
  ) {
    return {
      psa: context.psa,
      ticketId: context.ticketId,
      correlationId: context.correlationId,
      ref,
      at: at.toISOString(),
      ...(viewer.ip ? { ip: viewer.ip } : {}),
      ...(viewer.userAgent ? { userAgent: viewer.userAgent.slice(0, MAX_USER_AGENT) } : {}),
    };
  }

  /** Queues a viewer event. The viewer's page does not wait for it: a failure loses the note and is logged. */
  function queueViewerEvent(
    data: LinkRevealedEvent | LinkDestroyedEvent,
    jobId: string,
    lostNote: string,
  ): void {
    queue.add(data.kind, data, { ...jobOptions, jobId }).catch((err: unknown) =>
      log.error(
        {
          event: 'link.report-lost',
          link: shortRef(data.ref),
          correlationId: data.correlationId,
          err: { message: errorMessage(err) },
        },
        `could not queue the "${lostNote}" note`,
      ),
    );
  }

  function onRevealed(context: SecureLinkContext, viewer: RevealedViewer): void {
    const data: LinkRevealedEvent = {
      kind: 'revealed',
      ...viewerFields(context, viewer.ref, viewer.revealedAt ?? new Date(), viewer),
      viewNumber: viewer.viewNumber,
      viewsLeft: viewer.viewsLeft,
    };
    queueViewerEvent(data, revealedJobId(viewer.ref, viewer.viewNumber), 'secure link opened');
  }

  function onDestroyed(context: SecureLinkContext, viewer: DestroyedViewer): void {
    const data: LinkDestroyedEvent = {
      kind: 'destroyed',
      ...viewerFields(context, viewer.ref, viewer.destroyedAt, viewer),
    };
    queueViewerEvent(data, destroyedJobId(viewer.ref), 'secure link destroyed');
    // The link's record says destroyed, so its expiry check would do nothing: drop it (tidiness only).
    queue.remove(expiryJobId(viewer.ref)).catch(() => undefined);
  }

  function wrapStore<S extends SecureLinkStore>(store: S): S {
    return {
      ...store,
      async create(secret: string, linkOptions: SecureLinkOptions): Promise<SecureLink> {
        const link = await store.create(secret, linkOptions);
        const ref = link.ref ?? linkRefOf(link.token);
        try {
          if (!ref) throw new Error('the store returned a link without a reference');
          await trackExpiry({ ref, expiresAt: link.expiresAt, context: linkOptions.context });
        } catch (err) {
          await store.destroy(link.token).catch(() => undefined);
          const message = `secure-link expiry report could not be scheduled: ${errorMessage(err)}`;
          throw isRedisRefusal(err)
            ? new SecureLinkStoreError(message, { cause: err })
            : new TransientError(message, undefined, { cause: err });
        }
        return link;
      },
      async destroy(token: string): Promise<void> {
        await store.destroy(token);
        // The store has marked the link's record destroyed, so the check would do nothing anyway; removing
        // the job just keeps the queue tidy. An active (locked) job cannot be removed: fine.
        const ref = linkRefOf(token);
        if (ref) {
          await queue
            .remove(expiryJobId(ref))
            .catch((err: unknown) =>
              log.debug(
                { link: shortRef(ref), err: { message: errorMessage(err) } },
                'expiry job not removed',
              ),
            );
        }
      },
    };
  }

  async function report(job: Job<LinkEventJobData>, token: string | undefined): Promise<void> {
    try {
      if (job.data.kind === 'revealed') await reportRevealed(job);
      else if (job.data.kind === 'destroyed') await reportDestroyed(job);
      else await checkExpiry(job, token);
    } catch (err) {
      throw failureToThrow(err, jobLogger(job), {
        retry: 'link.report-retry',
        error: 'link.report-error',
        errorMessage: 'link event could not be reported',
      });
    }
  }

  worker?.on('failed', (job, err) => {
    if (job && failedForGood(job, err))
      jobLogger(job).error(
        { event: 'link.report-failed', kind: job.data.kind, err: { message: err.message } },
        'gave up reporting a secure-link event to the ticket',
      );
  });

  function jobLogger(job: Job<LinkEventJobData>): Logger {
    return log.child({
      correlationId: job.data.correlationId,
      ticketId: job.data.ticketId,
      link: shortRef(job.data.ref),
      jobId: job.id,
      attempt: job.attemptsMade + 1,
    });
  }

  /**
   * Writes a note at most once: the job journals "started" before the PSA call, and a later attempt that finds
   * "started" first asks the PSA whether the note (its marker) arrived before the answer was lost.
   */
  async function addNoteOnce(job: Job<LinkEventJobData>, context: LinkEventContext, note: TicketNote) {
    const psa = options.psa(context.psa);
    const state = job.data.progress?.note;
    if (state === 'done') return;
    if (state === 'started' && (await psa.hasNoteWithMarker(context.ticketId, note.marker))) {
      await save(job, { note: 'done' });
      return;
    }
    await save(job, { note: 'started' });
    await psa.addNote(context.ticketId, note);
    await save(job, { note: 'done' });
  }

  async function save(job: Job<LinkEventJobData>, patch: NonNullable<LinkEventJobData['progress']>) {
    await job.updateData({ ...job.data, progress: { ...job.data.progress, ...patch } });
  }

  async function reportRevealed(job: Job<LinkEventJobData>) {
    const event = job.data as LinkRevealedEvent;
    // The fact is known now: it goes out even while the PSA is down (the job's retries repeat its id).
    await options.events?.publish(linkOutcomeEvent(event));
    await addNoteOnce(job, event, revealedNote(event));
    jobLogger(job).info(
      { event: 'link.revealed-reported', viewNumber: event.viewNumber },
      'secure link opening written to the ticket',
    );
  }

  async function reportDestroyed(job: Job<LinkEventJobData>) {
    const event = job.data as LinkDestroyedEvent;
    await addNoteOnce(job, event, destroyedNote(event));
    jobLogger(job).info(
      { event: 'link.destroyed-reported' },
      'secure link destruction written to the ticket',
    );
  }

  async function checkExpiry(job: Job<LinkEventJobData>, token: string | undefined) {
    const event = job.data as LinkExpiryCheck;
    const jobLog = jobLogger(job);
    const meta = await readLinkMeta(options.connection, linkKeyPrefix, event.ref);
    const decision = decideOnExpiry(meta, new Date());
    if (decision.action === 'none') {
      if (decision.reason === 'not-yet-expired' && meta && token) {
        // Ran early (clocks, or a link whose expiry moved): check again once it has really expired.
        return runLater(job, token, meta.expiresAt.getTime() + graceMs);
      }
      jobLog.debug(
        { event: 'link.expiry-ignored', reason: decision.reason },
        'secure link expiry: nothing to do',
      );
      return;
    }
    await options.events?.publish(linkOutcomeEvent(event));
    await addNoteOnce(job, event, expiredUnviewedNote(event));
    if (!job.data.progress?.moved) {
      await options.psa(event.psa).moveTicket(event.ticketId, 'engineers');
      await save(job, { moved: true });
    }
    jobLog.warn(
      { event: 'link.expired-unviewed', handedOff: true, recordFound: meta !== null },
      'secure link expired unviewed; ticket handed to the engineers',
    );
  }

  return { ...side, onRevealed, onDestroyed, trackExpiry, wrapStore };
}
