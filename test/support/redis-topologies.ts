import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import type { RedisClient } from '../../services/redis/redis-client.js';
import { simTls } from './sim-tls.js';

/**
 * Real local Redis topologies for the tests, made of `redis-server` and `redis-cli` only (no Docker): a
 * Sentinel set (a master, its replica(s), three sentinels with quorum 2) and a Cluster (three masters). Each
 * runs in its own temp dir on free ports and is always stopped: by `stop()` (call it in afterAll) and, for
 * processes a crashed test leaves behind, when the test process exits.
 */

const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? 'redis-server';
const REDIS_CLI = process.env.REDIS_CLI_PATH ?? 'redis-cli';
const HOST = '127.0.0.1';

/**
 * Whether the topology tests can run here. In CI (`CI` set) a missing binary is an error, not a skip: the
 * tests must run there (`.ci/run` installs Debian's redis-server, which brings redis-cli).
 */
export function redisTopologyAvailability(): { run: true } | { run: false; reason: string } {
  const missing = [REDIS_SERVER, REDIS_CLI].filter(
    (bin) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status !== 0,
  );
  if (missing.length === 0) return { run: true };
  const reason = `${missing.join(' and ')} not found (install Debian's "redis-server" package, or set REDIS_SERVER_PATH / REDIS_CLI_PATH)`;
  if (process.env.CI) throw new Error(`${reason}; the Redis Sentinel and Cluster tests must run in CI`);
  console.warn(`Skipping the Redis Sentinel and Cluster tests: ${reason}.`);
  return { run: false, reason };
}

