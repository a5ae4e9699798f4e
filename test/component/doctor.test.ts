import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configKeys } from '../../config/config-keys.js';
import { loadConfig } from '../../config/load-config.js';
import type { PsaKind } from '../../services/domain/ports.js';
import type { CheckResult } from '../../services/doctor/doctor-check.js';
import { formatReport, runDoctor, type DoctorReport } from '../../app/doctor.js';
import { createLogger } from '../../services/logging/logger.js';
import { createResetdesk, type Resetdesk } from '../../app/resetdesk.js';
import { startSandbox, TENANT, type Sandbox } from '../sandbox/sandbox.js';
import { freePort, startOwnRedis, type OwnRedis } from '../support/redis-server.js';
import { DEFAULT_APP_PERMISSIONS } from '../simulators/graph-simulator.js';

/**
 * `resetdesk doctor` against the sandbox: all green when everything is set up as the README says, and each
 * way a deployment is commonly broken shows as a failed line with its fix. The service runs for real behind
 * the public URL; Redis is a private redis-server configured as production should be (AOF, noeviction).
 */

const OTHER_TENANT = '9b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';

let redis: OwnRedis;
const running: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  redis = await startOwnRedis(); // AOF on, noeviction: as production should run it
});

afterAll(async () => {
  for (const r of running.splice(0)) await r.close();
  await redis?.stop();
});

interface Deployment {
  sandbox: Sandbox;
  /** The environment the service runs with; the doctor gets it, with a test's overrides. */
  env: Record<string, string>;
  doctor(overrides?: Record<string, string>): Promise<DoctorReport>;
}

/** The sandbox with the service running against it, reachable at its PUBLIC_BASE_URL. */
async function deploy(psa: PsaKind = 'halopsa'): Promise<Deployment> {
  const sandbox = await startSandbox(psa);
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const env: Record<string, string> = {
    ...sandbox.env,
    PUBLIC_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `rdtest-doctor-${randomUUID().slice(0, 8)}`,
    LOG_LEVEL: 'silent',
  };
  const desk: Resetdesk = createResetdesk(loadConfig({ env }), createLogger({ level: 'silent' }));
  server.on('request', desk.app!);
  running.push({
    async close() {
      await desk.close(1000);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sandbox.close();
    },
  });
  return {
    sandbox,
    env,
    doctor: (overrides = {}) => runDoctor({ env: { ...env, ...overrides } }),
  };
}

const line = (report: DoctorReport, subject: string, check: string): CheckResult | undefined =>
  report.results.find((r) => r.subject === subject && r.check === check);

const failures = (report: DoctorReport) => report.results.filter((r) => r.status === 'fail');

/** Every secret the environment holds, for "never printed" assertions. */
function secretsIn(env: Record<string, string>): string[] {
  return configKeys()
    .filter(([, leaf]) => leaf.sensitive && leaf.env && env[leaf.env])
    .map(([, leaf]) => env[leaf.env!]!)
    .filter((v) => !v.startsWith('redis://'));
}

describe.each(['halopsa', 'connectwise', 'autotask'] as const)(
  'resetdesk doctor against the %s sandbox',
  (psa) => {
    let d: Deployment;
    let report: DoctorReport;
    beforeAll(async () => {
      d = await deploy(psa);
      report = await d.doctor();
    });

    it('is all green: no failure, no warning', () => {
      expect(
        report.results.filter((r) => r.status !== 'ok'),
        formatReport(report).join('\n'),
      ).toEqual([]);
      expect(report.failed).toBe(0);
    });

    it('checks Redis, the tenant (token, consent, each permission, the role), the PSA and the public URL', () => {
      const checked = report.results.map((r) => `${r.subject}: ${r.check}`);
      expect(checked).toEqual(
        expect.arrayContaining([
          'configuration: load',
          'redis: reachable',
          'redis: version',
          'redis: maxmemory-policy',
          'redis: append-only file',
          'tenant contoso: token',
          'tenant contoso: admin consent',
          ...DEFAULT_APP_PERMISSIONS.map((p) => `tenant contoso: permission ${p}`),
          'tenant contoso: User Administrator role',
          `${psa}: credentials`,
          'public URL: GET /healthz',
        ]),
      );
      expect(checked.filter((c) => c.startsWith(`${psa}: `)).length).toBeGreaterThan(4);
    });

    it('prints one line per check and a summary, with no secret in it', () => {
      const text = formatReport(report).join('\n');
      expect(text.split('\n')).toHaveLength(report.results.length + 1);
      expect(text).toMatch(/0 failed/);
      for (const secret of secretsIn(d.env)) expect(text).not.toContain(secret);
    });
  },
);

