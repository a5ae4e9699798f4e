import { expect } from 'vitest';
import { TransientError } from '../../services/domain/errors.js';
import type { PsaAdapter, ResetTicket, TicketActivity } from '../../services/domain/ports.js';
import { rejection } from './adapter-test-helpers.js';
import type { ReplayScenario } from './recorded-exchanges.js';

/**
 * The replay scenarios every PSA's recordings share: the service's usual calls on the recorded ticket, with each
 * PSA's recording names and recorded values. What only one PSA was recorded doing stays in its contract test.
 */
export interface RecordedPsa<Rec, Server> {
  /** The real adapter, configured for the replay (and the recording's credentials where they vary). */
  adapter(replay: Server, recording: Rec): PsaAdapter;
  /** The recorded reset ticket. */
  ticketId: string;
  /** Recording name → the ticket that recording reads, exactly. */
  ticketReads: Record<string, ResetTicket>;
  /** The recording of a read of a ticket that does not exist (987654), where one was made. */
  notFound?: string;
  /** The recording of the two notes the service writes (customer RD-7, then internal RD-8). */
  notesPost: string;
  /** The recording of the lookup of marker RD-7, which is there. */
  markerLookup: string;
  /** The recording of the hand-off to the engineers. */
  moveToEngineers: string;
  /**
   * The recording of the activity since 2026-12-01 09:00Z on a ticket the service left in status 1, and the
   * adapter to read it with where it needs more configuration than the others.
   */
  activity: {
    name: string;
    replies: TicketActivity['replies'];
    adapter?(replay: Server, recording: Rec): PsaAdapter;
  };
  /** The recording of a rate-limited ticket read, and the wait the adapter must report. */
  rateLimited: { name: string; retryAfterMs: number };
}

export function sharedRecordedScenarios<Rec, Server>(
  psa: RecordedPsa<Rec, Server>,
): Record<string, ReplayScenario<Rec, Server>> {
  const { ticketId } = psa;
  const scenarios: Record<string, ReplayScenario<Rec, Server>> = {
    [psa.notesPost]: async (replay, rec) => {
      const adapter = psa.adapter(replay, rec);
      await adapter.addNote(ticketId, {
        text: 'Reset done for jane.doe@contoso.example.\nOne-time link: https://links.example/s/abc\nRef RD-7',
        visibility: 'customer',
        marker: 'RD-7',
      });
      await adapter.addNote(ticketId, {
        text: 'Handed to engineers: target is synced from AD. Ref RD-8',
        visibility: 'internal',
        marker: 'RD-8',
      });
    },
    [psa.markerLookup]: async (replay, rec) => {
      await expect(psa.adapter(replay, rec).hasNoteWithMarker(ticketId, 'RD-7')).resolves.toBe(true);
    },
    [psa.moveToEngineers]: async (replay, rec) => {
      await psa.adapter(replay, rec).moveTicket(ticketId, 'engineers');
    },
    [psa.activity.name]: async (replay, rec) => {
      const adapter = (psa.activity.adapter ?? psa.adapter)(replay, rec);
      const activity = adapter.activitySince(ticketId, new Date('2026-12-01T09:00:00Z'), '1');
      await expect(activity).resolves.toEqual({
        replied: true,
        statusChanged: false,
        currentStatusId: '1',
        ticketFound: true,
        replies: psa.activity.replies,
      });
    },
    [psa.rateLimited.name]: async (replay, rec) => {
      const error = await rejection(psa.adapter(replay, rec).getTicket(ticketId));
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).retryAfterMs).toBe(psa.rateLimited.retryAfterMs);
    },
  };
  for (const [name, expected] of Object.entries(psa.ticketReads)) {
    scenarios[name] = async (replay, rec) => {
      await expect(psa.adapter(replay, rec).getTicket(expected.ticketId)).resolves.toEqual(expected);
    };
  }
  if (psa.notFound) {
    scenarios[psa.notFound] = async (replay, rec) => {
      await expect(psa.adapter(replay, rec).getTicket('987654')).resolves.toBeNull();
    };
  }
  return scenarios;
}
