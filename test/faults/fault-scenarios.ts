import type { Redis } from 'ioredis';
import type { SimHold } from '../simulators/sim-hold.js';
import type { OwnRedis } from '../support/redis-server.js';
import { tenantOf, type FaultWorld, type TicketVerdict } from './fault-world.js';
import type { Role, ServiceProcess } from './service-processes.js';

/** One line of the suite's table. Every count must be zero; `failures` lists what else went wrong. */
export interface Row {
  fault: string;
  tickets: number;
  lost: number;
  duplicatedResets: number;
  duplicatedNotes: number;
  unfinished: number;
  /** Delivered links that do not open, or whose password is not the staff member's current one. */
  wrongLinks: number;
  /** From the end of the fault (restart, resume, Redis or the PSA back) to the last affected ticket done. */
  recoveryMs?: number;
  failures: string[];
  /** Measurements worth printing under the table. */
  notes: string[];
}

export interface ScenarioContext {
  world: FaultWorld;
  /** The suite's own client of the fault Redis (for reading state; survives restarts). */
  redis: Redis;
  redisServer: OwnRedis;
  /** This scenario's REDIS_KEY_PREFIX. */
  prefix: string;
  start(role: Role, env?: Record<string, string>): Promise<ServiceProcess>;
  /** Files a reset ticket for a new staff member of the customer; returns its id. */
  ticket(customer: number): number;
  log(line: string): void;
}

