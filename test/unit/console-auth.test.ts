import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { ConsoleAuditEntry } from '../../services/console/console-audit.js';
import { judgeOperatorClaims } from '../../services/console/console-auth.js';
import { createConsoleRouter, hideSealedValues } from '../../services/console/console-router.js';
import {
  createCookieSealer,
  SESSION_COOKIE,
  type ConsoleSession,
} from '../../services/console/console-session.js';
import type { OidcSignIn } from '../../services/console/console-sign-in.js';
import { createLogger } from '../../services/logging/logger.js';

/**
 * The console's gate and sign-in, with a stand-in for the identity provider (the real OpenID Connect round
 * trip runs in test/e2e/operator-console-browser.test.ts): who gets in, who is refused, and what every
 * request without a valid session gets.
 */

const GROUP = '55555555-aaaa-4bbb-8ccc-666666666666';
const ORIGIN = 'https://reset.example.test';
const MEMBER = {
  oid: '0b1c2d3e-0000-4000-8000-00000000000a',
  preferred_username: 'ops@example-msp.test',
  name: 'Olga Operator',
  groups: ['11111111-0000-4000-8000-000000000000', GROUP],
};

function consoleApp(claims: Record<string, unknown> = MEMBER) {
  const serverKey = randomBytes(32);
  const audit: ConsoleAuditEntry[] = [];
  const retried: string[] = [];
  const redeemed: Array<{ url: string; state: string; verifier: string }> = [];
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  const signIn: OidcSignIn = {
    async authorizationUrl(checks) {
      const url = new URL('https://login.example.test/authorize');
      url.searchParams.set('state', checks.state);
      url.searchParams.set('code_challenge', checks.codeChallenge);
      return url;
    },
    async redeem(currentUrl, checks) {
      redeemed.push({ url: currentUrl.href, state: checks.state, verifier: checks.verifier });
      if (currentUrl.searchParams.get('state') !== checks.state) throw new Error('state mismatch');
      return claims;
    },
  };
  const app = express();
  app.use(helmet());
  app.use(
    '/console',
    createConsoleRouter({
      basePath: '/console',
      publicBaseUrl: ORIGIN,
      mspName: 'Example MSP',
      serverKey,
      sessionHours: 8,
      allowedGroupId: GROUP,
      signIn,
      logger,
      sources: {
        confirmations: { listPending: async () => [] },
        links: { listLive: async () => [] },
        handOffs: { listHandOffs: async () => [] },
        failedJobs: {
          list: async () => [],
          retry: async (jobId) => {
            retried.push(jobId);
            return 'requeued';
          },
        },
        audit: {
          record: async (entry) => {
            audit.push({ at: new Date().toISOString(), ...entry });
          },
          recent: async () => [...audit].reverse(),
        },
        queues: [],
      },
    }),
  );
  const sealer = createCookieSealer(serverKey);
  const sessionCookie = (overrides: Partial<ConsoleSession> = {}) =>
    `${SESSION_COOKIE}=${sealer.seal('session', {
      oid: MEMBER.oid,
      upn: MEMBER.preferred_username,
      name: MEMBER.name,
      csrf: 'csrf-token-of-this-session',
      expiresAt: Date.now() + 3600_000,
      ...overrides,
    })}`;

  /** The whole sign-in: start, come back from the provider with the state, return the response. */
  async function signInFlow() {
    const start = await request(app).get('/console/auth/sign-in?return=%2Fconsole%2Ffailed');
    const cookie = start.headers['set-cookie']![0]!.split(';')[0]!;
    const state = new URL(start.headers.location!).searchParams.get('state')!;
    return request(app).get(`/console/auth/callback?code=a-code&state=${state}`).set('Cookie', cookie);
  }
  return { app, audit, retried, redeemed, lines, sessionCookie, signInFlow };
}

const cookiesOf = (res: request.Response) => (res.headers['set-cookie'] as unknown as string[]) ?? [];