describe('resetdesk doctor: Redis', () => {
  let d: Deployment;
  beforeAll(async () => {
    d = await deploy();
  });

  it('When Redis does not answer, then "reachable" fails with "start Redis", and nothing floods the report', async () => {
    const report = await d.doctor({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    const reachable = line(report, 'redis', 'reachable')!;
    expect(reachable.status).toBe('fail');
    expect(reachable.fix).toMatch(/start Redis, or point redis\.url \(REDIS_URL\) at it/);
    expect(report.results.filter((r) => r.subject === 'redis')).toHaveLength(1);
  });

  it('When Redis may evict keys, then maxmemory-policy fails naming the policy', async () => {
    const lru = await startOwnRedis(['--maxmemory-policy', 'allkeys-lru']);
    try {
      const policy = line(await d.doctor({ REDIS_URL: lru.url }), 'redis', 'maxmemory-policy')!;
      expect(policy.status).toBe('fail');
      expect(policy.detail).toMatch(/allkeys-lru/);
      expect(policy.fix).toMatch(/noeviction/);
    } finally {
      await lru.stop();
    }
  });

  it('When AOF is off, then it is a warning, not a failure', async () => {
    const noAof = await startOwnRedis(['--appendonly', 'no']);
    try {
      const report = await d.doctor({ REDIS_URL: noAof.url });
      expect(line(report, 'redis', 'append-only file')?.status).toBe('warn');
      expect(report.failed).toBe(0);
    } finally {
      await noAof.stop();
    }
  });

  it('When the password in REDIS_URL is wrong, then it says so, and prints neither password', async () => {
    const guarded = await startOwnRedis();
    // Set once the server answers (the helper waits for an unauthenticated PING).
    const admin = new Redis(guarded.url);
    await admin.config('SET', 'requirepass', 'the-right-redis-password');
    admin.disconnect();
    try {
      const wrong = await d.doctor({
        REDIS_URL: `redis://:a-wrong-redis-password@127.0.0.1:${guarded.port}`,
      });
      expect(line(wrong, 'redis', 'reachable')).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/refused the credentials/),
      });
      const right = await d.doctor({
        REDIS_URL: `redis://:the-right-redis-password@127.0.0.1:${guarded.port}`,
      });
      expect(line(right, 'redis', 'reachable')).toMatchObject({
        status: 'ok',
        detail: `redis://127.0.0.1:${guarded.port}`,
      });
      const text = [...formatReport(wrong), ...formatReport(right)].join('\n');
      expect(text).not.toContain('a-wrong-redis-password');
      expect(text).not.toContain('the-right-redis-password');
    } finally {
      await guarded.stop();
    }
  });
});