export interface Scenario {
  name: string;
  run(ctx: ScenarioContext): Promise<Row>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitUntil(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** The worker process holding a ticket's job: BullMQ's `processedBy`, which the service sets to host:pid. */
async function holderPid(ctx: ScenarioContext, ticketId: number): Promise<number | undefined> {
  const by = await ctx.redis.hget(`${ctx.prefix}:resets:halopsa-${ticketId}`, 'pb');
  const pid = Number(by?.split(':').pop());
  return Number.isInteger(pid) ? pid : undefined;
}

/** Waits for the tickets to finish (or the deadline), lets late duplicates show, and counts. */
async function judge(
  ctx: ScenarioContext,
  fault: string,
  ids: number[],
  apiPort: number,
  options: { deadlineMs?: number; settleMs?: number; recoveryFrom?: number } = {},
): Promise<Row & { verdicts: TicketVerdict[] }> {
  await waitUntil(() => ids.every((id) => ctx.world.finished(id)), options.deadlineMs ?? 45_000);
  await sleep(options.settleMs ?? 1500);
  const verdicts: TicketVerdict[] = [];
  for (const id of ids) verdicts.push(await ctx.world.verdict(id, apiPort, ctx.redis, ctx.prefix));
  const done = (v: TicketVerdict) => v.delivered || v.handedOff;
  const last = Math.max(...ids.map((id) => ctx.world.doneAt(id) ?? 0));
  const recoveryMs = options.recoveryFrom === undefined ? undefined : last - options.recoveryFrom;
  return {
    fault,
    tickets: ids.length,
    lost: verdicts.filter((v) => !done(v) && !v.pending).length,
    unfinished: verdicts.filter((v) => !done(v) && v.pending).length,
    duplicatedResets: verdicts.reduce((n, v) => n + Math.max(0, v.passwordChanges - 1), 0),
    duplicatedNotes: verdicts.reduce(
      (n, v) => n + Math.max(0, v.deliveryNotes - 1) + Math.max(0, v.handOffNotes - 1),
      0,
    ),
    wrongLinks: verdicts.filter((v) => v.mismatch).length,
    // Nothing left to recover when every ticket was done before the fault ended.
    recoveryMs: recoveryMs !== undefined && recoveryMs > 0 ? recoveryMs : undefined,
    failures: [],
    notes: [],
    verdicts,
  };
}

/** API + two workers on the scenario's prefix. */
async function splitDeployment(ctx: ScenarioContext) {
  const [api, ...workers] = await Promise.all([ctx.start('api'), ctx.start('worker'), ctx.start('worker')]);
  return { api: api!, workers };
}

// ---- kill -9 of a worker at each step boundary -----------------------------------------------------------

interface Boundary {
  name: string;
  /** Holds the request that comes right after the step (or the step's own answer, `phase: 'answer'`). */
  hold(world: FaultWorld, ticketId: number): SimHold;
}

const BOUNDARIES: Boundary[] = [
  {
    name: 'after the ticket read',
    // The first Graph call of a ticket: finding the requester by address.
    hold: (w) => w.graph.hold({ method: 'GET', pathPattern: '/v1.0/users' }),
  },
  {
    name: 'after MFA removal',
    // The last MFA method is deleted in the tenant; its answer never reaches the worker.
    hold: (w, id) =>
      w.graph.hold({
        method: 'DELETE',
        pathPattern: new RegExp(`^/v1\\.0/users/u-${id}/authentication/`),
        phase: 'answer',
      }),
  },
  {
    name: 'after the link is stored',
    // The link is in Redis and journaled; the password change is on its way and never arrives.
    hold: (w, id) => w.graph.hold({ method: 'PATCH', pathPattern: `/v1.0/users/u-${id}` }),
  },
  {
    name: 'after the password is set',
    hold: (w, id) =>
      w.graph.hold({ method: 'POST', pathPattern: `/v1.0/users/u-${id}/revokeSignInSessions` }),
  },
  {
    name: 'after the note is posted',
    // The next PSA call after the delivery note: moving the ticket.
    hold: (w) => w.halo.hold({ method: 'POST', pathPattern: '/api/Tickets' }),
  },
  {
    name: 'while the note is posted (stored, answer lost)',
    hold: (w) => w.halo.hold({ method: 'POST', pathPattern: '/api/Actions', phase: 'answer' }),
  },
];

function killAt(boundary: Boundary, mode: 'split' | 'all'): Scenario {
  return {
    name: `kill -9 ${mode === 'all' ? 'of the all-in-one process' : 'of a worker'} ${boundary.name}`,
    async run(ctx) {
      let api: ServiceProcess;
      let victims: ServiceProcess[];
      if (mode === 'split') {
        const d = await splitDeployment(ctx);
        api = d.api;
        victims = d.workers;
      } else {
        api = await ctx.start('all');
        victims = [api];
      }
      const id = ctx.ticket(0);
      const hold = boundary.hold(ctx.world, id);
      await ctx.world.deliver(api.port!, id);
      await within(hold.arrived, 20_000, 'the held request');
      const pid = await holderPid(ctx, id);
      const victim = victims.find((p) => p.pid === pid);
      if (!victim) throw new Error(`no process of ours holds ticket ${id} (pid ${pid})`);
      victim.signal('SIGKILL');
      await victim.exited;
      hold.drop();
      const killedAt = performance.now();
      const replacement = await ctx.start(mode === 'all' ? 'all' : 'worker');
      const port = mode === 'all' ? replacement.port! : api.port!;
      const row = await judge(ctx, this.name, [id], port, { recoveryFrom: killedAt });
      if (!row.verdicts[0]!.delivered) row.failures.push('the ticket was not delivered');
      return row;
    },
  };
}

// ---- a worker frozen past its lock -----------------------------------------------------------------------

const frozen: Scenario = {
  name: 'worker frozen past its lock (SIGSTOP, then SIGCONT)',
  async run(ctx) {
    const { api, workers } = await splitDeployment(ctx);
    const ids: number[] = [];
    let recovery = 0;
    // Frozen after the password was set (its revoke lands while it is frozen), then while its delivery note
    // was stored but not yet answered.
    const freezes: Array<(id: number) => SimHold> = [
      (id) =>
        ctx.world.graph.hold({ method: 'POST', pathPattern: `/v1.0/users/u-${id}/revokeSignInSessions` }),
      () => ctx.world.halo.hold({ method: 'POST', pathPattern: '/api/Actions', phase: 'answer' }),
    ];
    for (const holdFor of freezes) {
      const id = ctx.ticket(1);
      ids.push(id);
      const hold = holdFor(id);
      await ctx.world.deliver(api.port!, id);
      await within(hold.arrived, 20_000, 'the held request');
      const pid = await holderPid(ctx, id);
      const stopped = workers.find((w) => w.pid === pid);
      if (!stopped) throw new Error(`no worker of ours holds ticket ${id}`);
      stopped.signal('SIGSTOP');
      const frozenAt = performance.now();
      hold.release();
      // The other worker takes the job over once the frozen one's lock has lapsed, and finishes it.
      await waitUntil(() => (ctx.world.movedAt(id) ?? 0) > frozenAt, 30_000);
      recovery = Math.max(recovery, (ctx.world.movedAt(id) ?? performance.now()) - frozenAt);
      stopped.signal('SIGCONT');
      // Room for the thawed run to try its next step (it must not get through).
      await sleep(3000);
    }
    const row = await judge(ctx, this.name, ids, api.port!);
    row.recoveryMs = recovery;
    return row;
  },
};

// ---- Redis restarted mid-burst ---------------------------------------------------------------------------

const redisRestart: Scenario = {
  name: 'Redis restarted (AOF) mid-burst',
  async run(ctx) {
    const { api } = await splitDeployment(ctx);
    const ids = Array.from({ length: 24 }, (_, i) => ctx.ticket(i % 3));
    let accepted = 0;
    let backAt = 0;
    const restart = (async () => {
      await waitUntil(() => accepted >= 8, 20_000);
      await ctx.redisServer.halt();
      ctx.log('redis stopped (SIGTERM: AOF flushed), starting again in 1.5 s');
      await sleep(1500);
      await ctx.redisServer.start();
      backAt = performance.now();
    })();
    // Each webhook is sent until it is answered 2xx, as the PSA retries; they go out a few at a time.
    const queue = [...ids];
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          for (;;) {
            const status = await ctx.world.deliverOnce(api.port!, id);
            statuses.push(status);
            if (status >= 200 && status < 300) break;
            await sleep(200);
          }
          accepted++;
          await sleep(100);
        }
      }),
    );
    await restart;
    const row = await judge(ctx, this.name, ids, api.port!, { recoveryFrom: backAt });
    row.notes.push(
      `${statuses.filter((s) => s === 202).length} webhooks answered 202, ${statuses.filter((s) => s === 503).length} answered 503 during the restart, ${statuses.filter((s) => s === 0).length} connection failures`,
    );
    return row;
  },
};

