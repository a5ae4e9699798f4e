// `npm run demo`: the whole flow on this machine. Starts the sandbox (simulated Entra/Graph tenant and
// a PSA), starts resetdesk against it and the local Redis through ordinary configuration, files a reset
// ticket the way the PSA's portal would, delivers the PSA's webhook to the real route, waits for the outcome,
// and prints the ticket's notes and the secure link. Exits 0 when the flow worked.
//
// Flags: --psa=halopsa|connectwise|autotask   which PSA the sandbox simulates (default halopsa)
//        --keep-running                        keep serving so the printed link can be opened in a browser,
//                                              and write the sandbox configuration for `npm run doctor`
//        --tap                                 turn the sandbox tenant's Temporary Access Pass policy on and
//                                              issue a pass with the MFA reset (TAP_ENABLED)
//
// Redis: REDIS_URL (default redis://127.0.0.1:6379). When it does not answer, the demo says so in one line
// and exits 1. Every key the demo writes is under one prefix of its own (REDIS_KEY_PREFIX may name one that
// starts with "resetdesk-demo"), and is removed when the demo ends, SIGINT and SIGTERM included.
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../../config/load-config.js';
import { createLogger } from '../../services/logging/logger.js';
import { createResetdesk, type Resetdesk } from '../../app/resetdesk.js';
import type { PsaKind } from '../../services/domain/ports.js';
import { keysUnder } from '../support/redis.js';
import { startSandbox, TENANT, type Sandbox } from './sandbox.js';

const keepRunning = process.argv.includes('--keep-running');
const withPass = process.argv.includes('--tap');
const psaArg = process.argv.find((a) => a.startsWith('--psa='))?.slice('--psa='.length) ?? 'halopsa';
const PSA_NAMES: Record<PsaKind, string> = {
  halopsa: 'HaloPSA',
  connectwise: 'ConnectWise PSA',
  autotask: 'Autotask',
};
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const KEY_PREFIX = process.env.REDIS_KEY_PREFIX ?? `resetdesk-demo-${randomUUID().slice(0, 8)}`;
/** Where --keep-running writes the sandbox configuration for `npm run doctor` (gitignored). */
const SANDBOX_ENV_FILE = resolve('test/.sandbox.env');
const TICKET = 1001;

function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** What the demo started, so that any way out (success, failure, a signal) stops all of it. */
const started: {
  sandbox?: Sandbox;
  server?: ReturnType<typeof createServer>;
  desk?: Resetdesk;
  envFile?: string;
} = {};

