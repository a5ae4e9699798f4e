import { beforeEach, describe, expect, it } from 'vitest';
import { PsaError, TransientError, isTransient } from '../../services/domain/errors.js';
import { noteMarker } from '../../services/domain/note-markers.js';
import { captureLogger } from './adapter-test-helpers.js';
import type { PsaContractHarness } from './psa-contract.js';

/**
 * The part of the PSA contract the back-in watch relies on: what happened on a ticket since the reset (replies
 * by the contact or an engineer count, the service's own notes do not, a status someone else set, a ticket that
 * is gone, an answer that cannot be read), and moving a ticket to its resolved status. Run by
 * `psaAdapterContract` with the harness of each PSA.
 */
export function psaActivityContract(harness: () => PsaContractHarness): void {
  let h: PsaContractHarness;

  beforeEach(() => {
    h = harness();
  });

  describe('activitySince', () => {
    // Whole minutes: PSAs keep note times to the second at best.
    const since = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000);
    const minutesAfter = (m: number) => new Date(since.getTime() + m * 60_000);

    async function watched(): Promise<{ id: string; status: string }> {
      const id = await h.seedResetTicket({});
      const status = (await h.adapter.getTicket(id))?.statusId;
      expect(status).toMatch(/^\d+$/);
      return { id, status: status! };
    }

    it('When nothing happened, Then no reply, the status is unchanged, and nothing is written', async () => {
      const { id, status } = await watched();
      const before = h.activity.writes().length;

      const activity = await h.adapter.activitySince(id, since, status);

      expect(activity).toEqual({
        replied: false,
        statusChanged: false,
        currentStatusId: status,
        ticketFound: true,
        replies: [],
      });
      expect(h.activity.writes().slice(before)).toEqual([]);
    });

    it("When the activity is read, Then exactly the PSA's reads of the ticket and its notes are made", async () => {
      const { id, status } = await watched();
      const before = h.activity.calls().length;

      await h.adapter.activitySince(id, since, status);

      expect(h.activity.calls().slice(before)).toEqual(h.activity.activityReads(id));
    });

    it('When the contact replied after the reset, Then it counts, by the contact, at its time', async () => {
      const { id, status } = await watched();
      await h.activity.reply(id, 'contact', 'She is still locked out.', minutesAfter(5));

      const activity = await h.adapter.activitySince(id, since, status);

      expect(activity.replied).toBe(true);
      expect(activity.statusChanged).toBe(false);
      expect(activity.replies).toHaveLength(1);
      expect(activity.replies[0]?.by).toBe('contact');
      expect(activity.replies[0]?.at.toISOString()).toBe(minutesAfter(5).toISOString());
    });

    it('When an engineer wrote a note after the reset, Then it counts, by an engineer', async () => {
      const { id, status } = await watched();
      await h.activity.reply(id, 'engineer', 'Called her, looking into it.', minutesAfter(7));

      const activity = await h.adapter.activitySince(id, since, status);

      expect(activity.replied).toBe(true);
      expect(activity.replies.map((r) => r.by)).toEqual(['engineer']);
    });

    it('When a reply is older than the reset, Then it does not count', async () => {
      const { id, status } = await watched();
      await h.activity.reply(id, 'contact', 'Please reset Jane.', new Date(since.getTime() - 30 * 60_000));

      const activity = await h.adapter.activitySince(id, since, status);

      expect(activity.replied).toBe(false);
    });

    it("When only the service's own notes were added, Then they do not count", async () => {
      const { id, status } = await watched();
      const delivery = noteMarker('D', `contract:${id}`);
      const view = noteMarker('V', `contract:${id}`, 10, 1);
      await h.adapter.addNote(id, {
        text: `Hello Mark,\n\nThe reset is done.\n\nExample MSP — Ref ${delivery}`,
        visibility: 'customer',
        marker: delivery,
      });
      await h.adapter.addNote(id, {
        text: `Secure link opened.\nLink abc · ${view}`,
        visibility: 'internal',
        marker: view,
      });

      const activity = await h.adapter.activitySince(id, since, status);

      expect(activity.replied).toBe(false);
      expect(activity.replies).toEqual([]);
    });

    it("When the contact's reply quotes a service note, Then it still counts", async () => {
      const { id, status } = await watched();
      const marker = noteMarker('D', `contract-quote:${id}`);
      await h.activity.reply(
        id,
        'contact',
        `It did not work.\n\n> The reset is done.\n> Example MSP — Ref ${marker}`,
        minutesAfter(9),
      );

      const activity = await h.adapter.activitySince(id, since, status);

      expect(activity.replied).toBe(true);
      expect(activity.replies[0]?.by).toBe('contact');
    });

    it('When an engineer changed the status, Then statusChanged is true with the new status', async () => {
      const { id, status } = await watched();
      await h.activity.changeStatus(id);
      const now = await h.activity.statusIdOf(id);

      const activity = await h.adapter.activitySince(id, since, status);

      expect(now).not.toBe(status);
      expect(activity.statusChanged).toBe(true);
      expect(activity.currentStatusId).toBe(now);
      expect(activity.ticketFound).toBe(true);
    });

    it('When no service status is given, Then statusChanged is false and the current status is reported', async () => {
      const { id, status } = await watched();

      const activity = await h.adapter.activitySince(id, since);

      expect(activity.statusChanged).toBe(false);
      expect(activity.currentStatusId).toBe(status);
    });

    it('When the ticket was deleted, Then ticketFound is false and statusChanged true', async () => {
      const { id, status } = await watched();
      await h.activity.deleteTicket(id);

      const activity = await h.adapter.activitySince(id, since, status);

      expect(activity).toEqual({ replied: false, statusChanged: true, ticketFound: false, replies: [] });
    });

    it('When the notes answer cannot be read, Then a PsaError, never an empty activity', async () => {
      const { id, status } = await watched();
      h.activity.garbleNextNotesRead();

      const error = await harness()
        .adapter.activitySince(id, since, status)
        .then(
          () => undefined,
          (e: unknown) => e,
        );

      expect(error).toBeInstanceOf(PsaError);
      expect(isTransient(error)).toBe(false);
    });

    it('When the PSA is rate-limiting, Then a TransientError', async () => {
      const { id, status } = await watched();
      h.injectRateLimit(7);

      await expect(h.adapter.activitySince(id, since, status)).rejects.toBeInstanceOf(TransientError);
    });
  });

  describe('moveTicket resolved', () => {
    it("When the customer has a resolved status, Then the ticket gets the customer's", async () => {
      const id = await h.seedResetTicket({});

      await h.adapter.moveTicket(id, 'resolved', {
        resolvedStatusId: h.activity.customerResolvedStatusId,
      });

      expect(await h.activity.statusIdOf(id)).toBe(h.activity.customerResolvedStatusId);
    });

    it("When the customer has none, Then the ticket gets the PSA's configured resolved status", async () => {
      const id = await h.seedResetTicket({});

      await h.adapter.moveTicket(id, 'resolved', {});

      expect(await h.activity.statusIdOf(id)).toBe(h.activity.resolvedStatusId);
    });

    it("When moved to resolved with the customer's status, then without, Then exactly one status write each", async () => {
      const id = await h.seedResetTicket({});
      const before = h.activity.moveBodies().length;

      await h.adapter.moveTicket(id, 'resolved', { resolvedStatusId: h.activity.customerResolvedStatusId });
      await h.adapter.moveTicket(id, 'resolved', {});

      expect(h.activity.moveBodies().slice(before)).toEqual([
        h.activity.resolvedBody(id, h.activity.customerResolvedStatusId),
        h.activity.resolvedBody(id, h.activity.resolvedStatusId),
      ]);
    });

    it('When neither is configured, Then the ticket is left as is, nothing is sent and a warning says so', async () => {
      const id = await h.seedResetTicket({});
      const before = await h.activity.statusIdOf(id);
      const sent = h.activity.requests().length;
      const { logger, lines } = captureLogger();

      await h.activity.adapterWithoutResolvedStatus(logger).moveTicket(id, 'resolved');

      expect(await h.activity.statusIdOf(id)).toBe(before);
      expect(h.activity.requests().slice(sent)).toEqual([]);
      expect(lines()).toContainEqual(
        expect.objectContaining({ level: 40, ticketId: id, ...h.activity.leftUnresolvedLog }),
      );
    });

    it('When the customer status is not an id of this PSA, Then a PsaError and nothing is written', async () => {
      const id = await h.seedResetTicket({});
      const writes = h.activity.writes().length;

      await expect(
        h.adapter.moveTicket(id, 'resolved', { resolvedStatusId: 'Resolved' }),
      ).rejects.toBeInstanceOf(PsaError);
      expect(h.activity.writes().slice(writes)).toEqual([]);
    });
  });
}
