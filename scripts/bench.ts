// `npm run bench`: a benchmark, not a test. Starts resetdesk as child processes (API and worker, like a
// scaled-out deployment) against the local Redis and in-process Graph/HaloPSA simulators, drives it over
// loopback, prints a table and writes bench-results/bench-<timestamp>.json. Stops by itself.
//
// Phases: intake (autocannon vs a bare Express + queue.add baseline), pipeline (resets/s with zero-latency
// simulators), overhead (own time per reset with realistic simulator latency), burst (N tickets across M
// customers under per-tenant 429 limits: drain time, lost/duplicated, fairness, 429s, peak RSS).
//
// Flags: --quick (smaller, ~3 min)  --tickets=N --customers=M (burst)  --profile (CPU profiles of the
// service processes into bench-results/profiles)  --connections=C (intake)  --tsx (run the service under
// the TypeScript loader instead of compiled)  --only=intake|pipeline|overhead|burst (one phase);
// --only=email-reader times the email reader in process (scripts/bench-email-reader.ts).
// BENCH_TRACE=1 prints the last overhead ticket's timeline (each outside call and Redis command, with the
// gap before it); BENCH_LOG_LEVEL=debug shows the service's logs.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  startGraphSimulator,
  type GraphSimOptions,
  type GraphSimulator,
} from '../test/simulators/graph-simulator.js';
import {
  haloWebhookBody,
  startHaloSimulator,
  type HaloSimOptions,
  type HaloSimulator,
} from '../test/simulators/halopsa-simulator.js';
import { HALO, haloSandboxEnv } from '../test/sandbox/psa-sandboxes.js';
import { emailReaderPhase } from './bench-email-reader.js';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const num = (name: string, fallback: number) => {
  const raw = argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return raw === undefined ? fallback : Number(raw);
};
const QUICK = flag('quick');
const PROFILE = flag('profile');
const TSX = flag('tsx');
const ONLY = argv.find((a) => a.startsWith('--only='))?.slice(7);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const S = {
  intakeSeconds: QUICK ? 5 : 10,
  connections: num('connections', 32),
  pipelineTickets: QUICK ? 200 : 600,
  pipelineCustomers: 10,
  overheadTickets: QUICK ? 25 : 80,
  latency: { graphMs: 40, haloMs: 60 },
  burstTickets: num('tickets', QUICK ? 400 : 2000),
  burstCustomers: num('customers', QUICK ? 20 : 50),
  workerConcurrency: 50,
  // Simulated limits (scaled: a real Halo allows ~1 req/s, which would make a 2,000-ticket run last hours).
  graphLimit: { ratePerSecond: 4, burst: 8 },
  haloLimit: { max: 150, windowMs: 1000 },
};
// Pacing the service uses in the burst: just under the simulated limits.
const BURST_PACING = {
  graph: { ratePerSecond: 3.8, burst: 7 },
  psa: { halopsa: { ratePerSecond: 130, burst: 15 } },
};
// Generous pacing for pipeline/overhead: tickets still reserve their tokens in Redis as in production.
const OPEN_PACING = {
  graph: { ratePerSecond: 10_000, burst: 10_000 },
  psa: { halopsa: { ratePerSecond: 10_000, burst: 10_000 } },
};
const GRAPH_APP = { clientId: '7c1f4b2e-0000-4000-8000-00000000c0de', secret: 'graph-app-secret-bench' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const pct = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

// ---- Redis housekeeping ------------------------------------------------------------------------------------
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
async function dropPrefix(prefix: string): Promise<void> {
  let cursor = '0';
  for (let i = 0; i < 100_000; i++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
}

// ---- child processes -----------------------------------------------------------------------------------------
interface Child {
  proc: ChildProcess;
  port?: number;
  peakRssKb: number;
  sampler?: NodeJS.Timeout;
}

function rssKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * The service and the baseline run as compiled JavaScript under plain `node`, as the Docker image runs them
 * (`npm run build`), unless `--tsx` asks for the TypeScript loader (its transpiler then stays in memory).
 */
function buildChildren(): void {
  if (TSX) return;
  log('building the service (tsc -p tsconfig.bench.json)');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.bench.json'], {
    stdio: 'inherit',
  });
}

/** The service runs with the Node options its Docker image sets (`ENV NODE_OPTIONS=` in docker/Dockerfile). */
const IMAGE_NODE_OPTIONS = (
  /^ENV NODE_OPTIONS=(.+)$/m.exec(readFileSync('docker/Dockerfile', 'utf8'))?.[1] ?? ''
)
  .split(' ')
  .filter((o) => o !== '');

