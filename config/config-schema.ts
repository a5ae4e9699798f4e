import convict from 'convict';
import { intBetween } from './config-formats.js';
import { DEFAULT_POLICY } from './customer-settings.js';
import { autotaskSchema } from './schema/autotask-schema.js';
import { connectwiseSchema } from './schema/connectwise-schema.js';
import { graphSchema } from './schema/graph-schema.js';
import { halopsaSchema } from './schema/halopsa-schema.js';
import { redisSchema } from './schema/redis-schema.js';
import { notifySchema } from './schema/notify-schema.js';
import { watchSchema } from './schema/watch-schema.js';
import { eventsSchema } from './schema/events-schema.js';
import { consoleSchema } from './schema/console-schema.js';
import { passwordFormatDefaultsSchema, rolloutSchema } from './schema/customer-defaults-schema.js';
import { temporaryAccessPassSchema } from './schema/temporary-access-pass-schema.js';

/**
 * The one configuration schema. Every key has doc, format, default and env, once: the config type is
 * inferred from it (config/load-config.ts) and no default is written anywhere else. Secrets are `sensitive`
 * (never printed by convict) and have no default. Structure (customers, ids) comes from the JSON file named
 * by RESETDESK_CONFIG; secrets and overrides come from env vars. docs/configuration.md is generated from
 * this schema and checked against it by a test, and another test proves every key reaches the code that
 * uses it. The sections of each outside system live in ./schema/.
 */

