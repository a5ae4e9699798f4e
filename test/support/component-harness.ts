import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import type { Job } from 'bullmq';
import type { PsaKind } from '../../services/domain/ports.js';
import request from 'supertest';
import { loadConfig } from '../../config/load-config.js';
import { createLogger } from '../../services/logging/logger.js';
import { createResetdesk, type Resetdesk } from '../../app/resetdesk.js';
import type { ResetOutcome } from '../../services/domain/reset/reset-journal.js';
import type { RedisClient } from '../../services/redis/redis-client.js';
import type { GraphSimulator } from '../simulators/graph-simulator.js';
import { haloWebhookBody, type HaloSimulator } from '../simulators/halopsa-simulator.js';
import {
  HALO_CLIENT,
  RESET_TYPE,
  startSandbox,
  WEBHOOK_PASSWORD,
  WEBHOOK_USER,
  type Sandbox,
} from '../sandbox/sandbox.js';
import { dumpUnder, keysUnder, testRedis, testRedisUrl } from './redis.js';
import type { TestRedisTarget } from './redis-topologies.js';
import { validEnv } from './test-config.js';
import { untilEvent } from './until-event.js';
import { watchJobs } from './wait-for-job.js';

export {
  TENANT,
  STATUS_AWAITING,
  STATUS_HANDOFF,
  TEAM_HANDOFF,
  WEBHOOK_USER,
  WEBHOOK_PASSWORD,
} from '../sandbox/sandbox.js';

export interface Harness {
  desk: Resetdesk;
  sandbox: Sandbox;
  /** Posts the webhook the sandbox PSA would send for a ticket (signed or authenticated as it would be). */
  deliverAsPsa(ticketId: number, tamper?: (body: string) => string): request.Test;
  graph: GraphSimulator;
  halo: HaloSimulator;
  /** A client of the harness's own on the service's Redis (a Cluster client on Cluster). */
  redis: RedisClient;
  prefix: string;
  /** Every log line the service wrote, as JSON strings. */
  logs: string[];
  /** Waits until `check` holds, looking again after each log line the service writes. */
  untilLogged(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Posts a Halo webhook for a ticket with the configured Basic credentials. */
  deliver(ticketId: number, shape?: Parameters<typeof haloWebhookBody>[1]): request.Test;
  /** Waits until the ticket's job has finished and returns its outcome. */
  outcomeOf(ticketId: number, timeoutMs?: number): Promise<ResetOutcome>;
  job(ticketId: number): Promise<Job | undefined>;
  /** Waits for any job (e.g. a follow-up with its own id) to complete and returns its outcome. */
  outcomeOfJob(jobId: string, timeoutMs?: number): Promise<ResetOutcome>;
  /** Everything under the service's Redis prefix, as text. */
  redisDump(): Promise<string>;
  fileResetTicket: Sandbox['fileResetTicket'];
  close(): Promise<void>;
}

export interface HarnessOptions {
  /**
   * The Redis the service runs on, as env vars of its topology (test/support/redis-topologies.ts): a local
   * Sentinel set or Cluster. Default: the shared local Redis through REDIS_URL.
   */
  redis?: TestRedisTarget;
  /** Env vars of the sandbox to leave out (e.g. RESETDESK_CUSTOMERS_JSON, for customers in a file). */
  withoutEnv?: string[];
}

/**
 * Starts the whole service in-process (API + worker) against the local Redis (or `options.redis`) and the
 * sandbox (Graph and HaloPSA simulators, see test/sandbox/sandbox.ts), configured only through the env vars
 * production uses.
 */
export async function startHarness(
  env: Record<string, string> = {},
  psa: PsaKind = 'halopsa',
  overrides: Parameters<typeof createResetdesk>[2] = {},
  options: HarnessOptions = {},
): Promise<Harness> {
  const sandbox = await startSandbox(psa);
  const { graph } = sandbox;
  const halo = psa === 'halopsa' ? sandbox.halo : (undefined as unknown as HaloSimulator);
  const id = `rdtest-${randomUUID().slice(0, 8)}`;
  // On Cluster the prefix is hash-tagged, as the configuration requires there.
  const prefix = options.redis?.cluster ? `{${id}}` : id;
  const redisEnv = options.redis ? options.redis.env : { REDIS_URL: await testRedisUrl() };
  const logs: string[] = [];
  const logged = new EventEmitter();
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        logged.emit('line');
        done();
      },
    }) as never,
  });
  const serviceEnv = validEnv({
    ...sandbox.env,
    ...redisEnv,
    REDIS_KEY_PREFIX: prefix,
    GRAPH_TIMEOUT_MS: '2000',
    HALOPSA_TIMEOUT_MS: '2000',
    WORKER_BACKOFF_MS: '50',
    WORKER_ATTEMPTS: '4',
    ...env,
  });
  for (const name of options.withoutEnv ?? []) delete serviceEnv[name];
  const config = loadConfig({ env: serviceEnv });

  const desk = createResetdesk(config, logger, overrides);
  const redis = options.redis ? await options.redis.connect() : await testRedis();
  const app = desk.app!;

  // A connection of its own: the watch blocks on it reading the queue's events.
  const jobs = await watchJobs(
    desk.queue.queue,
    options.redis ? await options.redis.connect() : await testRedis(),
  );
  const job = async (ticketId: number) => (await desk.queue.queue.getJob(`${psa}-${ticketId}`)) ?? undefined;
  const outcomeOfJob = async (jobId: string, timeoutMs = 15_000) => {
    const end = await jobs.waitForJob<ResetOutcome>(jobId, { timeoutMs });
    if (end.state === 'failed') throw new Error(`job ${jobId} failed: ${end.failedReason}`);
    return end.returnvalue!;
  };

  return {
    desk,
    sandbox,
    deliverAsPsa(ticketId, tamper) {
      jobs.forget(`${psa}-${ticketId}`);
      const { body, headers } = sandbox.psa.webhook(ticketId);
      let r = request(app).post(`/webhooks/${psa}`);
      for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
      return r.send(tamper ? tamper(body) : body);
    },
    graph,
    halo,
    redis,
    prefix,
    logs,
    untilLogged: (check, what, timeoutMs) => untilEvent(logged, 'line', check, what, timeoutMs),
    deliver(ticketId, shape = 'full') {
      // A new delivery may make a new job for the ticket: wait for that one, not an earlier outcome.
      jobs.forget(`${psa}-${ticketId}`);
      return request(app)
        .post('/webhooks/halopsa')
        .auth(WEBHOOK_USER, WEBHOOK_PASSWORD)
        .set('Content-Type', 'application/json')
        .send(
          JSON.stringify(
            haloWebhookBody(ticketId, shape, { client_id: HALO_CLIENT, tickettype_id: RESET_TYPE }),
          ),
        );
    },
    outcomeOf: (ticketId, timeoutMs) => outcomeOfJob(`${psa}-${ticketId}`, timeoutMs),
    job,
    outcomeOfJob,
    redisDump: () => dumpUnder(redis, prefix),
    fileResetTicket: sandbox.fileResetTicket,
    async close() {
      await jobs.close();
      await desk.close(5000);
      const keys = await keysUnder(redis, prefix);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      await sandbox.close();
    },
  };
}