// ---- Redis down ------------------------------------------------------------------------------------------

const redisDown: Scenario = {
  name: 'Redis down for 6 s',
  async run(ctx) {
    const { api, workers } = await splitDeployment(ctx);
    const inFlight = [ctx.ticket(0), ctx.ticket(1), ctx.ticket(2)];
    for (const id of inFlight) await ctx.world.deliver(api.port!, id);
    await ctx.redisServer.halt();
    const downAt = Date.now();
    const during = [ctx.ticket(0), ctx.ticket(1), ctx.ticket(2), ctx.ticket(0), ctx.ticket(1)];
    const statuses: number[] = [];
    const ready: number[] = [];
    // Twenty webhooks a second for six seconds; readiness asked every half second.
    for (let i = 0; Date.now() - downAt < 6000; i++) {
      statuses.push(await ctx.world.deliverOnce(api.port!, during[i % during.length]!));
      if (i % 10 === 0) ready.push((await fetch(`http://127.0.0.1:${api.port}/readyz`)).status);
      await sleep(50);
    }
    const upAt = Date.now();
    await ctx.redisServer.start();
    const backAt = performance.now();
    const readyAgain = await waitUntil(
      async () => (await fetch(`http://127.0.0.1:${api.port}/readyz`)).status === 200,
      20_000,
    );
    const readyAfterMs = performance.now() - backAt;
    for (const id of during) await ctx.world.deliver(api.port!, id);
    const row = await judge(ctx, this.name, [...inFlight, ...during], api.port!, { recoveryFrom: backAt });

    const accepted = statuses.filter((s) => s >= 200 && s < 300).length;
    if (accepted > 0) row.failures.push(`${accepted} webhooks answered 2xx while Redis was down`);
    if (ready.some((s) => s !== 503)) row.failures.push('/readyz said ready while Redis was down');
    if (!readyAgain) row.failures.push('/readyz did not become ready again without a restart');
    // The Redis lines each process wrote during the outage: at most one a second.
    let worst = 0;
    for (const proc of [api, ...workers]) {
      const perSecond = new Map<number, number>();
      for (const line of proc.logLines()) {
        const time = Number(line.time);
        if (line.event !== 'redis.unavailable' || time < downAt || time > upAt) continue;
        const second = Math.floor((time - downAt) / 1000);
        perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
      }
      // Any other line about reaching Redis is part of the flood the outage log prevents.
      const noisy = proc
        .logLines()
        .filter(
          (l) =>
            Number(l.time) >= downAt &&
            Number(l.time) <= upAt &&
            Number(l.level) >= 40 &&
            l.event !== 'redis.unavailable' &&
            /ECONN|ETIMEDOUT|EPIPE|Connection is closed|Stream isn't writeable|redis connection/i.test(
              `${String(l.msg)} ${JSON.stringify(l.err ?? '')}`,
            ),
        );
      if (noisy.length > 0)
        row.failures.push(
          `${proc.label} logged ${noisy.length} other warnings during the outage, e.g. ${JSON.stringify(noisy[0]!.msg)}`,
        );
      worst = Math.max(worst, ...perSecond.values());
    }
    if (worst > 1) row.failures.push(`up to ${worst} Redis log lines a second in one process`);
    row.notes.push(
      `${statuses.length} webhooks during the outage: ${statuses.filter((s) => s === 503).length} answered 503, ${accepted} 2xx; at most ${worst} Redis log line a second per process; ready again ${(readyAfterMs / 1000).toFixed(1)} s after Redis`,
    );
    return row;
  },
};

