import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Logger } from '../logging/logger.js';
import { operatorGate, judgeOperatorClaims } from './console-auth.js';
import {
  CONSOLE_CSP,
  renderAuditPage,
  renderConfirmationsPage,
  renderFailedPage,
  renderHandOffsPage,
  renderLinksPage,
  renderPlainPage,
  renderWatchesPage,
  type PageFrame,
} from './console-pages.js';
import {
  cookieHeader,
  createCookieSealer,
  readCookies,
  SESSION_COOKIE,
  SIGN_IN_COOKIE,
  type ConsoleSession,
  type SignInState,
} from './console-session.js';
import { pkce, type OidcSignIn } from './console-sign-in.js';
import type { ConsoleSources } from './console-sources.js';

/**
 * Not `no-referrer` (helmet's default): under it a browser sends `Origin: null` with a form POST, and the
 * gate's origin check would refuse the console's own forms. Paths under the console hold no secret.
 */
const SAME_ORIGIN = 'same-origin';
/** Rows one page lists at most. */
const PAGE_ROWS = 200;
/** How far back the hand-offs page looks. */
export const HAND_OFF_DAYS = 7;
const SIGN_IN_SECONDS = 600;

export interface ConsoleRouterOptions {
  /** Where the router is mounted, e.g. `/console` (config console.path). */
  basePath: string;
  /** server.publicBaseUrl: the redirect URI and the callback URL are built from it, never from a header. */
  publicBaseUrl: string;
  mspName: string;
  /** Seals the cookies (see console-session.ts); the secure-link server key. */
  serverKey: Buffer;
  sessionHours: number;
  /** Object id of the Entra group whose members may sign in. */
  allowedGroupId: string;
  signIn: OidcSignIn;
  sources: ConsoleSources;
  logger: Logger;
}