describe('the console gate', () => {
  it.each([
    '/console/',
    '/console/confirmations',
    '/console/links',
    '/console/failed',
    '/console/audit',
    '/console/queues/',
  ])(
    'When %s is asked for without a session, then the browser is sent to sign in and shown nothing',
    async (path) => {
      const { app } = consoleApp();
      const res = await request(app).get(path).set('Accept', 'text/html');
      expect(res.status).toBe(303);
      expect(res.headers.location).toMatch(/^\/console\/auth\/sign-in\?return=%2Fconsole/);
      expect(res.text).not.toContain('<table');
    },
  );

  it.each([
    ['GET', '/console/queues/api/queues'],
    ['GET', '/console/queues/static/js/main.js'],
    ['PUT', '/console/queues/api/queues/resets/pause'],
    ['POST', '/console/failed/halopsa-1/retry'],
    ['POST', '/console/auth/sign-out'],
  ])('When %s %s comes without a session, then it gets 401 and changes nothing', async (method, path) => {
    const { app, retried, audit } = consoleApp();
    const agent = request(app);
    const verb = method.toLowerCase() as 'get' | 'put' | 'post';
    const res = await agent[verb](path).set(
      'Accept',
      path.includes('static') ? 'application/javascript' : 'application/json',
    );
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'sign-in-required' });
    expect(retried).toEqual([]);
    expect(audit).toEqual([]);
  });

  it('When the session has expired, then it counts as none', async () => {
    const { app, sessionCookie } = consoleApp();
    const res = await request(app)
      .get('/console/confirmations')
      .set('Cookie', sessionCookie({ expiresAt: Date.now() - 1000 }));
    expect(res.status).toBe(303);
    expect(res.headers.location).toContain('/console/auth/sign-in');
  });

  it('When the session cookie was made under another key or altered, then it counts as none', async () => {
    const { app, sessionCookie } = consoleApp();
    const other = consoleApp().sessionCookie();
    const good = sessionCookie();
    // One character of the sealed value changed (the one before last, so it is never a padding bit).
    const at = good.length - 2;
    const altered = `${good.slice(0, at)}${good[at] === 'A' ? 'B' : 'A'}${good.slice(at + 1)}`;
    for (const cookie of [other, altered, `${SESSION_COOKIE}=not-a-sealed-value`]) {
      const res = await request(app).get('/console/confirmations').set('Cookie', cookie);
      expect(res.status).toBe(303);
    }
    expect((await request(app).get('/console/confirmations').set('Cookie', good)).status).toBe(200);
  });

  it('When a POST lacks the session CSRF token or comes from another origin, then it is refused and nothing is retried', async () => {
    const { app, sessionCookie, retried } = consoleApp();
    const noToken = await request(app).post('/console/failed/halopsa-1/retry').set('Cookie', sessionCookie());
    expect(noToken.status).toBe(403);
    const wrongToken = await request(app)
      .post('/console/failed/halopsa-1/retry')
      .set('Cookie', sessionCookie())
      .type('form')
      .send({ _csrf: 'csrf-token-of-another-session' });
    expect(wrongToken.status).toBe(403);
    const crossSite = await request(app)
      .post('/console/failed/halopsa-1/retry')
      .set('Cookie', sessionCookie())
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({ _csrf: 'csrf-token-of-this-session' });
    expect(crossSite.status).toBe(403);
    expect(retried).toEqual([]);
  });

  it('When a signed-in operator presses retry, then the job is re-queued once and the action audited', async () => {
    const { app, sessionCookie, retried, audit } = consoleApp();
    const res = await request(app)
      .post('/console/failed/halopsa-1/retry')
      .set('Cookie', sessionCookie())
      .set('Origin', ORIGIN)
      .type('form')
      .send({ _csrf: 'csrf-token-of-this-session' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/failed?job=halopsa-1&result=requeued');
    expect(retried).toEqual(['halopsa-1']);
    expect(audit).toMatchObject([
      {
        operator: { oid: MEMBER.oid, upn: 'ops@example-msp.test' },
        action: 'job.retry',
        target: 'halopsa-1',
        result: 'ok',
      },
    ]);
  });

  it('When a change is asked of bull-board, even with the session and token, then it is refused and audited', async () => {
    const { app, sessionCookie, audit } = consoleApp();
    const res = await request(app)
      .put('/console/queues/api/queues/resets/pause')
      .set('Cookie', sessionCookie())
      .set('x-csrf-token', 'csrf-token-of-this-session');
    expect(res.status).toBe(403);
    expect(audit).toMatchObject([
      { action: 'queues.change', result: 'refused: the queues are read-only here' },
    ]);
  });
});

describe('the pages', () => {
  it('When a signed-in operator opens a page, then it is not cached, runs no script and says what it lists', async () => {
    const { app, sessionCookie } = consoleApp();
    for (const [path, text] of [
      ['/console/confirmations', 'No confirmation is pending.'],
      ['/console/links', 'No secure link is live.'],
      ['/console/hand-offs', 'No hand-off in the last 7 days.'],
      ['/console/failed', 'No failed job.'],
      ['/console/watches', 'The watch is off'],
      ['/console/audit', 'No operator action recorded yet.'],
    ] as const) {
      const res = await request(app).get(path).set('Cookie', sessionCookie());
      expect(res.status, path).toBe(200);
      expect(res.text).toContain(text);
      expect(res.text).toContain('Olga Operator');
      expect(res.text).not.toMatch(/<script/i);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-/);
    }
  });
});

