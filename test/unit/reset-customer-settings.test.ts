import { beforeEach, describe, expect, it } from 'vitest';
import { CustomerDirectory, DEFAULT_POLICY } from '../../config/customer-settings.js';
import type { CustomerSettings } from '../../services/domain/ports.js';
import { DEFAULT_PASSWORD_FORMAT } from '../../services/domain/temporary-password.js';
import {
  MemoryDirectory,
  MemoryLinks,
  MemoryPsa,
  TENANT,
  contextFor,
  memoryJournal,
  resetTicket,
  useCaseWith,
  user,
} from '../support/in-memory-doubles.js';

/** A directory of one customer, contoso (Halo customer 12), with these settings of its own. */
function contosoWith(
  extra: Partial<CustomerSettings>,
  defaults = { passwordFormat: DEFAULT_PASSWORD_FORMAT },
) {
  return new CustomerDirectory(
    [{ name: 'contoso', psa: 'halopsa', psaCustomerId: '12', tenantId: TENANT, ...extra }],
    DEFAULT_POLICY,
    defaults,
  );
}

describe("A customer's settings reach the reset", () => {
  let psa: MemoryPsa;
  let directory: MemoryDirectory;
  let links: MemoryLinks;

  beforeEach(() => {
    psa = new MemoryPsa();
    directory = new MemoryDirectory();
    links = new MemoryLinks();
    const maria = directory.add(user('maria'));
    directory.add(user('sam'), maria.id);
    directory.methods.set('sam', [{ kind: 'phoneAuthenticationMethod', id: 'p1', outcome: 'removed' }]);
    psa.tickets.set('4242', resetTicket());
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
    const customers = contosoWith({}, { passwordFormat: { words: 5, separators: '~', digits: 0 } });

    await useCaseWith({ psa, directory, links, customers }).handle(contextFor(memoryJournal()));

    const [password] = directory.passwords.get('sam')!;
    expect(password).toMatch(/^[A-Z][a-z]{3,6}(~[A-Z][a-z]{3,6}){4}$/);
  });
});
