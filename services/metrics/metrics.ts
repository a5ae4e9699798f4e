import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Job, Queue, Worker } from 'bullmq';
import type { PacingObserver } from '../pacing/paced-ports.js';
import { readBuildInfo, type BuildInfo } from './build-info.js';
import type { QueueDepthLease } from './queue-depth-lease.js';
import { isPsaKind } from '../domain/ports.js';

/**
 * The service's Prometheus metrics, in a registry of its own (not prom-client's global one, so tests and
 * several service instances in one process do not collide). Exposed at GET /metrics (`serveMetrics`), on the
 * metrics listener and, with a bearer token, on the public port (see `metrics-server.ts`).
 *
 * Naming follows Prometheus' rules: `_total` only on counters, base units in the name (`_seconds`), a
 * `_build_info` gauge of 1. Node's process and runtime metrics keep their standard, unprefixed names
 * (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`, …), so stock Node.js dashboards work.
 * README.md ("Metrics") lists every metric; a test keeps the list and this file in step.
 */
export interface Metrics extends PacingObserver {
  readonly registry: Registry;
  /** Middleware counting webhook requests by PSA and HTTP status (mounted before the webhook routes). */
  countWebhooks(): RequestHandler;
  /** The GET /metrics handler (Prometheus text). */
  serveMetrics(): RequestHandler;
  /** Queue depth gauges, read from BullMQ on each scrape (by the lease holder only, see `shareQueueDepth`). */
  watchQueue(name: string, queue: Pick<Queue, 'getJobCounts'>): void;
  /**
   * Report queue depth only while this lease is held, so that of all the processes scraped exactly one
   * reports it. Without a lease every process that watches a queue reports its depth.
   */
  shareQueueDepth(lease: QueueDepthLease): void;
  /** Job outcomes, retries and durations from a worker's events, labelled with its queue. */
  watchWorker(worker: Worker, queue?: string): void;
}

const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const JOB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

export function createMetrics(options: { defaultMetrics?: boolean; buildInfo?: BuildInfo } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const build = options.buildInfo ?? readBuildInfo();
  new Gauge({
    name: 'resetdesk_build_info',
    help: 'Always 1; the labels say which release (and commit, when the image recorded it) runs on which Node.',
    labelNames: ['version', 'commit', 'node'],
    registers: [registry],
  }).set({ version: build.version, node: build.node, ...(build.commit ? { commit: build.commit } : {}) }, 1);

  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  const histogram = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: number[],
  ) => new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });

  const webhooks = counter('resetdesk_webhook_requests_total', 'Webhook requests by PSA and HTTP status.', [
    'psa',
    'status',
  ]);
  const finishedJobs = counter(
    'resetdesk_jobs_finished_total',
    'Jobs finished, by queue and outcome code (failed = given up after its last attempt).',
    ['queue', 'outcome'],
  );
  const retries = counter(
    'resetdesk_job_retries_total',
    'Failed job attempts that will be tried again, by queue (not counted as finished).',
    ['queue'],
  );
  const jobRun = histogram(
    'resetdesk_job_run_duration_seconds',
    'Duration of the last run of a finished job (pickup to finish), by queue and outcome.',
    ['queue', 'outcome'],
    JOB_BUCKETS,
  );
  const turnaround = histogram(
    'resetdesk_job_turnaround_seconds',
    'Webhook received to reset job finished, including queueing, pacing delays and retries.',
    ['outcome'],
    JOB_BUCKETS,
  );
  const calls = histogram(
    'resetdesk_outside_call_duration_seconds',
    'Duration of outside calls (port methods) by system, operation and result.',
    ['system', 'operation', 'result'],
    CALL_BUCKETS,
  );
  const throttled = counter(
    'resetdesk_throttled_total',
    '429 (or Retry-After) answers received, by system.',
    ['system'],
  );
  const delays = counter(
    'resetdesk_pacing_delays_total',
    'Calls not made because the key was out of budget or paused; the job was delayed.',
    ['system', 'reason'],
  );
  const queues = new Map<string, Pick<Queue, 'getJobCounts'>>();
  let lease: QueueDepthLease | undefined;
  new Gauge({
    name: 'resetdesk_queue_jobs',
    help: 'Jobs in a queue by state, read from Redis at scrape time by one process only (sum() is the depth).',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      if (queues.size === 0 || (lease && !(await lease.held()))) return;
      for (const [name, queue] of queues) {
        const counts = await queue.getJobCounts(...QUEUE_STATES);
        for (const [state, n] of Object.entries(counts)) this.set({ queue: name, state }, n);
      }
    },
  });

  const finished = (job: Job, queue: string, outcome: string) => {
    finishedJobs.inc({ queue, outcome });
    if (job.processedOn && job.finishedOn)
      jobRun.observe({ queue, outcome }, (job.finishedOn - job.processedOn) / 1000);
    const received = Date.parse((job.data as { receivedAt?: string }).receivedAt ?? '');
    if (Number.isFinite(received)) turnaround.observe({ outcome }, (Date.now() - received) / 1000);
  };

  return {
    registry,
    call(system, operation, seconds, result) {
      calls.observe({ system, operation, result }, seconds);
      if (result === 'throttled') throttled.inc({ system });
    },
    delayed(system, reason) {
      delays.inc({ system, reason });
    },
    watchQueue(name, queue) {
      queues.set(name, queue);
    },
    shareQueueDepth(given) {
      lease = given;
    },
    watchWorker(worker, queue = 'resets') {
      worker.on('completed', (job: Job, result: unknown) => {
        const code = (result as { code?: string } | undefined)?.code ?? 'completed';
        finished(job, queue, code);
      });
      worker.on('failed', (job: Job | undefined, err: Error) => {
        if (!job) return;
        const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
        if (final) finished(job, queue, 'failed');
        else retries.inc({ queue });
      });
    },
    countWebhooks() {
      // A plain prefix check rather than a `/webhooks/:psa` route: this runs in front of every webhook.
      return (req, res, next) => {
        if (req.url.startsWith('/webhooks/')) {
          const named = req.url.slice(10).split(/[/?]/, 1)[0]!;
          const psa = isPsaKind(named) ? named : 'other';
          res.on('finish', () => webhooks.inc({ psa, status: String(res.statusCode) }));
        }
        next();
      };
    },
    serveMetrics() {
      return (_req, res, next) => {
        res.set('Content-Type', registry.contentType);
        res.set('Cache-Control', 'no-store');
        registry.metrics().then((text) => res.send(text), next);
      };
    },
  };
}