describe('resetdesk doctor: customer tenants', () => {
  let d: Deployment;
  beforeAll(async () => {
    d = await deploy();
  });

  /** The sandbox configuration with a second customer, fabrikam, in OTHER_TENANT. */
  const withFabrikam = () => ({
    RESETDESK_CUSTOMERS_JSON: JSON.stringify([
      ...(JSON.parse(d.env.RESETDESK_CUSTOMERS_JSON!) as unknown[]),
      { name: 'fabrikam', psa: 'halopsa', psaCustomerId: 13, tenantId: OTHER_TENANT },
    ]),
  });
  const registerInOther = (grant: Parameters<Sandbox['graph']['registerApp']>[3]) =>
    d.sandbox.graph.registerApp(OTHER_TENANT, d.env.GRAPH_CLIENT_ID!, d.env.GRAPH_CLIENT_SECRET!, grant);

  it('When a tenant never consented, then token and consent fail with the consent URL; the other tenant stays green', async () => {
    d.sandbox.graph.tenant(OTHER_TENANT); // the tenant exists, the app has no service principal there
    const report = await d.doctor(withFabrikam());
    const consent = line(report, 'tenant fabrikam', 'admin consent')!;
    expect(consent.status).toBe('fail');
    expect(consent.fix).toContain(`/${OTHER_TENANT}/adminconsent?client_id=${d.env.GRAPH_CLIENT_ID}`);
    expect(line(report, 'tenant fabrikam', 'token')?.detail).toMatch(/AADSTS700016/);
    expect(report.results.filter((r) => r.subject === 'tenant contoso').every((r) => r.status === 'ok')).toBe(
      true,
    );
  });

  it('When consent lacks a permission, then exactly that permission fails, with what to re-consent', async () => {
    registerInOther({ permissions: DEFAULT_APP_PERMISSIONS.filter((p) => p !== 'User.RevokeSessions.All') });
    const report = await d.doctor(withFabrikam());
    expect(failures(report).map((r) => `${r.subject}: ${r.check}`)).toEqual([
      'tenant fabrikam: permission User.RevokeSessions.All',
    ]);
    expect(failures(report)[0]!.fix).toMatch(/API permissions → Microsoft Graph → Application.*adminconsent/);

    const noRevoke = await d.doctor({ ...withFabrikam(), GRAPH_REVOKE_SESSIONS: 'false' });
    expect(noRevoke.failed).toBe(0);
    expect(line(noRevoke, 'tenant fabrikam', 'permission User.RevokeSessions.All')).toBeUndefined();
  });

  it('When a broader permission covers a needed one, then it passes and says so', async () => {
    registerInOther({
      permissions: [...DEFAULT_APP_PERMISSIONS.filter((p) => p !== 'User.Read.All'), 'Directory.Read.All'],
    });
    const permission = line(await d.doctor(withFabrikam()), 'tenant fabrikam', 'permission User.Read.All')!;
    expect(permission).toMatchObject({ status: 'ok', detail: expect.stringMatching(/Directory\.Read\.All/) });
  });

  it('When the app holds no User Administrator role, then the role check fails with where to assign it', async () => {
    registerInOther({ directoryRoles: [] });
    const role = line(await d.doctor(withFabrikam()), 'tenant fabrikam', 'User Administrator role')!;
    expect(role.status).toBe('fail');
    expect(role.fix).toMatch(/Roles and administrators → User Administrator → Add assignments/);
  });

  it('When the role is scoped to an administrative unit, then it fails; when the app is Global Administrator, then it warns', async () => {
    registerInOther({
      directoryRoles: [{ role: 'User Administrator', scope: '/administrativeUnits/4a0b7f41' }],
    });
    const scoped = line(await d.doctor(withFabrikam()), 'tenant fabrikam', 'User Administrator role')!;
    expect(scoped).toMatchObject({ status: 'fail', detail: expect.stringMatching(/administrativeUnits/) });
    registerInOther({ directoryRoles: ['Global Administrator'] });
    const broad = line(await d.doctor(withFabrikam()), 'tenant fabrikam', 'User Administrator role')!;
    expect(broad).toMatchObject({ status: 'warn', detail: expect.stringMatching(/Global Administrator/) });
  });

  it('When the client secret is wrong, then the token fails naming the setting, and the secret is not printed', async () => {
    const report = await d.doctor({ GRAPH_CLIENT_SECRET: 'a-wrong-graph-client-secret' });
    const token = line(report, 'tenant contoso', 'token')!;
    expect(token.status).toBe('fail');
    expect(token.detail).toMatch(/AADSTS7000215/);
    expect(token.fix).toMatch(/graph\.clientSecret \(GRAPH_CLIENT_SECRET\)/);
    expect(formatReport(report).join('\n')).not.toContain('a-wrong-graph-client-secret');
    expect(line(report, 'tenant contoso', 'admin consent')?.status).toBe('skip');
  });

  it("reads the role with the app's own token and asks Graph nothing else", () => {
    const paths = d.sandbox.graph.graphRequests(TENANT).map((r) => `${r.method} ${r.path}`);
    expect(new Set(paths)).toEqual(new Set(['GET /v1.0/roleManagement/directory/roleAssignments']));
  });
});