export const configSchema = {
  role: {
    doc: 'What this process runs: "all" (API and worker), "api" (webhooks, secure links, health) or "worker" (the reset queue).',
    format: ['all', 'api', 'worker'],
    default: 'all' as 'all' | 'api' | 'worker',
    env: 'RESETDESK_ROLE',
    arg: 'role',
  },
  log: {
    level: {
      doc: 'Log level (pino): fatal, error, warn, info, debug, trace or silent.',
      format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
      env: 'LOG_LEVEL',
    },
  },
  server: {
    host: { doc: 'Address the HTTP server listens on.', format: String, default: '0.0.0.0', env: 'HOST' },
    port: { doc: 'Port the HTTP server listens on.', format: 'port', default: 8080, env: 'PORT' },
    publicBaseUrl: {
      doc: 'The public https origin managers reach secure links at, e.g. https://reset.example-msp.com. Links in ticket notes are built from it, never from a request header. Plain http is refused except for localhost.',
      format: 'public-url',
      default: null as string | null,
      nullable: true,
      env: 'PUBLIC_BASE_URL',
    },
    bodyLimitBytes: {
      doc: 'Largest webhook body accepted, in bytes; larger bodies get 413 and change nothing.',
      format: intBetween(1024, 10 * 1024 * 1024),
      default: 262144,
      env: 'BODY_LIMIT_BYTES',
    },
    trustProxy: {
      doc: 'Express "trust proxy" setting: the number of reverse proxies in front of the service (0 when none). Used for client addresses in logs and rate limits.',
      format: 'nat',
      default: 0,
      env: 'TRUST_PROXY_HOPS',
    },
    shutdownTimeoutMs: {
      doc: 'On SIGTERM, how long to wait for running jobs and open requests before exiting anyway.',
      format: 'nat',
      default: 25000,
      env: 'SHUTDOWN_TIMEOUT_MS',
    },
  },
  redis: redisSchema,
  worker: {
    concurrency: {
      doc: 'Tickets one worker process works at the same time.',
      format: intBetween(1, 256),
      default: 4,
      env: 'WORKER_CONCURRENCY',
    },
    attempts: {
      doc: 'How many times a ticket is tried when Graph or the PSA fail transiently (429, 5xx, timeouts) before it is handed to an engineer.',
      format: intBetween(1, 100),
      default: 8,
      env: 'WORKER_ATTEMPTS',
    },
    backoffMs: {
      doc: 'First retry delay in ms; doubles each attempt. A Retry-After from Graph or the PSA takes precedence.',
      format: intBetween(10, 15 * 60_000),
      default: 5000,
      env: 'WORKER_BACKOFF_MS',
    },
    jobRetentionDays: {
      doc: 'How long finished jobs are kept; duplicate webhooks for a ticket are recognised by its job for at least this long.',
      format: intBetween(1, 365),
      default: 30,
      env: 'JOB_RETENTION_DAYS',
    },
    lockDurationMs: {
      doc: "How long a worker holds a ticket without renewing its lock (renewed every half of it while the ticket runs, long Graph calls and pacing waits included). A crashed worker's ticket is picked up by another worker this long after the crash, plus up to two stalled-check intervals.",
      format: intBetween(500, 10 * 60_000),
      default: 10000,
      env: 'WORKER_LOCK_DURATION_MS',
    },
    stalledIntervalMs: {
      doc: 'How often each worker looks for tickets whose worker stopped (crashed, frozen, cut off from Redis) and puts them back in the queue; one worker does it at a time.',
      format: intBetween(100, 10 * 60_000),
      default: 5000,
      env: 'WORKER_STALLED_INTERVAL_MS',
    },
    maxStalledCount: {
      doc: 'How often a ticket may lose its worker and be picked up again before it is given up; a given-up ticket still gets its secure link delivered when its password is set, and goes to an engineer.',
      format: intBetween(0, 100),
      default: 3,
      env: 'WORKER_MAX_STALLED_COUNT',
    },
    sweepIntervalMs: {
      doc: 'How often one worker checks accepted tickets whose job is gone from Redis (lost in a failover, removed by hand) and queues them again, or hands them to an engineer when their work had begun. A ticket is checked once it is this old.',
      format: intBetween(100, 24 * 3600_000),
      default: 60000,
      env: 'WORKER_SWEEP_INTERVAL_MS',
    },
  },
  graph: graphSchema,
  halopsa: halopsaSchema,
  connectwise: connectwiseSchema,
  autotask: autotaskSchema,
  secureLink: {
    serverKey: {
      doc: 'The current secure-link server key: 32 random bytes, base64 (openssl rand -base64 32). New secure links, confirmation links and sealed job tokens use it; never stored in Redis. See secureLink.previousKeys for rotation.',
      format: 'base64-32-bytes',
      default: null as string | null,
      nullable: true,
      env: 'SECURE_LINK_SERVER_KEY',
      sensitive: true,
    },
    previousKeys: {
      doc: 'Older secure-link server keys, comma-separated: links, confirmations and queued jobs made under one of them still open until they expire, while everything new uses SECURE_LINK_SERVER_KEY. Drop a key once the longest link lifetime has passed since it was replaced (README, "Rotating SECURE_LINK_SERVER_KEY").',
      format: 'base64-32-bytes-list',
      default: [] as string[],
      env: 'SECURE_LINK_PREVIOUS_KEYS',
      sensitive: true,
    },
    ttlHours: {
      doc: 'How long a secure link lives before it expires unviewed (hours). Per customer: secureLinkTtlHours.',
      format: intBetween(1, 336),
      default: 24,
      env: 'SECURE_LINK_TTL_HOURS',
    },
    maxViews: {
      doc: 'How many times a secure link can be opened (revealed). Per customer: secureLinkMaxViews.',
      format: intBetween(1, 20),
      default: 2,
      env: 'SECURE_LINK_MAX_VIEWS',
    },
    failedLookupsPerWindow: {
      doc: 'Unknown or invalid secure-link tokens one client address may try per window before it gets 429 (token guessing).',
      format: intBetween(1, 100_000),
      default: 20,
      env: 'SECURE_LINK_FAILED_LOOKUPS',
    },
    failedLookupWindowSeconds: {
      doc: 'The window of secureLink.failedLookupsPerWindow, in seconds.',
      format: intBetween(1, 86_400),
      default: 600,
      env: 'SECURE_LINK_FAILED_LOOKUP_WINDOW_SECONDS',
    },
    mspName: {
      doc: 'The MSP name shown on secure-link pages and in ticket notes.',
      format: String,
      default: 'your IT support team',
      env: 'MSP_NAME',
    },
  },
  notify: notifySchema,
  watch: watchSchema,
  events: eventsSchema,
  console: consoleSchema,
  temporaryAccessPass: temporaryAccessPassSchema,
  pacing: {
    enabled: {
      doc: 'Pace Graph and PSA calls through token buckets in Redis shared by every worker, so bursts stay under the outside rate limits; a 429 pauses only that tenant or PSA.',
      format: Boolean,
      default: true,
      env: 'PACING_ENABLED',
    },
    graphRatePerSecond: {
      doc: 'Graph requests per second per customer tenant (sustained).',
      format: 'positive-number',
      default: 4,
      env: 'PACING_GRAPH_RATE',
    },
    graphBurst: {
      doc: 'Graph requests one customer tenant may make at once before the rate applies.',
      format: 'positive-number',
      default: 8,
      env: 'PACING_GRAPH_BURST',
    },
    halopsaRatePerSecond: {
      doc: 'HaloPSA requests per second (hosted Halo allows about 300 per 5 minutes).',
      format: 'positive-number',
      default: 0.9,
      env: 'PACING_HALOPSA_RATE',
    },
    connectwiseRatePerSecond: {
      doc: 'ConnectWise PSA requests per second (throttling is expected above about 1,000 per minute).',
      format: 'positive-number',
      default: 10,
      env: 'PACING_CONNECTWISE_RATE',
    },
    autotaskRatePerSecond: {
      doc: 'Autotask requests per second (10,000 per hour per database).',
      format: 'positive-number',
      default: 2.5,
      env: 'PACING_AUTOTASK_RATE',
    },
  },
  metrics: {
    enabled: {
      doc: 'Collect Prometheus metrics and serve them at GET /metrics (see metrics.port and metrics.bearerToken).',
      format: Boolean,
      default: true,
      env: 'METRICS_ENABLED',
    },
    port: {
      doc: 'Port of the internal listener, in every role, on server.host: GET /metrics (when metrics.enabled) and GET /healthz, /readyz (for container health checks; a worker has no other port). Keep it off the internet. 0: no listener. Job and outside-call figures live in the process that runs the jobs, webhook figures in the API.',
      format: 'port',
      default: 9464,
      env: 'METRICS_PORT',
    },
    bearerToken: {
      doc: 'When set, GET /metrics also answers on the public port, and on every port only with "Authorization: Bearer <token>" (401 otherwise). At least 16 characters, no spaces.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'METRICS_BEARER_TOKEN',
      sensitive: true,
    },
  },
  policy: {
    doc: 'The default policy for every customer: who may ask, protected users, attestation, email requests, rate limits (see docs/policy.md). A customer overrides any part with its own "policy" object.',
    format: Object,
    default: DEFAULT_POLICY as object,
    env: 'RESETDESK_POLICY_JSON',
  },
  passwordFormat: passwordFormatDefaultsSchema,
  rollout: rolloutSchema,
  customers: {
    doc: 'The customers: PSA customer id to Entra tenant id, with per-customer settings (see docs/configuration.md#customers). Set in the JSON config file.',
    format: 'customer-list',
    default: [] as unknown[],
    env: 'RESETDESK_CUSTOMERS_JSON',
  },
};

export function createConfig(options: { env?: NodeJS.ProcessEnv; args?: string[] } = {}) {
  return convict(configSchema, { env: options.env, args: options.args });
}

export type RawConfig = ReturnType<ReturnType<typeof createConfig>['getProperties']>;
