// `npm run test:faults`: the fault-injection suite. Runs resetdesk as real processes (one API and two
// workers, and the all-in-one mode) on a redis-server of its own (free port, AOF on, temporary directory,
// always stopped), drives tickets through the Graph and HaloPSA simulators, injects each fault, and judges
// every ticket from the outside: its notes on the PSA, the passwords set on the staff member, and the
// delivered link revealed through the service. Prints a table; exits 1 unless every count is zero.
//
// Timings are shortened through the service's own configuration keys (see FAULT_ENV); docs/fault-tolerance.md
// explains what each fault proves. Flags: --only=<substring of a fault name>, --keep-logs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startOwnRedis, type OwnRedis } from '../support/redis-server.js';
import { startFaultWorld, type FaultWorld } from './fault-world.js';
import type { Row, Scenario, ScenarioContext } from './fault-judging.js';
import { graphStorm, psaDown, redisDown, redisRestart } from './outage-faults.js';
import { BOUNDARIES, frozen, killAt, sigtermBurst } from './process-faults.js';
import { killAllServices, startService, type Role, type ServiceProcess } from './service-processes.js';

/**
 * What the suite shortens, through the service's configuration: a retry horizon of about 1.5 s (3 attempts,
 * 500 ms doubling) instead of about 10 minutes, a 2 s lock checked every 0.5 s instead of 10 s and 5 s, a
 * sweep every 2 s instead of a minute, shutdown after 5 s, and pacing rates the simulators allow.
 */
export const FAULT_ENV: Record<string, string> = {
  LOG_LEVEL: 'info',
  WORKER_CONCURRENCY: '8',
  WORKER_ATTEMPTS: '3',
  WORKER_BACKOFF_MS: '500',
  WORKER_LOCK_DURATION_MS: '2000',
  WORKER_STALLED_INTERVAL_MS: '500',
  WORKER_SWEEP_INTERVAL_MS: '2000',
  SHUTDOWN_TIMEOUT_MS: '5000',
  GRAPH_TIMEOUT_MS: '5000',
  HALOPSA_TIMEOUT_MS: '5000',
  // Several processes on one host: no fixed metrics port (the suite watches logs and the public port).
  METRICS_PORT: '0',
  PACING_GRAPH_RATE: '40',
  PACING_GRAPH_BURST: '40',
  PACING_HALOPSA_RATE: '100',
  METRICS_ENABLED: 'false',
};

const SCENARIOS: Scenario[] = [
  ...BOUNDARIES.map((b) => killAt(b, 'split')),
  killAt(BOUNDARIES[3]!, 'all'),
  frozen,
  redisRestart,
  redisDown,
  psaDown,
  graphStorm,
  sigtermBurst('split'),
  sigtermBurst('all'),
];

const argv = process.argv.slice(2);
const only = argv.find((a) => a.startsWith('--only='))?.slice(7);
const keepLogs = argv.includes('--keep-logs');
const log = (line: string) => process.stderr.write(`[faults] ${line}\n`);

function table(rows: Row[]): string {
  const header = [
    'fault',
    'tickets',
    'lost',
    'duplicated resets',
    'duplicated notes',
    'unfinished',
    'wrong link',
    'recovery',
  ];
  const cells = rows.map((r) => [
    r.fault,
    String(r.tickets),
    String(r.lost),
    String(r.duplicatedResets),
    String(r.duplicatedNotes),
    String(r.unfinished),
    String(r.wrongLinks),
    r.recoveryMs === undefined ? '-' : `${(r.recoveryMs / 1000).toFixed(1)} s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.map(line)].join('\n');
}

async function main(): Promise<number> {
  const started = performance.now();
  log('building the service (tsc -p tsconfig.build.json → dist/)');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  const logDir = mkdtempSync(join(tmpdir(), 'resetdesk-faults-'));
  let redisServer: OwnRedis | undefined;
  let world: FaultWorld | undefined;
  const rows: Row[] = [];
  try {
    redisServer = await startOwnRedis();
    log(`redis-server on ${redisServer.url} (AOF on, ${redisServer.dir})`);
    world = await startFaultWorld(3);
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    redis.on('error', () => undefined);
    let nextTicket = 20_000;
    let scenarioIndex = 0;
    for (const scenario of SCENARIOS) {
      if (only && !scenario.name.includes(only)) continue;
      scenarioIndex++;
      const prefix = `faults${scenarioIndex}`;
      const env = { ...world.env, ...FAULT_ENV, REDIS_URL: redisServer.url, REDIS_KEY_PREFIX: prefix };
      let processes = 0;
      const ctx: ScenarioContext = {
        world,
        redis,
        redisServer,
        prefix,
        start: (role: Role, extra: Record<string, string> = {}): Promise<ServiceProcess> =>
          startService(role, { ...env, ...extra }, logDir, `${scenarioIndex}-${role}-${++processes}`),
        ticket(customer: number) {
          const id = nextTicket++;
          world!.fileTicket(id, customer);
          return id;
        },
        log: (line) => log(`  ${line}`),
      };
      log(`${scenario.name}`);
      const t = performance.now();
      try {
        rows.push(await scenario.run(ctx));
      } catch (err) {
        rows.push({
          fault: scenario.name,
          tickets: 0,
          lost: 0,
          duplicatedResets: 0,
          duplicatedNotes: 0,
          unfinished: 0,
          wrongLinks: 0,
          failures: [`the scenario could not run: ${(err as Error).message}`],
          notes: [],
        });
      } finally {
        killAllServices();
        world.calm();
        if (!redisServer.pid) await redisServer.start();
      }
      log(`  done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }

    // No temporary password may appear in any log line of any process.
    const passwords = world.graph.requests
      .filter((r) => r.method === 'PATCH')
      .map((r) => (r.body as { passwordProfile?: { password?: string } }).passwordProfile?.password)
      .filter((p): p is string => typeof p === 'string');
    const logs = readdirSync(logDir).map((f) => readFileSync(join(logDir, f), 'utf8'));
    const leaked = passwords.filter((p) => logs.some((l) => l.includes(p)));
    if (leaked.length > 0) {
      rows.push({
        fault: 'no password in any log line',
        tickets: 0,
        lost: 0,
        duplicatedResets: 0,
        duplicatedNotes: 0,
        unfinished: 0,
        wrongLinks: 0,
        failures: [`${leaked.length} temporary password(s) found in the service logs`],
        notes: [],
      });
    }
    redis.disconnect();
  } finally {
    killAllServices();
    await world?.close();
    await redisServer?.stop();
    // A failed run keeps its logs: a fault that shows once in many runs is read from them.
    if (keepLogs || rows.some(failedRow)) log(`logs kept in ${logDir}`);
    else rmSync(logDir, { recursive: true, force: true });
  }

  process.stdout.write(`\n${table(rows)}\n\n`);
  for (const row of rows) {
    for (const note of row.notes) process.stdout.write(`- ${row.fault}: ${note}\n`);
  }
  const failed = rows.filter(failedRow);
  for (const row of failed) {
    process.stdout.write(`FAILED ${row.fault}: ${row.failures.join('; ') || 'non-zero counts'}\n`);
  }
  process.stdout.write(
    `\n${rows.length} faults, ${failed.length} failed, in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
  return failed.length === 0 && rows.length > 0 ? 0 : 1;
}

function failedRow(r: Row): boolean {
  return (
    r.failures.length > 0 || r.lost + r.duplicatedResets + r.duplicatedNotes + r.unfinished + r.wrongLinks > 0
  );
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[faults] ${(err as Error).stack ?? String(err)}\n`);
    killAllServices();
    process.exit(1);
  },
);