describe('resetdesk doctor: PSAs', () => {
  it('HaloPSA: a wrong client secret fails the credentials (and nothing is looked up); unknown ids fail naming their keys', async () => {
    const d = await deploy('halopsa');
    const refused = await d.doctor({ HALOPSA_CLIENT_SECRET: 'a-wrong-halo-client-secret' });
    expect(failures(refused).map((r) => `${r.subject}: ${r.check}`)).toEqual(['halopsa: credentials']);
    expect(formatReport(refused).join('\n')).not.toContain('a-wrong-halo-client-secret');

    const report = await d.doctor({
      HALOPSA_RESET_TICKET_TYPE_IDS: '31,99',
      HALOPSA_CUSTOMER_NOTE_OUTCOME_ID: '96',
      HALOPSA_AWAITING_CONFIRMATION_STATUS_ID: '98',
      HALOPSA_RESOLVED_STATUS_ID: '95',
      HALOPSA_HANDOFF_TEAM_ID: '97',
    });
    expect(failures(report).map((r) => [r.check, r.detail])).toEqual([
      ['ticket type 99', 'does not exist (halopsa.resetTicketTypeIds (HALOPSA_RESET_TICKET_TYPE_IDS))'],
      [
        'customer note outcome 96',
        'does not exist (halopsa.customerNoteOutcomeId (HALOPSA_CUSTOMER_NOTE_OUTCOME_ID))',
      ],
      [
        'awaiting-confirmation status 98',
        'does not exist (halopsa.awaitingConfirmationStatusId (HALOPSA_AWAITING_CONFIRMATION_STATUS_ID))',
      ],
      ['resolved status 95', 'does not exist (halopsa.resolvedStatusId (HALOPSA_RESOLVED_STATUS_ID))'],
      ['hand-off team 97', 'does not exist (halopsa.handoffTeamId (HALOPSA_HANDOFF_TEAM_ID))'],
    ]);
    expect(line(report, 'halopsa', 'ticket type 31')?.status).toBe('ok');
    expect(line(report, 'halopsa', 'resolved status 95')?.fix).toMatch(/halopsa\.resolvedStatusId/);

    const resolving = await d.doctor({ HALOPSA_RESOLVED_STATUS_ID: '22' });
    expect(line(resolving, 'halopsa', 'resolved status 22')?.status).toBe('ok');
    expect(line(report, 'halopsa', 'resolved status 22')).toBeUndefined();

    const misnamed = await d.doctor({ HALOPSA_HANDOFF_TEAM_NAME: 'Level 3' });
    expect(line(misnamed, 'halopsa', 'hand-off team 4')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/"Service Desk L2", not "Level 3"/),
    });
  });

  it('ConnectWise: a wrong private key fails the credentials; an unknown board, a status of another board, a team and a type that do not exist fail', async () => {
    const d = await deploy('connectwise');
    const refused = await d.doctor({ CONNECTWISE_PRIVATE_KEY: 'a-wrong-connectwise-private-key' });
    expect(failures(refused).map((r) => `${r.subject}: ${r.check}`)).toEqual(['connectwise: credentials']);
    expect(formatReport(refused).join('\n')).not.toContain('a-wrong-connectwise-private-key');

    const report = await d.doctor({
      CONNECTWISE_RESET_BOARD_IDS: '1,99',
      CONNECTWISE_RESET_TYPE_NAMES: 'Password / MFA reset,Account unlock',
      CONNECTWISE_HANDOFF_TEAM_ID: '9',
      CONNECTWISE_AWAITING_CONFIRMATION_STATUS_ID: '31',
      CONNECTWISE_RESOLVED_STATUS_ID: '77',
    });
    expect(failures(report).map((r) => r.check)).toEqual([
      'board 99',
      'ticket type "Account unlock"',
      'awaiting-confirmation status 31 on board 1',
      'awaiting-confirmation status 31 on board 99',
      'resolved status 77 on board 1',
      'resolved status 77 on board 99',
      'hand-off team 9 on board 2',
    ]);
    expect(line(report, 'connectwise', 'awaiting-confirmation status 31 on board 1')?.fix).toMatch(
      /statuses belong to one board/,
    );
  });

  it('Autotask: a wrong secret fails the credentials; an unknown queue, status, publish value and UDF fail', async () => {
    const d = await deploy('autotask');
    const refused = await d.doctor({ AUTOTASK_SECRET: 'a-wrong-autotask-secret' });
    expect(failures(refused).map((r) => `${r.subject}: ${r.check}`)).toEqual(['autotask: credentials']);
    expect(formatReport(refused).join('\n')).not.toContain('a-wrong-autotask-secret');

    const report = await d.doctor({
      AUTOTASK_RESET_QUEUE_IDS: '29683482,5',
      AUTOTASK_HANDOFF_STATUS_ID: '98',
      AUTOTASK_RESOLVED_STATUS_ID: '97',
      AUTOTASK_CUSTOMER_NOTE_PUBLISH_ID: '9',
      AUTOTASK_TARGET_FIELD: 'Staff Member',
    });
    expect(failures(report).map((r) => r.check)).toEqual([
      'reset queue 5',
      'resolved status 97',
      'hand-off status 98',
      'customer note publish value 9',
      'ticket UDF "Staff Member"',
    ]);
  });
});

