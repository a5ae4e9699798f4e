// `npm run demo`: the whole flow on this machine. Starts the sandbox (simulated Entra/Graph tenant and
// a PSA), starts resetdesk against it and the local Redis through ordinary configuration, files a reset
// ticket the way the PSA's portal would, delivers the PSA's webhook to the real route, waits for the outcome,
// and prints the ticket's notes and the secure link. Exits 0 when the flow worked.
//
// Flags: --psa=halopsa|connectwise|autotask   which PSA the sandbox simulates (default halopsa)
//        --keep-running                        keep serving so the printed link can be opened in a browser
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../config/load-config.js';
import { createLogger } from '../../services/logging/logger.js';
import { createResetdesk } from '../../services/resetdesk.js';
import type { PsaKind } from '../../services/domain/ports.js';
import { startSandbox, TENANT } from './sandbox.js';

const keepRunning = process.argv.includes('--keep-running');
const psaArg = process.argv.find((a) => a.startsWith('--psa='))?.slice('--psa='.length) ?? 'halopsa';
const PSA_NAMES: Record<PsaKind, string> = {
  halopsa: 'HaloPSA',
  connectwise: 'ConnectWise PSA',
  autotask: 'Autotask',
};
const TICKET = 1001;

function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<number> {
  if (!(psaArg in PSA_NAMES)) throw new Error(`--psa must be one of ${Object.keys(PSA_NAMES).join(', ')}`);
  const psa = psaArg as PsaKind;
  const sandbox = await startSandbox(psa);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const config = loadConfig({
    env: {
      ...sandbox.env,
      PUBLIC_BASE_URL: base,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `resetdesk-demo-${randomUUID().slice(0, 8)}`,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
  });
  const desk = createResetdesk(config, createLogger({ level: config.log.level }));
  server.on('request', desk.app!);

  const cleanup = async () => {
    await desk.close(3000);
    server.close();
    await sandbox.close();
  };

  try {
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

    const sam = sandbox.graph.user(TENANT, 'u-sam')!;
    print('');
    print('In the sandbox tenant, Sam Staff now has:');
    print(
      `   a temporary password set: ${sam.password ? 'yes' : 'no'}; must change at next sign-in: ${sam.forceChangePasswordNextSignIn}`,
    );
    print(
      `   MFA methods left: ${sam.methods.filter((m) => !m['@odata.type'].endsWith('passwordAuthenticationMethod')).length}`,
    );
    print(`   sign-in sessions revoked: ${sam.sessionsRevokedAt ? 'yes' : 'no'}`);

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

    if (keepRunning) {
      print('');
      print('Open the link above in a browser (the reveal uses one of its views). Ctrl+C stops the demo.');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    return outcome.code === 'reset-delivered' ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`demo failed: ${err.message}`);
    process.exit(1);
  },
);