// ---- the PSA down longer than the retry horizon ---------------------------------------------------------

const psaDown: Scenario = {
  name: 'PSA down for 8 s (retry horizon 1.5 s)',
  async run(ctx) {
    const { api, workers } = await splitDeployment(ctx);
    // One ticket has its password set when the PSA goes down; the other arrives while it is down.
    const set = ctx.ticket(0);
    const hold = ctx.world.graph.hold({
      method: 'POST',
      pathPattern: `/v1.0/users/u-${set}/revokeSignInSessions`,
    });
    await ctx.world.deliver(api.port!, set);
    await within(hold.arrived, 20_000, 'the password to be set');
    ctx.world.halo.down(503);
    hold.release();
    const unread = ctx.ticket(1);
    await ctx.world.deliver(api.port!, unread);
    await sleep(8000);
    ctx.world.halo.down();
    const backAt = performance.now();
    const row = await judge(ctx, this.name, [set, unread], api.port!, { recoveryFrom: backAt });
    const [a, b] = row.verdicts;
    if (!a!.delivered || !a!.handedOff)
      row.failures.push('the ticket with a password set was not delivered late and handed off');
    if (!b!.handedOff || b!.passwordChanges > 0)
      row.failures.push('the unread ticket was not handed off untouched');
    const retries = [api, ...workers]
      .flatMap((p) => p.logLines())
      .filter((l) => l.event === 'reset.handoff-retry');
    if (retries.length < 2) row.failures.push('the hand-off was not retried while the PSA was down');
    row.notes.push(
      `${retries.length} hand-off tries failed while the PSA was down; both tickets ended with the engineers, the first with its link delivered late`,
    );
    return row;
  },
};

// ---- Graph 429 storms and 5xx bursts on one tenant -----------------------------------------------------

