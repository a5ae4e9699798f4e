import { describe, expect, it } from 'vitest';
import { PsaError } from '../../services/domain/errors.js';
import { looksLikeServiceNote } from '../../services/domain/note-markers.js';
import type { DeliveredReset, PsaAdapter } from '../../services/domain/ports.js';
import { watchMarker, watchStoppedNote } from '../../services/domain/aftercare/watch-notes.js';
import { TicketWriter } from '../../services/domain/reset/ticket-writer.js';
import type { StagedContext } from '../../services/domain/reset/reset-journal.js';
import {
  expiredUnviewedNote,
  linkEventMarker,
  revealedNote,
} from '../../services/secure-link/link-events.js';
import { activityFrom, psaTime } from '../../integrations/shared/ticket-activity.js';

const reset: DeliveredReset = {
  psa: 'halopsa',
  ticketId: '4242',
  correlationId: 'c-1',
  tenantId: '11111111-2222-4333-8444-555555555555',
  customerName: 'Contoso',
  target: { id: 'u-1', displayName: 'Jane Doe', userPrincipalName: 'jane@contoso.example' },
  resetAt: '2026-12-01T09:00:00.000Z',
  passwordReset: true,
  mfaRemoved: false,
  passIssued: false,
};
const link = {
  psa: 'halopsa' as const,
  ticketId: '4242',
  correlationId: 'c-1',
  ref: 'ab'.repeat(32),
};

describe('the notes the service writes', () => {
  it('When any kind of note marker is made, Then the service recognises a note ending with it', () => {
    const writer = new TicketWriter({ psa: 'halopsa', ticketId: '4242' } as StagedContext, {} as PsaAdapter);
    const markers = [
      ...(['delivery', 'handoff', 'confirm', 'refuse'] as const).map((k) => writer.marker(k)),
      writer.marker('ask', 'which-user'),
      ...(['back-in', 'not-back-in', 'watch-stopped', 'watch-unreadable'] as const).map((k) =>
        watchMarker(reset, k),
      ),
      linkEventMarker({ ...link, kind: 'revealed', at: '2026-12-01T09:05:00Z', viewNumber: 2, viewsLeft: 1 }),
      linkEventMarker({ ...link, kind: 'expiry', expiresAt: '2026-12-02T09:00:00Z' }),
    ];

    for (const marker of markers)
      expect(looksLikeServiceNote(`Some text\n\nRef ${marker}\n`), marker).toBe(true);
  });

  it('When the service builds its notes, Then each reads as a service note', () => {
    const notes = [
      revealedNote({ ...link, kind: 'revealed', at: '2026-12-01T09:05:00Z', viewNumber: 1, viewsLeft: 0 }),
      expiredUnviewedNote({ ...link, kind: 'expiry', expiresAt: '2026-12-02T09:00:00Z' }),
      watchStoppedNote(reset, { replied: false, statusChanged: true, ticketFound: true, replies: [] }),
    ];

    for (const note of notes) expect(looksLikeServiceNote(note.text), note.marker).toBe(true);
  });

  it('When a note quotes a marker above new text, or carries no marker, Then it is not a service note', () => {
    expect(looksLikeServiceNote('> Ref RD-D-1A2B3C4D\n\nStill locked out')).toBe(false);
    expect(looksLikeServiceNote('Called the user, fixed.')).toBe(false);
    expect(looksLikeServiceNote('Ref RD-D-1a2b3c4d')).toBe(false);
    expect(looksLikeServiceNote('')).toBe(false);
  });
});

describe('activityFrom', () => {
  const since = new Date('2026-12-01T09:00:00Z');
  const base = { psaName: 'TestPSA', ticketId: '1', since, currentStatusId: '3', serviceStatusId: '3' };

  it('When the contact writes a note ending with a marker, Then it still counts (a quoted service note)', () => {
    const activity = activityFrom({
      ...base,
      entries: [{ at: new Date('2026-12-01T10:00:00Z'), by: 'contact', text: 'Ref RD-D-1A2B3C4D' }],
    });

    expect(activity.replied).toBe(true);
  });

  it('When an engineer-account note ends with a marker, Then it is the service and does not count', () => {
    const activity = activityFrom({
      ...base,
      entries: [{ at: new Date('2026-12-01T10:00:00Z'), by: 'engineer', text: 'Done\nRef RD-H-1A2B3C4D' }],
    });

    expect(activity.replied).toBe(false);
  });

  it("When a note that is not the service's has no readable time, Then a PsaError", () => {
    expect(() => activityFrom({ ...base, entries: [{ at: undefined, by: 'unknown', text: 'hi' }] })).toThrow(
      PsaError,
    );
  });

  it('When replies come out of order, Then they are reported oldest first', () => {
    const activity = activityFrom({
      ...base,
      entries: [
        { at: new Date('2026-12-01T11:00:00Z'), by: 'engineer', text: 'b' },
        { at: new Date('2026-12-01T10:00:00Z'), by: 'contact', text: 'a', author: 'Mark' },
      ],
    });

    expect(activity.replies).toEqual([
      { at: new Date('2026-12-01T10:00:00Z'), by: 'contact', author: 'Mark' },
      { at: new Date('2026-12-01T11:00:00Z'), by: 'engineer' },
    ]);
  });
});

describe('psaTime', () => {
  it.each([
    ['2026-12-01T09:15:00', '2026-12-01T09:15:00.000Z'],
    ['2026-12-01T09:15:00.1234567', '2026-12-01T09:15:00.123Z'],
    ['2026-12-01T09:15:00Z', '2026-12-01T09:15:00.000Z'],
    ['2026-12-01T10:15:00+01:00', '2026-12-01T09:15:00.000Z'],
  ])('When a PSA sends %s, Then it is read as %s', (text, iso) => {
    expect(psaTime(text)?.toISOString()).toBe(iso);
  });

  it.each([[''], ['yesterday'], [1733043300000], [null], ['2026-13-45T99:99:99']])(
    'When a PSA sends %s, Then it is not a time',
    (value) => {
      expect(psaTime(value)).toBeUndefined();
    },
  );
});
