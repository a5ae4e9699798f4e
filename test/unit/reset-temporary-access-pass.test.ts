import { beforeEach, describe, expect, it } from 'vitest';
import { DirectoryError, TransientError } from '../../services/domain/errors.js';
import type { TemporaryAccessPassSettings } from '../../services/domain/ports.js';
import {
  MemoryDirectory,
  MemoryLedger,
  MemoryLinks,
  MemoryPsa,
  contextFor,
  memoryJournal,
  resetTicket,
  useCaseWith,
  mariaAndSam,
} from '../support/in-memory-doubles.js';

/**
 * A Temporary Access Pass for MFA recovery (the customer's `temporaryAccessPass` setting): MFA methods
 * removed first, then the pass issued, then the link holding it stored, then the password set; a pass that
 * never reaches the ticket is removed; the pass is never in a note or the journal.
 */

const TAP: TemporaryAccessPassSettings = {
  enabled: true,
  lifetimeMinutes: 120,
  usableOnce: true,
  whenUnavailable: 'hand-off',
};

describe('ResetUseCase with a Temporary Access Pass', () => {
  let psa: MemoryPsa;
  let directory: MemoryDirectory;
  let links: MemoryLinks;
  let calls: string[];

  beforeEach(() => {
    ({ psa, directory, links } = mariaAndSam());
    calls = [];
    // Record the order of the Graph writes and link stores.
    const record = <T extends object, K extends keyof T>(obj: T, name: K, label: string) => {
      const original = obj[name] as (...a: unknown[]) => unknown;
      (obj as Record<K, unknown>)[name] = (...args: unknown[]) => {
        calls.push(label);
        return original.apply(obj, args);
      };
    };
    record(directory, 'removeMfaMethods', 'remove-mfa');
    record(directory, 'issueTemporaryAccessPass', 'issue-pass');
    record(directory, 'removeTemporaryAccessPass', 'remove-pass');
    record(directory, 'resetPassword', 'set-password');
    record(links, 'create', 'store-link');
  });

  const customerNote = () => psa.notes.find((n) => n.note.visibility === 'customer')?.note;
  const tokenIn = (text: string) => /\/s\/([\w-]+)/.exec(text)![1]!;
  const lastPass = () => directory.passes.at(-1)!.pass;

  function expectNoPassAnywhere(journal: { progress: unknown }, pass: string) {
    expect(JSON.stringify(journal.progress)).not.toContain(pass);
    for (const n of psa.notes) expect(n.note.text).not.toContain(pass);
  }

  it('When MFA and password are reset, Then MFA goes first, then the pass, then one link with both, then the password', async () => {
    // Arrange
    const journal = memoryJournal();

    // Act
    const outcome = await useCaseWith({ psa, directory, links, temporaryAccessPass: TAP }).handle(
      contextFor(journal),
    );

    // Assert
    expect(outcome).toMatchObject({ code: 'reset-delivered', delivered: true, handedOff: false });
    expect(calls).toEqual(['remove-mfa', 'issue-pass', 'store-link', 'set-password']);
    const pass = lastPass();
    expect(directory.passes[0]!.userId).toBe('sam');
    expect(pass.lifetimeMinutes).toBe(120);
    expect(pass.usableOnce).toBe(true);
    const note = customerNote()!;
    const [password] = directory.passwords.get('sam')!;
    expect(links.stored.get(tokenIn(note.text))).toEqual([
      { kind: 'password', label: 'Temporary password', value: password },
      {
        kind: 'temporary-access-pass',
        label: 'Temporary Access Pass',
        value: pass.temporaryAccessPass,
        expiresAt: pass.expiresAt,
        usableOnce: true,
      },
    ]);
    expect(note.text).toContain('A Temporary Access Pass was issued so they can set up MFA again');
    expect(note.text).toContain('https://aka.ms/mysecurityinfo');
    expect(note.text).toContain('Get the temporary password and the Temporary Access Pass here');
    expect(journal.progress.pass).toEqual({ id: pass.id, expiresAt: pass.expiresAt });
    expectNoPassAnywhere(journal, pass.temporaryAccessPass);
    expect(directory.removedPasses).toEqual([]);
  });

  it('When only MFA is reset, Then the link holds the pass alone and no password is set', async () => {
    psa.tickets.set('4242', resetTicket({ resetPassword: false }));
    const journal = memoryJournal();

    const outcome = await useCaseWith({ psa, directory, links, temporaryAccessPass: TAP }).handle(
      contextFor(journal),
    );

    expect(outcome).toMatchObject({ code: 'mfa-reset-done', delivered: true });
    expect(calls).toEqual(['remove-mfa', 'issue-pass', 'store-link']);
    expect(directory.passwords.get('sam')).toBeUndefined();
    const note = customerNote()!;
    expect(note.text).toContain('Get the Temporary Access Pass here (secure link)');
    expect(note.text).not.toContain('temporary password');
    expect(links.stored.get(tokenIn(note.text))).toEqual([
      expect.objectContaining({ kind: 'temporary-access-pass', value: lastPass().temporaryAccessPass }),
    ]);
    expect(journal.progress.pass?.sealedToken).toBeUndefined(); // dropped once the note is on the ticket
    expectNoPassAnywhere(journal, lastPass().temporaryAccessPass);
  });

  it('When the tenant refuses a pass and the setting is hand-off, Then the engineers learn exactly what was done', async () => {
    directory.failIssueWith = new DirectoryError(
      'tap-not-allowed',
      'The TAP method is disabled for this user.',
    );
    const journal = memoryJournal();

    const outcome = await useCaseWith({ psa, directory, links, temporaryAccessPass: TAP }).handle(
      contextFor(journal),
    );

    expect(outcome).toMatchObject({ code: 'tap-not-allowed', handedOff: true, delivered: false });
    expect(calls).toEqual(['remove-mfa', 'issue-pass']);
    expect(directory.passwords.get('sam')).toBeUndefined();
    expect(links.stored.size).toBe(0);
    expect(customerNote()).toBeUndefined();
    const handOff = psa.notes.find((n) => n.note.visibility === 'internal')!.note.text;
    expect(handOff).toContain('Reason: tap-not-allowed');
    expect(handOff).toContain('The MFA methods WERE removed');
    expect(handOff).toContain('Password not reset');
    expect(handOff).toContain('No Temporary Access Pass was issued.');
    expect(handOff).toContain('The TAP method is disabled for this user.');
    expect(psa.moves).toEqual([{ ticketId: '4242', disposition: 'engineers' }]);
  });

  it('When the tenant refuses a pass and the setting is open-registration, Then the reset goes on and says registration is open', async () => {
    directory.failIssueWith = new DirectoryError(
      'tap-not-allowed',
      'The TAP method is disabled for this user.',
    );
    const journal = memoryJournal();

    const outcome = await useCaseWith({
      psa,
      directory,
      links,
      temporaryAccessPass: { ...TAP, whenUnavailable: 'open-registration' },
    }).handle(contextFor(journal));

    expect(outcome).toMatchObject({ code: 'reset-delivered', delivered: true, handedOff: false });
    expect(calls).toEqual(['remove-mfa', 'issue-pass', 'store-link', 'set-password']);
    const internal = psa.notes.find((n) => n.note.visibility === 'internal')!.note.text;
    expect(internal).toContain('tap-unavailable-registration-open');
    expect(internal).toContain('MFA registration is open');
    const note = customerNote()!;
    expect(note.text).toContain('MFA registration is open');
    expect(links.stored.get(tokenIn(note.text))).toEqual([expect.objectContaining({ kind: 'password' })]);
  });

  it('When the run stops between issuing the pass and storing its link, Then the retry removes that pass and issues another', async () => {
    // Arrange: the store times out once (the process would be retried).
    const journal = memoryJournal();
    const useCase = useCaseWith({ psa, directory, links, temporaryAccessPass: TAP });
    const create = links.create.bind(links);
    let failures = 1;
    links.create = async (...args) => {
      if (failures-- > 0) throw new TransientError('redis timed out');
      return create(...args);
    };

    // Act
    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    const first = lastPass();
    expect(journal.progress.pass?.id).toBe(first.id);
    const outcome = await useCase.handle(contextFor(journal));

    // Assert
    expect(outcome.code).toBe('reset-delivered');
    expect(directory.mfaRemovals).toEqual(['sam']); // never twice
    expect(directory.removedPasses).toEqual([{ userId: 'sam', passId: first.id }]);
    expect(directory.passes).toHaveLength(2);
    expect(directory.passwords.get('sam')).toHaveLength(1);
    const delivered = links.stored.get(tokenIn(customerNote()!.text))!;
    expect(delivered[1]!.value).toBe(lastPass().temporaryAccessPass);
    expectNoPassAnywhere(journal, first.temporaryAccessPass);
    expectNoPassAnywhere(journal, lastPass().temporaryAccessPass);
  });

  it('When the delivery note fails after everything was set, Then the retry issues no second pass', async () => {
    const journal = memoryJournal();
    const useCase = useCaseWith({ psa, directory, links, temporaryAccessPass: TAP });
    psa.failAddNote.push('transient');

    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    await useCase.handle(contextFor(journal));

    expect(directory.passes).toHaveLength(1);
    expect(directory.removedPasses).toEqual([]);
    expect(directory.passwords.get('sam')).toHaveLength(1);
  });

  it('When the tenant rejects the password and one is drawn again, Then the pass in the dropped link is removed and a new one issued', async () => {
    directory.rejectPasswords = 1;
    const journal = memoryJournal();

    const outcome = await useCaseWith({ psa, directory, links, temporaryAccessPass: TAP }).handle(
      contextFor(journal),
    );

    expect(outcome.code).toBe('reset-delivered');
    expect(directory.passes).toHaveLength(2);
    expect(directory.removedPasses).toEqual([{ userId: 'sam', passId: directory.passes[0]!.pass.id }]);
    expect(links.stored.size).toBe(1);
    const [, pass] = links.stored.get(tokenIn(customerNote()!.text))!;
    expect(pass!.value).toBe(lastPass().temporaryAccessPass);
  });

  it('When the link store refuses, Then the issued pass is removed, no password is set, and the ticket is handed off', async () => {
    links.failCreate = true;
    const journal = memoryJournal();

    const outcome = await useCaseWith({ psa, directory, links, temporaryAccessPass: TAP }).handle(
      contextFor(journal),
    );

    expect(outcome).toMatchObject({ code: 'secure-link-unavailable', handedOff: true });
    expect(directory.removedPasses).toEqual([{ userId: 'sam', passId: lastPass().id }]);
    expect(directory.passwords.get('sam')).toBeUndefined();
    expect(journal.progress.pass).toBeUndefined();
    const handOff = psa.notes.find((n) => n.note.visibility === 'internal')!.note.text;
    expect(handOff).toContain('the pass issued was removed again');
  });

  it('When the setting is off, Then no pass is issued', async () => {
    await useCaseWith({ psa, directory, links, temporaryAccessPass: { ...TAP, enabled: false } }).handle(
      contextFor(memoryJournal()),
    );
    expect(directory.passes).toEqual([]);
    expect(calls).toEqual(['store-link', 'remove-mfa', 'set-password']);
  });

  it('When the job gives up after the pass was issued but before its link reached the ticket, Then the pass is removed and the engineers are told', async () => {
    // Arrange: every link store times out, so the job ends in retries-exhausted.
    const journal = memoryJournal();
    const useCase = useCaseWith({ psa, directory, links, temporaryAccessPass: TAP });
    links.create = async () => {
      throw new TransientError('redis timed out');
    };
    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    const issued = lastPass();

    // Act
    const outcome = await useCase.handOffAfterFailure(
      contextFor(journal),
      'retries-exhausted',
      'redis timed out',
    );

    // Assert
    expect(outcome).toMatchObject({ code: 'retries-exhausted', handedOff: true });
    expect(directory.removedPasses).toEqual([{ userId: 'sam', passId: issued.id }]);
    expect(journal.progress.pass).toBeUndefined();
    const handOff = psa.notes.find((n) => n.note.visibility === 'internal')!.note.text;
    expect(handOff).toContain(
      'A Temporary Access Pass issued for this reset never reached the ticket; it was removed again.',
    );
    expectNoPassAnywhere(journal, issued.temporaryAccessPass);
  });

  it('When an engineer allows passes in the tenant and sends a tap-not-allowed ticket back, Then the retry issues a pass without removing MFA again', async () => {
    // Arrange: the first round hands off because the tenant refuses passes.
    const ledger = new MemoryLedger();
    directory.failIssueWith = new DirectoryError('tap-not-allowed', 'The TAP method is disabled.');
    const first = await useCaseWith({ psa, directory, links, ledger, temporaryAccessPass: TAP }).handle(
      contextFor(memoryJournal()),
    );
    expect(first.code).toBe('tap-not-allowed');

    // Act: the policy is fixed and the ticket sent back with the retry status.
    psa.tickets.set('4242', resetTicket({ statusId: '40' }));
    calls.length = 0;
    const outcome = await useCaseWith(
      { psa, directory, links, ledger, temporaryAccessPass: TAP },
      { retryStatusIds: { halopsa: '40' } },
    ).handle(contextFor(memoryJournal()));

    // Assert
    expect(outcome.code).toBe('reset-delivered');
    expect(calls).toEqual(['issue-pass', 'store-link', 'set-password']);
    const note = psa.notes.filter((n) => n.note.visibility === 'customer').at(-1)!.note;
    expect(links.stored.get(tokenIn(note.text))?.map((s) => s.kind)).toEqual([
      'password',
      'temporary-access-pass',
    ]);
  });
});