/** One short-lived connection; true when Redis answers a PING within two seconds. */
async function redisAnswers(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** Stops the service, the simulators and the web server, and removes every key the demo wrote. */
async function cleanup(): Promise<void> {
  const { desk, server, sandbox, envFile } = started;
  started.desk = started.server = started.sandbox = started.envFile = undefined;
  if (envFile) rmSync(envFile, { force: true });
  await desk?.close(3000);
  server?.closeAllConnections();
  server?.close();
  await sandbox?.close();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    const keys = await keysUnder(redis, `${KEY_PREFIX}:`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  } finally {
    redis.disconnect();
  }
}

/** A POSIX shell assignment that survives any value (single quotes, the one quote escaped). */
const shellAssignment = (name: string, value: string) => `${name}='${value.replace(/'/g, `'\\''`)}'`;

async function main(): Promise<number> {
  if (!(psaArg in PSA_NAMES)) throw new Error(`--psa must be one of ${Object.keys(PSA_NAMES).join(', ')}`);
  if (!KEY_PREFIX.startsWith('resetdesk-demo')) {
    throw new Error('REDIS_KEY_PREFIX must start with "resetdesk-demo": the demo removes every key under it');
  }
  const psa = psaArg as PsaKind;
  if (!(await redisAnswers())) {
    console.error(`demo: Redis does not answer at ${new URL(REDIS_URL).host}: start Redis or set REDIS_URL`);
    return 1;
  }
  const sandbox = (started.sandbox = await startSandbox(psa));
  if (withPass) sandbox.graph.tenant(TENANT).tapPolicy({ state: 'enabled', isUsableOnce: true });
  const server = (started.server = createServer());
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const env = {
    ...sandbox.env,
    PUBLIC_BASE_URL: base,
    REDIS_URL,
    REDIS_KEY_PREFIX: KEY_PREFIX,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ...(withPass ? { TAP_ENABLED: 'true' } : {}),
  };
  const config = loadConfig({ env });
  const desk = (started.desk = createResetdesk(config, createLogger({ level: config.log.level })));
  server.on('request', desk.app!);

  print(
    `resetdesk demo — service on ${base}, sandbox Graph at ${sandbox.graph.url}, sandbox ${PSA_NAMES[psa]} at ${sandbox.psa.url}`,
  );
  print('');
  print(
    `1. Maria Manager files a "Password / MFA reset" ticket (#${TICKET}) in the ${PSA_NAMES[psa]} portal for Sam Staff (sam@contoso.test).`,
  );
  sandbox.fileResetTicket({
    id: TICKET,
    target: 'sam@contoso.test',
    resetPassword: 'Yes',
    resetMfa: 'Yes',
  });

  print(`2. ${PSA_NAMES[psa]} calls the webhook POST /webhooks/${psa}.`);
  const hook = sandbox.psa.webhook(TICKET);
  const res = await fetch(`${base}/webhooks/${psa}`, {
    method: 'POST',
    headers: hook.headers,
    body: hook.body,
  });
  print(`   → ${res.status} ${JSON.stringify(await res.json())}`);
  if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);

  print('3. The worker reads the ticket, checks Maria manages Sam in Entra, resets, and writes back…');
  const deadline = Date.now() + 20_000;
  let outcome: { code: string } | undefined;
  while (!outcome && Date.now() < deadline) {
    const job = await desk.queue.queue.getJob(`${psa}-${TICKET}`);
    const state = await job?.getState();
    if (state === 'completed') outcome = job!.returnvalue as { code: string };
    else if (state === 'failed') throw new Error(`job failed: ${job!.failedReason}`);
    else await new Promise((r) => setTimeout(r, 100));
  }
  if (!outcome) throw new Error('no outcome within 20 s');
  print(`   → outcome: ${outcome.code}`);

  const sam = sandbox.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!;
  print('');
  print('In the sandbox tenant, Sam Staff now has:');
  print(
    `   a temporary password set: ${sam.password ? 'yes' : 'no'}; must change at next sign-in: ${sam.forceChangePasswordNextSignIn}`,
  );
  print(
    `   MFA methods left: ${sam.methods.filter((m) => !m['@odata.type'].endsWith('passwordAuthenticationMethod')).length}`,
  );
  print(`   sign-in sessions revoked: ${sam.sessionsRevokedAt ? 'yes' : 'no'}`);
  if (withPass) {
    const passes = sam.methods.filter((m) =>
      m['@odata.type'].endsWith('temporaryAccessPassAuthenticationMethod'),
    );
    print(`   a Temporary Access Pass (behind the same secure link): ${passes.length === 1 ? 'yes' : 'no'}`);
  }

  print('');
  print(
    `Ticket #${TICKET} in ${PSA_NAMES[psa]} — ${sandbox.psa.disposition(TICKET) === 'awaiting-confirmation' ? "status: waiting for the customer's confirmation" : `disposition: ${sandbox.psa.disposition(TICKET)}`}; notes:`,
  );
  for (const note of sandbox.psa.notes(TICKET)) {
    print(`---- ${note.visibility === 'internal' ? 'internal note' : 'customer-visible note'} ----`);
    print(note.text);
  }
  print('----');
  for (const to of sandbox.psa.emailsFor(TICKET))
    print(`${PSA_NAMES[psa]} emailed the note to ${to} (the contact on file).`);

  const link = /https?:\/\/[^\s"<]+\/s\/[A-Za-z0-9_-]+/.exec(
    sandbox.psa
      .notes(TICKET)
      .map((n) => n.text)
      .join(' '),
  )?.[0];
  if (!link) throw new Error('no secure link on the ticket');
  print('');
  print(`Secure link: ${link}`);
  const page = await fetch(link);
  const pageText = await page.text();
  const secretShownOnGet = sam.password !== undefined && pageText.includes(sam.password);
  print(
    `   GET  → ${page.status}: ${pageText.includes('Click Here to Proceed') ? '"Click Here to Proceed" only' : 'unexpected page'}; password shown: ${secretShownOnGet ? 'YES (bug)' : 'no'}`,
  );
  if (secretShownOnGet || !page.ok) throw new Error('the link page is not right');

  const loopClosed = await closeTheLoop(sandbox, desk);
  const worked = outcome.code === 'reset-delivered' && loopClosed;
  flowExitCode = worked ? 0 : 1;
  if (keepRunning) {
    writeFileSync(
      SANDBOX_ENV_FILE,
      `${Object.entries({
        ...env,
        LOG_LEVEL: 'warn',
        NODE_EXTRA_CA_CERTS: resolve('test/.sim-tls/cert.pem'),
      })
        .map(([name, value]) => shellAssignment(name, value))
        .join('\n')}\n`,
      { mode: 0o600 },
    );
    started.envFile = SANDBOX_ENV_FILE;
    print('');
    print('Open the link above in a browser (the reveal uses one of its views).');
    print('Check the setup against the sandbox, in another terminal:');
    print('   set -a; . test/.sandbox.env; set +a; npm run doctor');
    print('Ctrl+C stops the demo.');
    await new Promise(() => undefined); // until SIGINT or SIGTERM (see below)
  }
  return worked ? 0 : 1;
}