describe('signing in', () => {
  it('When sign-in starts, then PKCE, state and nonce go to the provider and a short sealed cookie is set', async () => {
    const { app } = consoleApp();
    const res = await request(app).get('/console/auth/sign-in');
    expect(res.status).toBe(303);
    const url = new URL(res.headers.location!);
    expect(url.origin).toBe('https://login.example.test');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [cookie] = cookiesOf(res);
    expect(cookie).toMatch(
      /^resetdesk_console_sign_in=[A-Za-z0-9_-]+; Path=\/console; Max-Age=600; HttpOnly; Secure; SameSite=Lax$/,
    );
    // Sealed: neither the state nor anything else readable in it.
    expect(cookie).not.toContain(url.searchParams.get('state'));
  });

  it('When a member of the allowed group signs in, then a session cookie is set and the sign-in audited', async () => {
    const { signInFlow, audit, redeemed, lines } = consoleApp();
    const res = await signInFlow();
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/failed');
    const session = cookiesOf(res).find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(session).toMatch(/; Path=\/console; Max-Age=28800; HttpOnly; Secure; SameSite=Lax$/);
    expect(session).not.toContain('ops@example-msp.test');
    // The callback URL is rebuilt from the public URL, never from the Host header.
    expect(redeemed[0]!.url).toMatch(/^https:\/\/reset\.example\.test\/console\/auth\/callback\?code=a-code/);
    expect(audit).toMatchObject([
      { operator: { oid: MEMBER.oid, upn: 'ops@example-msp.test' }, action: 'sign-in', result: 'ok' },
    ]);
    const logged = lines.join('');
    expect(logged).not.toContain(session.split(';')[0]!.split('=')[1]!);
    expect(logged).not.toContain(redeemed[0]!.verifier);
  });

  it('When the user is not in the allowed group, then the page refuses access and no session is made', async () => {
    const { signInFlow, audit } = consoleApp({ ...MEMBER, groups: ['11111111-0000-4000-8000-000000000000'] });
    const res = await signInFlow();
    expect(res.status).toBe(403);
    expect(res.text).toContain('not a member of the group allowed to use this console');
    expect(cookiesOf(res).some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    expect(audit).toMatchObject([{ action: 'sign-in', result: 'refused: not-in-group' }]);
  });

  it('When the token has group overage, then access is refused with a page that says why (fail closed)', async () => {
    const overage = {
      ...MEMBER,
      groups: undefined,
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: {} },
    };
    const { signInFlow, audit } = consoleApp(overage);
    const res = await signInFlow();
    expect(res.status).toBe(403);
    expect(res.text).toContain('too many groups');
    expect(cookiesOf(res).some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    expect(audit).toMatchObject([{ action: 'sign-in', result: 'refused: group-overage' }]);
  });

  it('When the callback comes without the sign-in cookie (not started here), then nothing is redeemed', async () => {
    const { app, redeemed } = consoleApp();
    const res = await request(app).get('/console/auth/callback?code=a-code&state=x');
    expect(res.status).toBe(400);
    expect(redeemed).toEqual([]);
  });

  it('When the operator signs out, then the session cookie is cleared and the sign-out audited', async () => {
    const { app, sessionCookie, audit } = consoleApp();
    const res = await request(app)
      .post('/console/auth/sign-out')
      .set('Cookie', sessionCookie())
      .type('form')
      .send({ _csrf: 'csrf-token-of-this-session' });
    expect(res.status).toBe(200);
    expect(cookiesOf(res)).toContain(
      `${SESSION_COOKIE}=; Path=/console; Max-Age=0; HttpOnly; Secure; SameSite=Lax`,
    );
    expect(audit).toMatchObject([{ action: 'sign-out', result: 'ok' }]);
  });
});

describe('judging ID token claims', () => {
  it.each([
    [{ ...MEMBER, _claim_names: { groups: 'src1' } }, 'group-overage'],
    [{ ...MEMBER, hasgroups: true }, 'group-overage'],
    [{ ...MEMBER, groups: [] }, 'not-in-group'],
    [{ ...MEMBER, groups: 'not-a-list' }, 'not-in-group'],
    [{ preferred_username: 'x@example.test', groups: [GROUP] }, 'no-identity'],
  ])('When the claims are %o, then the operator is refused (%s)', (claims, reason) => {
    expect(judgeOperatorClaims(claims, GROUP)).toMatchObject({ allowed: false, reason });
  });

  it('When the group id differs only in case, then the member is allowed', () => {
    expect(judgeOperatorClaims({ ...MEMBER, groups: [GROUP.toUpperCase()] }, GROUP)).toMatchObject({
      allowed: true,
      oid: MEMBER.oid,
      upn: 'ops@example-msp.test',
    });
  });
});

describe('job data in the queue board', () => {
  it('When a job journal holds a sealed link token, then the board shows it replaced', () => {
    const data = { psa: 'halopsa', progress: { password: { status: 'started', sealedToken: 'v1.abc.def' } } };
    expect(hideSealedValues(data)).toEqual({
      psa: 'halopsa',
      progress: { password: { status: 'started', sealedToken: '[sealed]' } },
    });
  });
});
