import { QueueEvents, type Queue } from 'bullmq';
import type { RedisClient } from '../../services/redis/redis-client.js';

/**
 * Waiting for a job of a queue by its events, not by polling: a BullMQ `QueueEvents` on a connection of its
 * own tells when a job's state changes, and each wait looks at the job's state once it starts (so a job that
 * finished before the wait began is not missed) and again on every event about that job.
 *
 * A job removed once complete (an ignored ticket's) leaves no state to read: its result is taken from the
 * `completed` event, which carries it. During a Redis failover the event stream's reader reconnects by itself;
 * since events written just before the failover may be lost, every wait looks at its job again when the
 * connection is ready again and, as a last resort, every `recheckMs`.
 */

/** Where a job can stand; `missing` when Redis holds no job of that id (not added yet, or removed). */
export type WaitedState =
  'completed' | 'failed' | 'delayed' | 'active' | 'waiting' | 'waiting-children' | 'prioritized' | 'missing';

export interface JobSeen<R> {
  jobId: string;
  state: WaitedState;
  /** What the job returned, when completed. */
  returnvalue?: R;
  /** Why it failed, when failed. */
  failedReason?: string;
}

export interface WaitOptions {
  /** The states to wait for; default: the job ended (`completed` or `failed`). */
  until?: readonly WaitedState[];
  /** Default 15 s; the error names the job and where it was last seen. */
  timeoutMs?: number;
}

export interface JobWaits {
  /** Resolves once the job stands in one of `options.until`, with what it returned or why it failed. */
  waitForJob<R = unknown>(jobId: string, options?: WaitOptions): Promise<JobSeen<R>>;
  /** Forgets the result of a removed job, before the same id is added again (a new delivery of a ticket). */
  forget(jobId: string): void;
  /** Stops reading events and closes the connection it was given. */
  close(): Promise<void>;
}

/** The events after which a job's state may have changed. */
const STATE_EVENTS = ['completed', 'failed', 'delayed', 'active', 'waiting', 'removed', 'stalled'] as const;

/**
 * Watches `queue`'s jobs through `connection`, which must be a client of its own that may block
 * (`maxRetriesPerRequest: null`); it is closed with the watch. Job states are read through `queue`.
 */
export async function watchJobs(
  queue: Queue,
  connection: RedisClient,
  options: { recheckMs?: number } = {},
): Promise<JobWaits> {
  const recheckMs = options.recheckMs ?? 2000;
  const events = new QueueEvents(queue.name, { connection, prefix: queue.opts.prefix });
  // Connection errors during a failover are expected; QueueEvents reads on once Redis is back.
  events.on('error', () => undefined);
  await events.waitUntilReady();

  const removedResults = new Map<string, unknown>();
  const onJobEvent = new Set<(jobId: string) => void>();
  const onReconnect = new Set<() => void>();
  const tell = (jobId: string) => {
    for (const listener of onJobEvent) listener(jobId);
  };
  events.on('completed', ({ jobId, returnvalue }) => {
    removedResults.set(jobId, parsed(returnvalue));
    tell(jobId);
  });
  for (const name of STATE_EVENTS.filter((n) => n !== 'completed')) {
    events.on(name, ({ jobId }: { jobId: string }) => tell(jobId));
  }
  const reconnected = () => {
    for (const listener of onReconnect) listener();
  };
  connection.on('ready', reconnected);

  async function seen<R>(jobId: string): Promise<JobSeen<R>> {
    const state = await queue.getJobState(jobId);
    const job = await queue.getJob(jobId);
    if (!job || state === 'unknown') {
      return removedResults.has(jobId)
        ? { jobId, state: 'completed', returnvalue: removedResults.get(jobId) as R }
        : { jobId, state: 'missing' };
    }
    // Read after the state: a job seen completed has its return value by then.
    if (state === 'completed') return { jobId, state, returnvalue: job.returnvalue as R };
    if (state === 'failed') return { jobId, state, failedReason: job.failedReason };
    return { jobId, state: state as WaitedState };
  }

  function waitForJob<R>(jobId: string, waitOptions: WaitOptions = {}): Promise<JobSeen<R>> {
    const until = waitOptions.until ?? ['completed', 'failed'];
    const timeoutMs = waitOptions.timeoutMs ?? 15_000;
    return new Promise<JobSeen<R>>((resolve, reject) => {
      let last: WaitedState | 'unreadable' = 'missing';
      let looking = false;
      let lookAgain = false;
      const done = (finish: () => void) => {
        clearTimeout(timer);
        clearInterval(safetyNet);
        onJobEvent.delete(onEvent);
        onReconnect.delete(look);
        finish();
      };
      // One look at a time; an event during a look asks for another, so no change goes unread.
      const look = () => {
        if (looking) {
          lookAgain = true;
          return;
        }
        looking = true;
        lookAgain = false;
        seen<R>(jobId)
          .then(
            (now) => {
              last = now.state;
              if (until.includes(now.state)) done(() => resolve(now));
            },
            // Reads may fail while Redis fails over; the next event or reconnection looks again.
            () => {
              last = 'unreadable';
            },
          )
          .finally(() => {
            looking = false;
            if (lookAgain) look();
          });
      };
      const onEvent = (id: string) => {
        if (id === jobId) look();
      };
      const timer = setTimeout(
        () =>
          done(() =>
            reject(
              new Error(`job ${jobId} not ${until.join(' or ')} after ${timeoutMs} ms (last seen: ${last})`),
            ),
          ),
        timeoutMs,
      );
      const safetyNet = setInterval(look, recheckMs);
      // Listening before the first look: a change between the look and the listening cannot be missed.
      onJobEvent.add(onEvent);
      onReconnect.add(look);
      look();
    });
  }

  return {
    waitForJob,
    forget: (jobId) => removedResults.delete(jobId),
    async close() {
      connection.off('ready', reconnected);
      await events.close();
      connection.disconnect();
    },
  };
}

/** `completed` events carry the return value as JSON text (parsed already by recent BullMQ versions). */
function parsed(returnvalue: unknown): unknown {
  if (typeof returnvalue !== 'string') return returnvalue;
  try {
    return JSON.parse(returnvalue) as unknown;
  } catch {
    return returnvalue;
  }
}
