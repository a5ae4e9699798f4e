import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BUILT_IN_CUSTOMER_DEFAULTS,
  CustomerDirectory,
  DEFAULT_POLICY,
} from '../../config/customer-settings.js';
import type { CustomerSettings, RolloutMode } from '../../services/domain/ports.js';
import { DEFAULT_PASSWORD_FORMAT, type PasswordFormat } from '../../services/domain/temporary-password.js';
import {
  MemoryConfirmations,
  MemoryDirectory,
  MemoryLedger,
  MemoryLinks,
  MemoryPsa,
  TENANT,
  contextFor,
  memoryJournal,
  resetTicket,
  useCaseWith,
  mariaAndSam,
} from '../support/in-memory-doubles.js';

/** A directory of one customer, contoso (Halo customer 12), with these settings of its own. */
function contosoWith(
  extra: Partial<CustomerSettings>,
  defaults: { passwordFormat: PasswordFormat; mode: RolloutMode } = {
    passwordFormat: DEFAULT_PASSWORD_FORMAT,
    mode: 'on',
  },
) {
  return new CustomerDirectory(
    [{ name: 'contoso', psa: 'halopsa', psaCustomerId: '12', tenantId: TENANT, ...extra }],
    DEFAULT_POLICY,
    { ...BUILT_IN_CUSTOMER_DEFAULTS, ...defaults },
  );
}

describe("A customer's settings reach the reset", () => {
  let psa: MemoryPsa;
  let directory: MemoryDirectory;
  let links: MemoryLinks;

  beforeEach(() => {
    ({ psa, directory, links } = mariaAndSam());
  });

  it('When the customer has its own password format, then the password set in the tenant has that format', async () => {
    // Arrange: four words joined by '.', then four digits.
    const customers = contosoWith({ passwordFormat: { words: 4, separators: '.', digits: 4 } });

    // Act
    const outcome = await useCaseWith({ psa, directory, links, customers }).handle(
      contextFor(memoryJournal()),
    );

    // Assert
    expect(outcome.code).toBe('reset-delivered');
    const [password] = directory.passwords.get('sam')!;
    expect(password).toMatch(/^([A-Z][a-z]{3,6}\.){4}[1-9]\d{3}$/);
    expect([...links.secrets.values()]).toEqual([password]);
  });

  it('When only the service-wide format is set, then the password has that format', async () => {
    const customers = contosoWith(
      {},
      { passwordFormat: { words: 5, separators: '~', digits: 0 }, mode: 'on' },
    );

    await useCaseWith({ psa, directory, links, customers }).handle(contextFor(memoryJournal()));

    const [password] = directory.passwords.get('sam')!;
    expect(password).toMatch(/^[A-Z][a-z]{3,6}(~[A-Z][a-z]{3,6}){4}$/);
  });
});