/** The redirect URI to register in the console's Entra app. */
export function consoleRedirectUri(publicBaseUrl: string, basePath: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${basePath}/auth/callback`;
}

const REFUSALS = {
  'not-in-group':
    'Your account is not a member of the group allowed to use this console. Ask an administrator to add you.',
  'group-overage':
    'Your account is in too many groups for Entra ID to list them in the sign-in token, so membership of the allowed group cannot be checked. Access is refused. Ask an administrator to assign the console\'s group to the app ("Groups assigned to the application") so the token carries it.',
  'no-identity': 'The sign-in did not say who you are. Access is refused.',
} as const;

/**
 * The operator console under `basePath`: sign-in with the MSP's Entra tenant, the pages, the retry of a
 * failed job, and bull-board (read-only). Everything but the two sign-in routes is behind `operatorGate`.
 */
export function createConsoleRouter(options: ConsoleRouterOptions): Router {
  const { basePath, sources, logger } = options;
  const sealer = createCookieSealer(options.serverKey);
  const publicOrigin = new URL(options.publicBaseUrl).origin;
  const plain = (res: Response, status: number, title: string, message: string, again = false) => {
    res
      .status(status)
      .set({ 'Content-Security-Policy': CONSOLE_CSP, 'Referrer-Policy': SAME_ORIGIN })
      .type('html')
      .send(
        renderPlainPage(
          options.mspName,
          title,
          message,
          again ? { href: `${basePath}/auth/sign-in`, label: 'Sign in' } : undefined,
        ),
      );
  };
  const unknownOperator = { oid: 'unknown', upn: 'unknown' };
  const router = express.Router();

  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  router.get('/auth/sign-in', async (req, res) => {
    const asked = typeof req.query.return === 'string' ? req.query.return : '';
    const returnTo = asked === basePath || asked.startsWith(`${basePath}/`) ? asked : `${basePath}/`;
    const verifier = pkce.verifier();
    const flow: SignInState = {
      state: pkce.state(),
      nonce: pkce.nonce(),
      verifier,
      returnTo: /^[A-Za-z0-9/_.-]*$/.test(returnTo) ? returnTo : `${basePath}/`,
      expiresAt: Date.now() + SIGN_IN_SECONDS * 1000,
    };
    let url: URL;
    try {
      url = await options.signIn.authorizationUrl({
        state: flow.state,
        nonce: flow.nonce,
        codeChallenge: await pkce.challenge(verifier),
      });
    } catch (err) {
      logger.warn(
        { event: 'console.sign-in-unavailable', err: { message: (err as Error).message } },
        'the console sign-in service cannot be reached',
      );
      plain(res, 503, 'Sign-in unavailable', 'The sign-in service cannot be reached. Try again in a moment.');
      return;
    }
    res.append(
      'Set-Cookie',
      cookieHeader(SIGN_IN_COOKIE, sealer.seal('sign-in', flow), basePath, SIGN_IN_SECONDS),
    );
    res.redirect(303, url.href);
  });

  router.get('/auth/callback', async (req, res) => {
    const flow = sealer.open<SignInState>('sign-in', readCookies(req.get('cookie')).get(SIGN_IN_COOKIE));
    res.append('Set-Cookie', cookieHeader(SIGN_IN_COOKIE, '', basePath, 0));
    if (!flow || !(flow.expiresAt > Date.now())) {
      plain(
        res,
        400,
        'Sign-in expired',
        'This sign-in was not started here or took too long. Start again.',
        true,
      );
      return;
    }
    let claims: Record<string, unknown>;
    try {
      claims = await options.signIn.redeem(new URL(`${options.publicBaseUrl}${req.originalUrl}`), flow);
    } catch (err) {
      // The message names what failed (state, nonce, signature, an error from Entra), never a code or token.
      await sources.audit.record({
        operator: unknownOperator,
        action: 'sign-in',
        result: `failed: ${(err as Error).message.slice(0, 200)}`,
      });
      plain(res, 400, 'Sign-in failed', 'The sign-in could not be completed. Start again.', true);
      return;
    }
    const judged = judgeOperatorClaims(claims, options.allowedGroupId);
    if (!judged.allowed) {
      await sources.audit.record({
        operator: { oid: judged.oid ?? 'unknown', upn: judged.upn ?? 'unknown' },
        action: 'sign-in',
        result: `refused: ${judged.reason}`,
      });
      plain(res, 403, 'Access refused', REFUSALS[judged.reason]);
      return;
    }
    const session: ConsoleSession = {
      oid: judged.oid,
      upn: judged.upn,
      name: judged.name,
      csrf: pkce.state(),
      expiresAt: Date.now() + options.sessionHours * 3600_000,
    };
    res.append(
      'Set-Cookie',
      cookieHeader(SESSION_COOKIE, sealer.seal('session', session), basePath, options.sessionHours * 3600),
    );
    await sources.audit.record({ operator: who(session), action: 'sign-in', result: 'ok' });
    res.redirect(303, flow.returnTo);
  });

  router.use(express.urlencoded({ extended: false, limit: '2kb', parameterLimit: 10 }));
  router.use(operatorGate({ sealer, basePath, publicOrigin }));

  // bull-board is read-only: nothing in it can change a queue. A change asked of it anyway is refused here
  // (before bull-board) and audited.
  router.use('/queues', async (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      next();
      return;
    }
    await sources.audit.record({
      operator: who(req.operator!),
      action: 'queues.change',
      target: `${req.method} ${req.path}`.slice(0, 200),
      result: 'refused: the queues are read-only here',
    });
    res.status(403).json({ error: 'read-only' });
  });
  const board = new ExpressAdapter();
  board.setBasePath(`${basePath}/queues`);
  createBullBoard({
    queues: sources.queues.map((queue) => {
      const adapter = new BullMQAdapter(queue, { readOnlyMode: true });
      adapter.setFormatter('data', hideSealedValues);
      return adapter;
    }),
    // @bull-board/express carries its own copy of @bull-board/api: the same interface, declared twice.
    serverAdapter: board as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: `${options.mspName} queues` } },
  });
  router.use('/queues', board.getRouter() as RequestHandler);

  router.post('/auth/sign-out', async (req, res) => {
    await sources.audit.record({ operator: who(req.operator!), action: 'sign-out', result: 'ok' });
    res.append('Set-Cookie', cookieHeader(SESSION_COOKIE, '', basePath, 0));
    plain(res, 200, 'Signed out', 'You are signed out of the console.', true);
  });

  const frame = (req: Request, active: string): PageFrame => ({
    basePath,
    mspName: options.mspName,
    operator: { name: req.operator!.name, upn: req.operator!.upn, csrf: req.operator!.csrf },
    active,
  });
  const html = (res: Response, body: string) => {
    res
      .set({ 'Content-Security-Policy': CONSOLE_CSP, 'Referrer-Policy': SAME_ORIGIN })
      .type('html')
      .send(body);
  };
  /** A page whose data could not be read (Redis down) says so instead of showing an empty list. */
  const readPage =
    (render: (req: Request) => Promise<string>): RequestHandler =>
    async (req, res) => {
      try {
        html(res, await render(req));
      } catch (err) {
        logger.warn(
          { event: 'console.read-failed', err: { message: (err as Error).message } },
          'console page unread',
        );
        plain(
          res,
          503,
          'Not available',
          'The data for this page cannot be read right now (is Redis reachable?).',
        );
      }
    };

  router.get('/', (_req, res) => res.redirect(303, `${basePath}/confirmations`));
  router.get(
    '/confirmations',
    readPage(async (req) =>
      renderConfirmationsPage(
        frame(req, 'confirmations'),
        await sources.confirmations.listPending(PAGE_ROWS),
      ),
    ),
  );
  router.get(
    '/links',
    readPage(async (req) => renderLinksPage(frame(req, 'links'), await sources.links.listLive(PAGE_ROWS))),
  );
  router.get(
    '/hand-offs',
    readPage(async (req) => {
      const since = new Date(Date.now() - HAND_OFF_DAYS * 86400_000);
      const items = await sources.handOffs.listHandOffs(since, PAGE_ROWS);
      return renderHandOffsPage(frame(req, 'hand-offs'), items, HAND_OFF_DAYS);
    }),
  );
  router.get(
    '/failed',
    readPage(async (req) => {
      const job = typeof req.query.job === 'string' ? req.query.job.slice(0, 200) : '';
      const result = typeof req.query.result === 'string' ? req.query.result : '';
      const notice = job ? RETRY_NOTICES[result as keyof typeof RETRY_NOTICES]?.(job) : undefined;
      return renderFailedPage(frame(req, 'failed'), await sources.failedJobs.list(PAGE_ROWS), notice);
    }),
  );
  router.get(
    '/watches',
    readPage(async (req) => renderWatchesPage(frame(req, 'watches'), await sources.watches?.list(PAGE_ROWS))),
  );
  router.get(
    '/audit',
    readPage(async (req) => renderAuditPage(frame(req, 'audit'), await sources.audit.recent(PAGE_ROWS))),
  );

  router.post('/failed/:jobId/retry', async (req, res) => {
    const jobId = String(req.params.jobId).slice(0, 200);
    let result: string;
    try {
      result = await sources.failedJobs.retry(jobId);
    } catch (err) {
      result = 'error';
      logger.error(
        { event: 'console.retry-failed', jobId, err: { message: (err as Error).message } },
        'retry failed',
      );
    }
    await sources.audit.record({
      operator: who(req.operator!),
      action: 'job.retry',
      target: jobId,
      result:
        result === 'requeued'
          ? 'ok'
          : result === 'error'
            ? 'failed: could not re-queue'
            : `refused: ${result}`,
    });
    res.redirect(303, `${basePath}/failed?job=${encodeURIComponent(jobId)}&result=${result}`);
  });

  return router;
}

const RETRY_NOTICES = {
  requeued: (job: string) => `Job ${job} is back in the queue on its hand-off path.`,
  'not-failed': (job: string) =>
    `Job ${job} is no longer failed: it was already put back (nothing was done).`,
  'not-found': (job: string) => `There is no job ${job} (nothing was done).`,
  error: (job: string) => `Job ${job} could not be put back; try again.`,
};

/**
 * Job data as bull-board shows it, with every `sealed…` value (a link token sealed with the server key,
 * see services/domain/reset/reset-journal.ts) replaced: sealed is not clear, but it has no use on a screen.
 */
export function hideSealedValues(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(hideSealedValues);
  if (typeof data !== 'object' || data === null) return data;
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [
      key,
      /^sealed/i.test(key) ? '[sealed]' : hideSealedValues(value),
    ]),
  );
}

function who(session: ConsoleSession): { oid: string; upn: string } {
  return { oid: session.oid, upn: session.upn };
}
