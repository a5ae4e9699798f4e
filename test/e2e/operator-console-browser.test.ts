import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UnrecoverableError, Worker } from 'bullmq';
import express from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import Provider from 'oidc-provider';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConfirmationStore } from '../../services/confirmation/confirmation-store.js';
import { createConsoleAudit } from '../../services/console/console-audit.js';
import { consoleRedirectUri, createConsoleRouter } from '../../services/console/console-router.js';
import { createOidcSignIn } from '../../services/console/console-sign-in.js';
import { createHandOffReader, createRedisTicketLedger } from '../../services/policy/ticket-ledger.js';
import { createLiveLinkReader } from '../../services/secure-link/live-link-reader.js';
import { createRedisSecureLinkStore } from '../../services/secure-link/secure-link-store.js';
import { createFailedJobs } from '../../workers/failed-jobs.js';
import { ResetQueue, type ResetJobData } from '../../workers/reset-queue.js';
import { keysUnder, testRedis } from '../support/redis.js';
import {
  chromiumAvailability,
  E2E_MSP_NAME,
  launchChromium,
  saveScreenshot,
  shouldWriteScreenshot,
} from '../support/secure-link-server.js';
import { QUEUE_NAMES } from '../../services/redis/redis-keys.js';

/**
 * The operator console in headless Debian Chromium against a real OpenID Connect provider (oidc-provider,
 * started here on 127.0.0.1 with one operator in the allowed group and one not) and real Redis: sign in,
 * read the pages, retry a failed job, find the retry in the audit, sign out; the outsider is refused.
 */

const availability = chromiumAvailability();
const GROUP = '55555555-aaaa-4bbb-8ccc-666666666666';
const CLIENT_SECRET = `console-secret-${randomBytes(8).toString('hex')}`;
const LINK_SECRET = 'Harbor#Lantern#Meadow#83';
const ACCOUNTS: Record<string, Record<string, unknown>> = {
  olga: {
    oid: '0b1c2d3e-0000-4000-8000-00000000000a',
    preferred_username: 'olga@example-msp.test',
    name: 'Olga Operator',
    groups: [GROUP],
  },
  nick: {
    oid: '0b1c2d3e-0000-4000-8000-00000000000b',
    preferred_username: 'nick@example-msp.test',
    name: 'Nick Outsider',
    groups: ['11111111-0000-4000-8000-000000000000'],
  },
};

const listen = (server: Server) =>
  new Promise<number>((done) =>
    server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port)),
  );