describe("A customer's roll-out mode", () => {
  let psa: MemoryPsa;
  let directory: MemoryDirectory;
  let links: MemoryLinks;
  let confirmations: MemoryConfirmations;
  let ledger: MemoryLedger;
  const run = (customers: CustomerDirectory, journal = memoryJournal()) =>
    useCaseWith({ psa, directory, links, confirmations, ledger, customers }).handle(contextFor(journal));

  /** Nothing changed in the tenant and no link kept: what a dry run and an off customer promise. */
  const expectTenantUntouched = () => {
    expect(directory.passwords.size).toBe(0);
    expect(directory.mfaRemovals).toEqual([]);
    expect(directory.revoked).toEqual([]);
    expect(links.secrets.size).toBe(0);
  };

  beforeEach(() => {
    ({ psa, directory, links } = mariaAndSam());
    confirmations = new MemoryConfirmations();
    ledger = new MemoryLedger();
  });

  it('When the customer is in dry run and the manager asks, then one internal note says what would be reset and why, and the engineers get the ticket', async () => {
    // Act
    const outcome = await run(contosoWith({ mode: 'dry-run' }));

    // Assert
    expect(outcome).toEqual({ code: 'dry-run', handedOff: true, delivered: false });
    expectTenantUntouched();
    expect(psa.notes).toHaveLength(1);
    const { note } = psa.notes[0]!;
    expect(note.visibility).toBe('internal');
    expect(note.text).toMatch(
      /^Dry run: would reset Sam's password and MFA because the requester is their direct manager and every check passed\./,
    );
    expect(note.text).toContain('nothing was changed in the tenant, no secure link was made');
    expect(note.text).not.toContain('confirmation would have been asked');
    expect(psa.moves).toEqual([{ ticketId: '4242', disposition: 'engineers' }]);
    expect((await ledger.get('halopsa', '4242'))?.outcome).toBe('dry-run');
  });

  it('When a dry run decides, then its audit line says dry run, so no audit reads it as a reset', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    await useCaseWith({
      psa,
      directory,
      links,
      confirmations,
      ledger,
      customers: contosoWith({ mode: 'dry-run' }),
    }).handle({
      ...contextFor(memoryJournal()),
      logger,
    });
    const decisions = lines.filter((l) => l.event === 'audit.decision').map((l) => l.decision);
    expect(decisions).toEqual(['dry-run proceed']);
    expect(lines.filter((l) => l.event === 'reset.dry-run')).toHaveLength(1);
  });

  it('When the service-wide default is dry run and the customer has no mode, then it is a dry run', async () => {
    const outcome = await run(contosoWith({}, { passwordFormat: DEFAULT_PASSWORD_FORMAT, mode: 'dry-run' }));
    expect(outcome.code).toBe('dry-run');
    expectTenantUntouched();
  });

  it("When the customer's own mode is on under a dry-run default, then the reset is done", async () => {
    const outcome = await run(
      contosoWith({ mode: 'on' }, { passwordFormat: DEFAULT_PASSWORD_FORMAT, mode: 'dry-run' }),
    );
    expect(outcome.code).toBe('reset-delivered');
    expect(directory.passwords.get('sam')).toHaveLength(1);
  });

  it('When the customer is in dry run and the requester may not ask, then the note says it would hand off and why, and nothing reaches the customer', async () => {
    // Arrange: the requester is not Sam's manager.
    directory.managers.delete('sam');

    // Act
    const outcome = await run(contosoWith({ mode: 'dry-run' }));

    // Assert
    expect(outcome.code).toBe('dry-run');
    expectTenantUntouched();
    expect(psa.notes.map((n) => n.note.visibility)).toEqual(['internal']);
    expect(psa.notes[0]!.note.text).toMatch(/^Dry run: would hand off because requester-not-manager — /);
    expect(psa.moves).toEqual([{ ticketId: '4242', disposition: 'engineers' }]);
  });

  it('When the customer is in dry run and the policy would ask the requester, then no question reaches the customer', async () => {
    const outcome = await run(contosoWith({ mode: 'dry-run', policy: { requireAttestation: true } }));

    expect(outcome.code).toBe('dry-run');
    expect(psa.notes.map((n) => n.note.visibility)).toEqual(['internal']);
    expect(psa.notes[0]!.note.text).toMatch(/^Dry run: would ask the requester because attestation-missing/);
    expect(psa.moves).toEqual([{ ticketId: '4242', disposition: 'engineers' }]);
  });

  it('When an email request comes for a customer in dry run, then no confirmation is asked of the manager and the note says one would have been', async () => {
    // Arrange
    psa.tickets.set(
      '4242',
      resetTicket({
        channel: 'email',
        targetIdentifier: undefined,
        summary: 'Password reset please',
        details: 'Hi, please reset the password for sam@contoso.test, he is locked out. Thanks, Maria',
        emailOrigin: { from: 'maria@contoso.test' },
      }),
    );

    // Act
    const outcome = await run(contosoWith({ mode: 'dry-run' }));

    // Assert
    expect(outcome.code).toBe('dry-run');
    expect(confirmations.requests).toEqual([]);
    expectTenantUntouched();
    expect(psa.notes.map((n) => n.note.visibility)).toEqual(['internal']);
    expect(psa.notes[0]!.note.text).toMatch(/^Dry run: would reset Sam's password because/);
    expect(psa.notes[0]!.note.text).toContain(
      'A confirmation would have been asked of the contact on file <maria@contoso.test> through a one-time link before any reset; none was sent.',
    );
  });

  it('When the customer is off, then its ticket is left alone: no note, no move, no record, and the tenant untouched', async () => {
    const outcome = await run(contosoWith({ mode: 'off' }));

    expect(outcome).toEqual({ code: 'customer-off', handedOff: false, delivered: false });
    expectTenantUntouched();
    expect(psa.notes).toEqual([]);
    expect(psa.moves).toEqual([]);
    // No record: once the customer is switched on, the ticket's next delivery is worked.
    expect(await ledger.get('halopsa', '4242')).toBeUndefined();
    const later = await run(contosoWith({ mode: 'on' }));
    expect(later.code).toBe('reset-delivered');
  });

  it('When a run had decided before the customer was switched off, then it finishes (a set password still reaches the manager)', async () => {
    // Arrange: the first attempt decided and failed transiently writing the delivery note.
    const journal = memoryJournal();
    psa.failAddNote.push('transient');
    await expect(run(contosoWith({ mode: 'on' }), journal)).rejects.toThrow();
    expect(directory.passwords.get('sam')).toHaveLength(1);

    // Act: the retry runs after the customer was switched off.
    const outcome = await run(contosoWith({ mode: 'off' }), journal);

    // Assert
    expect(outcome.code).toBe('reset-delivered');
    expect(directory.passwords.get('sam')).toHaveLength(1);
  });
});