/** What the harness needs to point the service at a Redis and to look inside it. */
export interface TestRedisTarget {
  /** Env vars that select the topology (REDIS_MODE and its keys), as a deployment would set them. */
  env: Record<string, string>;
  /** Cluster needs every key prefix to hold a hash tag. */
  cluster: boolean;
  /** A client of its own for the test's assertions (the caller quits it). */
  connect(): Promise<RedisClient>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test process that ends without its afterAll (a crash, a timeout) must not leave servers behind.
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (${lastError.message})` : '';
      throw new Error(`timed out waiting for ${what}${cause}`);
    }
    await sleep(50);
  }
}

/** How to reach a server of a topology: its password and, with TLS, the CA to trust. */
interface Access {
  password?: string;
  tls?: { ca: string };
}

/** One command on a fresh connection that does not retry: for probing servers that may be down. */
async function command(port: number, access: Access, ...args: string[]): Promise<unknown> {
  const client = new Redis({
    host: HOST,
    port,
    password: access.password,
    tls: access.tls,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    connectTimeout: 1000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const [name, ...rest] = args;
    return await client.call(name!, ...rest);
  } finally {
    client.disconnect();
  }
}

function fieldsOf(reply: unknown): Record<string, string> {
  const list = Array.isArray(reply) ? (reply as string[]) : [];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]!] = list[i + 1]!;
  return out;
}

function infoField(info: unknown, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(String(info))?.[1]?.trim();
}

/** A redis-server (or sentinel) process in its own directory; restartable on the same port. */
class ServerProcess {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(
    readonly name: string,
    readonly dir: string,
    readonly port: number,
    private readonly config: string,
    private readonly access: Access,
    private readonly sentinel = false,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(extraConfig = ''): Promise<void> {
    // A sentinel rewrites its file with what it learns: only its first start writes it.
    const file = join(this.dir, this.sentinel ? 'sentinel.conf' : 'redis.conf');
    if (!this.sentinel || !existsSync(file)) writeFileSync(file, `${this.config}\n${extraConfig}\n`);
    const args = this.sentinel ? [file, '--sentinel'] : [file];
    const child = spawn(REDIS_SERVER, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.output = '';
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.child = child;
    track(child);
    await waitFor(`${this.name} on port ${this.port}`, async () => {
      if (!this.running) throw new Error(`${this.name} exited: ${this.output.trim().split('\n').at(-1)}`);
      return (await command(this.port, this.access, 'PING')) === 'PONG' ? true : undefined;
    });
  }

  /** Like a crash or an OOM kill: no shutdown, no save. */
  kill(): Promise<void> {
    return this.stop('SIGKILL');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await Promise.race([exited, sleep(3000)]);
    if (this.running) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

/** The listening part of a server's configuration: a plain port, or a TLS port with the simulators' key pair. */
function listenConfig(port: number, tls: boolean): string[] {
  if (!tls) return [`port ${port}`, `bind ${HOST}`, 'protected-mode no'];
  const { certPath } = simTls();
  return [
    'port 0',
    `tls-port ${port}`,
    `bind ${HOST}`,
    'protected-mode no',
    `tls-cert-file ${certPath}`,
    `tls-key-file ${certPath.replace(/cert\.pem$/, 'key.pem')}`,
    `tls-ca-cert-file ${certPath}`,
    'tls-auth-clients no',
    'tls-replication yes',
  ];
}

/** Settings every local data node shares: nothing on disk, quick full syncs. */
function dataNodeConfig(port: number, tls: boolean, extra: string[] = []): string {
  return [
    ...listenConfig(port, tls),
    'save ""',
    'appendonly no',
    'repl-diskless-sync yes',
    'repl-diskless-sync-delay 0',
    'maxmemory-policy noeviction',
    ...extra,
  ].join('\n');
}

export interface SentinelSet extends TestRedisTarget {
  masterName: string;
  sentinelPorts: number[];
  /** The port of the data node the sentinels currently name as master. */
  masterPort(): Promise<number>;
  /** `SENTINEL FAILOVER`: resolves once every sentinel names a new master and it answers as master. */
  failover(): Promise<{ from: number; to: number }>;
  /** SIGKILL of the master process; resolves once it is dead (the sentinels have not noticed yet). */
  killMaster(): Promise<{ from: number }>;
  /** Resolves once every sentinel names a node other than `from` as master and it answers as one. */
  promotedFrom(from: number): Promise<number>;
  /** Starts a killed data node again, as a replica of the current master (what a supervisor would do). */
  restartKilled(): Promise<void>;
  /**
   * Resolves once every running data node but the master replicates from it: after a forced failover, once
   * Sentinel has turned the old master into a replica (which discards whatever it took after the promotion).
   */
  converged(): Promise<void>;
  stop(): Promise<void>;
}

export interface SentinelSetOptions {
  /** Replicas of the master (default 1). */
  replicas?: number;
  /** Extra lines for every data node's configuration. */
  dataNodeConfig?: string[];
  /** TLS on every port, data nodes and sentinels (the simulators' self-signed certificate). */
  tls?: boolean;
  /** `requirepass` of the data nodes (and `masterauth` of the replicas, `auth-pass` of the sentinels). */
  password?: string;
  /** `requirepass` of the sentinels themselves. */
  sentinelPassword?: string;
}

/** Starts a master, its replica(s) and three sentinels (quorum 2) and waits until the sentinels agree. */
export async function startSentinelSet(options: SentinelSetOptions = {}): Promise<SentinelSet> {
  const root = mkdtempSync(join(tmpdir(), 'rd-sentinel-'));
  const masterName = 'resetdesk-test';
  const replicas = options.replicas ?? 1;
  const tls = options.tls ? { ca: readFileSync(simTls().certPath, 'utf8') } : undefined;
  const dataAccess: Access = { password: options.password, tls };
  const sentinelAccess: Access = { password: options.sentinelPassword, tls };
  const auth = options.password ? [`requirepass ${options.password}`, `masterauth ${options.password}`] : [];
  const ports: number[] = [];
  for (let i = 0; i <= replicas; i++) ports.push(await freePort());
  const nodes = ports.map(
    (port, i) =>
      new ServerProcess(
        `redis ${i}`,
        join(root, `node-${i}`),
        port,
        dataNodeConfig(port, Boolean(tls), [...auth, ...(options.dataNodeConfig ?? [])]),
        dataAccess,
      ),
  );
  const sentinels: ServerProcess[] = [];
  const stopAll = async () => {
    await Promise.all([...sentinels, ...nodes].map((s) => s.stop('SIGKILL')));
    rmSync(root, { recursive: true, force: true });
  };
  const syncedReplica = (port: number) =>
    waitFor(`the replica on ${port} to sync`, async () =>
      infoField(await command(port, dataAccess, 'INFO', 'replication'), 'master_link_status') === 'up'
        ? true
        : undefined,
    );
  try {
    await nodes[0]!.start();
    for (const replica of nodes.slice(1)) {
      await replica.start(`replicaof ${HOST} ${ports[0]}`);
      await syncedReplica(replica.port);
    }
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const s = new ServerProcess(
        `sentinel ${i}`,
        join(root, `sentinel-${i}`),
        port,
        [
          ...listenConfig(port, Boolean(tls)),
          `sentinel monitor ${masterName} ${HOST} ${ports[0]} 2`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 2000`,
          `sentinel parallel-syncs ${masterName} 1`,
          ...(options.password ? [`sentinel auth-pass ${masterName} ${options.password}`] : []),
          ...(options.sentinelPassword
            ? [
                `requirepass ${options.sentinelPassword}`,
                `sentinel sentinel-pass ${options.sentinelPassword}`,
              ]
            : []),
        ].join('\n'),
        sentinelAccess,
        true,
      );
      sentinels.push(s);
      await s.start();
    }
    await waitFor(
      'the sentinels to know each other and the replicas',
      async () => {
        for (const s of sentinels) {
          const m = fieldsOf(await command(s.port, sentinelAccess, 'SENTINEL', 'MASTER', masterName));
          if (m['num-other-sentinels'] !== '2' || m['num-slaves'] !== String(replicas)) return undefined;
        }
        return true;
      },
      15_000,
    );
  } catch (err) {
    await stopAll();
    throw err;
  }

  const sentinelPorts = sentinels.map((s) => s.port);
  const masterPort = async () => {
    const reply = (await command(
      sentinelPorts[0]!,
      sentinelAccess,
      'SENTINEL',
      'GET-MASTER-ADDR-BY-NAME',
      masterName,
    )) as string[];
    return Number(reply[1]);
  };
  /** Waits until every sentinel names one node other than `from` as master and it answers as one. */
  const movedFrom = (from: number) =>
    waitFor(
      'the sentinels to name a new master',
      async () => {
        const named = new Set<number>();
        for (const p of sentinelPorts) {
          const reply = (await command(
            p,
            sentinelAccess,
            'SENTINEL',
            'GET-MASTER-ADDR-BY-NAME',
            masterName,
          )) as string[];
          named.add(Number(reply[1]));
        }
        const [to] = [...named];
        if (named.size !== 1 || to === undefined || to === from) return undefined;
        const role = infoField(await command(to, dataAccess, 'INFO', 'replication'), 'role');
        return role === 'master' ? to : undefined;
      },
      20_000,
    );
  let killed: ServerProcess | undefined;

  return {
    masterName,
    sentinelPorts,
    cluster: false,
    env: {
      REDIS_MODE: 'sentinel',
      REDIS_SENTINELS: sentinelPorts.map((p) => `${HOST}:${p}`).join(','),
      REDIS_SENTINEL_MASTER_NAME: masterName,
      ...(options.password ? { REDIS_PASSWORD: options.password } : {}),
      ...(options.sentinelPassword ? { REDIS_SENTINEL_PASSWORD: options.sentinelPassword } : {}),
      ...(tls ? { REDIS_TLS: 'true', REDIS_SENTINEL_TLS: 'true', REDIS_TLS_CA_PATH: simTls().certPath } : {}),
    },
    async connect() {
      const client = new Redis({
        sentinels: sentinelPorts.map((port) => ({ host: HOST, port })),
        name: masterName,
        password: options.password,
        sentinelPassword: options.sentinelPassword,
        enableTLSForSentinelMode: Boolean(tls),
        tls,
        sentinelTLS: tls,
        maxRetriesPerRequest: null,
      });
      client.on('error', () => undefined);
      await client.ping();
      return client;
    },
    masterPort,
    async failover() {
      const from = await masterPort();
      // The sentinels must have seen the replica healthy, or they refuse (NOGOODSLAVE): ask until they agree.
      await waitFor('a forced failover to start', async () =>
        (await command(sentinelPorts[0]!, sentinelAccess, 'SENTINEL', 'FAILOVER', masterName)) === 'OK'
          ? true
          : undefined,
      );
      return { from, to: await movedFrom(from) };
    },
    async killMaster() {
      const from = await masterPort();
      killed = nodes.find((n) => n.port === from)!;
      await killed.kill();
      return { from };
    },
    promotedFrom: movedFrom,
    async restartKilled() {
      if (!killed) return;
      const node = killed;
      killed = undefined;
      await node.start(`replicaof ${HOST} ${await masterPort()}`);
      await syncedReplica(node.port);
    },
    async converged() {
      await waitFor(
        'every data node to replicate from the master',
        async () => {
          const master = await masterPort();
          for (const node of nodes.filter((n) => n.running && n.port !== master)) {
            const info = await command(node.port, dataAccess, 'INFO', 'replication');
            if (infoField(info, 'master_port') !== String(master)) return undefined;
            if (infoField(info, 'master_link_status') !== 'up') return undefined;
          }
          return true;
        },
        30_000,
      );
    },
    stop: stopAll,
  };
}

