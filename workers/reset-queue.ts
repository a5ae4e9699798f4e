import { Queue, type JobsOptions } from 'bullmq';
import type { RedisClient } from '../services/redis/redis-client.js';
import type { ReplicatedWrite } from '../services/redis/replicated-writes.js';
import type { PsaKind } from '../services/domain/ports.js';
import type { ResetProgress } from '../services/domain/reset-use-case.js';

export const RESET_QUEUE_NAME = 'resets';

/**
 * What a reset job carries. Identifiers and the step journal only: never a password, a token or any secret
 * (BullMQ stores job data in Redis in clear text).
 */
export interface ResetJobData {
  psa: PsaKind;
  ticketId: string;
  correlationId: string;
  receivedAt: string;
  progress: ResetProgress;
  /** How often pacing parked this job (see reset-worker.ts). */
  parked?: number;
  /**
   * The pacing key (`graph:<tenant>`, `psa:<kind>`) the job is admitted on before its use case runs: the key
   * it was last parked on, or at first the key the webhook's customer hint points to (see reset-worker.ts).
   */
  parkedOn?: string;
}

/**
 * One job per PSA ticket: the id is derived from the PSA and the ticket id, so duplicate deliveries of the
 * same ticket are ignored by BullMQ for as long as the job is kept (worker.jobRetentionDays).
 */
export function resetJobId(psa: PsaKind, ticketId: string): string {
  return `${psa}-${ticketId}`;
}

export interface ResetQueueOptions {
  /** A connection with `enableOfflineQueue: false`, so an add fails at once when Redis is down (→ 503). */
  connection: RedisClient;
  prefix: string;
  attempts: number;
  retentionDays: number;
  /** Longest wait for Redis to take a job before the webhook is answered 503 (well inside a PSA's timeout). */
  addTimeoutMs?: number;
  /** Holds an add until the replicas have it (`redis.waitReplicas`), so a failover cannot lose an accepted job. */
  replicated?: ReplicatedWrite;
}

export class ResetQueue {
  readonly queue: Queue<ResetJobData>;
  private readonly jobOptions: JobsOptions;
  private readonly addTimeoutMs: number;
  private readonly replicated: ReplicatedWrite;

  constructor(options: ResetQueueOptions) {
    this.queue = new Queue<ResetJobData>(RESET_QUEUE_NAME, {
      connection: options.connection,
      prefix: options.prefix,
    });
    this.addTimeoutMs = options.addTimeoutMs ?? 2000;
    this.replicated = options.replicated ?? ((write) => write());
    this.jobOptions = {
      attempts: options.attempts,
      backoff: { type: 'retry-after' },
      removeOnComplete: { age: options.retentionDays * 86400 },
      removeOnFail: { age: options.retentionDays * 86400 },
    };
  }

  /** Resolves once the job is in Redis (new or already there). Throws when Redis cannot take it. */
  async enqueue(psa: PsaKind, ticketId: string, pacingKey?: string): Promise<string> {
    const jobId = resetJobId(psa, ticketId);
    const data: ResetJobData = {
      psa,
      ticketId,
      correlationId: jobId,
      receivedAt: new Date().toISOString(),
      progress: {},
    };
    if (pacingKey) data.parkedOn = pacingKey;
    // One promise settled by whichever comes first, the add or the timeout. A job that lands after the
    // timeout is harmless: the PSA's retry maps to the same job id.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('Redis did not take the job in time')),
        this.addTimeoutMs,
      );
      this.replicated(() => this.queue.add('reset', data, { ...this.jobOptions, jobId })).then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
    return jobId;
  }

  /**
   * Queues another run of a ticket's job for a reason (a confirmation decided or expired). Its own job id,
   * so it is never swallowed by the ticket's main job; the use case's records make the extra run safe.
   */
  async enqueueFollowUp(psa: PsaKind, ticketId: string, reason: string, delayMs = 0): Promise<string> {
    const jobId = `${resetJobId(psa, ticketId)}-${reason}`;
    const data: ResetJobData = {
      psa,
      ticketId,
      correlationId: resetJobId(psa, ticketId),
      receivedAt: new Date().toISOString(),
      progress: {},
    };
    await this.replicated(() =>
      this.queue.add('reset', data, { ...this.jobOptions, jobId, delay: Math.max(0, delayMs) }),
    );
    return jobId;
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