/**
 * The end of the customers' procedure: Sam signs in with the temporary password, sets his own and registers
 * Microsoft Authenticator again. The watch's next check is due minutes later; the demo runs it now.
 */
async function closeTheLoop(sandbox: Sandbox, desk: Resetdesk): Promise<boolean> {
  print('');
  print('4. Sam signs in with the temporary password, sets a password of his own and registers the');
  print('   Microsoft Authenticator app again (the sandbox tenant plays his part).');
  const queue = desk.aftercare?.queue;
  if (!queue) throw new Error('the watch is off (WATCH_ENABLED=false)');
  const watchJob = async () => (await queue.getJobs(['delayed', 'waiting', 'active', 'completed']))[0];
  // The watch's first run reads the account right after the reset; Sam acts after that.
  await until(async () => (await watchJob())?.data.watch.baseline !== undefined, 'the watch never started');
  // Minutes after the reset, as far as the tenant's clock says (its times have whole seconds).
  const minutesLater = new Date(Date.now() + 5 * 60_000);
  sandbox.graph.signsInAndChangesPassword(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d', minutesLater);
  sandbox.graph.registersMethod(
    TENANT,
    '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d',
    {
      '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
      id: 'authenticator-after-reset',
      displayName: "Sam's phone",
    },
    minutesLater,
  );
  print('5. The watch checks again (due in minutes; the demo runs it now) and closes the ticket…');
  const job = (await watchJob())!;
  if ((await job.getState()) === 'delayed') await job.promote();
  let code: unknown;
  await until(async () => {
    // The state first: a job read while still active carries no return value even once it has completed.
    if ((await queue.getJobState(job.id!)) !== 'completed') return false;
    code = (await queue.getJob(job.id!))?.returnvalue;
    return true;
  }, 'the watch did not end');
  print(`   → outcome: ${String(code)}; ticket #${TICKET} ${sandbox.psa.disposition(TICKET)}`);
  const watchNote = sandbox.psa.notes(TICKET).at(-1);
  if (watchNote) {
    print('---- internal note ----');
    print(watchNote.text);
    print('----');
  }
  return code === 'back-in';
}

async function until(done: () => Promise<boolean>, failure: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(failure);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Ctrl+C or a supervisor's SIGTERM: stop everything, remove the demo's keys, exit (with the flow's code once it
// has finished, as with --keep-running; 130 or 143 when interrupted). A second signal exits at once.
let stopping = false;
let flowExitCode: number | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    print(`\n${signal}: stopping the demo`);
    cleanup().then(
      () => process.exit(flowExitCode ?? (signal === 'SIGINT' ? 130 : 143)),
      () => process.exit(1),
    );
  });
}

main().then(
  async (code) => {
    if (stopping) return; // the signal handler finishes
    await cleanup().catch(() => undefined);
    process.exit(code);
  },
  async (err: Error) => {
    if (stopping) return;
    console.error(`demo failed: ${err.message}`);
    await cleanup().catch(() => undefined);
    process.exit(1);
  },
);
