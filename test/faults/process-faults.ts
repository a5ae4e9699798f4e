import { burstUserId } from '../sandbox/burst-tickets.js';
import type { SimHold } from '../simulators/sim-hold.js';
import type { FaultWorld } from './fault-world.js';
import {
  holderPid,
  judge,
  sleep,
  splitDeployment,
  waitUntil,
  within,
  type Scenario,
} from './fault-judging.js';
import type { ServiceProcess } from './service-processes.js';

// Faults of the service's own processes: kill -9 at each step of a reset, a frozen worker, SIGTERM.

// ---- kill -9 of a worker at each step boundary -----------------------------------------------------------

interface Boundary {
  name: string;
  /** Holds the request that comes right after the step (or the step's own answer, `phase: 'answer'`). */
  hold(world: FaultWorld, ticketId: number): SimHold;
}

export const BOUNDARIES: Boundary[] = [
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
        pathPattern: new RegExp(`^/v1\\.0/users/${burstUserId(id)}/authentication/`),
        phase: 'answer',
      }),
  },
  {
    name: 'after the link is stored',
    // The link is in Redis and journaled; the password change is on its way and never arrives.
    hold: (w, id) => w.graph.hold({ method: 'PATCH', pathPattern: `/v1.0/users/${burstUserId(id)}` }),
  },
  {
    name: 'after the password is set',
    hold: (w, id) =>
      w.graph.hold({ method: 'POST', pathPattern: `/v1.0/users/${burstUserId(id)}/revokeSignInSessions` }),
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

export function killAt(boundary: Boundary, mode: 'split' | 'all'): Scenario {
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

export const frozen: Scenario = {
  name: 'worker frozen past its lock (SIGSTOP, then SIGCONT)',
  async run(ctx) {
    const { api, workers } = await splitDeployment(ctx);
    const ids: number[] = [];
    let recovery = 0;
    // Frozen after the password was set (its revoke lands while it is frozen), then while its delivery note
    // was stored but not yet answered.
    const freezes: Array<(id: number) => SimHold> = [
      (id) =>
        ctx.world.graph.hold({
          method: 'POST',
          pathPattern: `/v1.0/users/${burstUserId(id)}/revokeSignInSessions`,
        }),
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

// ---- SIGTERM during a burst ------------------------------------------------------------------------------

export function sigtermBurst(mode: 'split' | 'all'): Scenario {
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
        ctx.world.graph.hold({
          method: 'POST',
          pathPattern: `/v1.0/users/${burstUserId(id)}/revokeSignInSessions`,
        }),
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