describe('resetdesk doctor: the public URL and the configuration', () => {
  it('When nothing answers at PUBLIC_BASE_URL, then the public URL check fails with the fix', async () => {
    const d = await deploy();
    const report = await d.doctor({ PUBLIC_BASE_URL: `http://127.0.0.1:${await freePort()}` });
    const publicUrl = line(report, 'public URL', 'GET /healthz')!;
    expect(publicUrl.status).toBe('fail');
    expect(publicUrl.detail).toMatch(/does not answer \(ECONNREFUSED\)/);
    expect(publicUrl.fix).toMatch(/server\.publicBaseUrl \(PUBLIC_BASE_URL\)/);
  });

  it('When something else answers there, then it fails too', async () => {
    const other = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'),
    );
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const d = await deploy();
      const report = await d.doctor({
        PUBLIC_BASE_URL: `http://127.0.0.1:${(other.address() as AddressInfo).port}`,
      });
      expect(line(report, 'public URL', 'GET /healthz')?.detail).toMatch(/not resetdesk's health answer/);
    } finally {
      other.close();
    }
  });

  it('When the configuration is incomplete, then one failed line names the key, and nothing is contacted', async () => {
    const d = await deploy();
    const env = { ...d.env };
    delete env.HALOPSA_CLIENT_ID;
    const before = d.sandbox.graph.requests.length;
    const report = await runDoctor({ env });
    expect(report.results).toEqual([
      expect.objectContaining({
        subject: 'configuration',
        status: 'fail',
        detail: expect.stringMatching(/halopsa\.clientId \(HALOPSA_CLIENT_ID\)/),
      }),
    ]);
    expect(d.sandbox.graph.requests.length).toBe(before);
  });
});

/** Runs a command of the repository with the environment given (and the simulators' CA), as an operator would. */
function run(command: string, args: string[], env: Record<string, string>) {
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('the resetdesk doctor command', () => {
  const cli = (env: Record<string, string>) =>
    run(process.execPath, ['--import', 'tsx', 'app/resetdesk-cli.ts', 'doctor'], env);

  it('exits 0 and prints the report when every check passes', async () => {
    const d = await deploy();
    const { code, stdout, stderr } = await cli(d.env);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^\[ ok \] configuration: load/);
    expect(stdout).toMatch(/resetdesk doctor: \d+ checks, 0 failed, 0 warning\(s\): all good\n$/);
    expect(code).toBe(0);
  });

  it('exits 1 when a check fails, and prints no secret', async () => {
    const d = await deploy();
    const { code, stdout } = await cli({ ...d.env, HALOPSA_CLIENT_SECRET: 'a-wrong-halo-client-secret' });
    expect(code).toBe(1);
    expect(stdout).toMatch(/\[FAIL\] halopsa: credentials/);
    expect(stdout).toMatch(/1 failed/);
    for (const secret of [...secretsIn(d.env), 'a-wrong-halo-client-secret'])
      expect(stdout).not.toContain(secret);
  });

  it('npm run doctor reports a configuration problem as a failed check naming the key (exit 1, no stack trace)', async () => {
    const { code, stdout, stderr } = await run('npm', ['run', '--silent', 'doctor'], {
      PUBLIC_BASE_URL: 'https://reset.example.test',
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^\[FAIL\] configuration: load — missing configuration: graph\.clientId \(GRAPH_CLIENT_ID\)/,
    );
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