const graphStorm: Scenario = {
  name: 'Graph 429 storm (6 s) then 5xx burst on one tenant',
  async run(ctx) {
    const { api } = await splitDeployment(ctx);
    const delays = async (ids: number[], acceptedAt: Map<number, number>) => {
      await waitUntil(() => ids.every((id) => ctx.world.finished(id)), 30_000);
      return ids.map((id) => (ctx.world.finishedAt(id) ?? Infinity) - acceptedAt.get(id)!);
    };
    const deliverAll = async (ids: number[]) => {
      const acceptedAt = new Map<number, number>();
      await Promise.all(ids.map(async (id) => acceptedAt.set(id, await ctx.world.deliver(api.port!, id))));
      return acceptedAt;
    };
    // The same load on a calm day, for comparison.
    const calm = [1, 2, 1, 2, 1, 2].map((c) => ctx.ticket(c));
    const baseline = Math.max(...(await delays(calm, await deliverAll(calm))));

    ctx.world.graph.storm(tenantOf(0), { status: 429, retryAfterSeconds: 1 });
    const stormy = [0, 0, 0, 0, 0, 0].map((c) => ctx.ticket(c));
    const others = [1, 2, 1, 2, 1, 2].map((c) => ctx.ticket(c));
    const stormAccepted = deliverAll(stormy);
    const otherAccepted = await deliverAll(others);
    const otherWorst = Math.max(...(await delays(others, otherAccepted)));
    await sleep(Math.max(0, 6000 - otherWorst));
    ctx.world.graph.storm(tenantOf(0), { status: 503 });
    await sleep(600);
    ctx.world.graph.storm(tenantOf(0));
    const backAt = performance.now();
    await stormAccepted;
    const row = await judge(ctx, this.name, [...calm, ...stormy, ...others], api.port!);
    const stormyDone = Math.max(...stormy.map((id) => ctx.world.finishedAt(id) ?? 0));
    row.recoveryMs = stormyDone > 0 ? stormyDone - backAt : undefined;
    if (otherWorst > Math.max(3 * baseline, baseline + 3000))
      row.failures.push(`other tenants were held up: ${otherWorst} ms against ${baseline} ms on a calm day`);
    if (!row.verdicts.every((v) => v.delivered)) row.failures.push('not every ticket was delivered');
    row.notes.push(
      `other tenants' tickets took at most ${(otherWorst / 1000).toFixed(1)} s from webhook to link (calm day: ${(baseline / 1000).toFixed(1)} s); the stormed tenant's all delivered ${((row.recoveryMs ?? 0) / 1000).toFixed(1)} s after it recovered`,
    );
    return row;
  },
};

// ---- SIGTERM during a burst ------------------------------------------------------------------------------

function sigtermBurst(mode: 'split' | 'all'): Scenario {
  return {
    name: `SIGTERM ${mode === 'all' ? 'of the all-in-one process' : 'of both workers'} during a burst`,
    async run(ctx) {
      // Two tickets at a time per process, so most of the burst is still waiting when the stop comes, and
      // two tickets held mid-reset past the shutdown timeout, so their runs are cut off.
      const slow = { WORKER_CONCURRENCY: '2' };
      let api: ServiceProcess;
      let stopping: ServiceProcess[];
      if (mode === 'split') {
        api = await ctx.start('api');
        stopping = await Promise.all([ctx.start('worker', slow), ctx.start('worker', slow)]);
      } else {
        api = await ctx.start('all', slow);
        stopping = [api];
      }
      const ids = Array.from({ length: 20 }, (_, i) => ctx.ticket(i % 3));
      const held = [ids[0]!, ids[1]!].map((id) =>
        ctx.world.graph.hold({ method: 'POST', pathPattern: `/v1.0/users/u-${id}/revokeSignInSessions` }),
      );
      await Promise.all(ids.map((id) => ctx.world.deliver(api.port!, id)));
      await within(Promise.all(held.map((h) => h.arrived)), 20_000, 'the held tickets');
      for (const p of stopping) p.signal('SIGTERM');
      const codes = await Promise.all(stopping.map((p) => within(p.exited, 20_000, `${p.label} to exit`)));
      for (const h of held) h.drop();
      const doneAtStop = ids.filter((id) => ctx.world.finished(id)).length;
      let port = api.port!;
      if (mode === 'split') await Promise.all([ctx.start('worker'), ctx.start('worker')]);
      else port = (await ctx.start('all')).port!;
      const restartedAt = performance.now();
      const row = await judge(ctx, this.name, ids, port, { recoveryFrom: restartedAt });
      if (codes.some((c) => c !== 0)) row.failures.push(`exit codes ${codes.join(', ')} (expected 0)`);
      if (!row.verdicts.every((v) => v.delivered)) row.failures.push('not every ticket was delivered');
      row.notes.push(
        `${doneAtStop} of ${ids.length} done when the stop finished (2 cut off mid-reset); the rest after the restart`,
      );
      return row;
    },
  };
}

export const SCENARIOS: Scenario[] = [
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
