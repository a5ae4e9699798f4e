import type { RedisClient } from '../services/redis/redis-client.js';
import type { PsaKind } from '../services/domain/ports.js';
import { luaScript, runLuaScript } from '../services/one-time-links/redis-deadline.js';
import { redisKeys } from '../services/redis/redis-keys.js';
import { isPsaKind } from '../services/domain/ports.js';

/**
 * The record of reset jobs that were accepted and have not finished, beside the queue, so that a job that
 * vanishes from Redis (a failover that lost writes, a job removed by hand) is noticed by the workers' sweep
 * (ticket-sweep.ts) instead of being silently forgotten. Holds ids only.
 *
 * Keys (all under the deployment's prefix, so a hash-tagged prefix keeps them in the queue's slot):
 * - `<prefix>:open-jobs`, a sorted set: one member per accepted job, `<psa>:<ticket id>:<job id>`, scored
 *   with the time the job is due (accepted, or its delay's end). Written in the same MULTI as the job
 *   itself; removed when the job completes.
 * - `<prefix>:changing-jobs`, a set of job ids whose run has reached the changes to the account (written
 *   with the journal save that comes before the first one). A vanished job in it is handed off, not
 *   queued again: its journal, which made a repeat safe, went with it.
 */
export function openJobsKeys(prefix: string): { open: string; changing: string; sweepLock: string } {
  const keys = redisKeys(prefix);
  return { open: keys.openJobs, changing: keys.changingJobs, sweepLock: keys.sweepLock };
}

export interface OpenJob {
  psa: PsaKind;
  ticketId: string;
  jobId: string;
}

export function openJobMember(job: OpenJob): string {
  return `${job.psa}:${job.ticketId}:${job.jobId}`;
}

/** The job a member names, or undefined for a member this version did not write. */
export function parseOpenJobMember(member: string): OpenJob | undefined {
  const first = member.indexOf(':');
  const last = member.lastIndexOf(':');
  if (first <= 0 || last <= first + 1 || last === member.length - 1) return undefined;
  const psa = member.slice(0, first);
  if (!isPsaKind(psa)) return undefined;
  return { psa, ticketId: member.slice(first + 1, last), jobId: member.slice(last + 1) };
}

/** Adds the record to a MULTI that also adds the job: both land in Redis, or neither does. */
export function recordOpenJob(
  multi: { zadd(key: string, score: number, member: string): unknown },
  prefix: string,
  job: OpenJob,
  dueAt: number,
): void {
  multi.zadd(openJobsKeys(prefix).open, dueAt, openJobMember(job));
}

/** Forgets a job that has finished (its outcome is in the ticket ledger or on the job). */
export async function closeOpenJob(redis: RedisClient, prefix: string, job: OpenJob): Promise<void> {
  const keys = openJobsKeys(prefix);
  await redis.multi().zrem(keys.open, openJobMember(job)).srem(keys.changing, job.jobId).exec();
}

/** Records due at or before `dueBefore`, oldest first, at most `limit`. */
export async function dueOpenJobs(
  redis: RedisClient,
  prefix: string,
  dueBefore: number,
  limit: number,
): Promise<OpenJob[]> {
  const members = await redis.zrangebyscore(openJobsKeys(prefix).open, '-inf', dueBefore, 'LIMIT', 0, limit);
  return members.map(parseOpenJobMember).filter((j): j is OpenJob => j !== undefined);
}

/** Moves a record that is fine for now to the back of the line: the sweep looks at it again later. */
export async function postponeOpenJob(
  redis: RedisClient,
  prefix: string,
  job: OpenJob,
  until: number,
): Promise<void> {
  await redis.zadd(openJobsKeys(prefix).open, 'XX', until, openJobMember(job));
}

export async function isChangingAccount(redis: RedisClient, prefix: string, jobId: string): Promise<boolean> {
  return (await redis.sismember(openJobsKeys(prefix).changing, jobId)) === 1;
}

/**
 * Writes a job's data only while `token` still holds the job's lock: a run that lost its job (its worker
 * froze or was cut off from Redis past the lock, and another worker took the job over) can no longer change
 * the journal, so it stops at its next step instead of repeating one. Optionally marks the job as changing
 * the account in the same step. Relies on BullMQ's job hash `<queue key>:<job id>` and its lock
 * `<queue key>:<job id>:lock` (a test pins this).
 */
const FENCED_WRITE = luaScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[2])
if ARGV[3] ~= '' then redis.call('SADD', KEYS[3], ARGV[3]) end
return 1
`);

/** The run no longer holds its job: another run took it over. Nothing more may be done by this one. */
export class LockLostError extends Error {
  constructor(jobId: string) {
    super(`the lock of job ${jobId} was lost: another run has taken the ticket over`);
    this.name = 'LockLostError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** One run's hold on its job: BullMQ's job hash and lock (`redisKeys`), and the run's lock token. */
export interface JobHold {
  jobKey: string;
  lockKey: string;
  jobId: string;
  token: string;
}

/** Throws `LockLostError` unless `token` still holds the job's lock. */
export async function assertJobLockHeld(redis: RedisClient, job: JobHold): Promise<void> {
  if ((await redis.get(job.lockKey)) !== job.token) throw new LockLostError(job.jobId);
}

export async function writeJobDataFenced(
  redis: RedisClient,
  prefix: string,
  job: JobHold,
  data: unknown,
  markChanging: boolean,
): Promise<void> {
  const written = await runLuaScript(
    redis,
    FENCED_WRITE,
    [job.jobKey, job.lockKey, openJobsKeys(prefix).changing],
    [job.token, JSON.stringify(data), markChanging ? job.jobId : ''],
  );
  if (written !== 1) throw new LockLostError(job.jobId);
}
