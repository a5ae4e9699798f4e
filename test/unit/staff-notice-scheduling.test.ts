import { beforeEach, describe, expect, it } from 'vitest';
import { CustomerDirectory, DEFAULT_POLICY } from '../../config/customer-settings.js';
import { TransientError } from '../../services/domain/errors.js';
import type { StaffNoticeRequest, StaffNoticeScheduler } from '../../services/domain/ports.js';
import { ResetUseCase } from '../../services/domain/reset/reset-use-case.js';
import {
  contextFor,
  MemoryConfirmations,
  MemoryDirectory,
  MemoryLedger,
  MemoryLinks,
  MemoryPsa,
  MemoryRateLimiter,
  memoryJournal,
  resetTicket,
  TENANT,
  USE_CASE_SETTINGS,
  user,
} from '../support/in-memory-doubles.js';

/** The reset's side of the notice: it is queued once per delivered reset, with no secret, and never sent here. */

class MemoryScheduler implements StaffNoticeScheduler {
  queued: StaffNoticeRequest[] = [];
  failNext = false;
  async schedule(request: StaffNoticeRequest) {
    if (this.failNext) {
      this.failNext = false;
      throw new TransientError('Redis unavailable');
    }
    this.queued.push(structuredClone(request));
  }
}

describe('queueing the notice after a reset', () => {
  let psa: MemoryPsa;
  let directory: MemoryDirectory;
  let links: MemoryLinks;
  let scheduler: MemoryScheduler;

  const useCase = (staffNotices: StaffNoticeScheduler | null = scheduler) =>
    new ResetUseCase({
      psa: () => psa,
      directories: directory,
      links,
      sealer: { seal: (t) => `sealed:${t}`, open: (s) => s.slice(7) },
      customers: new CustomerDirectory(
        [{ name: 'contoso', psa: 'halopsa', psaCustomerId: '12', tenantId: TENANT }],
        DEFAULT_POLICY,
      ),
      ledger: new MemoryLedger(),
      rateLimiter: new MemoryRateLimiter(),
      confirmations: new MemoryConfirmations(),
      staffNotices: staffNotices ?? undefined,
      settings: USE_CASE_SETTINGS,
    });

  beforeEach(() => {
    psa = new MemoryPsa();
    directory = new MemoryDirectory();
    links = new MemoryLinks();
    scheduler = new MemoryScheduler();
    const maria = directory.add(user('maria'));
    directory.add(user('sam', { displayName: 'Sam Staff' }), maria.id);
    directory.methods.set('sam', [{ kind: 'phoneAuthenticationMethod', id: 'p1', outcome: 'removed' }]);
    psa.tickets.set('4242', resetTicket());
  });

  it('When a reset is delivered, Then one notice is queued with what, whom and at whose request, and no secret', async () => {
    const journal = memoryJournal();
    expect((await useCase().handle(contextFor(journal))).code).toBe('reset-delivered');
    expect(scheduler.queued).toEqual([
      {
        psa: 'halopsa',
        ticketId: '4242',
        correlationId: expect.any(String) as string,
        customerId: '12',
        tenantId: TENANT,
        userId: 'sam',
        staffName: 'Sam Staff',
        staffSignInName: 'sam@contoso.test',
        resetMailboxes: ['sam@contoso.test'],
        requesterName: 'Maria Manager',
        passwordReset: true,
        mfaReset: true,
        resetAt: journal.progress.staffNotice!.at,
      },
    ]);
    const [password] = directory.passwords.get('sam')!;
    const token = [...links.secrets.keys()][0]!;
    expect(JSON.stringify(scheduler.queued)).not.toContain(password);
    expect(JSON.stringify(scheduler.queued)).not.toContain(token);
    // The delivery note does not say notices are off.
    expect(psa.notes[0]!.note.text).not.toContain('independent notice');
  });

  it('When queueing fails, Then the retry queues the same notice (same reset time) and delivers nothing twice', async () => {
    const journal = memoryJournal();
    scheduler.failNext = true;
    await expect(useCase().handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    const at = journal.progress.staffNotice!.at;
    await useCase().handle(contextFor(journal));
    expect(scheduler.queued.map((q) => q.resetAt)).toEqual([at]);
    expect(psa.notes.filter((n) => n.note.visibility === 'customer')).toHaveLength(1);
    expect(directory.passwords.get('sam')).toHaveLength(1);
  });

  it('When nothing was reset (refused), Then no notice is queued', async () => {
    psa.tickets.set('4242', resetTicket({ targetIdentifier: 'nobody@contoso.test' }));
    await useCase().handle(contextFor(memoryJournal()));
    expect(scheduler.queued).toEqual([]);
  });

  it('When notices are off, Then the delivery note asks the manager to tell the staff member', async () => {
    await useCase(null).handle(contextFor(memoryJournal()));
    const note = psa.notes.find((n) => n.note.visibility === 'customer')!.note;
    expect(note.text).toContain(
      'We could not send Sam Staff an independent notice of this reset: Ashton Solutions does not send these notices yet.',
    );
  });
});