async function spawnChild(script: string, env: Record<string, string>, label: string): Promise<Child> {
  const execArgv = TSX ? ['--import', 'tsx'] : [];
  execArgv.push(...IMAGE_NODE_OPTIONS);
  if (PROFILE) execArgv.push('--cpu-prof', `--cpu-prof-dir=bench-results/profiles/${label}`);
  const entry = TSX ? script : `bench-results/build/${script.replace(/\.ts$/, '.js')}`;
  const proc = fork(entry, [], {
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', process.env.BENCH_LOG_LEVEL ? 'inherit' : 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number | undefined>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start in 30 s`)), 30_000);
    proc.once('message', (m: { port?: number }) => {
      clearTimeout(timer);
      resolve(m.port);
    });
    proc.once('exit', (code) => reject(new Error(`${label} exited with ${code}`)));
  });
  const child: Child = { proc, port, peakRssKb: 0 };
  child.sampler = setInterval(() => {
    child.peakRssKb = Math.max(child.peakRssKb, rssKb(proc.pid!, 'VmRSS'));
  }, 200);
  return child;
}

async function stopChild(child: Child): Promise<number> {
  clearInterval(child.sampler);
  const hwm = rssKb(child.proc.pid!, 'VmHWM');
  child.peakRssKb = Math.max(child.peakRssKb, hwm);
  if (child.proc.exitCode === null) {
    const exited = new Promise((r) => child.proc.once('exit', r));
    child.proc.kill('SIGTERM');
    await Promise.race([exited, sleep(8000)]);
    if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
  }
  return child.peakRssKb;
}

// ---- the simulated world -------------------------------------------------------------------------------------
interface World {
  graph: GraphSimulator;
  halo: HaloSimulator;
  tenants: string[];
  /** ms timestamps of customer-visible notes, by ticket. */
  notes: Map<number, number[]>;
  throttled: { graph: number; halo: number };
  env(prefix: string, role: 'api' | 'worker' | 'all'): Record<string, string>;
  fileTicket(ticketId: number, customer: number): void;
  close(): Promise<void>;
}

const tenantIdOf = (i: number) => `b3a0c0de-0000-4000-8000-${String(i).padStart(12, '0')}`;

async function startWorld(
  customers: number,
  graphOptions: GraphSimOptions = {},
  haloOptions: HaloSimOptions = {},
): Promise<World> {
  const throttled = { graph: 0, halo: 0 };
  const notes = new Map<number, number[]>();
  const graph = await startGraphSimulator({ ...graphOptions, onThrottle: () => void throttled.graph++ });
  const halo = await startHaloSimulator({
    ...haloOptions,
    onThrottle: () => void throttled.halo++,
    onAction: (ticketId, action) => {
      if (!action.hiddenfromuser) notes.set(ticketId, [...(notes.get(ticketId) ?? []), performance.now()]);
    },
  });
  const tenants: string[] = [];
  const customerList: Array<Record<string, string>> = [];
  for (let i = 0; i < customers; i++) {
    const tenantId = tenantIdOf(i);
    tenants.push(tenantId);
    graph
      .tenant(tenantId)
      .registerApp(GRAPH_APP.clientId, GRAPH_APP.secret)
      .addUser({
        id: `mgr-${i}`,
        userPrincipalName: `manager@c${i}.test`,
        mail: `manager@c${i}.test`,
        displayName: `Manager ${i}`,
      });
    halo.addClient(100 + i, `Customer ${i}`);
    halo.addUser({
      id: 5000 + i,
      client_id: 100 + i,
      name: `Manager ${i}`,
      emailaddress: `manager@c${i}.test`,
    });
    customerList.push({ name: `c${i}`, psa: 'halopsa', psaCustomerId: String(100 + i), tenantId });
  }
  return {
    graph,
    halo,
    tenants,
    notes,
    throttled,
    env(prefix, role) {
      return {
        RESETDESK_ROLE: role,
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
        HOST: '127.0.0.1',
        PORT: '0',
        PUBLIC_BASE_URL: 'http://127.0.0.1:8080',
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        WORKER_CONCURRENCY: String(S.workerConcurrency),
        GRAPH_BASE_URL: graph.url,
        GRAPH_AUTHORITY_HOST: graph.url,
        GRAPH_DISABLE_INSTANCE_DISCOVERY: 'true',
        GRAPH_CLIENT_ID: GRAPH_APP.clientId,
        GRAPH_CLIENT_SECRET: GRAPH_APP.secret,
        GRAPH_TIMEOUT_MS: '10000',
        SECURE_LINK_SERVER_KEY: Buffer.alloc(32, 7).toString('base64'),
        MSP_NAME: 'Bench MSP',
        RESETDESK_CUSTOMERS_JSON: JSON.stringify(customerList),
        // An incident: the MSP lifts the per-requester/per-customer caps so a manager's mass request is worked.
        RESETDESK_POLICY_JSON: JSON.stringify({
          requesterLimit: { count: 1000, windowMinutes: 60 },
          customerLimit: { count: 100000, windowMinutes: 60 },
        }),
        ...haloSandboxEnv(halo),
        HALOPSA_TIMEOUT_MS: '10000',
      };
    },
    fileTicket(ticketId, customer) {
      const upn = `staff${ticketId}@c${customer}.test`;
      graph.tenant(tenantIdOf(customer)).addUser({
        id: `u-${ticketId}`,
        userPrincipalName: upn,
        mail: upn,
        displayName: `Staff ${ticketId}`,
        managerId: `mgr-${customer}`,
        methods: [
          {
            '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
            id: `a-${ticketId}`,
          },
        ],
      });
      halo.addTicket({
        id: ticketId,
        summary: 'Password / MFA reset',
        tickettype_id: HALO.resetType,
        client_id: 100 + customer,
        user_id: 5000 + customer,
        status_id: 1,
        customfields: [
          { id: 101, name: 'CFResetTarget', value: upn },
          { id: 102, name: 'CFResetPassword', value: 'Yes' },
          { id: 103, name: 'CFResetMFA', value: 'Yes' },
        ],
      });
    },
    close: () => Promise.all([graph.close(), halo.close()]).then(() => undefined),
  };
}