export interface LocalCluster extends TestRedisTarget {
  ports: number[];
  stop(): Promise<void>;
}

/** Starts three masters with `cluster-enabled yes` and joins them with `redis-cli --cluster create`. */
export async function startCluster(): Promise<LocalCluster> {
  const root = mkdtempSync(join(tmpdir(), 'rd-cluster-'));
  const nodes: ServerProcess[] = [];
  const stopAll = async () => {
    await Promise.all(nodes.map((s) => s.stop('SIGKILL')));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      // The bus port is chosen too (by default it is port + 10000, which may be taken or out of range).
      const busPort = await freePort();
      const node = new ServerProcess(
        `cluster node ${i}`,
        join(root, `node-${i}`),
        port,
        dataNodeConfig(port, false, [
          'cluster-enabled yes',
          'cluster-config-file nodes.conf',
          `cluster-port ${busPort}`,
          'cluster-node-timeout 2000',
        ]),
        {},
      );
      nodes.push(node);
      await node.start();
    }
    const created = spawnSync(
      REDIS_CLI,
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `${HOST}:${n.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (created.status !== 0) {
      throw new Error(`redis-cli --cluster create failed: ${created.stdout}\n${created.stderr}`);
    }
    await waitFor(
      'the cluster to be ok on every node',
      async () => {
        for (const n of nodes) {
          const info = await command(n.port, {}, 'CLUSTER', 'INFO');
          if (infoField(info, 'cluster_state') !== 'ok' || infoField(info, 'cluster_known_nodes') !== '3') {
            return undefined;
          }
        }
        return true;
      },
      20_000,
    );
  } catch (err) {
    await stopAll();
    throw err;
  }
  const ports = nodes.map((n) => n.port);
  return {
    ports,
    cluster: true,
    env: {
      REDIS_MODE: 'cluster',
      REDIS_CLUSTER_NODES: ports.map((p) => `${HOST}:${p}`).join(','),
    },
    async connect() {
      const client = new Cluster(
        ports.map((port) => ({ host: HOST, port })),
        { redisOptions: { maxRetriesPerRequest: null } },
      );
      client.on('error', () => undefined);
      await client.ping();
      return client;
    },
    stop: stopAll,
  };
}
