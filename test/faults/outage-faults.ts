import { burstUserId } from '../sandbox/burst-tickets.js';
import { tenantOf } from './fault-world.js';
import { judge, sleep, splitDeployment, waitUntil, within, type Scenario } from './fault-judging.js';

// Faults of what the service depends on: Redis restarted and down, the PSA down, Graph throttling one
// tenant.

// ---- Redis restarted mid-burst ---------------------------------------------------------------------------

export const redisRestart: Scenario = {
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

export const redisDown: Scenario = {
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

export const psaDown: Scenario = {
  name: 'PSA down for 8 s (retry horizon 1.5 s)',
  async run(ctx) {
    const { api, workers } = await splitDeployment(ctx);
    // One ticket has its password set when the PSA goes down; the other arrives while it is down.
    const set = ctx.ticket(0);
    const hold = ctx.world.graph.hold({
      method: 'POST',
      pathPattern: `/v1.0/users/${burstUserId(set)}/revokeSignInSessions`,
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

export const graphStorm: Scenario = {
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
