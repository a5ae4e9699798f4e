import { beforeEach, describe, expect, it } from 'vitest';
import {
  MemoryConfirmations,
  MemoryDirectory,
  MemoryLedger,
  MemoryLinks,
  MemoryPsa,
  MemoryRateLimiter,
  contextFor,
  memoryJournal,
  resetTicket,
  useCaseWith,
  user,
} from '../support/in-memory-doubles.js';

/** The verification policy, decided in the worker from the directory and the PSA's records. */
describe('Who may ask', () => {
  let psa: MemoryPsa;
  let directory: MemoryDirectory;
  let links: MemoryLinks;
  let ledger: MemoryLedger;
  let confirmations: MemoryConfirmations;
  let rateLimiter: MemoryRateLimiter;

  beforeEach(() => {
    psa = new MemoryPsa();
    directory = new MemoryDirectory();
    links = new MemoryLinks();
    ledger = new MemoryLedger();
    confirmations = new MemoryConfirmations();
    rateLimiter = new MemoryRateLimiter();
    const director = directory.add(user('dana', { displayName: 'Dana Director' }));
    const maria = directory.add(user('maria', { displayName: 'Maria Manager' }), director.id);
    directory.add(user('sam', { displayName: 'Sam Staff', department: 'Accounts' }), maria.id);
    directory.add(user('samantha', { displayName: 'Samantha Stone', department: 'Sales' }), maria.id);
    directory.add(user('hr', { displayName: 'Harriet Resources' }));
    psa.tickets.set('4242', resetTicket());
  });

  const run = (policy = {}, journal = memoryJournal()) =>
    useCaseWith({ psa, directory, links, ledger, confirmations, rateLimiter, policy }).handle(
      contextFor(journal),
    );

  it('When the requester manages the manager (within the configured depth), then the reset proceeds', async () => {
    psa.tickets.set('4242', resetTicket({ requester: { name: 'Dana', email: 'dana@contoso.test' } }));
    expect((await run({ managerChainDepth: 2 })).code).toBe('reset-delivered');
  });

  it('When the requester is above the configured depth, then it is handed off as not the manager', async () => {
    psa.tickets.set('4242', resetTicket({ requester: { name: 'Dana', email: 'dana@contoso.test' } }));
    expect((await run({ managerChainDepth: 1 })).code).toBe('requester-not-manager');
    expect(directory.passwords.size).toBe(0);
  });

  it('When the requester is in the approver group, then the reset proceeds though they manage nobody', async () => {
    const group = '0d0c0b0a-1111-4222-8333-444455556666';
    directory.groups.set(group, new Set(['hr']));
    psa.tickets.set('4242', resetTicket({ requester: { name: 'Harriet', email: 'hr@contoso.test' } }));
    expect((await run({ approverGroupId: group })).code).toBe('reset-delivered');
  });

  it('When the target holds or may activate an admin role, then it is handed off with the roles', async () => {
    directory.privileges.set('sam', {
      activeRoles: ['Helpdesk Administrator'],
      eligibleRoles: ['Global Administrator'],
      eligibility: 'read',
      roleAssignableGroups: ['Tier0 Admins'],
    });
    const outcome = await run();
    expect(outcome.code).toBe('target-privileged');
    const note = psa.notes.at(-1)!.note.text;
    expect(note).toContain('active role: Helpdesk Administrator');
    expect(note).toContain('PIM-eligible role: Global Administrator');
    expect(note).toContain('role-assignable group: Tier0 Admins');
    expect(directory.passwords.size).toBe(0);
    expect(directory.revoked).toEqual([]);
  });

  it('When the tenant has no PIM licence and the policy requires the check, then it is handed off', async () => {
    directory.privileges.set('sam', {
      activeRoles: [],
      eligibleRoles: [],
      eligibility: 'no-pim-licence',
      roleAssignableGroups: [],
    });
    expect((await run({ requireEligibilityCheck: true })).code).toBe('target-privileges-unknown');
  });

  it('When the tenant has no PIM licence, then nobody can be eligible and the reset goes on', async () => {
    directory.privileges.set('sam', {
      activeRoles: [],
      eligibleRoles: [],
      eligibility: 'no-pim-licence',
      roleAssignableGroups: [],
    });
    expect((await run()).code).toBe('reset-delivered');
  });

  it('When the app may not read PIM eligibility (403), then it is handed off whatever the policy, naming the permission', async () => {
    directory.privileges.set('sam', {
      activeRoles: [],
      eligibleRoles: [],
      eligibility: 'not-readable',
      eligibilityProblem: 'Graph answered 403 Authorization_RequestDenied',
      roleAssignableGroups: [],
    });
    expect((await run({ requireEligibilityCheck: false })).code).toBe('target-privileges-unknown');
    expect(directory.passwords.size).toBe(0);
    const note = psa.notes.at(-1)!.note;
    expect(note.visibility).toBe('internal');
    expect(note.text).toContain('Graph answered 403 Authorization_RequestDenied');
    expect(note.text).toContain('RoleManagement.Read.Directory');
  });

  it('When the target is on the protected list, then it is handed off', async () => {
    expect((await run({ protectedUsers: ['SAM@contoso.test'] })).code).toBe('target-protected');
    expect(directory.passwords.size).toBe(0);
  });

  it('When the target is a partial name matching several people, then the requester is asked with names and departments only', async () => {
    psa.tickets.set('4242', resetTicket({ targetIdentifier: 'Sam' }));
    const outcome = await run();
    expect(outcome).toMatchObject({ code: 'target-ambiguous', waiting: true, handedOff: false });
    const note = psa.notes.at(-1)!.note;
    expect(note.visibility).toBe('customer');
    expect(note.text).toContain('- Sam Staff (Accounts)');
    expect(note.text).toContain('- Samantha Stone (Sales)');
    expect(note.text).not.toContain('@contoso.test');
    expect(directory.passwords.size).toBe(0);
  });

  it('When the same question was already asked, then an echo of the ticket does not ask it again', async () => {
    psa.tickets.set('4242', resetTicket({ targetIdentifier: 'Sam' }));
    await run();
    await run();
    expect(psa.notes).toHaveLength(1);
  });

  it('When the target is a partial name matching one person, then the reset proceeds', async () => {
    psa.tickets.set('4242', resetTicket({ targetIdentifier: 'Samantha' }));
    expect((await run()).code).toBe('reset-delivered');
    expect(directory.passwords.get('samantha')).toHaveLength(1);
  });

  it('When attestation is required and missing, then the requester is asked and nothing is reset', async () => {
    const outcome = await run({ requireAttestation: true });
    expect(outcome).toMatchObject({ code: 'attestation-missing', waiting: true });
    expect(psa.notes.at(-1)!.note.text).toContain('I have spoken to this person');
    expect(directory.passwords.size).toBe(0);
  });

  it('When attestation is required and given, then the reset proceeds', async () => {
    psa.tickets.set('4242', resetTicket({ attested: true }));
    expect((await run({ requireAttestation: true })).code).toBe('reset-delivered');
  });

  it('When a self-request comes through the manager flow, then it is refused with a pointer to the manager', async () => {
    psa.tickets.set('4242', resetTicket({ requester: { name: 'Sam', email: 'sam@contoso.test' } }));
    const outcome = await run();
    expect(outcome).toMatchObject({ code: 'self-request', handedOff: true });
    const customer = psa.notes.find((n) => n.note.visibility === 'customer')!.note.text;
    expect(customer).toContain('manager');
    expect(directory.passwords.size).toBe(0);
  });

  it('When the requester is over their budget, then the ticket is handed off and counted once however often it is evaluated', async () => {
    for (let i = 0; i < 2; i++) {
      psa.tickets.set(`t${i}`, resetTicket({ ticketId: `t${i}` }));
      await useCaseWith({
        psa,
        directory,
        links,
        ledger,
        confirmations,
        rateLimiter,
        policy: { requesterLimit: { count: 2, windowMinutes: 60 } },
      }).handle(contextFor(memoryJournal(), `t${i}`));
    }
    psa.tickets.set('t2', resetTicket({ ticketId: 't2' }));
    const outcome = await useCaseWith({
      psa,
      directory,
      links,
      ledger,
      confirmations,
      rateLimiter,
      policy: { requesterLimit: { count: 2, windowMinutes: 60 } },
    }).handle(contextFor(memoryJournal(), 't2'));
    expect(outcome.code).toBe('rate-limited-requester');
    expect(directory.passwords.get('sam')).toHaveLength(2);
  });

  describe('email requests', () => {
    const emailTicket = (extra = {}) =>
      resetTicket({
        channel: 'email',
        targetIdentifier: undefined,
        summary: 'Password reset please',
        details: 'Hi, please reset the password for sam@contoso.test, he is locked out. Thanks, Maria',
        emailOrigin: { from: 'maria@contoso.test' },
        ...extra,
      });

    it('When the sender is the contact on file, then nothing is reset until the manager confirms through the link', async () => {
      psa.tickets.set('4242', emailTicket());
      const outcome = await run();
      expect(outcome).toMatchObject({ code: 'awaiting-confirmation', waiting: true });
      expect(confirmations.requests).toEqual([
        { ticketId: '4242', targetDisplayName: 'Sam Staff', targetDepartment: 'Accounts', what: 'password' },
      ]);
      expect(psa.notes.at(-1)!.note).toMatchObject({ visibility: 'customer' });
      expect(psa.notes.at(-1)!.note.text).toContain('https://reset.example.test/c/confirm-4242');
      expect(directory.passwords.size).toBe(0);

      // An echo of our own note while waiting changes nothing.
      expect((await run()).code).toBe('awaiting-confirmation');
      expect(confirmations.requests).toHaveLength(1);
      expect(psa.notes).toHaveLength(1);

      confirmations.answer('4242', 'confirmed');
      expect((await run()).code).toBe('reset-delivered');
      expect(directory.passwords.get('sam')).toHaveLength(1);
      expect(directory.revoked).toEqual(['sam']);
    });

    it('When the manager answers "this wasn\'t me", then nothing is reset and the engineers are alerted', async () => {
      psa.tickets.set('4242', emailTicket());
      await run();
      confirmations.answer('4242', 'denied');
      const outcome = await run();
      expect(outcome).toMatchObject({ code: 'confirmation-denied', handedOff: true });
      expect(psa.notes.at(-1)!.note.text).toContain('ALERT');
      expect(psa.moves.at(-1)!.disposition).toBe('engineers');
      expect(directory.passwords.size).toBe(0);
    });

    it('When the confirmation expires, then the ticket goes to an engineer', async () => {
      psa.tickets.set('4242', emailTicket());
      await run();
      confirmations.answer('4242', 'expired');
      expect((await run()).code).toBe('confirmation-expired');
      expect(directory.passwords.size).toBe(0);
    });

    it.each([
      ['a sender that is not the contact on file', { emailOrigin: { from: 'maria@contoso-support.test' } }],
      [
        'a Reply-To that differs from the sender',
        { emailOrigin: { from: 'maria@contoso.test', replyTo: 'attacker@evil.test' } },
      ],
      ['no recorded sender', { emailOrigin: undefined }],
    ])('When the email has %s, then it is handed off without asking anyone', async (_label, extra) => {
      psa.tickets.set('4242', emailTicket(extra));
      const outcome = await run();
      expect(outcome.code).toBe('email-sender-not-on-file');
      expect(confirmations.requests).toEqual([]);
      expect(psa.notes.every((n) => n.note.visibility === 'internal')).toBe(true);
    });

    it('When the email asks for two people, then it is handed off', async () => {
      psa.tickets.set(
        '4242',
        emailTicket({
          details: 'Hi, can you reset the passwords for sam@contoso.test and samantha@contoso.test?',
        }),
      );
      expect((await run()).code).toBe('request-several-people');
      expect(confirmations.requests).toEqual([]);
    });

    it('When the customer does not accept email requests, then it is handed off', async () => {
      psa.tickets.set('4242', emailTicket());
      expect((await run({ allowEmailRequests: false })).code).toBe('email-requests-disabled');
    });
  });

  describe('once only, and the engineer retry', () => {
    it('When a delivered ticket is delivered again, then nothing happens', async () => {
      await run();
      expect((await run()).code).toBe('already-handled');
      expect(directory.passwords.get('sam')).toHaveLength(1);
    });

    it('When an engineer fixes the manager and sends the ticket back, then it is worked again and reset once', async () => {
      directory.managers.delete('sam');
      expect((await run()).code).toBe('requester-not-manager');
      expect((await run()).code).toBe('already-handled');

      directory.managers.set('sam', 'maria');
      psa.tickets.set('4242', resetTicket({ statusId: '40' }));
      const outcome = await useCaseWith(
        { psa, directory, links, ledger, confirmations, rateLimiter },
        { retryStatusIds: { halopsa: '40' } },
      ).handle(contextFor(memoryJournal()));
      expect(outcome.code).toBe('reset-delivered');
      expect(directory.passwords.get('sam')).toHaveLength(1);
    });

    it('When a handed-off ticket had its MFA removed, then the engineer retry does not remove MFA again', async () => {
      directory.methods.set('sam', [
        { kind: 'phoneAuthenticationMethod', id: 'p1', outcome: 'failed', detail: 'x' },
      ]);
      psa.tickets.set('4242', resetTicket({ resetPassword: false }));
      expect((await run()).code).toBe('mfa-partially-removed');
      let listed = 0;
      const original = directory.removeMfaMethods.bind(directory);
      directory.removeMfaMethods = async (id) => {
        listed++;
        return original(id);
      };
      psa.tickets.set('4242', resetTicket({ resetPassword: false, statusId: '40' }));
      await useCaseWith(
        { psa, directory, links, ledger, confirmations, rateLimiter },
        { retryStatusIds: { halopsa: '40' } },
      ).handle(contextFor(memoryJournal()));
      expect(listed).toBe(0);
    });
  });
});
