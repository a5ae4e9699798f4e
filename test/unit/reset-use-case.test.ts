import { beforeEach, describe, expect, it } from 'vitest';
import { DirectoryError, TransientError } from '../../services/domain/errors.js';
import {
  MemoryDirectory,
  MemoryLinks,
  MemoryPsa,
  contextFor,
  memoryJournal,
  resetTicket,
  useCaseWith,
  user,
  mariaAndSam,
} from '../support/in-memory-doubles.js';
import { capturedLogger } from '../support/captured-logs.js';

describe('ResetUseCase', () => {
  let psa: MemoryPsa;
  let directory: MemoryDirectory;
  let links: MemoryLinks;

  beforeEach(() => {
    ({ psa, directory, links } = mariaAndSam());
  });

  it('When the manager asks, then the password set in the tenant is the one behind the delivered link', async () => {
    const journal = memoryJournal();
    const outcome = await useCaseWith({ psa, directory, links }).handle(contextFor(journal));

    expect(outcome.code).toBe('reset-delivered');
    const [password] = directory.passwords.get('sam')!;
    const note = psa.notes.find((n) => n.note.visibility === 'customer')!.note;
    const token = /\/s\/([\w-]+)/.exec(note.text)![1]!;
    expect(links.secrets.get(token)).toBe(password);
    expect(note.text).not.toContain(password);
    expect(JSON.stringify(journal.progress)).not.toContain(password);
    expect(JSON.stringify(journal.progress)).not.toContain(token);
    expect(directory.revoked).toEqual(['sam']);
    expect(psa.moves).toEqual([{ ticketId: '4242', disposition: 'awaiting-confirmation' }]);
  });

  it('When a reset goes through, then the journal is written once per side-effect boundary (7 saves, not 11)', async () => {
    const journal = memoryJournal();
    await useCaseWith({ psa, directory, links }).handle(contextFor(journal));

    // decision (with round and budget), mfa, password started, password done, sessions revoked + note
    // started, note done + token dropped, moved.
    expect(journal.saves).toBe(7);
    expect(journal.progress).toMatchObject({ round: 'first', budgetTaken: true, sessionsRevoked: true });
    expect(journal.progress.customerNote).toBe('done');
    expect(journal.progress.password?.sealedToken).toBeUndefined();
  });

  it('When the delivery note fails after the sessions were revoked, then the retry does not revoke again', async () => {
    const journal = memoryJournal();
    const useCase = useCaseWith({ psa, directory, links });
    psa.failAddNote.push('transient');
    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    expect(journal.progress).toMatchObject({ sessionsRevoked: true, customerNote: 'started' });

    await useCase.handle(contextFor(journal));
    expect(directory.revoked).toEqual(['sam']);
  });

  it('When the delivery note fails after the reset, then the retry writes the same link and does not reset again', async () => {
    const journal = memoryJournal();
    const useCase = useCaseWith({ psa, directory, links });
    psa.failAddNote.push('transient');

    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    expect(directory.passwords.get('sam')).toHaveLength(1);

    const outcome = await useCase.handle(contextFor(journal));
    expect(outcome.code).toBe('reset-delivered');
    expect(directory.passwords.get('sam')).toHaveLength(1);
    const notes = psa.notes.filter((n) => n.note.visibility === 'customer');
    expect(notes).toHaveLength(1);
    expect(links.secrets.get(/\/s\/([\w-]+)/.exec(notes[0]!.note.text)![1]!)).toBe(
      directory.passwords.get('sam')![0],
    );
  });

  it('When the PSA stored the note but its answer was lost, then the retry finds the note and does not add a second', async () => {
    const journal = memoryJournal();
    const useCase = useCaseWith({ psa, directory, links });
    psa.failAddNote.push('lost-answer');

    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    await useCase.handle(contextFor(journal));
    expect(psa.notes.filter((n) => n.note.visibility === 'customer')).toHaveLength(1);
    expect(psa.moves).toHaveLength(1);
  });

  /** The journal, except that recording the password as set fails once (Redis lost the write, a failover). */
  const losingPasswordDone = (journal: ReturnType<typeof memoryJournal>) => {
    let lost = false;
    const save = journal.save.bind(journal);
    journal.save = async (patch) => {
      if (!lost && patch.password?.status === 'done') {
        lost = true;
        throw new TransientError('the write was not confirmed by a replica');
      }
      return save(patch);
    };
    return journal;
  };
  const pendingChangeSince = (at: Date) => ({
    userId: 'sam',
    readAt: new Date().toISOString(),
    password: { lastChangedAt: at.toISOString(), forceChange: 'pending' as const },
    methods: { state: 'not-readable' as const, problem: 'not read' },
    signIn: { state: 'not-readable' as const, problem: 'not read' },
  });

  it('When the password was set but recording it was lost, then the retry sees the change in the tenant and delivers that link without a second reset', async () => {
    const journal = losingPasswordDone(memoryJournal());
    const useCase = useCaseWith({ psa, directory, links });
    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    expect(journal.progress.password?.status).toBe('started');
    directory.signInStates.set('sam', pendingChangeSince(new Date()));

    const outcome = await useCase.handle(contextFor(journal));
    expect(outcome.code).toBe('reset-delivered');
    expect(directory.passwords.get('sam')).toHaveLength(1);
    const note = psa.notes.find((n) => n.note.visibility === 'customer')!.note;
    expect(links.secrets.get(/\/s\/([\w-]+)/.exec(note.text)![1]!)).toBe(directory.passwords.get('sam')![0]);
  });

  it("When a run takes over a started password step, then it waits out the earlier run's write before reading the tenant", async () => {
    const journal = losingPasswordDone(memoryJournal());
    const useCase = useCaseWith({ psa, directory, links }, { earlierWriteSettleMs: 300 });
    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    // The earlier run's password change was still on its way to the tenant when this run began.
    setTimeout(() => directory.signInStates.set('sam', pendingChangeSince(new Date())), 100);

    const outcome = await useCase.handle(contextFor(journal));
    expect(outcome.code).toBe('reset-delivered');
    expect(directory.passwords.get('sam')).toHaveLength(1);
    const note = psa.notes.find((n) => n.note.visibility === 'customer')!.note;
    expect(links.secrets.get(/\/s\/([\w-]+)/.exec(note.text)![1]!)).toBe(directory.passwords.get('sam')![0]);
  });

  it('When the password was started but the tenant shows no change since, then the retry draws again and only the last link survives', async () => {
    const journal = losingPasswordDone(memoryJournal());
    const useCase = useCaseWith({ psa, directory, links });
    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    // A change from before this round (the staff member's own), no forced change pending.
    directory.signInStates.set('sam', {
      ...pendingChangeSince(new Date(Date.now() - 86_400_000)),
      password: {
        lastChangedAt: new Date(Date.now() - 86_400_000).toISOString(),
        forceChange: 'not-pending',
      },
    });

    const outcome = await useCase.handle(contextFor(journal));
    expect(outcome.code).toBe('reset-delivered');
    const passwords = directory.passwords.get('sam')!;
    expect(passwords).toHaveLength(2);
    expect(links.secrets.size).toBe(1);
    const note = psa.notes.find((n) => n.note.visibility === 'customer')!.note;
    expect(links.secrets.get(/\/s\/([\w-]+)/.exec(note.text)![1]!)).toBe(passwords[1]);
  });

  it('When reading the password state fails, then the retry draws again rather than stopping the reset', async () => {
    const journal = losingPasswordDone(memoryJournal());
    const useCase = useCaseWith({ psa, directory, links });
    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    directory.readSignInState = async () => {
      throw new DirectoryError('not-found', 'the user could not be read');
    };

    expect((await useCase.handle(contextFor(journal))).code).toBe('reset-delivered');
    const passwords = directory.passwords.get('sam')!;
    expect(passwords).toHaveLength(2);
    const note = psa.notes.find((n) => n.note.visibility === 'customer')!.note;
    expect(links.secrets.get(/\/s\/([\w-]+)/.exec(note.text)![1]!)).toBe(passwords[1]);
  });

  it('When reading the password state fails for a while (Graph, pacing), then the run stops without drawing again, and a later run confirms the password', async () => {
    const journal = losingPasswordDone(memoryJournal());
    const useCase = useCaseWith({ psa, directory, links });
    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    const readState = directory.readSignInState.bind(directory);
    directory.readSignInState = async () => {
      throw new TransientError('Microsoft Graph did not answer');
    };

    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    expect(directory.passwords.get('sam')).toHaveLength(1);
    expect(journal.progress.password?.status).toBe('started');

    directory.readSignInState = readState;
    directory.signInStates.set('sam', pendingChangeSince(new Date()));
    expect((await useCase.handle(contextFor(journal))).code).toBe('reset-delivered');
    expect(directory.passwords.get('sam')).toHaveLength(1);
    const note = psa.notes.find((n) => n.note.visibility === 'customer')!.note;
    expect(links.secrets.get(/\/s\/([\w-]+)/.exec(note.text)![1]!)).toBe(directory.passwords.get('sam')![0]);
  });

  it('When the tenant cannot say whether the started password was set, then the retry draws again (the delivered password is the one set last)', async () => {
    const journal = losingPasswordDone(memoryJournal());
    const useCase = useCaseWith({ psa, directory, links });
    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);

    await useCase.handle(contextFor(journal));
    const passwords = directory.passwords.get('sam')!;
    expect(passwords).toHaveLength(2);
    const note = psa.notes.find((n) => n.note.visibility === 'customer')!.note;
    expect(links.secrets.get(/\/s\/([\w-]+)/.exec(note.text)![1]!)).toBe(passwords[1]);
  });

  it('When Graph fails transiently during the password reset, then the step stays started, and the retry that sees no change draws a new password and only the last link survives', async () => {
    const journal = memoryJournal();
    const useCase = useCaseWith({ psa, directory, links });
    directory.failResetWith = new TransientError('Graph 502 Bad Gateway');

    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    // Graph may have applied it before the answer was lost: the next run asks the tenant first.
    expect(journal.progress.password?.status).toBe('started');
    await useCase.handle(contextFor(journal));
    expect(links.secrets.size).toBe(1);
    expect([...links.secrets.values()]).toEqual(directory.passwords.get('sam'));
  });

  it('When Graph throttles the password change, then the link is destroyed at once and the retry sets a new password', async () => {
    const journal = memoryJournal();
    const useCase = useCaseWith({ psa, directory, links });
    directory.failResetWith = new TransientError('Graph 429', 1000, { unprocessed: true });

    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    expect(links.secrets.size).toBe(0);
    expect(journal.progress.password).toBeUndefined();
    await useCase.handle(contextFor(journal));
    expect([...links.secrets.values()]).toEqual(directory.passwords.get('sam'));
  });

  it('When Graph applies the password but its answer is lost, then the retry finds the change and delivers that link without a second reset', async () => {
    const journal = memoryJournal();
    const useCase = useCaseWith({ psa, directory, links });
    directory.failResetAfterApplyWith = new TransientError('Microsoft Graph did not answer within 15000 ms');

    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    directory.signInStates.set('sam', pendingChangeSince(new Date()));
    expect((await useCase.handle(contextFor(journal))).code).toBe('reset-delivered');
    expect(directory.passwords.get('sam')).toHaveLength(1);
    const note = psa.notes.find((n) => n.note.visibility === 'customer')!.note;
    expect(links.secrets.get(/\/s\/([\w-]+)/.exec(note.text)![1]!)).toBe(directory.passwords.get('sam')![0]);
  });

  it('When a password change is uncertain and a takeover confirms it, then the password is in no log line and no journal step', async () => {
    const journal = memoryJournal();
    const { logger, text } = capturedLogger();
    const useCase = useCaseWith({ psa, directory, links }, { earlierWriteSettleMs: 1 });
    directory.failResetAfterApplyWith = new TransientError('Microsoft Graph did not answer within 15000 ms');

    await expect(useCase.handle({ ...contextFor(journal), logger })).rejects.toBeInstanceOf(TransientError);
    directory.signInStates.set('sam', pendingChangeSince(new Date()));
    expect((await useCase.handle({ ...contextFor(journal), logger })).code).toBe('reset-delivered');

    const password = directory.passwords.get('sam')![0]!;
    expect(text()).toContain('reset.password-uncertain');
    expect(text()).toContain('reset.password-settling');
    expect(text()).not.toContain(password);
    expect(JSON.stringify(journal.progress)).not.toContain(password);
  });

  it('When the tenant rejects a password for complexity, then another is drawn and the rejected one is never delivered', async () => {
    directory.rejectPasswords = 1;
    const outcome = await useCaseWith({ psa, directory, links }).handle(contextFor(memoryJournal()));
    expect(outcome.code).toBe('reset-delivered');
    expect(links.secrets.size).toBe(1);
    expect([...links.secrets.values()]).toEqual(directory.passwords.get('sam'));
  });

  it('When every drawn password is rejected, then the ticket is handed off and no link is left', async () => {
    directory.rejectPasswords = 10;
    const outcome = await useCaseWith({ psa, directory, links }).handle(contextFor(memoryJournal()));
    expect(outcome).toMatchObject({ code: 'password-rejected', handedOff: true });
    expect(links.secrets.size).toBe(0);
    expect(psa.moves).toEqual([{ ticketId: '4242', disposition: 'engineers' }]);
  });

  it('When the secure link cannot be stored, then nothing is reset and the ticket goes to an engineer', async () => {
    links.failCreate = true;
    psa.tickets.set('4242', resetTicket({ resetMfa: false }));
    const outcome = await useCaseWith({ psa, directory, links }).handle(contextFor(memoryJournal()));
    expect(outcome.code).toBe('secure-link-unavailable');
    expect(directory.passwords.get('sam')).toBeUndefined();
    expect(psa.notes.map((n) => n.note.visibility)).toEqual(['internal']);
  });

  it('When the secure link cannot be stored for a password and MFA reset, then not even MFA is touched', async () => {
    links.failCreate = true;
    directory.methods.set('sam', [
      { kind: 'microsoftAuthenticatorAuthenticationMethod', id: 'm1', outcome: 'removed' },
    ]);
    psa.tickets.set('4242', resetTicket({ resetMfa: true }));
    const outcome = await useCaseWith({ psa, directory, links }).handle(contextFor(memoryJournal()));
    expect(outcome.code).toBe('secure-link-unavailable');
    expect(directory.mfaRemovals).toEqual([]);
    expect(directory.revoked).toEqual([]);
    expect(psa.notes.at(-1)!.note.text).toContain('Nothing was changed in the tenant');
  });

  it('When Graph refuses a step after the password is set, then the manager still gets the link before the hand-off', async () => {
    directory.failRevokeWith = new DirectoryError('insufficient-privileges', 'Insufficient privileges');
    psa.tickets.set('4242', resetTicket({ resetMfa: false }));
    const outcome = await useCaseWith({ psa, directory, links }).handle(contextFor(memoryJournal()));
    expect(outcome).toMatchObject({ code: 'insufficient-privileges', handedOff: true, delivered: true });
    expect(directory.passwords.get('sam')).toHaveLength(1);
    const [delivery, handOff] = psa.notes.map((n) => n.note);
    expect(delivery).toMatchObject({ visibility: 'customer' });
    expect(delivery!.text).toMatch(/\/s\//);
    expect(links.secrets.size).toBe(1);
    expect(handOff).toMatchObject({ visibility: 'internal' });
  });

  it('When the requester is not the manager, then nothing is reset and the internal note says why', async () => {
    directory.add(user('mallory'));
    psa.tickets.set('4242', resetTicket({ requester: { name: 'Mallory', email: 'mallory@contoso.test' } }));
    const outcome = await useCaseWith({ psa, directory, links }).handle(contextFor(memoryJournal()));
    expect(outcome.code).toBe('requester-not-manager');
    expect(directory.passwords.size).toBe(0);
    expect(links.secrets.size).toBe(0);
    const note = psa.notes[0]!.note;
    expect(note.visibility).toBe('internal');
    expect(note.text).toContain('requester-not-manager');
    expect(note.text).toContain("Target's manager chain (2 levels checked): Maria");
  });

  it.each([
    ['self-request', { requester: { email: 'sam@contoso.test' } }],
    ['requester-missing', { requester: {} }],
    ['target-not-found', { targetIdentifier: 'nobody@contoso.test' }],
    ['requester-not-found', { requester: { email: 'stranger@elsewhere.test' } }],
    ['unknown-customer', { psaCustomerId: '999' }],
    ['nothing-requested', { resetPassword: false, resetMfa: false }],
  ])('When the ticket is a %s case, then nothing is reset and it is handed off', async (code, extra) => {
    psa.tickets.set('4242', resetTicket(extra));
    const outcome = await useCaseWith({ psa, directory, links }).handle(contextFor(memoryJournal()));
    expect(outcome).toMatchObject({ code, handedOff: true });
    expect(directory.passwords.size).toBe(0);
    expect(directory.revoked).toEqual([]);
  });

  it('When the target is disabled, then it is handed off untouched', async () => {
    directory.users.set('sam', { ...directory.users.get('sam')!, accountEnabled: false });
    const outcome = await useCaseWith({ psa, directory, links }).handle(contextFor(memoryJournal()));
    expect(outcome.code).toBe('target-disabled');
    expect(directory.passwords.size).toBe(0);
  });

  it('When the target is synced from on-premises, then MFA is reset, the password is handed off with the on-premises facts', async () => {
    directory.users.set('sam', {
      ...directory.users.get('sam')!,
      onPremisesSyncEnabled: true,
      onPremises: {
        samAccountName: 'sam.s',
        domainName: 'corp.contoso.test',
        lastSyncDateTime: '2026-11-30T10:00:00Z',
      },
    });
    const outcome = await useCaseWith({ psa, directory, links }).handle(contextFor(memoryJournal()));
    expect(outcome).toMatchObject({ code: 'synced-user-password', handedOff: true });
    expect(directory.passwords.size).toBe(0);
    expect(links.secrets.size).toBe(0);
    const internal = psa.notes.find((n) => n.note.visibility === 'internal')!.note.text;
    expect(internal).toContain('onPremisesSamAccountName=sam.s');
    expect(internal).toContain('domain=corp.contoso.test');
    expect(internal).toContain('last sync=2026-11-30T10:00:00Z');
    expect(internal).toContain('MFA phoneAuthenticationMethod (p1): removed');
    expect(psa.notes.find((n) => n.note.visibility === 'customer')!.note.text).toContain(
      'engineer will follow up',
    );
    expect(psa.moves).toEqual([{ ticketId: '4242', disposition: 'engineers' }]);
  });

  it('When a synced target keeps an MFA method, then neither note claims every method was removed and the hand-off lists it', async () => {
    directory.users.set('sam', { ...directory.users.get('sam')!, onPremisesSyncEnabled: true });
    directory.methods.set('sam', [
      { kind: 'phoneAuthenticationMethod', id: 'p1', outcome: 'removed' },
      { kind: 'fido2AuthenticationMethod', id: 'f1', outcome: 'failed', detail: 'Graph 400' },
    ]);
    await useCaseWith({ psa, directory, links }).handle(contextFor(memoryJournal()));
    const customer = psa.notes.find((n) => n.note.visibility === 'customer')!.note.text;
    const internal = psa.notes.find((n) => n.note.visibility === 'internal')!.note.text;
    expect(customer).not.toContain('Every MFA method');
    expect(customer).toContain('an engineer will remove the rest');
    expect(internal).toContain('Password not reset');
    expect(internal).toContain('MFA method fido2AuthenticationMethod (f1) still registered.');
  });

  it('When Graph refuses for privileges, then it is handed off with the reason', async () => {
    directory.failResetWith = new DirectoryError(
      'insufficient-privileges',
      'Insufficient privileges to complete the operation.',
    );
    psa.tickets.set('4242', resetTicket({ resetMfa: false }));
    const outcome = await useCaseWith({ psa, directory, links }).handle(contextFor(memoryJournal()));
    expect(outcome.code).toBe('insufficient-privileges');
    expect(links.secrets.size).toBe(0);
  });

  it('When only MFA is asked for, then no password is set and the customer note has no link', async () => {
    psa.tickets.set('4242', resetTicket({ resetPassword: false }));
    const outcome = await useCaseWith({ psa, directory, links }).handle(contextFor(memoryJournal()));
    expect(outcome.code).toBe('mfa-reset-done');
    expect(directory.passwords.size).toBe(0);
    expect(psa.notes[0]!.note.text).not.toContain('/s/');
  });

  it('When some MFA methods fail, then the link is delivered and the rest is handed off per method', async () => {
    directory.methods.set('sam', [
      { kind: 'phoneAuthenticationMethod', id: 'p1', outcome: 'removed' },
      { kind: 'fido2AuthenticationMethod', id: 'f1', outcome: 'failed', detail: 'Graph 400' },
    ]);
    const outcome = await useCaseWith({ psa, directory, links }).handle(contextFor(memoryJournal()));
    expect(outcome).toMatchObject({ code: 'mfa-partially-removed', delivered: true, handedOff: true });
    expect(psa.notes.map((n) => n.note.visibility)).toEqual(['customer', 'internal']);
    expect(psa.notes[1]!.note.text).toContain('MFA fido2AuthenticationMethod (f1): failed — Graph 400');
  });

  it('When the ticket is not a reset ticket, then nothing is written to it', async () => {
    psa.tickets.set('4242', resetTicket({ isResetRequest: false }));
    const outcome = await useCaseWith({ psa, directory, links }).handle(contextFor(memoryJournal()));
    expect(outcome.code).toBe('not-a-reset-ticket');
    expect(psa.notes).toEqual([]);
    expect(psa.moves).toEqual([]);
  });

  it('When retries run out after the reset but before delivery, then the link is delivered late, never destroyed, and the engineers are told', async () => {
    const journal = memoryJournal();
    const useCase = useCaseWith({ psa, directory, links });
    psa.failAddNote.push('transient');
    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);

    const outcome = await useCase.handOffAfterFailure(contextFor(journal), 'retries-exhausted', 'PSA 503');
    expect(outcome).toMatchObject({ code: 'retries-exhausted', handedOff: true, delivered: true });
    const [password] = directory.passwords.get('sam')!;
    const delivery = psa.notes.find((n) => n.note.visibility === 'customer')!.note;
    const token = /\/s\/([\w-]+)/.exec(delivery.text)![1]!;
    expect(links.secrets.get(token)).toBe(password);
    expect(directory.passwords.get('sam')).toHaveLength(1);
    const handOff = psa.notes.at(-1)!.note;
    expect(handOff.visibility).toBe('internal');
    expect(handOff.text).toContain('written to the ticket late');
    expect(handOff.text).not.toContain(password);
    expect(psa.moves.at(-1)).toEqual({ ticketId: '4242', disposition: 'engineers' });
    expect(journal.progress.password?.sealedToken).toBeUndefined();
  });

  it('When the hand-off after a failure meets the PSA still down, then a repeat finishes it without a second note or reset', async () => {
    const journal = memoryJournal();
    const useCase = useCaseWith({ psa, directory, links });
    psa.failAddNote.push('transient');
    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);

    psa.failAddNote.push('lost-answer', 'transient');
    await expect(
      useCase.handOffAfterFailure(contextFor(journal), 'retries-exhausted', 'PSA 503'),
    ).rejects.toBeInstanceOf(TransientError);
    await expect(
      useCase.handOffAfterFailure(contextFor(journal), 'retries-exhausted', 'PSA 503'),
    ).rejects.toBeInstanceOf(TransientError);
    await useCase.handOffAfterFailure(contextFor(journal), 'retries-exhausted', 'PSA 503');

    expect(psa.notes.map((n) => n.note.visibility)).toEqual(['customer', 'internal']);
    expect(directory.passwords.get('sam')).toHaveLength(1);
    expect(links.secrets.size).toBe(1);
  });

  it('When the link ran out of time before a late delivery, then it is destroyed only after the hand-off note says so', async () => {
    const journal = memoryJournal();
    const useCase = useCaseWith({ psa, directory, links });
    psa.failAddNote.push('transient');
    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    await journal.save({
      password: { ...journal.progress.password!, expiresAt: new Date(Date.now() + 60_000).toISOString() },
    });

    psa.failAddNote.push('transient');
    await expect(
      useCase.handOffAfterFailure(contextFor(journal), 'retries-exhausted', 'PSA 503'),
    ).rejects.toBeInstanceOf(TransientError);
    expect(links.secrets.size).toBe(1);

    await useCase.handOffAfterFailure(contextFor(journal), 'retries-exhausted', 'PSA 503');
    expect(links.secrets.size).toBe(0);
    expect(psa.notes.map((n) => n.note.visibility)).toEqual(['internal']);
    expect(psa.notes[0]!.note.text).toContain('The password WAS reset');
    expect(psa.notes[0]!.note.text).toContain('its secure link was NOT delivered');
    expect(psa.notes[0]!.note.text).not.toContain('Nothing was changed in the tenant');
  });

  it('When a job was lost after its work began, then the hand-off says the account state is unknown', async () => {
    const outcome = await useCaseWith({ psa, directory, links }).handOffAfterFailure(
      contextFor(memoryJournal()),
      'job-lost',
      'the job vanished from Redis',
    );
    expect(outcome).toMatchObject({ code: 'job-lost', handedOff: true, delivered: false });
    const note = psa.notes[0]!.note.text;
    expect(note).toContain('Unknown: see "Not done"');
    expect(note).toContain('may have been set');
    expect(note).not.toContain('Nothing was changed in the tenant');
  });
});
