import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createResetdesk } from '../../app/resetdesk.js';
import { loadConfig } from '../../config/load-config.js';
import { createLogger } from '../../services/logging/logger.js';
import { QUEUE_NAMES, redisKeys } from '../../services/redis/redis-keys.js';
import { LockLostError } from '../../workers/open-jobs-store.js';
import { ResetQueue } from '../../workers/reset-queue.js';
import { startTestResetWorker } from '../support/test-reset-worker.js';
import { fencedDirectories, fencedPsaAdapter } from '../../workers/run-fence.js';
import { MemoryDirectory, MemoryPsa, TENANT } from '../support/in-memory-doubles.js';
import { startSandbox, TENANT as SANDBOX_TENANT } from '../sandbox/sandbox.js';
import { redisSpaceForTests, testRedisUrl } from '../support/redis.js';
import { validEnv } from '../support/test-config.js';

/**
 * A reset run whose job another run has taken over (its worker froze, or Redis was away past the lock, while
 * it waited on pacing or on an answer) must not reach the tenant or the PSA again: its next password change
 * would be a second one, set after the other run's, with the delivered link holding the wrong password.
 * Real BullMQ and Redis; the ports are in-memory doubles behind the fence the service puts around them.
 */

const logger = createLogger({ level: 'silent' });
const space = redisSpaceForTests('fence');
const { prefix } = space;

describe('A reset run that lost its ticket to another run', () => {
  it('When it makes its next outside call, then the call is refused before it reaches the tenant or the PSA', async () => {
    const queue = new ResetQueue({ connection: space.redis, prefix, attempts: 1, retentionDays: 1 });
    const directory = new MemoryDirectory();
    const psa = new MemoryPsa();
    const directories = fencedDirectories(directory);
    const ticketPsa = fencedPsaAdapter(psa);
    const lockKey = redisKeys(prefix).jobLock(QUEUE_NAMES.resets, 'halopsa-601');

    let settled: PromiseSettledResult<unknown>[] = [];
    let ran!: () => void;
    const finished = new Promise<void>((done) => (ran = done));
    const { worker } = startTestResetWorker(space, {
      async handle() {
        const tenant = directories.forTenant(TENANT);
        // While this run holds the job, its calls go through.
        await tenant.revokeSignInSessions('sam');
        await ticketPsa.moveTicket('601', 'awaiting-confirmation');
        // Its lock lapses and another run takes the job.
        await space.redis.set(lockKey, 'another-run');
        settled = await Promise.allSettled([
          tenant.resetPassword('sam', 'never-set'),
          ticketPsa.addNote('601', { visibility: 'customer', text: 'never written', marker: 'RD-T-1' }),
        ]);
        ran();
        throw (settled[0] as PromiseRejectedResult).reason;
      },
    });
    await queue.enqueue('halopsa', '601');
    await finished;
    await worker.close(true);

    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    for (const s of settled) expect((s as PromiseRejectedResult).reason).toBeInstanceOf(LockLostError);
    expect(directory.revoked).toEqual(['sam']);
    expect(directory.passwords.size).toBe(0);
    expect(psa.moves.map((m) => m.disposition)).toEqual(['awaiting-confirmation']);
    expect(psa.notes).toEqual([]);
    await queue.close();
  }, 30_000);

  it('When the ports are called outside a reset run (the watch, link events), then no fence applies', async () => {
    const directory = new MemoryDirectory();
    await fencedDirectories(directory).forTenant(TENANT).resetPassword('sam', 'set-outside-a-run');
    expect(directory.passwords.get('sam')).toEqual(['set-outside-a-run']);
  });

  it("When the service's run loses its job while it waits its turn to set the password, then the password is never set by it", async () => {
    const sandbox = await startSandbox();
    const servicePrefix = `${prefix}-svc`;
    const desk = createResetdesk(
      loadConfig({
        env: validEnv({
          ...sandbox.env,
          REDIS_URL: await testRedisUrl(),
          REDIS_KEY_PREFIX: servicePrefix,
          // One Graph call a second: the password change waits its turn after the link is stored.
          PACING_ENABLED: 'true',
          PACING_GRAPH_RATE: '1',
          PACING_GRAPH_BURST: '6',
        }),
      }),
      logger,
    );
    try {
      sandbox.fileResetTicket({ id: 8201, target: 'sam@contoso.test', resetPassword: 'Yes', resetMfa: 'No' });
      const { body, headers } = sandbox.psa.webhook(8201);
      const res = await request(desk.app!).post('/webhooks/halopsa').set(headers).send(body);
      expect(res.status).toBe(202);

      // The moment the run has stored the link and is about to set the password, another run takes the job.
      const jobKey = redisKeys(servicePrefix).job(QUEUE_NAMES.resets, 'halopsa-8201');
      const deadline = Date.now() + 15_000;
      while (!String(await space.redis.hget(jobKey, 'data')).includes('"status":"started"')) {
        if (Date.now() > deadline)
          throw new Error(
            `the run never started the password step: ${await space.redis.hget(jobKey, 'data')} ${JSON.stringify(sandbox.psa.notes(8201))}`,
          );
        await new Promise((r) => setTimeout(r, 5));
      }
      await space.redis.set(
        redisKeys(servicePrefix).jobLock(QUEUE_NAMES.resets, 'halopsa-8201'),
        'another-run',
      );
      await new Promise((r) => setTimeout(r, 2500));

      const sam = sandbox.graph.user(SANDBOX_TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!;
      expect(sam.passwordChanges ?? 0).toBe(0);
      expect(sandbox.psa.notes(8201)).toEqual([]);
    } finally {
      await desk.close(1000);
      await sandbox.close();
    }
  }, 30_000);
});
