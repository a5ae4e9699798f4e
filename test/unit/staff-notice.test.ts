import { describe, expect, it } from 'vitest';
import { CustomerDirectory } from '../../config/customer-settings.js';
import { DirectoryError, NotificationError, TransientError } from '../../services/domain/errors.js';
import type { DisavowBinding, DisavowReport, StaffNoticeRequest } from '../../services/domain/ports.js';
import { handleDisavow, type DisavowProgress } from '../../services/domain/staff-notice/disavow-use-case.js';
import {
  noticeRecipients,
  staffNoticeMessage,
  type StaffNoticeFacts,
} from '../../services/domain/staff-notice/notice-message.js';
import {
  notifyStaff,
  type JobJournal,
  type NoticeProgress,
} from '../../services/domain/staff-notice/notify-staff.js';
import {
  MemoryDirectory,
  MemoryMailer,
  MemoryPsa,
  silentLogger,
  TENANT,
  user,
} from '../support/in-memory-doubles.js';

const LINK = 'https://reset.example.test/n/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

function facts(extra: Partial<StaffNoticeFacts> = {}): StaffNoticeFacts {
  return {
    staffName: 'Sam Staff',
    staffSignInName: 'sam@contoso.test',
    passwordReset: true,
    mfaReset: true,
    resetAt: new Date('2026-12-07T07:12:40Z'),
    requesterName: 'Maria Manager',
    mspName: 'Ashton Solutions',
    disavowUrl: LINK,
    disavowExpiresAt: new Date('2026-12-10T07:12:40Z'),
    ...extra,
  };
}

