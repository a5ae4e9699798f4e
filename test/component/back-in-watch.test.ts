import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AftercareJobData } from '../../workers/aftercare-worker.js';
import { startHarness, STATUS_HANDOFF, TENANT, type Harness } from '../support/component-harness.js';

/**
 * The watch after a delivered reset, on the whole service: real Redis, the Graph and HaloPSA simulators. The
 * staff member's part (signing in, a password of their own, a method registered again) is played by the
 * Graph simulator; a check due minutes later is run at once by promoting its delayed job.
 */
const RESOLVED_STATUS = 9;
/** Staff members added here, with object ids shaped as Entra's. */
const PAT = '0a7c2e41-3b5d-4e6f-8a90-b1c2d3e4f501';
const LEE = '0a7c2e41-3b5d-4e6f-8a90-b1c2d3e4f502';
const KIM = '0a7c2e41-3b5d-4e6f-8a90-b1c2d3e4f503';
/** When the staff member acts: minutes after the reset (Graph's times have whole seconds). */
const later = () => new Date(Date.now() + 5 * 60_000);

describe('When a reset has been delivered, the service watches until the staff member is back in', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ HALOPSA_RESOLVED_STATUS_ID: String(RESOLVED_STATUS) });
    h.halo.addStatus(RESOLVED_STATUS, 'Resolved');
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  const watchOf = async (ticketId: number): Promise<Job<AftercareJobData>> => {
    const queue = h.desk.aftercare!.queue;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const jobs = await queue.getJobs(['delayed', 'waiting', 'active', 'completed', 'failed']);
      const job = jobs.find((j) => j.data.watch.reset.ticketId === String(ticketId));
      if (job?.data.watch.baseline) return job;
      if (Date.now() > deadline) throw new Error(`no watch with a baseline for ticket ${ticketId}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** Runs the watch's next check now and waits for it to end (or to wait again). */
  const checkNow = async (job: Job<AftercareJobData>) => {
    const queue = h.desk.aftercare!.queue;
    const checksBefore = (await queue.getJob(job.id!))!.data.watch.checks;
    await (await queue.getJob(job.id!))!.promote();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const current = (await queue.getJob(job.id!))!;
      const state = await current.getState();
      // Read again: `current` may have been read just before the job finished.
      if (state === 'completed') return (await queue.getJob(job.id!))!.returnvalue as string;
      if (state === 'delayed' && current.data.watch.checks > checksBefore) return 'checking again';
      if (Date.now() > deadline) throw new Error(`the watch did not move on (state ${state})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const internalNotes = (ticketId: number) =>
    h.halo.actions(ticketId).filter((a) => a.hiddenfromuser === true);

  it('When Sam sets his own password and registers the app again, then an internal note says so and the ticket is resolved', async () => {
    h.fileResetTicket({ id: 7101, target: 'sam@contoso.test' });
    expect((await h.deliver(7101)).status).toBe(202);
    expect(await h.outcomeOf(7101)).toMatchObject({ code: 'reset-delivered' });
    const password = h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.password!;
    const job = await watchOf(7101);

    expect(await checkNow(job)).toBe('checking again');
    expect(h.halo.ticket(7101)!.status_id).not.toBe(RESOLVED_STATUS);

    h.graph.signsInAndChangesPassword(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d', later());
    h.graph.registersMethod(
      TENANT,
      '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d',
      {
        '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
        id: 'authenticator-again',
        displayName: "Sam's phone",
      },
      later(),
    );
    expect(await checkNow(job)).toBe('back-in');

    expect(h.halo.ticket(7101)!.status_id).toBe(RESOLVED_STATUS);
    const note = String(internalNotes(7101).at(-1)!.note_html);
    expect(note).toContain('Own password set after the reset: seen');
    expect(note).toContain(
      'Second factor registered again: seen (microsoftAuthenticatorAuthenticationMethod)',
    );
    // Nothing secret in the watch's note, its job or Redis.
    const finished = (await h.desk.aftercare!.queue.getJob(job.id!))!;
    for (const where of [note, JSON.stringify(finished.data), await h.redisDump(), h.logs.join('\n')]) {
      expect(where).not.toContain(password);
    }
  });

  it('When the window passes with no sign of Sam, then the ticket goes to the engineers with what was not seen', async () => {
    h.graph.tenant(TENANT).addUser({
      id: PAT,
      userPrincipalName: 'pat@contoso.test',
      mail: 'pat@contoso.test',
      displayName: 'Pat Staff',
      managerId: 'u-maria',
    });
    h.fileResetTicket({ id: 7102, target: 'pat@contoso.test' });
    expect((await h.deliver(7102)).status).toBe(202);
    expect(await h.outcomeOf(7102)).toMatchObject({ code: 'reset-delivered' });
    const job = await watchOf(7102);
    // 72 hours later, as far as the watch can tell.
    const current = (await h.desk.aftercare!.queue.getJob(job.id!))!;
    await current.updateData({
      ...current.data,
      watch: { ...current.data.watch, deadline: new Date(Date.now() - 1000).toISOString() },
    });

    expect(await checkNow(job)).toBe('not-back-in');
    expect(h.halo.ticket(7102)!.status_id).toBe(STATUS_HANDOFF);
    const note = String(internalNotes(7102).at(-1)!.note_html);
    expect(note).toContain('Own password set after the reset: not seen yet');
  });

  it('When only the password was reset, then a password of his own is enough to resolve the ticket', async () => {
    h.graph.tenant(TENANT).addUser({
      id: LEE,
      userPrincipalName: 'lee@contoso.test',
      mail: 'lee@contoso.test',
      displayName: 'Lee Staff',
      managerId: 'u-maria',
    });
    h.fileResetTicket({ id: 7103, target: 'lee@contoso.test', resetMfa: 'No' });
    expect((await h.deliver(7103)).status).toBe(202);
    expect(await h.outcomeOf(7103)).toMatchObject({ code: 'reset-delivered' });
    const job = await watchOf(7103);
    h.graph.signsInAndChangesPassword(TENANT, LEE, later());
    expect(await checkNow(job)).toBe('back-in');
    expect(h.halo.ticket(7103)!.status_id).toBe(RESOLVED_STATUS);
  });

  it('When an engineer writes on the ticket meanwhile, then the watch stops with a note and moves nothing', async () => {
    h.graph.tenant(TENANT).addUser({
      id: KIM,
      userPrincipalName: 'kim@contoso.test',
      mail: 'kim@contoso.test',
      displayName: 'Kim Staff',
      managerId: 'u-maria',
    });
    h.fileResetTicket({ id: 7104, target: 'kim@contoso.test' });
    expect((await h.deliver(7104)).status).toBe(202);
    expect(await h.outcomeOf(7104)).toMatchObject({ code: 'reset-delivered' });
    const job = await watchOf(7104);
    const statusBefore = h.halo.ticket(7104)!.status_id;
    h.halo.addActivity(7104, { by: 'engineer', text: 'Called Kim, sorting it out by phone.', at: later() });

    expect(await checkNow(job)).toBe('watch-stopped');
    expect(h.halo.ticket(7104)!.status_id).toBe(statusBefore);
    expect(String(internalNotes(7104).at(-1)!.note_html)).toMatch(/stop/i);
  });
});
