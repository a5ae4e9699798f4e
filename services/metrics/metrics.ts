import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Job, Queue, Worker } from 'bullmq';
import type { PacingObserver } from '../pacing/paced-ports.js';

/**
 * The service's Prometheus metrics, in a registry of its own (not prom-client's global one, so tests and
 * several service instances in one process do not collide). Exposed at GET /metrics (`serveMetrics`), on the
 * metrics listener and, with a bearer token, on the public port (see `metrics-server.ts`).
 */
export interface Metrics extends PacingObserver {
  readonly registry: Registry;
  /** Middleware counting webhook requests by PSA and HTTP status (mounted before the webhook routes). */
  countWebhooks(): RequestHandler;
  /** The GET /metrics handler (Prometheus text). */
  serveMetrics(): RequestHandler;
  /** Queue depth gauges, read from BullMQ on each scrape. */
  watchQueue(name: string, queue: Pick<Queue, 'getJobCounts'>): void;
  /** Job outcomes and durations from a worker's events. */
  watchWorker(worker: Worker): void;
}

const KNOWN_PSAS = new Set(['halopsa', 'connectwise', 'autotask']);
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const JOB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'resetdesk_' });

  const webhooks = new Counter({
    name: 'resetdesk_webhook_requests_total',
    help: 'Webhook requests by PSA and HTTP status.',
    labelNames: ['psa', 'status'],
    registers: [registry],
  });
  const outcomes = new Counter({
    name: 'resetdesk_jobs_total',
    help: 'Reset jobs finished, by outcome code (failed = gave up; retry = a failed attempt to be retried).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const jobRun = new Histogram({
    name: 'resetdesk_job_run_seconds',
    help: 'Time of the last run of a finished job (pickup to finish).',
    labelNames: ['outcome'],
    buckets: JOB_BUCKETS,
    registers: [registry],
  });
  const jobTotal = new Histogram({
    name: 'resetdesk_job_total_seconds',
    help: 'Webhook received to job finished, including queueing, pacing delays and retries.',
    labelNames: ['outcome'],
    buckets: JOB_BUCKETS,
    registers: [registry],
  });
  const calls = new Histogram({
    name: 'resetdesk_outside_call_seconds',
    help: 'Outside calls (port methods) by system, operation and result.',
    labelNames: ['system', 'operation', 'result'],
    buckets: CALL_BUCKETS,
    registers: [registry],
  });
  const throttled = new Counter({
    name: 'resetdesk_throttled_total',
    help: '429 (or Retry-After) answers received, by system.',
    labelNames: ['system'],
    registers: [registry],
  });
  const delays = new Counter({
    name: 'resetdesk_pacing_delays_total',
    help: 'Calls not made because the key was out of budget or paused; the job was delayed.',
    labelNames: ['system', 'reason'],
    registers: [registry],
  });
  const queues = new Map<string, Pick<Queue, 'getJobCounts'>>();
  new Gauge({
    name: 'resetdesk_queue_jobs',
    help: 'Jobs in a queue by state (read from Redis at scrape time).',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const [name, queue] of queues) {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
        for (const [state, n] of Object.entries(counts)) this.set({ queue: name, state }, n);
      }
    },
  });

  const finished = (job: Job, outcome: string) => {
    outcomes.inc({ outcome });
    if (job.processedOn && job.finishedOn)
      jobRun.observe({ outcome }, (job.finishedOn - job.processedOn) / 1000);
    const received = Date.parse((job.data as { receivedAt?: string }).receivedAt ?? '');
    if (Number.isFinite(received)) jobTotal.observe({ outcome }, (Date.now() - received) / 1000);
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
    watchWorker(worker) {
      worker.on('completed', (job: Job, result: unknown) => {
        const code = (result as { code?: string } | undefined)?.code ?? 'completed';
        finished(job, code);
      });
      worker.on('failed', (job: Job | undefined, err: Error) => {
        if (!job) return;
        const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
        if (final) finished(job, 'failed');
        else outcomes.inc({ outcome: 'retry' });
      });
    },
    countWebhooks() {
      // A plain prefix check rather than a `/webhooks/:psa` route: this runs in front of every webhook.
      return (req, res, next) => {
        if (req.url.startsWith('/webhooks/')) {
          const named = req.url.slice(10).split(/[/?]/, 1)[0]!;
          const psa = KNOWN_PSAS.has(named) ? named : 'other';
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
