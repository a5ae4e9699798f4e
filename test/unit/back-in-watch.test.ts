import { describe, expect, it } from 'vitest';
import {
  BackInWatch,
  newWatch,
  nextCheckAt,
  type WatchJournal,
  type WatchProgress,
  type WatchSettings,
} from '../../services/domain/aftercare/back-in-watch.js';
import { DirectoryError, TransientError } from '../../services/domain/errors.js';
import type { DeliveredReset, SignInState } from '../../services/domain/ports.js';
import { MemoryDirectory, MemoryPsa, silentLogger } from '../support/in-memory-doubles.js';

const SETTINGS: WatchSettings = { windowHours: 72, firstCheckMinutes: 15, maxIntervalMinutes: 120 };
const RESET_AT = '2026-08-03T09:00:00.000Z';
const AUTHENTICATOR = 'microsoftAuthenticatorAuthenticationMethod';

const RESET: DeliveredReset = {
  psa: 'halopsa',
  ticketId: '4242',
  correlationId: 'halopsa-4242',
  tenantId: '11111111-1111-1111-1111-111111111111',
  customerName: 'contoso',
  resolvedStatusId: '9',
  target: { id: 'sam', displayName: 'Sam Staff', userPrincipalName: 'sam@contoso.test' },
  requesterName: 'Maria Manager',
  resetAt: RESET_AT,
  passwordReset: true,
  mfaRemoved: true,
  passIssued: false,
};

/** Right after the reset: change forced, no method left. */
const AFTER_RESET: SignInState = {
  userId: 'sam',
  readAt: '2026-08-03T09:00:05.000Z',
  password: { lastChangedAt: '2026-08-03T09:00:01.000Z', forceChange: 'pending' },
  methods: { state: 'read', items: [] },
  signIn: { state: 'read', lastSuccessfulAt: '2026-07-30T08:00:00.000Z' },
};

/** Later: their own password set and an authenticator registered again. */
const BACK_IN: SignInState = {
  userId: 'sam',
  readAt: '2026-08-03T11:00:00.000Z',
  password: { lastChangedAt: '2026-08-03T10:15:00.000Z', forceChange: 'not-pending' },
  methods: { state: 'read', items: [{ kind: AUTHENTICATOR, id: 'auth-2' }] },
  signIn: { state: 'read', lastSuccessfulAt: '2026-08-03T10:14:00.000Z' },
};

function setup(reset: DeliveredReset = RESET) {
  const psa = new MemoryPsa();
  const directory = new MemoryDirectory();
  let now = new Date('2026-08-03T09:00:10.000Z');
  const watch = new BackInWatch({
    psa: () => psa,
    directories: directory,
    settings: SETTINGS,
    now: () => now,
  });
  let progress: WatchProgress = newWatch(reset, SETTINGS);
  const saves: Array<Partial<WatchProgress>> = [];
  const journal: WatchJournal = {
    get progress() {
      return progress;
    },
    async save(patch) {
      saves.push(patch);
      progress = { ...progress, ...patch };
    },
  };
  return {
    psa,
    directory,
    journal,
    saves,
    check: () => watch.check(journal, silentLogger),
    at: (iso: string) => {
      now = new Date(iso);
    },
    state: (s: SignInState) => directory.signInStates.set('sam', s),
    get progress() {
      return progress;
    },
  };
}

