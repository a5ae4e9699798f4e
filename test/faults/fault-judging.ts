import type { Redis } from 'ioredis';
import type { OwnRedis } from '../support/redis-server.js';
import type { FaultWorld, TicketVerdict } from './fault-world.js';
import type { Role, ServiceProcess } from './service-processes.js';

// What the fault suite's scenarios share: the table's row, the context they run in, and how they judge.

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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
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

export async function waitUntil(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** The worker process holding a ticket's job: BullMQ's `processedBy`, which the service sets to host:pid. */
export async function holderPid(ctx: ScenarioContext, ticketId: number): Promise<number | undefined> {
  const by = await ctx.redis.hget(`${ctx.prefix}:resets:halopsa-${ticketId}`, 'pb');
  const pid = Number(by?.split(':').pop());
  return Number.isInteger(pid) ? pid : undefined;
}

/** Waits for the tickets to finish (or the deadline), lets late duplicates show, and counts. */
export async function judge(
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
    notes: ticketsWith(verdicts),
    verdicts,
  };
}

/** Which tickets went wrong, by ticket id, for reading their lines in the kept logs. */
function ticketsWith(verdicts: TicketVerdict[]): string[] {
  const list = (what: string, wrong: (v: TicketVerdict) => boolean) => {
    const ids = verdicts.filter(wrong).map((v) => v.ticketId);
    return ids.length > 0 ? [`${what}: tickets ${ids.join(', ')}`] : [];
  };
  return [
    ...list('more than one password change', (v) => v.passwordChanges > 1),
    ...list('more than one delivery or hand-off note', (v) => v.deliveryNotes > 1 || v.handOffNotes > 1),
    ...list('a delivered link with the wrong password', (v) => v.mismatch),
  ];
}

/** API + two workers on the scenario's prefix. */
export async function splitDeployment(ctx: ScenarioContext) {
  const [api, ...workers] = await Promise.all([ctx.start('api'), ctx.start('worker'), ctx.start('worker')]);
  return { api: api!, workers };
}