const AUTH = `Basic ${Buffer.from(`${HALO.webhookUser}:${HALO.webhookPassword}`).toString('base64')}`;
const webhookBody = (ticketId: number, customer = 0) =>
  JSON.stringify(
    haloWebhookBody(ticketId, 'full', { client_id: 100 + customer, tickettype_id: HALO.resetType }),
  );

async function deliver(port: number, ticketId: number, customer: number): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/halopsa`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: AUTH },
      body: webhookBody(ticketId, customer),
    });
    await res.arrayBuffer();
    if (res.status === 202) return;
    await sleep(100);
  }
  throw new Error(`webhook for ticket ${ticketId} not accepted`);
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

// ---- phase 1: intake -----------------------------------------------------------------------------------------
interface IntakeFigures {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function cannon(port: number, firstTicket: number, seconds: number): Promise<IntakeFigures> {
  let next = firstTicket;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: S.connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/webhooks/halopsa',
        headers: { 'content-type': 'application/json', authorization: AUTH },
        setupRequest: (req) => ({ ...req, body: webhookBody(next++) }),
      },
    ],
  });
  return {
    rps: round(result.requests.average, 0),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function intakePhase() {
  log('intake: starting API process and baseline');
  const world = await startWorld(1);
  const prefix = `bench-intake-${randomUUID().slice(0, 8)}`;
  const basePrefix = `${prefix}-baseline`;
  const api = await spawnChild(
    'scripts/bench-service.ts',
    { ...world.env(prefix, 'api'), BENCH_PACING_JSON: '{}' },
    'intake-api',
  );
  const base = await spawnChild(
    'scripts/bench-baseline.ts',
    { REDIS_URL, REDIS_KEY_PREFIX: basePrefix },
    'intake-baseline',
  );
  try {
    await cannon(base.port!, 1, 2); // warm-up (JIT, connections)
    await cannon(api.port!, 1, 2);
    // Alternate three times and keep each side's best run: other load on the machine hits both sides alike,
    // and on this shared 2-core machine a single 10 s run of either side moves by up to 20%.
    const runs = { baseline: [] as IntakeFigures[], ours: [] as IntakeFigures[] };
    for (let round_ = 0; round_ < 3; round_++) {
      runs.baseline.push(await cannon(base.port!, 1_000_000 * (round_ + 1), S.intakeSeconds));
      runs.ours.push(await cannon(api.port!, 1_000_000 * (round_ + 1), S.intakeSeconds));
    }
    const best = (list: IntakeFigures[]) => list.reduce((a, b) => (b.rps > a.rps ? b : a));
    const baseline = best(runs.baseline);
    const ours = best(runs.ours);
    return {
      connections: S.connections,
      seconds: S.intakeSeconds,
      baseline,
      ours,
      ratio: round(ours.rps / baseline.rps, 2),
      runs,
      apiPeakRssMb: round((await stopChild(api)) / 1024),
    };
  } finally {
    await stopChild(api);
    await stopChild(base);
    await world.close();
    await dropPrefix(prefix);
    await dropPrefix(basePrefix);
  }
}

// ---- service under test for pipeline / overhead / burst ------------------------------------------------------
async function startService(world: World, prefix: string, pacing: object, label: string) {
  const api = await spawnChild(
    'scripts/bench-service.ts',
    { ...world.env(prefix, 'api'), BENCH_PACING_JSON: JSON.stringify(pacing) },
    `${label}-api`,
  );
  const worker = await spawnChild(
    'scripts/bench-service.ts',
    { ...world.env(prefix, 'worker'), BENCH_PACING_JSON: JSON.stringify(pacing), METRICS_PORT: '0' },
    `${label}-worker`,
  );
  const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('resets', { connection: conn, prefix });
  return {
    api,
    worker,
    queue,
    async stop() {
      const apiRss = await stopChild(api);
      const workerRss = await stopChild(worker);
      await queue.close();
      if (conn.status === 'ready') await conn.quit();
      await dropPrefix(prefix);
      await sleep(500); // late writes of a closing worker
      await dropPrefix(prefix);
      return { apiRss, workerRss };
    },
  };
}

type Spans = Array<[number, number]>;
/**
 * The spans of outside HTTP calls and of Redis commands a service child made since the last ask (epoch ms,
 * see bench-service).
 */
function spansOf(child: Child): Promise<{ spans: Spans; redisSpans: Spans }> {
  return new Promise((resolve) => {
    const onMessage = (m: { spans?: Spans; redisSpans?: Spans }) => {
      if (!m.spans || !m.redisSpans) return;
      child.proc.off('message', onMessage);
      resolve({ spans: m.spans, redisSpans: m.redisSpans });
    };
    child.proc.on('message', onMessage);
    child.proc.send({ type: 'spans' });
  });
}

/** Milliseconds within [from, to] covered by at least one span. */
function coveredWithin(spans: Array<[number, number]>, from: number, to: number): number {
  const clipped = spans
    .map(([a, b]): [number, number] => [Math.max(a, from), Math.min(b, to)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let reach = from;
  for (const [a, b] of clipped) {
    if (b <= reach) continue;
    covered += b - Math.max(a, reach);
    reach = b;
  }
  return covered;
}

/**
 * One sequential ticket's timeline, from the simulators' own clocks: webhook sent (`t0`) to the answer to
 * the request that wrote the customer note. `waited` is the time the simulators held the ticket's calls
 * (arrival to answer sent: their latency and their own work, counted once where calls overlap); the rest
 * is resetdesk's: the time before the first call and the gaps when no call of the ticket is in flight.
 */
function ticketTimeline(world: World, g0: number, h0: number, t0: number, noteAt: number) {
  const calls: Array<{ at: number; done: number }> = [];
  let end = Infinity;
  for (let i = h0; i < world.halo.requests.length; i++) {
    const at = world.halo.arrivals[i]!;
    const done = world.halo.departures[i] ?? Infinity;
    if (at <= noteAt && done >= noteAt) end = Math.min(end, done);
  }
  const collect = (sim: GraphSimulator | HaloSimulator, from: number, isCall: (i: number) => boolean) => {
    for (let i = from; i < sim.requests.length; i++)
      if (sim.arrivals[i]! < end && isCall(i)) calls.push({ at: sim.arrivals[i]!, done: sim.departures[i]! });
  };
  collect(world.graph, g0, (i) => world.graph.requests[i]!.kind === 'graph');
  collect(world.halo, h0, (i) => world.halo.requests[i]!.path.toLowerCase().startsWith('/api'));
  if (calls.length === 0 || end === Infinity) return undefined;
  const spans = calls.map((c): [number, number] => [c.at, c.done]);
  const firstAt = Math.min(...calls.map((c) => c.at));
  // Some calls of a ticket run side by side (the privilege reads): time counts once when calls overlap.
  const waited = coveredWithin(spans, t0, end);
  return {
    end,
    total: end - t0,
    waited,
    beforeFirstCall: firstAt - t0,
    betweenCalls: end - firstAt - coveredWithin(spans, firstAt, end),
  };
}

const graphCalls = (world: World) => world.graph.requests.filter((r) => r.kind === 'graph').length;
const haloApiCalls = (world: World) =>
  world.halo.requests.filter((r) => r.path.toLowerCase().startsWith('/api')).length;

// ---- phase 2: pipeline (zero latency) ------------------------------------------------------------------------
async function pipelinePhase() {
  const n = S.pipelineTickets;
  log(
    `pipeline: ${n} tickets, zero-latency simulators, 1 worker process (concurrency ${S.workerConcurrency})`,
  );
  const world = await startWorld(S.pipelineCustomers);
  const prefix = `bench-pipe-${randomUUID().slice(0, 8)}`;
  const svc = await startService(world, prefix, OPEN_PACING, 'pipeline');
  try {
    // Warm-up: a few tickets first (JIT, tokens for every tenant), not counted.
    for (let c = 0; c < S.pipelineCustomers; c++) world.fileTicket(900_000 + c, c);
    await Promise.all(
      Array.from({ length: S.pipelineCustomers }, (_, c) => deliver(svc.api.port!, 900_000 + c, c)),
    );
    await waitFor(() => world.notes.size >= S.pipelineCustomers, 60_000, 'warm-up tickets');
    const g0 = graphCalls(world);
    const h0 = haloApiCalls(world);
    const ids = Array.from({ length: n }, (_, i) => 10_000 + i);
    ids.forEach((id, i) => world.fileTicket(id, i % S.pipelineCustomers));
    const started = performance.now();
    let sent = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < n) {
          const i = sent++;
          await deliver(svc.api.port!, ids[i]!, i % S.pipelineCustomers);
        }
      }),
    );
    await waitFor(
      () => ids.every((id) => world.notes.has(id)),
      QUICK ? 30_000 : 180_000,
      `pipeline notes (${ids.filter((id) => world.notes.has(id)).length}/${n})`,
    );
    const elapsed = (performance.now() - started) / 1000;
    const completed = async () => (await svc.queue.getJobCounts('completed')).completed ?? 0;
    await waitFor(async () => (await completed()) >= n + S.pipelineCustomers, 30_000, 'pipeline jobs');
    return {
      tickets: n,
      workerProcesses: 1,
      workerConcurrency: S.workerConcurrency,
      seconds: round(elapsed, 2),
      resetsPerSecond: round(n / elapsed, 1),
      graphCallsPerTicket: round((graphCalls(world) - g0) / n, 2),
      psaCallsPerTicket: round((haloApiCalls(world) - h0) / n, 2),
    };
  } finally {
    await svc.stop();
    await world.close();
  }
}

// ---- phase 3: own overhead with realistic latency -------------------------------------------------------------
async function overheadPhase() {
  const n = S.overheadTickets;
  log(
    `overhead: ${n} sequential tickets, Graph +${S.latency.graphMs} ms, Halo +${S.latency.haloMs} ms per call`,
  );
  const world = await startWorld(2, { latencyMs: S.latency.graphMs }, { latencyMs: S.latency.haloMs });
  const prefix = `bench-ovh-${randomUUID().slice(0, 8)}`;
  const svc = await startService(world, prefix, OPEN_PACING, 'overhead');
  const totals: number[] = [];
  const overheads: number[] = [];
  const overheadsAtSims: number[] = [];
  const breakdown = {
    beforeFirstCall: [] as number[],
    betweenCalls: [] as number[],
    workerRedis: [] as number[],
  };
  try {
    for (let i = -3; i < n; i++) {
      const id = 20_000 + i + 3;
      world.fileTicket(id, i & 1);
      const g0 = world.graph.requests.length;
      const h0 = world.halo.requests.length;
      const done0 = (await svc.queue.getJobCounts('completed')).completed ?? 0;
      const t0 = performance.now();
      await deliver(svc.api.port!, id, i & 1);
      await waitFor(() => world.notes.has(id), 30_000, `note of ${id}`);
      const noteAt = world.notes.get(id)![0]!;
      await waitFor(
        async () => ((await svc.queue.getJobCounts('completed')).completed ?? 0) > done0,
        30_000,
        'job',
      );
      const timeline = ticketTimeline(world, g0, h0, t0, noteAt);
      if (!timeline) throw new Error(`no outside calls recorded for ticket ${id}`);
      const epoch = performance.timeOrigin;
      const { spans, redisSpans } = await spansOf(svc.worker);
      const clientWaited = coveredWithin(spans, epoch + t0, epoch + timeline.end);
      const redisWaited = coveredWithin(redisSpans, epoch + t0, epoch + timeline.end);
      if (process.env.BENCH_TRACE && i === n - 1) {
        const all = [
          ...spans.map(([a, b]) => ({ kind: 'http', a, b })),
          ...redisSpans.map(([a, b]) => ({ kind: 'redis', a, b })),
        ].sort((x, y) => x.a - y.a);
        let last = epoch + t0;
        for (const e of all) {
          log(
            `${e.kind.padEnd(5)} +${(e.a - epoch - t0).toFixed(1)} gap ${(e.a - last).toFixed(2)} took ${(e.b - e.a).toFixed(2)}`,
          );
          last = Math.max(last, e.b);
        }
        log(`end +${(timeline.end - t0).toFixed(1)}`);
      }
      if (i < 0) continue; // warm-up (first token per tenant, JIT)
      totals.push(timeline.total);
      overheads.push(timeline.total - clientWaited);
      overheadsAtSims.push(timeline.total - timeline.waited);
      breakdown.beforeFirstCall.push(timeline.beforeFirstCall);
      breakdown.workerRedis.push(redisWaited);
      breakdown.betweenCalls.push(timeline.betweenCalls);
    }
    return {
      tickets: n,
      latency: S.latency,
      totalP50Ms: round(pct(totals, 50)),
      totalP99Ms: round(pct(totals, 99)),
      // Own time = wall time minus the time the worker had an outside call in flight (timed at its transport).
      overheadP50Ms: round(pct(overheads, 50)),
      overheadP99Ms: round(pct(overheads, 99)),
      // Stricter: minus only the time the simulators held the calls, so the loopback hops between the
      // processes (and waking an idle process, ~1 ms per call on this machine) count as ours too.
      overheadAtSimulatorsP50Ms: round(pct(overheadsAtSims, 50)),
      overheadAtSimulatorsP99Ms: round(pct(overheadsAtSims, 99)),
      // Where the overhead sits, p50 per ticket: webhook to the first outside call (intake, queue, job
      // start), and the sum of the gaps between one call's answer and the next call.
      breakdownP50Ms: {
        beforeFirstCall: round(pct(breakdown.beforeFirstCall, 50)),
        betweenCalls: round(pct(breakdown.betweenCalls, 50)),
        // Time the worker waited on Redis (commands sent → replies; blocking reads excluded).
        workerRedis: round(pct(breakdown.workerRedis, 50)),
      },
    };
  } finally {
    await svc.stop();
    await world.close();
  }
}

// ---- phase 4: burst under per-tenant limits -------------------------------------------------------------------
async function burstPhase(perTicket: { graph: number; psa: number }) {
  const n = S.burstTickets;
  const m = S.burstCustomers;
  log(
    `burst: ${n} tickets across ${m} customers; Graph ${S.graphLimit.ratePerSecond}/s per tenant (burst ${S.graphLimit.burst}), Halo ${S.haloLimit.max} per ${S.haloLimit.windowMs} ms`,
  );
  const world = await startWorld(m, { perTenantRateLimit: S.graphLimit }, { rateLimit: S.haloLimit });
  const prefix = `bench-burst-${randomUUID().slice(0, 8)}`;
  const svc = await startService(world, prefix, BURST_PACING, 'burst');
  try {
    // Tickets grouped by customer (all of customer 0 first...): the order in which FIFO would starve the last.
    const ids: Array<{ id: number; customer: number }> = [];
    for (let c = 0; c < m; c++)
      for (let k = 0; k < Math.ceil(n / m) && ids.length < n; k++)
        ids.push({ id: 100_000 + ids.length, customer: c });
    for (const t of ids) world.fileTicket(t.id, t.customer);
    const started = performance.now();
    let sent = 0;
    const intakeLatencies: number[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < ids.length) {
          const t = ids[sent++]!;
          const t0 = performance.now();
          await deliver(svc.api.port!, t.id, t.customer);
          intakeLatencies.push(performance.now() - t0);
        }
      }),
    );
    const intakeSeconds = (performance.now() - started) / 1000;
    log(`burst: ${n} webhooks accepted in ${round(intakeSeconds)} s; draining…`);
    const timeoutMs = 600_000;
    await waitFor(() => ids.every((t) => world.notes.has(t.id)), timeoutMs, 'burst notes');
    const drain = (performance.now() - started) / 1000;
    await waitFor(
      async () => ((await svc.queue.getJobCounts('completed')).completed ?? 0) >= ids.length,
      60_000,
      'burst jobs to complete',
    );
    const counts = await svc.queue.getJobCounts('completed', 'failed', 'delayed', 'waiting', 'active');
    let metricsText = '';
    try {
      metricsText = await (await fetch(`http://127.0.0.1:${svc.worker.port}/metrics`)).text();
    } catch {
      /* reported as empty */
    }
    const metric = (name: string) =>
      metricsText
        .split('\n')
        .filter((l) => l.startsWith(name))
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);

    const perCustomerFinish = new Map<number, number>();
    for (const t of ids) {
      const at = (world.notes.get(t.id)![0]! - started) / 1000;
      perCustomerFinish.set(t.customer, Math.max(perCustomerFinish.get(t.customer) ?? 0, at));
    }
    const finishes = [...perCustomerFinish.values()];
    const perCustomerFirst = new Map<number, number>();
    for (const t of ids) {
      const at = (world.notes.get(t.id)![0]! - started) / 1000;
      perCustomerFirst.set(t.customer, Math.min(perCustomerFirst.get(t.customer) ?? Infinity, at));
    }
    const ticketsPerTenant = Math.ceil(n / m);
    // What the simulated limits allow at best, for the calls a ticket needs (measured in the pipeline phase).
    const graphBound =
      Math.max(0, ticketsPerTenant * perTicket.graph - S.graphLimit.burst) / S.graphLimit.ratePerSecond;
    const psaBound = (n * perTicket.psa) / (S.haloLimit.max / (S.haloLimit.windowMs / 1000));
    const ideal = Math.max(graphBound, psaBound);
    const rss = await svc.stop();
    return {
      tickets: n,
      customers: m,
      limits: { graphPerTenant: S.graphLimit, halo: S.haloLimit },
      pacing: BURST_PACING,
      webhookIntakeSeconds: round(intakeSeconds, 1),
      webhookP99Ms: round(pct(intakeLatencies, 99)),
      drainSeconds: round(drain, 1),
      idealSeconds: round(ideal, 1),
      drainVsIdeal: round(drain / ideal, 2),
      lost: ids.filter((t) => !world.notes.has(t.id)).length,
      duplicated: ids.filter((t) => (world.notes.get(t.id)?.length ?? 0) > 1).length,
      jobs: counts,
      customerFinishSeconds: {
        min: round(Math.min(...finishes)),
        p50: round(pct(finishes, 50)),
        max: round(Math.max(...finishes)),
        spreadOfDrain: round((Math.max(...finishes) - Math.min(...finishes)) / drain, 2),
        // By customer, in the order their tickets were filed: first and last customer note (s).
        firstNoteByCustomer: [...perCustomerFirst.values()].map((v) => round(v, 0)),
        lastNoteByCustomer: finishes.map((v) => round(v, 0)),
      },
      throttled429: { graph: world.throttled.graph, halo: world.throttled.halo },
      outsideCalls: { graph: graphCalls(world), halo: haloApiCalls(world) },
      callsPerTicket: {
        graph: round(graphCalls(world) / n, 2),
        halo: round(haloApiCalls(world) / n, 2),
      },
      pacingDelays: metric('resetdesk_pacing_delays_total'),
      peakRssMb: { api: round(rss.apiRss / 1024), worker: round(rss.workerRss / 1024) },
    };
  } finally {
    await svc.stop().catch(() => undefined);
    await world.close();
  }
}