describe('watching a delivered reset until the staff member is back in', () => {
  it('When the watch starts, then it reads the baseline and the ticket status, writes nothing, and looks again in 15 minutes', async () => {
    const t = setup();
    t.psa.activity.set('4242', {
      replied: false,
      statusChanged: false,
      ticketFound: true,
      currentStatusId: '21',
      replies: [],
    });
    t.state(AFTER_RESET);
    expect(await t.check()).toEqual({ kind: 'check-again', at: new Date('2026-08-03T09:15:10.000Z') });
    expect(t.progress.baseline).toEqual({
      resetAt: RESET_AT,
      passwordChangedAt: '2026-08-03T09:00:01.000Z',
      forceChangeAfterReset: 'pending',
      methodIds: [],
    });
    expect(t.progress.serviceStatusId).toBe('21');
    expect(t.psa.notes).toEqual([]);
    expect(t.psa.moves).toEqual([]);
  });

  it('When the staff member is back in, then one internal note says what was seen and the ticket moves to the customer’s resolved status', async () => {
    const t = setup();
    t.state(AFTER_RESET);
    await t.check();
    t.at('2026-08-03T11:00:00.000Z');
    t.state(BACK_IN);
    expect(await t.check()).toEqual({ kind: 'ended', code: 'back-in' });
    expect(t.psa.notes).toHaveLength(1);
    const { note } = t.psa.notes[0]!;
    expect(note.visibility).toBe('internal');
    expect(note.text).toBe(
      [
        'resetdesk — after the password and MFA reset of Sam Staff <sam@contoso.test> at 2026-08-03T09:00:00.000Z:',
        '',
        'The staff member is back in (checked 2026-08-03T11:00:00.000Z).',
        '- Own password set after the reset: seen (last change 2026-08-03T10:15:00.000Z).',
        `- Second factor registered again: seen (${AUTHENTICATOR}).`,
        '- Successful sign-in after the reset: seen (last successful sign-in 2026-08-03T10:14:00.000Z; sign-in activity may lag by hours).',
        '',
        'The ticket moves to its resolved status (where one is configured for this customer or PSA). Reopen it if the requester says otherwise.',
        '',
        `Ref ${note.marker}`,
      ].join('\n'),
    );
    expect(note.marker).toMatch(/^RD-B-[0-9A-F]{8}$/);
    expect(t.psa.moves).toEqual([
      { ticketId: '4242', disposition: 'resolved', options: { resolvedStatusId: '9' } },
    ]);
    // Run again (a retried job): nothing more is written or moved.
    expect(await t.check()).toEqual({ kind: 'ended', code: 'back-in' });
    expect(t.psa.notes).toHaveLength(1);
    expect(t.psa.moves).toHaveLength(1);
  });

  it('When a Temporary Access Pass was issued, then the note says the reset came with one', async () => {
    const t = setup({ ...RESET, passIssued: true });
    t.state(AFTER_RESET);
    await t.check();
    t.at('2026-08-03T11:00:00.000Z');
    t.state(BACK_IN);
    await t.check();
    expect(t.psa.notes[0]!.note.text.split('\n')[0]).toBe(
      'resetdesk — after the password and MFA reset (with a Temporary Access Pass) of Sam Staff <sam@contoso.test> at 2026-08-03T09:00:00.000Z:',
    );
  });

  it('When a note was sent but its answer was lost, then the retry finds the marker and does not write it twice', async () => {
    const t = setup();
    t.state(AFTER_RESET);
    await t.check();
    t.state(BACK_IN);
    t.psa.failAddNote.push('lost-answer');
    await expect(t.check()).rejects.toThrow();
    expect(t.progress.endNote).toBe('started');
    expect(await t.check()).toEqual({ kind: 'ended', code: 'back-in' });
    expect(t.psa.notes).toHaveLength(1);
    expect(t.psa.moves).toHaveLength(1);
  });

  it('When only a sign-in is seen, or the password is changed but MFA not registered, then it is not back in', async () => {
    const t = setup();
    t.state(AFTER_RESET);
    await t.check();
    t.at('2026-08-03T10:00:00.000Z');
    t.state({ ...AFTER_RESET, signIn: { state: 'read', lastSuccessfulAt: '2026-08-03T09:30:00.000Z' } });
    expect((await t.check()).kind).toBe('check-again');
    t.state({ ...BACK_IN, methods: { state: 'read', items: [] } });
    expect((await t.check()).kind).toBe('check-again');
    t.state({ ...BACK_IN, methods: { state: 'not-permitted', problem: 'Forbidden' } });
    expect((await t.check()).kind).toBe('check-again');
    expect(t.psa.notes).toEqual([]);
  });

  it('When only MFA was reset, then a second factor alone is back in', async () => {
    const t = setup({ ...RESET, passwordReset: false });
    t.state(AFTER_RESET);
    await t.check();
    t.state({ ...AFTER_RESET, methods: BACK_IN.methods });
    expect(await t.check()).toEqual({ kind: 'ended', code: 'back-in' });
    expect(t.psa.notes[0]!.note.text).not.toContain('Own password');
  });

  it('When the window passes without the staff member back in, then the engineers get what was and was not seen', async () => {
    const t = setup();
    t.state(AFTER_RESET);
    await t.check();
    t.at('2026-08-06T09:00:00.000Z');
    t.state({ ...BACK_IN, readAt: '2026-08-06T09:00:00.000Z', methods: { state: 'read', items: [] } });
    expect(await t.check()).toEqual({ kind: 'ended', code: 'not-back-in' });
    const { text } = t.psa.notes[0]!.note;
    expect(text).toContain('Reason: not-back-in');
    expect(text).toContain('Watched for 72 hours; last checked 2026-08-06T09:00:00.000Z.');
    expect(text).toContain('- Own password set after the reset: seen');
    expect(text).toContain('- Second factor registered again: not seen yet.');
    expect(text).toContain('Next step: Call the staff member');
    expect(t.psa.moves).toEqual([{ ticketId: '4242', disposition: 'engineers', options: {} }]);
  });

  it('When the contact replies or someone changes the status, then the watch stops with a note and moves nothing', async () => {
    const replied = setup();
    replied.state(AFTER_RESET);
    await replied.check();
    replied.psa.activity.set('4242', {
      replied: true,
      statusChanged: false,
      ticketFound: true,
      replies: [{ at: new Date('2026-08-03T09:40:00.000Z'), by: 'contact', author: 'Maria Manager' }],
    });
    expect(await replied.check()).toEqual({ kind: 'ended', code: 'watch-stopped' });
    expect(replied.psa.notes[0]!.note.text).toContain(
      'Stopped watching for the staff member to be back in: a reply or note by Maria Manager at 2026-08-03T09:40:00.000Z.',
    );
    expect(replied.psa.moves).toEqual([]);

    const moved = setup();
    moved.state(AFTER_RESET);
    await moved.check();
    moved.psa.activity.set('4242', {
      replied: false,
      statusChanged: true,
      ticketFound: true,
      currentStatusId: '30',
      replies: [],
    });
    expect(await moved.check()).toEqual({ kind: 'ended', code: 'watch-stopped' });
    expect(moved.psa.notes[0]!.note.text).toContain("the ticket's status changed to 30");
    expect(moved.psa.moves).toEqual([]);
  });

  it('When the ticket is gone, then the watch ends without writing anything', async () => {
    const t = setup();
    t.psa.activity.set('4242', { replied: false, statusChanged: true, ticketFound: false, replies: [] });
    expect(await t.check()).toEqual({ kind: 'ended', code: 'watch-stopped' });
    expect(t.psa.notes).toEqual([]);
    expect(t.psa.moves).toEqual([]);
  });

  it('When Graph cannot read the account, then the watch ends with the engineers; a transient failure changes nothing', async () => {
    const t = setup();
    t.state(AFTER_RESET);
    await t.check();
    const read = t.directory.readSignInState.bind(t.directory);
    t.directory.readSignInState = async () => {
      throw new TransientError('Graph 503');
    };
    await expect(t.check()).rejects.toThrow('Graph 503');
    expect(t.progress.ending).toBeUndefined();
    expect(t.psa.notes).toEqual([]);
    t.directory.readSignInState = async () => {
      throw new DirectoryError('not-found', 'Graph: user sam not found');
    };
    expect(await t.check()).toEqual({ kind: 'ended', code: 'watch-unreadable' });
    expect(t.psa.notes[0]!.note.text).toContain('Graph answered: Graph: user sam not found');
    expect(t.psa.moves).toEqual([{ ticketId: '4242', disposition: 'engineers', options: {} }]);
    t.directory.readSignInState = read;
  });

  it('When checks repeat, then the wait doubles up to the cap and never passes the deadline', () => {
    const deadline = new Date('2026-08-06T09:00:00.000Z');
    const now = new Date('2026-08-03T10:00:00.000Z');
    const minutes = [0, 1, 2, 3, 4, 10].map(
      (checks) => (nextCheckAt(now, checks, deadline, SETTINGS).getTime() - now.getTime()) / 60_000,
    );
    expect(minutes).toEqual([15, 30, 60, 120, 120, 120]);
    const nearEnd = new Date('2026-08-06T08:50:00.000Z');
    expect(nextCheckAt(nearEnd, 5, deadline, SETTINGS)).toEqual(deadline);
  });

  it('never writes the watch job anything secret', async () => {
    const t = setup();
    t.state(AFTER_RESET);
    await t.check();
    t.state(BACK_IN);
    await t.check();
    const saved = JSON.stringify(t.saves);
    expect(saved).not.toMatch(/password"\s*:\s*"[^"]/i);
    expect(Object.keys(t.progress).sort()).toEqual(
      ['baseline', 'checks', 'deadline', 'endNote', 'ending', 'moved', 'reset', 'serviceStatusId'].sort(),
    );
  });
});