describe.skipIf(!availability.run)('operator console in headless Chromium', () => {
  let browser: Browser;
  let redis: Redis;
  let idpServer: Server;
  let consoleServer: Server;
  let origin: string;
  let queue: ResetQueue;
  let linkToken: string;
  const prefix = `rdtest-e2e-console-${randomBytes(4).toString('hex')}`;
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    redis = await testRedis();
    // The console's public URL must be known before the provider registers its redirect URI.
    consoleServer = createServer();
    const consolePort = await listen(consoleServer);
    // localhost (a secure context for Chromium, so the Secure cookie is kept over plain http in this test).
    origin = `http://localhost:${consolePort}`;

    idpServer = createServer();
    const idpPort = await listen(idpServer);
    const issuer = `http://127.0.0.1:${idpPort}`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'resetdesk-console',
          client_secret: CLIENT_SECRET,
          redirect_uris: [consoleRedirectUri(origin, '/console')],
          response_types: ['code'],
          grant_types: ['authorization_code'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'oid', 'groups'] },
      conformIdTokenClaims: false,
      cookies: { keys: [randomBytes(16).toString('hex')] },
      findAccount: (_ctx, id) =>
        ACCOUNTS[id] ? { accountId: id, claims: () => ({ sub: id, ...ACCOUNTS[id] }) } : undefined,
    });
    idpServer.on('request', provider.callback());

    const serverKey = randomBytes(32);
    const keyPrefix = `${prefix}:`;
    queue = new ResetQueue({ connection: redis, prefix, attempts: 1, retentionDays: 1 });
    const confirmations = createConfirmationStore({ redis, keyPrefix, serverKey, publicBaseUrl: origin });
    const links = createRedisSecureLinkStore({ redis, keyPrefix, serverKey, publicBaseUrl: origin, logger });

    // What the pages show: a pending confirmation, a live link, a hand-off, a failed job.
    await confirmations.create({
      psa: 'halopsa',
      ticketId: '4242',
      correlationId: 'halopsa-4242',
      question: {
        targetDisplayName: 'Sam Staff',
        targetDepartment: 'Accounts',
        targetSignInName: 'sam@contoso.example',
        what: 'both',
      },
      requesterSignInName: 'maria@contoso.example',
      ttlSeconds: 3600,
    });
    linkToken = (
      await links.create(LINK_SECRET, {
        ttlSeconds: 3600,
        maxViews: 2,
        context: { psa: 'halopsa', ticketId: '4240', correlationId: 'halopsa-4240' },
        target: 'jo@contoso.example',
      })
    ).token;
    await createRedisTicketLedger(redis, prefix).record('halopsa', '4239', {
      outcome: 'requester-not-found',
      handedOff: true,
      finishedAt: new Date().toISOString(),
    });
    await queue.enqueue('halopsa', '4241');
    const worker = new Worker<ResetJobData>(
      QUEUE_NAMES.resets,
      async (job) => {
        // A journal step done before the failure: the retry must keep it.
        await job.updateData({ ...job.data, progress: { sessionsRevoked: true } });
        throw new UnrecoverableError('Graph unreachable');
      },
      { connection: redis.duplicate({ maxRetriesPerRequest: null }), prefix },
    );
    await new Promise<void>((done) => worker.on('failed', () => done()));
    await worker.close();

    const app = express();
    app.use(helmet());
    app.use(
      '/console',
      createConsoleRouter({
        basePath: '/console',
        publicBaseUrl: origin,
        mspName: E2E_MSP_NAME,
        serverKey,
        sessionHours: 1,
        allowedGroupId: GROUP,
        signIn: createOidcSignIn({
          issuer,
          clientId: 'resetdesk-console',
          clientSecret: CLIENT_SECRET,
          redirectUri: consoleRedirectUri(origin, '/console'),
        }),
        sources: {
          confirmations,
          links: createLiveLinkReader(redis, keyPrefix),
          handOffs: createHandOffReader(redis, prefix),
          failedJobs: createFailedJobs(queue.queue, { logger, maxStalledCount: 1 }),
          audit: createConsoleAudit({ redis, prefix, logger }),
          queues: [queue.queue],
        },
        logger,
      }),
    );
    consoleServer.on('request', app);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const server of [consoleServer, idpServer]) {
      if (server?.listening) await new Promise<void>((done) => server.close(() => done()));
    }
    await queue?.close();
    if (redis) {
      const keys = await keysUnder(redis, prefix);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });

  async function shot(page: Page, name: string) {
    if (shouldWriteScreenshot(name)) await saveScreenshot(name, await page.screenshot({ fullPage: true }));
  }

  async function signIn(page: Page, login: string) {
    await page.goto(`${origin}/console/`);
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', 'any');
    await page.click('button[type="submit"]');
    const consent = page.locator('button:has-text("Continue")');
    if (await consent.isVisible().catch(() => false)) await consent.click();
    await page.waitForURL((url) => url.href.startsWith(origin));
  }

  it('a member of the group signs in, sees the pages, retries a failed job once, finds it audited, signs out', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 700 } });
    const page = await context.newPage();
    await signIn(page, 'olga');

    // Pending confirmations: ticket, target, requester, asked at, expires.
    expect(page.url()).toBe(`${origin}/console/confirmations`);
    const confirmations = await page.locator('main').innerText();
    expect(confirmations).toContain('halopsa #4242');
    expect(confirmations).toContain('Sam Staff');
    expect(confirmations).toContain('maria@contoso.example');
    await shot(page, 'console-confirmations.png');
    const [cookie] = await context.cookies(`${origin}/console/`);
    expect(cookie).toMatchObject({
      name: 'resetdesk_console',
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
      path: '/console',
    });

    // Live links: the ticket and staff member, never the password or the link.
    await page.click('header a:has-text("Secure links")');
    const linksHtml = await page.content();
    expect(await page.locator('main').innerText()).toContain('jo@contoso.example');
    expect(linksHtml).not.toContain(LINK_SECRET);
    expect(linksHtml).not.toContain(linkToken);

    await page.click('header a:has-text("Hand-offs")');
    expect(await page.locator('main').innerText()).toContain('requester-not-found');
    await shot(page, 'console-hand-offs.png');

    await page.click('header a:has-text("Failed jobs")');
    expect(await page.locator('main').innerText()).toContain('halopsa-4241');
    await shot(page, 'console-failed-jobs.png');
    await page.click('form[action$="/failed/halopsa-4241/retry"] button');
    await page.waitForURL(/\/console\/failed\?job=halopsa-4241&result=requeued/);
    const afterRetry = await page.locator('main').innerText();
    expect(afterRetry).toContain('Job halopsa-4241 is back in the queue on its hand-off path.');
    expect(afterRetry).toContain('No failed job.');

    // Re-queued under its own id, with its journal, on the hand-off path: not a fresh job.
    const job = await queue.queue.getJob('halopsa-4241');
    expect(await job!.getState()).toBe('waiting');
    expect(job!.data.progress).toEqual({ sessionsRevoked: true });
    expect(job!.data.failure).toMatchObject({ code: 'automation-error' });
    expect(await queue.queue.getJobCounts('waiting', 'failed')).toEqual({ waiting: 1, failed: 0 });

    await page.click('header a:has-text("Audit")');
    const audit = await page.locator('main').innerText();
    expect(audit).toMatch(/job\.retry\s+halopsa-4241\s+ok/);
    expect(audit).toMatch(/olga@example-msp\.test[\s\S]*sign-in\s+ok/);
    await shot(page, 'console-audit.png');

    // bull-board, read-only, behind the same sign-in.
    await page.click('header a:has-text("Queues")');
    await page.getByText(QUEUE_NAMES.resets, { exact: false }).first().waitFor({ timeout: 15_000 });
    await page.getByText(QUEUE_NAMES.resets).first().click();
    await page.waitForLoadState('networkidle');
    await shot(page, 'console-queues.png');
    await page.goto(`${origin}/console/audit`);

    await page.click('header button:has-text("Sign out")');
    expect(await page.locator('h1').innerText()).toBe('Signed out');
    // The session is gone: the console sends the browser to sign in again (the provider's own session is
    // the provider's business).
    expect(await context.cookies(`${origin}/console/`)).toEqual([]);
    const again = await page.request.get(`${origin}/console/failed`, { maxRedirects: 0 });
    expect(again.status()).toBe(303);
    expect(again.headers().location).toMatch(/^\/console\/auth\/sign-in\?/);
    expect(await redis.lrange(`${prefix}:console:audit`, 0, 0)).toEqual([
      expect.stringContaining('"sign-out"'),
    ]);
    // Nothing secret reached Redis through the console.
    const dump = JSON.stringify(await redis.lrange(`${prefix}:console:audit`, 0, -1));
    expect(dump).not.toContain(CLIENT_SECRET);
    expect(dump).not.toContain(cookie!.value);
    await context.close();
  }, 60_000);

  it('a user outside the group is refused with a page that says why', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 500 } });
    const page = await context.newPage();
    await signIn(page, 'nick');
    expect(await page.locator('h1').innerText()).toBe('Access refused');
    expect(await page.locator('main').innerText()).toContain('not a member of the group');
    expect(await context.cookies(`${origin}/console/`)).toEqual([]);
    await shot(page, 'console-refused.png');
    await context.close();
  }, 60_000);
});