// ---- main -----------------------------------------------------------------------------------------------------
async function main() {
  const info = (await redis.info('server')) + (await redis.info('persistence'));
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
  const machine = {
    cpu: cpus()[0]?.model ?? '?',
    cores: cpus().length,
    memoryGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    redis: redisVersion,
    loadAverageAtStart: (await import('node:os')).loadavg().map((l) => round(l, 2)),
    serviceRuntime: TSX ? 'tsx' : 'compiled (node)',
    serviceNodeOptions: IMAGE_NODE_OPTIONS.join(' '),
  };
  log(
    `machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Redis ${redisVersion}${QUICK ? ' (quick)' : ''}`,
  );
  if (ONLY === 'email-reader') {
    process.stdout.write(`${JSON.stringify(emailReaderPhase(), null, 2)}\n`);
    return;
  }
  buildChildren();
  const startedAt = new Date();
  if (ONLY) {
    // For working on one phase: prints its figures and stops.
    const phases: Record<string, () => Promise<object>> = {
      burst: () => burstPhase({ graph: 12, psa: 4 }),
      intake: intakePhase,
      pipeline: pipelinePhase,
      overhead: overheadPhase,
    };
    if (!phases[ONLY]) throw new Error(`--only takes ${Object.keys(phases).join(', ')}`);
    const figures = await phases[ONLY]();
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
    return;
  }
  const intake = await intakePhase();
  const pipeline = await pipelinePhase();
  const overhead = await overheadPhase();
  const burst = await burstPhase({ graph: pipeline.graphCallsPerTicket, psa: pipeline.psaCallsPerTicket });
  const peakRssMb = Math.max(burst.peakRssMb.api, burst.peakRssMb.worker);
  const targets = {
    intakeRatio: { target: '>= 0.70', value: intake.ratio, met: intake.ratio >= 0.7 },
    intakeP99: { target: '< 50 ms', value: intake.ours.p99Ms, met: intake.ours.p99Ms < 50 },
    overheadP50: { target: '< 10 ms', value: overhead.overheadP50Ms, met: overhead.overheadP50Ms < 10 },
    burstDrain: { target: '<= 1.5x ideal', value: burst.drainVsIdeal, met: burst.drainVsIdeal <= 1.5 },
    noLossNoDup: {
      target: '0 / 0',
      value: `${burst.lost} / ${burst.duplicated}`,
      met: burst.lost === 0 && burst.duplicated === 0,
    },
    fairness: {
      target: 'no customer starved (spread of finish times < 0.25 of drain)',
      value: burst.customerFinishSeconds.spreadOfDrain,
      met: burst.customerFinishSeconds.spreadOfDrain < 0.25,
    },
    peakRss: { target: '< 250 MB per process', value: peakRssMb, met: peakRssMb < 250 },
  };
  const result = {
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    startedAt: startedAt.toISOString(),
    durationSeconds: round((Date.now() - startedAt.getTime()) / 1000, 0),
    machine,
    settings: S,
    intake,
    pipeline,
    overhead,
    burst,
    targets,
  };
  mkdirSync('bench-results', { recursive: true });
  const file = `bench-results/bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

  const rows: Array<[string, string, string]> = [
    [
      'intake rps (ours / baseline)',
      `${intake.ours.rps} / ${intake.baseline.rps} (${intake.ratio}x)`,
      targets.intakeRatio.met ? 'ok ≥0.70' : 'MISS ≥0.70',
    ],
    [
      'intake p50 / p99 ms (ours)',
      `${intake.ours.p50Ms} / ${intake.ours.p99Ms}`,
      targets.intakeP99.met ? 'ok p99<50' : 'MISS p99<50',
    ],
    [
      'intake p50 / p99 ms (baseline)',
      `${intake.baseline.p50Ms} / ${intake.baseline.p99Ms}`,
      `${intake.connections} connections`,
    ],
    [
      'pipeline resets/s (1 worker)',
      `${pipeline.resetsPerSecond}`,
      `${pipeline.graphCallsPerTicket} Graph + ${pipeline.psaCallsPerTicket} PSA calls/ticket`,
    ],
    [
      'own overhead p50 / p99 ms',
      `${overhead.overheadP50Ms} / ${overhead.overheadP99Ms}`,
      targets.overheadP50.met ? 'ok p50<10' : 'MISS p50<10',
    ],
    [
      '  (at the simulators p50 / p99 ms)',
      `${overhead.overheadAtSimulatorsP50Ms} / ${overhead.overheadAtSimulatorsP99Ms}`,
      'incl. loopback hops between processes',
    ],
    [
      '  (total per reset p50 / p99 ms)',
      `${overhead.totalP50Ms} / ${overhead.totalP99Ms}`,
      `Graph +${S.latency.graphMs}, Halo +${S.latency.haloMs} ms/call`,
    ],
    [
      'burst drain s (ideal)',
      `${burst.drainSeconds} (${burst.idealSeconds}) = ${burst.drainVsIdeal}x`,
      targets.burstDrain.met ? 'ok ≤1.5x' : 'MISS ≤1.5x',
    ],
    [
      'burst lost / duplicated',
      `${burst.lost} / ${burst.duplicated}`,
      targets.noLossNoDup.met ? 'ok' : 'MISS',
    ],
    [
      'customer finish min/p50/max s',
      `${burst.customerFinishSeconds.min} / ${burst.customerFinishSeconds.p50} / ${burst.customerFinishSeconds.max}`,
      targets.fairness.met
        ? `ok spread ${burst.customerFinishSeconds.spreadOfDrain}`
        : `MISS spread ${burst.customerFinishSeconds.spreadOfDrain}`,
    ],
    [
      '429s received (Graph / Halo)',
      `${burst.throttled429.graph} / ${burst.throttled429.halo}`,
      `of ${burst.outsideCalls.graph} / ${burst.outsideCalls.halo} calls`,
    ],
    [
      'peak RSS MB (api / worker)',
      `${burst.peakRssMb.api} / ${burst.peakRssMb.worker}`,
      targets.peakRss.met ? 'ok <250' : 'MISS <250',
    ],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  process.stdout.write(
    `\nresetdesk bench — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Redis ${redisVersion}\n\n`,
  );
  for (const [a, b, c] of rows) process.stdout.write(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}\n`);
  process.stdout.write(`\nfigures: ${file}\n`);
}

main()
  .then(() => redis.quit())
  .then(
    () => process.exit(0),
    (err: Error) => {
      console.error(`bench failed: ${err.stack ?? err.message}`);
      process.exit(1);
    },
  );