describe('the notice to the staff member', () => {
  it('says what was reset, when, at whose request, by which MSP, and offers the one-time link', () => {
    const m = staffNoticeMessage(['sam.home@example.net'], facts());
    expect(m.to).toEqual(['sam.home@example.net']);
    expect(m.subject).toBe(
      'Ashton Solutions: the password and MFA (multi-factor authentication) sign-in methods of your work account were reset',
    );
    expect(m.text).toBe(
      [
        'Hello Sam Staff,',
        '',
        'The password and MFA (multi-factor authentication) sign-in methods of your work account sam@contoso.test were reset by Ashton Solutions on 7 December 2026 at 07:12 UTC, at the request of Maria Manager.',
        '',
        'If you expected this, there is nothing to do: Maria Manager has the sign-in steps.',
        '',
        'If you did not expect it, tell us straight away: open the link below and press "This wasn\'t me". Your account\'s open sign-in sessions will be ended and your IT team told.',
        '',
        `This wasn't me: ${LINK}`,
        '',
        'The link works once, until 10 December 2026 at 07:12 UTC.',
        '',
        'This email holds no password, and Ashton Solutions will never ask you for one by email.',
        '',
        'You receive this at an address your organisation keeps on file for you besides your work mailbox. — Ashton Solutions',
      ].join('\n'),
    );
    expect(m.html).toContain(`<a href="${LINK}" style="font-weight: bold">This wasn&#39;t me</a>`);
    expect(m.html).toContain('at the request of Maria Manager');
  });

  it('names only what was reset: the password alone, or MFA alone', () => {
    expect(staffNoticeMessage(['a@example.net'], facts({ mfaReset: false })).subject).toBe(
      'Ashton Solutions: the password of your work account was reset',
    );
    const mfaOnly = staffNoticeMessage(['a@example.net'], facts({ passwordReset: false }));
    expect(mfaOnly.text).toContain(
      'The MFA (multi-factor authentication) sign-in methods of your work account',
    );
    expect(mfaOnly.text).not.toMatch(/\bpassword and\b|The password/);
  });

  it('escapes what came from the ticket or directory in the HTML and keeps text fields to one line', () => {
    const m = staffNoticeMessage(
      ['a@example.net'],
      facts({ requesterName: '<img src=x onerror=alert(1)>', staffName: 'Sam\r\nBcc: x@evil.test' }),
    );
    expect(m.html).not.toContain('<img');
    expect(m.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(m.text.split('\n')[0]).toBe('Hello Sam Bcc: x@evil.test,');
  });

  it('without a requester name on the ticket, says the request came to the helpdesk', () => {
    const m = staffNoticeMessage(['a@example.net'], facts({ requesterName: undefined }));
    expect(m.text).toContain('at a request made to our helpdesk.');
    expect(m.text).toContain('the person who asked has the sign-in steps');
  });
});

describe('whom the notice goes to', () => {
  it('goes to the independent addresses only, never the reset mailbox, each once, at most ten', () => {
    const independent = [
      'Sam.Home@Example.net',
      'sam.home@example.net',
      'SAM@contoso.test',
      ...Array.from({ length: 12 }, (_, i) => `alt${i}@example.org`),
    ];
    const to = noticeRecipients({ independent, excluded: [] }, [
      'sam@contoso.test',
      'sam.staff@contoso.test',
    ]);
    expect(to[0]).toBe('Sam.Home@Example.net');
    expect(to).not.toContain('SAM@contoso.test');
    expect(to.filter((a) => a.toLowerCase() === 'sam.home@example.net')).toHaveLength(1);
    expect(to).toHaveLength(10);
  });

  it('is nobody when the directory gives no independent address', () => {
    expect(
      noticeRecipients(
        { independent: [], excluded: [{ address: 'sam@contoso.test', reason: 'own-address' }] },
        ['sam@contoso.test'],
      ),
    ).toEqual([]);
  });
});

function journal<P extends object>(initial: P = {} as P): JobJournal<P> & { saves: P[] } {
  let progress = initial;
  const saves: P[] = [];
  return {
    get progress() {
      return progress;
    },
    async save(patch) {
      progress = { ...progress, ...patch };
      saves.push(structuredClone(progress));
    },
    saves,
  };
}

const REQUEST: StaffNoticeRequest = {
  psa: 'halopsa',
  ticketId: '4242',
  correlationId: 'halopsa-4242',
  customerId: '12',
  tenantId: TENANT,
  userId: 'sam',
  staffName: 'Sam Staff',
  staffSignInName: 'sam@contoso.test',
  resetMailboxes: ['sam@contoso.test'],
  requesterName: 'Maria Manager',
  passwordReset: true,
  mfaReset: false,
  resetAt: '2026-12-07T07:12:40.000Z',
};

class MemoryDisavowLinks {
  made: Array<{ binding: DisavowBinding; ref: string }> = [];
  destroyed: string[] = [];
  async create(binding: DisavowBinding) {
    const ref = `${this.made.length}`.padStart(64, 'a');
    this.made.push({ binding, ref });
    return {
      url: `${LINK.slice(0, -1)}${this.made.length}`,
      ref,
      expiresAt: new Date('2026-12-10T07:12:40Z'),
    };
  }
  async destroy(ref: string) {
    this.destroyed.push(ref);
  }
}

function noticeWorld(withMailer = true) {
  const psa = new MemoryPsa();
  const directory = new MemoryDirectory();
  const mailer = new MemoryMailer();
  const links = new MemoryDisavowLinks();
  const deps = {
    psa: () => psa,
    directories: directory,
    mailer: withMailer ? mailer : undefined,
    links,
    mspName: 'Ashton Solutions',
  };
  return { psa, directory, mailer, links, deps };
}

describe('notifying the staff member after a delivered reset', () => {
  it('When an independent address exists, Then one notice goes there with a link bound to the account, and no note', async () => {
    const w = noticeWorld();
    w.directory.addresses.set('sam', { independent: ['sam.home@example.net'], excluded: [] });
    const j = journal<NoticeProgress>();
    const result = await notifyStaff(w.deps, {
      request: REQUEST,
      journal: j,
      logger: silentLogger,
      lastAttempt: false,
    });
    expect(result).toEqual({ status: 'sent', recipients: 1 });
    expect(w.mailer.sent).toHaveLength(1);
    expect(w.mailer.sent[0]!.to).toEqual(['sam.home@example.net']);
    expect(w.mailer.sent[0]!.text).toContain(`${LINK.slice(0, -1)}1`);
    expect(w.links.made[0]!.binding).toEqual({
      psa: 'halopsa',
      ticketId: '4242',
      correlationId: 'halopsa-4242',
      customerId: '12',
      tenantId: TENANT,
      userId: 'sam',
    });
    expect(w.psa.notes).toEqual([]);
    // The job's journal keeps the link's reference only, never its URL.
    expect(JSON.stringify(j.saves)).not.toContain('/n/');
  });

  it('When it runs again after the notice was sent, Then nothing is sent twice', async () => {
    const w = noticeWorld();
    w.directory.addresses.set('sam', { independent: ['sam.home@example.net'], excluded: [] });
    const j = journal<NoticeProgress>();
    await notifyStaff(w.deps, { request: REQUEST, journal: j, logger: silentLogger, lastAttempt: false });
    await notifyStaff(w.deps, { request: REQUEST, journal: j, logger: silentLogger, lastAttempt: false });
    expect(w.mailer.sent).toHaveLength(1);
  });

  it('When there is no independent address, Then the manager is told on the ticket and the engineers see what was left out', async () => {
    const w = noticeWorld();
    w.directory.addresses.set('sam', {
      independent: [],
      excluded: [{ address: 'sam@contoso.net', reason: 'same-domain' }],
    });
    const result = await notifyStaff(w.deps, {
      request: REQUEST,
      journal: journal(),
      logger: silentLogger,
      lastAttempt: false,
    });
    expect(result).toEqual({ status: 'not-sent', reason: 'no-address' });
    expect(w.mailer.sent).toEqual([]);
    expect(w.links.made).toEqual([]);
    const [customer, internal] = w.psa.notes.map((n) => n.note);
    expect(customer!.visibility).toBe('customer');
    expect(customer!.text).toContain(
      'We could not send Sam Staff an independent notice that the password of their account was reset: their account has no personal email address on file besides their work mailbox',
    );
    expect(customer!.text).toMatch(/^Hello Maria Manager,/);
    expect(internal!.visibility).toBe('internal');
    expect(internal!.text).toContain("- sam@contoso.net: on one of the account's own mail domains");
  });

  it('When notices are off, Then the manager is told that none was sent', async () => {
    const w = noticeWorld(false);
    const result = await notifyStaff(w.deps, {
      request: REQUEST,
      journal: journal(),
      logger: silentLogger,
      lastAttempt: false,
    });
    expect(result).toEqual({ status: 'not-sent', reason: 'disabled' });
    expect(w.psa.notes.map((n) => n.note.visibility)).toEqual(['customer']);
    expect(w.psa.notes[0]!.note.text).toContain('Ashton Solutions does not send these notices yet');
  });

  it('When the addresses cannot be read, Then the manager is told so in plain words', async () => {
    const w = noticeWorld();
    w.directory.notificationAddresses = async () => {
      throw new DirectoryError('insufficient-privileges', 'Authorization_RequestDenied');
    };
    const result = await notifyStaff(w.deps, {
      request: REQUEST,
      journal: journal(),
      logger: silentLogger,
      lastAttempt: false,
    });
    expect(result).toEqual({ status: 'not-sent', reason: 'addresses-unreadable' });
    expect(w.psa.notes[0]!.note.text).toContain(
      'their alternate email addresses could not be read from your directory',
    );
  });

  it('When the mail service refuses for good, Then the engineers get an internal note and the link is removed', async () => {
    const w = noticeWorld();
    w.directory.addresses.set('sam', { independent: ['sam.home@example.net'], excluded: [] });
    w.mailer.failNext = new NotificationError(
      'not-permitted',
      'Could not send the notice: the app may not send as notices@example-msp.test',
    );
    const result = await notifyStaff(w.deps, {
      request: REQUEST,
      journal: journal(),
      logger: silentLogger,
      lastAttempt: false,
    });
    expect(result).toEqual({ status: 'not-sent', reason: 'mail-refused' });
    expect(w.links.destroyed).toEqual([w.links.made[0]!.ref]);
    expect(w.psa.notes.map((n) => n.note.visibility)).toEqual(['internal']);
    expect(w.psa.notes[0]!.note.text).toContain('the app may not send as notices@example-msp.test');
  });

  it('When the mail service is down, Then the job is retried, and on its last attempt the engineers are told', async () => {
    const w = noticeWorld();
    w.directory.addresses.set('sam', { independent: ['sam.home@example.net'], excluded: [] });
    const j = journal<NoticeProgress>();
    w.mailer.failNext = new TransientError('503');
    await expect(
      notifyStaff(w.deps, { request: REQUEST, journal: j, logger: silentLogger, lastAttempt: false }),
    ).rejects.toThrow(TransientError);
    w.mailer.failNext = new TransientError('503 again');
    const result = await notifyStaff(w.deps, {
      request: REQUEST,
      journal: j,
      logger: silentLogger,
      lastAttempt: true,
    });
    expect(result).toEqual({ status: 'not-sent', reason: 'mail-refused' });
    expect(w.psa.notes[0]!.note.text).toContain('503 again');
  });
});

describe('"This wasn\'t me"', () => {
  const REPORT: DisavowReport = {
    psa: 'halopsa',
    ticketId: '4242',
    correlationId: 'halopsa-4242',
    customerId: '12',
    tenantId: TENANT,
    userId: 'sam',
    ref: 'f'.repeat(64),
    reportedAt: '2026-12-07T09:00:00.000Z',
    ip: '203.0.113.9',
    userAgent: 'Mozilla/5.0',
  };
  function world(blockSignInOnDisavow?: boolean) {
    const psa = new MemoryPsa();
    const directory = new MemoryDirectory();
    directory.add(user('sam'));
    const customers = new CustomerDirectory([
      { name: 'contoso', psa: 'halopsa', psaCustomerId: '12', tenantId: TENANT, blockSignInOnDisavow },
    ]);
    return { psa, directory, deps: { psa: () => psa, directories: directory, customers } };
  }

  it('revokes sessions, leaves sign-in alone by default, and hands the ticket over as a possible takeover', async () => {
    const w = world();
    const outcome = await handleDisavow(w.deps, {
      report: REPORT,
      journal: journal<DisavowProgress>(),
      logger: silentLogger,
      lastAttempt: false,
    });
    expect(outcome).toMatchObject({
      code: 'staff-disavowed',
      sessions: 'revoked',
      signIn: 'not-configured',
      handedOff: true,
    });
    expect(w.directory.revoked).toEqual(['sam']);
    expect(w.directory.blocked).toEqual([]);
    expect(w.psa.notes).toHaveLength(1);
    expect(w.psa.notes[0]!.note.visibility).toBe('internal');
    expect(w.psa.notes[0]!.note.text).toMatch(/^POSSIBLE ACCOUNT TAKEOVER\. Reason: staff-disavowed/);
    expect(w.psa.moves).toEqual([{ ticketId: '4242', disposition: 'engineers' }]);
  });

  it('blocks sign-in when the customer asks for it', async () => {
    const w = world(true);
    const outcome = await handleDisavow(w.deps, {
      report: REPORT,
      journal: journal<DisavowProgress>(),
      logger: silentLogger,
      lastAttempt: false,
    });
    expect(outcome.signIn).toBe('blocked');
    expect(w.directory.blocked).toEqual(['sam']);
  });

  it('says a synced account cannot be blocked in the cloud', async () => {
    const w = world(true);
    w.directory.blockSignIn = async () => {
      throw new DirectoryError('synced-object', 'mastered on-premises');
    };
    const outcome = await handleDisavow(w.deps, {
      report: REPORT,
      journal: journal<DisavowProgress>(),
      logger: silentLogger,
      lastAttempt: false,
    });
    expect(outcome.signIn).toBe('synced-user');
    expect(w.psa.notes[0]!.note.text).toContain(
      'cannot be blocked in the cloud. Disable it in on-premises AD.',
    );
  });

  it('retries a Graph outage, and a retry never writes the note twice', async () => {
    const w = world();
    const j = journal<DisavowProgress>();
    w.directory.failRevokeWith = new TransientError('Graph 503');
    await expect(
      handleDisavow(w.deps, { report: REPORT, journal: j, logger: silentLogger, lastAttempt: false }),
    ).rejects.toThrow(TransientError);
    expect(w.psa.notes).toEqual([]);
    w.directory.failRevokeWith = undefined;
    await handleDisavow(w.deps, { report: REPORT, journal: j, logger: silentLogger, lastAttempt: false });
    await handleDisavow(w.deps, { report: REPORT, journal: j, logger: silentLogger, lastAttempt: false });
    expect(w.directory.revoked).toEqual(['sam']);
    expect(w.psa.notes).toHaveLength(1);
    expect(w.psa.moves).toHaveLength(1);
  });

  it('changes nothing in a tenant the customer is no longer mapped to, and still hands over', async () => {
    const w = world(true);
    const outcome = await handleDisavow(w.deps, {
      report: { ...REPORT, tenantId: '99999999-9999-4999-8999-999999999999' },
      journal: journal<DisavowProgress>(),
      logger: silentLogger,
      lastAttempt: false,
    });
    expect(outcome).toMatchObject({ sessions: 'not-attempted', signIn: 'not-attempted' });
    expect(w.directory.revoked).toEqual([]);
    expect(w.directory.blocked).toEqual([]);
    expect(w.psa.moves).toHaveLength(1);
  });
});
