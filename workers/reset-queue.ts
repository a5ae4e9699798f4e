import { Job, Queue, type JobsOptions } from 'bullmq';
import type { RedisClient } from '../services/redis/redis-client.js';
import type { ReplicatedWrite } from '../services/redis/replicated-writes.js';
import type { OutcomeCode } from '../services/domain/outcome-codes.js';
import type { PsaKind } from '../services/domain/ports.js';
import type { ResetProgress } from '../services/domain/reset/reset-journal.js';
import { recordOpenJob } from './open-jobs-store.js';
import { QUEUE_NAMES } from '../services/redis/redis-keys.js';
import { retriedJobOptions } from './job-runner.js';

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
  /**
   * Set when the job could not finish (retries exhausted, an unexpected error, its worker kept stopping, or
   * its earlier job was lost): from then on each run only hands the ticket to the engineers, and is repeated
   * with backoff until that lands (see reset-worker.ts). `tries` counts the hand-off attempts so far.
   */
  failure?: { code: OutcomeCode; detail: string; at: string; tries?: number };
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
  /**
   * The pacing key of the PSA customer a webhook names (its Graph tenant's), when pacing is on and the
   * customer is known. A new job is admitted on it before it reads anything: in a burst, a ticket whose
   * tenant is busy waits without spending PSA requests on reading a ticket it cannot work yet. A wrong key
   * only delays the job.
   */
  pacingKeyOf?: (psa: PsaKind, customerHint: string) => string | undefined;
}

/** A ticket's job before any work: its journal empty, its correlation id the ticket's job id. */
function newJobData(psa: PsaKind, ticketId: string): ResetJobData {
  const correlationId = resetJobId(psa, ticketId);
  return { psa, ticketId, correlationId, receivedAt: new Date().toISOString(), progress: {} };
}

export class ResetQueue {
  readonly queue: Queue<ResetJobData>;
  private readonly jobOptions: JobsOptions;
  private readonly addTimeoutMs: number;
  private readonly prefix: string;
  private readonly replicated: ReplicatedWrite;
  private readonly pacingKeyOf: ResetQueueOptions['pacingKeyOf'];

  constructor(options: ResetQueueOptions) {
    this.prefix = options.prefix;
    this.pacingKeyOf = options.pacingKeyOf;
    this.queue = new Queue<ResetJobData>(QUEUE_NAMES.resets, {
      connection: options.connection,
      prefix: options.prefix,
    });
    this.addTimeoutMs = options.addTimeoutMs ?? 2000;
    this.replicated = options.replicated ?? ((write) => write());
    this.jobOptions = {
      ...retriedJobOptions(options.attempts),
      removeOnComplete: { age: options.retentionDays * 86400 },
      removeOnFail: { age: options.retentionDays * 86400 },
    };
  }

  /**
   * Resolves once the job is in Redis (new or already there), with its open-job record (open-jobs-store.ts)
   * in the same MULTI: one round trip. Throws when Redis cannot take it.
   */
  async enqueue(psa: PsaKind, ticketId: string, customerHint?: string): Promise<string> {
    const jobId = resetJobId(psa, ticketId);
    const pacingKey = customerHint === undefined ? undefined : this.pacingKeyOf?.(psa, customerHint);
    const data: ResetJobData = {
      ...newJobData(psa, ticketId),
      ...(pacingKey ? { parkedOn: pacingKey } : {}),
    };
    // One promise settled by whichever comes first, the add or the timeout. A job that lands after the
    // timeout is harmless: the PSA's retry maps to the same job id.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('Redis did not take the job in time')),
        this.addTimeoutMs,
      );
      this.replicated(() => this.add(jobId, data, 0)).then(
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
    const data = newJobData(psa, ticketId);
    await this.replicated(() => this.add(jobId, data, Math.max(0, delayMs)));
    return jobId;
  }

  /**
   * Adds a job again under the id of one that vanished from Redis (the workers' sweep): a fresh run, or,
   * with `failure`, a run that only hands the ticket to the engineers.
   */
  async requeue(
    psa: PsaKind,
    ticketId: string,
    jobId: string,
    failure?: ResetJobData['failure'],
  ): Promise<void> {
    const data: ResetJobData = { ...newJobData(psa, ticketId), ...(failure ? { failure } : {}) };
    await this.replicated(() => this.add(jobId, data, 0));
  }

  /** The job and its open-job record in one MULTI. A job id already in the queue keeps its job. */
  private async add(jobId: string, data: ResetJobData, delayMs: number): Promise<void> {
    const opts: JobsOptions = { ...this.jobOptions, jobId, ...(delayMs > 0 ? { delay: delayMs } : {}) };
    const job = new Job<ResetJobData>(this.queue, 'reset', data, opts, jobId);
    const client = await this.queue.getBackend().client;
    const multi = client.multi();
    // BullMQ's transaction is an ioredis MULTI underneath, with every Redis command on it.
    recordOpenJob(
      multi as unknown as Parameters<typeof recordOpenJob>[0],
      this.prefix,
      { psa: data.psa, ticketId: data.ticketId, jobId },
      Date.now() + delayMs,
    );
    // Queued on the MULTI synchronously; its own promise settles with the transaction (checked below).
    job.addJob(multi).catch(() => undefined);
    const results = await multi.exec();
    if (!results) throw new Error('the queue transaction was aborted');
    for (const [err] of results) if (err) throw err;
    const added = results[1]?.[1];
    if (typeof added === 'number' && added < 0) throw new Error(`the queue refused the job (code ${added})`);
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
