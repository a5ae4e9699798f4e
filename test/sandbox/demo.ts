// `npm run demo`: the whole flow on this machine. Starts the sandbox (simulated Entra/Graph tenant and
// HaloPSA), starts resetdesk against it and the local Redis through ordinary configuration, files a reset
// ticket the way the Halo portal would, delivers Halo's webhook to the real route, waits for the outcome,
// and prints the ticket's notes and the secure link. Exits 0 when the flow worked.
//
// Flags: --keep-running   keep serving after the run so the printed link can be opened in a browser.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../config/load-config.js';
import { createLogger } from '../../services/logging/logger.js';
import { createResetdesk } from '../../services/resetdesk.js';
import { htmlToText } from '../simulators/halopsa-simulator.js';
import { haloWebhookBody } from '../simulators/halopsa-simulator.js';
import { HALO_CLIENT, RESET_TYPE, startSandbox, TENANT, WEBHOOK_PASSWORD, WEBHOOK_USER } from './sandbox.js';

const keepRunning = process.argv.includes('--keep-running');
const TICKET = 1001;

function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<number> {
  const sandbox = await startSandbox();
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
      `resetdesk demo — service on ${base}, sandbox Graph at ${sandbox.graph.url}, sandbox HaloPSA at ${sandbox.halo.url}`,
    );
    print('');
    print(
      `1. Maria Manager files a "Password / MFA reset" ticket (#${TICKET}) in the Halo portal for Sam Staff (sam@contoso.test).`,
    );
    sandbox.fileResetTicket({
      id: TICKET,
      target: 'sam@contoso.test',
      resetPassword: 'Yes',
      resetMfa: 'Yes',
    });

    print('2. Halo calls the webhook POST /webhooks/halopsa (Basic authentication).');
    const res = await fetch(`${base}/webhooks/halopsa`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Basic ${Buffer.from(`${WEBHOOK_USER}:${WEBHOOK_PASSWORD}`).toString('base64')}`,
      },
      body: JSON.stringify(
        haloWebhookBody(TICKET, 'full', { client_id: HALO_CLIENT, tickettype_id: RESET_TYPE }),
      ),
    });
    print(`   → ${res.status} ${JSON.stringify(await res.json())}`);
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);

    print('3. The worker reads the ticket, checks Maria manages Sam in Entra, resets, and writes back…');
    const deadline = Date.now() + 20_000;
    let outcome: { code: string } | undefined;
    while (!outcome && Date.now() < deadline) {
      const job = await desk.queue.queue.getJob(`halopsa-${TICKET}`);
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

    const ticket = sandbox.halo.ticket(TICKET)!;
    print('');
    print(`Ticket #${TICKET} in HaloPSA — status id ${String(ticket.status_id)}; notes:`);
    for (const action of sandbox.halo.actions(TICKET)) {
      const visible = action.hiddenfromuser
        ? 'internal note'
        : 'customer-visible note, emailed to the contact on file';
      print(`---- ${visible} (outcome ${String(action.outcome_id)}) ----`);
      print(htmlToText(String(action.note_html)));
    }
    print('----');
    for (const mail of sandbox.halo.emails.filter((m) => m.ticketId === TICKET))
      print(`Halo emailed the note to ${mail.to}.`);

    const link = /https?:\/\/[^\s"<]+\/s\/[A-Za-z0-9_-]+/.exec(
      sandbox.halo
        .actions(TICKET)
        .map((a) => String(a.note_html))
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
