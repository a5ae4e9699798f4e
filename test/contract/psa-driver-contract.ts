import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PsaError, TransientError } from '../../services/domain/errors.js';
import type { PsaAdapter } from '../../services/domain/ports.js';
import type { Logger } from '../../services/logging/logger.js';
import { captureLogger, rejection } from './adapter-test-helpers.js';
import { listenSim } from '../simulators/sim-server.js';
import type { ResetTicketSeed } from './psa-contract.js';

/**
 * How every PSA adapter reads odd data, fails and guards its credentials, run once per PSA against its simulator
 * through a small driver. The driver knows the PSA's wire details (how a custom field or a ticket source is
 * stored, which paths to fail, how its credentials look); the expectations here hold for every PSA.
 */

/** A custom field as a ticket carries it; `type` and `display` only where the PSA has them. */
export interface PsaFieldSeed {
  name: string;
  value?: unknown;
  /** The display text of a picklist value (HaloPSA). */
  display?: string;
  /** The field's type (ConnectWise: Text, Number, Checkbox). */
  type?: string;
}

/** What is true of one PSA whatever the simulator holds: its wire details and the texts its errors carry. */
export interface PsaDriver {
  /** The PSA's name as the adapter's error messages spell it. */
  psaName: string;
  /** The customer the seeded tickets belong to, as `ResetTicket.psaCustomerId`. */
  customerId: string;
  /** The configured names of the form's fields. */
  fields: { target: string; resetPassword: string; resetMfa: string };
  /** Ticket sources as the PSA stores them, and the channel each reads as. */
  sourceCases: Array<{ label: string; source: unknown; channel: string }>;
  /** Spellings of the three fields' names (target, password, MFA) the adapter must still match. */
  fieldSpellings: Array<[string, string, string]>;
  /** Values of the password flag as the PSA stores them, and what each reads as. */
  flagCases: Array<{ label: string; seed: Omit<PsaFieldSeed, 'name'>; expected: boolean }>;
  /** An id no ticket of this PSA can have, that reaches another resource when pasted into a path. */
  foreignPathId: string;
  /** The wait a 429 without Retry-After means, and the PSA text the error quotes (when it quotes one). */
  rateLimitDefault: { ms: number; quote?: string };
  /** What an error about wrong credentials says, so an admin knows what to check. */
  credentialHints: Array<string | RegExp>;
  /** What a 403 error says, where it says more than the status. */
  forbiddenHint?: RegExp;
  /** What a refused redirect says. */
  redirectHint: RegExp;
  /** Names of credential headers that must never show in an error. */
  credentialHeaderPattern: RegExp;
  /** The PSA client's Retry-After reading, and the wait it falls back to. */
  parseRetryAfter(value: string | undefined, now: number): number;
  /** Whether the PSA keeps an address on the ticket besides the contact's (see `seedTicketWithAddressOnly`). */
  keepsTicketAddress: boolean;
  /** Whether the adapter may be configured to move tickets nowhere (see `adapterWithoutMoves`). */
  allowsNoMoves: boolean;
  /** How the service's notes and reads look on the PSA's wire (see `PsaDriverSession.notePosts`, `apiCalls`). */
  wire: {
    /** The customer note's text: what the PSA must convert (markup, line breaks, links) is in it. */
    customerNoteText: string;
    /** What the customer note is in the PSA's words (e.g. "visible, emailed action with the customer outcome"). */
    customerNoteKind: string;
    /** What the internal note is in the PSA's words. */
    internalNoteKind: string;
    /** The note writes a customer note with `text` makes, and the email the PSA sends the contact for it. */
    customerNote(ticketId: number, text: string): { posts: unknown[]; email: unknown };
    /** The note writes an internal note with `text` makes. */
    internalNotePosts(ticketId: number, text: string): unknown[];
    /** What the PSA keeps of an internal note, where it says more than the write. */
    internalNoteStored?(ticketId: number, text: string): unknown;
    /**
     * What moving a fresh reset ticket writes (in the words of `PsaDriverSession.moveCalls`) and what the ticket
     * then holds, for each disposition and for a hand-off configured with only a team (queue).
     */
    moves: Record<'engineers' | 'awaiting-confirmation' | 'teamOnly', PsaMoveExpectation>;
    /** What reading a reset ticket calls, in the words of `PsaDriverSession.apiCalls`. */
    ticketReadLabel: string;
    ticketReadCalls(ticketId: number): unknown[];
  };
  /** A fresh simulator with the PSA's reset setup, and an adapter configured for it. */
  start(): Promise<PsaDriverSession>;
}

export interface PsaMoveExpectation {
  /** What the move writes, in the PSA's words (e.g. "one JSON Patch replaces only the status object"). */
  label: string;
  calls(ticketId: number): unknown[];
  /** Part of the ticket record afterwards, where the test checks it. */
  ticket?(ticketId: number): unknown;
}

export interface PsaDriverSession {
  adapter: PsaAdapter;
  /** Another adapter against the same simulator, with a shorter timeout or its own logger. */
  adapterWith(change: { timeoutMs?: number; logger?: Logger }): PsaAdapter;
  /** An adapter whose secret (API secret, private key, client secret) is `secret`. */
  adapterWithSecret(secret: string): PsaAdapter;
  /** An adapter configured with `url` (`http://host:port`) as the PSA's address. */
  adapterAt(url: string): PsaAdapter;
  /** An adapter whose hand-off names only a team (queue): no status, board or owner. */
  adapterWithTeamOnlyHandoff(): PsaAdapter;
  /** An adapter configured with no status or team/queue to move tickets to (when `allowsNoMoves`). */
  adapterWithoutMoves?(): PsaAdapter;

  /** A reset ticket with a contact on file (manager@contoso.example unless `seed` says otherwise). */
  seedResetTicket(seed?: ResetTicketSeed): string;
  /** A reset-type ticket with a contact on file carrying exactly `fields`. */
  seedTicketWithFields(fields: PsaFieldSeed[]): string;
  /** A reset-type ticket with a contact on file whose source is `source`, as the PSA stores it. */
  seedTicketFromSource(source: unknown): string;
  /** A ticket with no contact (but an address on the ticket where the PSA keeps one). */
  seedTicketWithoutContact(): string;
  /** A ticket whose contact `contactId` does not exist (and a spoofed address on the ticket where kept). */
  seedTicketWithMissingContact(contactId: number): string;
  /** A ticket whose contact has no email, with `address` on the ticket (when `keepsTicketAddress`). */
  seedTicketWithAddressOnly?(address: string): { ticketId: string; contactId: string };

  /** Every request the simulator received so far. */
  requests(): unknown[];
  /** The API calls (not token requests) so far, each as the driver describes it (method, path, ...). */
  apiCalls(): unknown[];
  /** The API requests (not token requests) so far, as the simulator recorded them. */
  apiRequests(): unknown[];
  /** The note writes the simulator received so far (for `ticketId` where it keeps them per ticket). */
  notePosts(ticketId: string): unknown[];
  /** The calls moving tickets made so far, each as the driver describes it. */
  moveCalls(): unknown[];
  /** The ticket as the simulator holds it. */
  ticketRecord(ticketId: string): unknown;
  /** The emails the PSA sent so far. */
  emails(): unknown[];
  /** Requests that read a contact record so far. */
  contactReads(): number;
  /** Notes stored on the ticket, as the simulator keeps them. */
  storedNotes(ticketId: string): unknown[];
  /** The next ticket read answers `status` (default: a normal answer) after `delayMs`. */
  failTicketRead(failure: { status?: number; delayMs?: number }): void;
  /** The next note post to the ticket answers `status`. */
  failNotePost(ticketId: string, status: number): void;
  /** Credential values (and spellings of them, e.g. an encoded header) that must never show in an error. */
  secrets(wrongSecret?: string): string[];

  teardown(): Promise<void>;
}

/** What every PSA simulator records alike: its requests, its tickets and the emails the PSA sent. */
export interface RecordingSimulator {
  readonly requests: unknown[];
  readonly emails: unknown[];
  ticket(id: number): unknown;
  close(): Promise<void>;
}

/** The session verbs a PSA simulator answers the same way whatever the PSA. */
export function simulatorSession(
  sim: RecordingSimulator,
): Pick<PsaDriverSession, 'requests' | 'ticketRecord' | 'emails' | 'teardown'> {
  return {
    requests: () => sim.requests,
    ticketRecord: (ticketId) => sim.ticket(Number(ticketId)),
    emails: () => sim.emails,
    teardown: () => sim.close(),
  };
}

/** Everything an error would show in a log line or a failedReason. */
export function errorDump(error: unknown): string {
  return inspect(error, { depth: 10 }) + JSON.stringify(error) + String((error as Error).message);
}

export function psaDriverContract(name: string, psa: PsaDriver): void {
  describe(`PsaAdapter rules: ${name}`, () => {
    let d: PsaDriverSession;

    beforeEach(async () => {
      d = await psa.start();
    });

    afterEach(async () => {
      await d.teardown();
    });

    describe('outbound bodies', () => {
      it(`When a customer note is added, Then exactly one ${psa.wire.customerNoteKind} is posted and emailed to the contact on file`, async () => {
        const id = d.seedResetTicket({
          requesterEmail: 'manager@contoso.example',
          ticketEmail: 'other@x.example',
        });
        const text = psa.wire.customerNoteText;

        await d.adapter.addNote(id, { text, visibility: 'customer', marker: 'RD-9' });

        const expected = psa.wire.customerNote(Number(id), text);
        expect(d.notePosts(id)).toEqual(expected.posts);
        expect(d.emails()).toEqual([expected.email]);
      });

      it(`When an internal note is added, Then exactly one ${psa.wire.internalNoteKind} is posted and nobody is emailed`, async () => {
        const id = d.seedResetTicket();
        const text = 'Synced user; engineers to act. RD-10';

        await d.adapter.addNote(id, { text, visibility: 'internal', marker: 'RD-10' });

        expect(d.notePosts(id)).toEqual(psa.wire.internalNotePosts(Number(id), text));
        if (psa.wire.internalNoteStored)
          expect(d.storedNotes(id)).toMatchObject([psa.wire.internalNoteStored(Number(id), text)]);
        expect(d.emails()).toEqual([]);
      });

      it.each(
        (['engineers', 'awaiting-confirmation'] as const).map((disposition) => {
          const move = psa.wire.moves[disposition];
          return [disposition, move.label, move] as const;
        }),
      )('When moved to %s, Then %s', async (disposition, _label, { calls, ticket }) => {
        const id = d.seedResetTicket();

        await d.adapter.moveTicket(id, disposition);

        expect(d.moveCalls()).toEqual(calls(Number(id)));
        if (ticket) expect(d.ticketRecord(id)).toMatchObject(ticket(Number(id)) as object);
      });

      it(`When only a team (queue) is configured for hand-off, Then ${psa.wire.moves.teamOnly.label}`, async () => {
        const id = d.seedResetTicket();
        const { calls, ticket } = psa.wire.moves.teamOnly;

        await d.adapterWithTeamOnlyHandoff().moveTicket(id, 'engineers');

        expect(d.moveCalls()).toEqual(calls(Number(id)));
        if (ticket) expect(d.ticketRecord(id)).toMatchObject(ticket(Number(id)) as object);
      });

      it(`When reading a ticket, Then ${psa.wire.ticketReadLabel}, and no call carries the secret`, async () => {
        const id = d.seedResetTicket();

        await d.adapter.getTicket(id);

        expect(d.apiCalls()).toEqual(psa.wire.ticketReadCalls(Number(id)));
        expect(JSON.stringify(d.apiRequests())).not.toContain(d.secrets()[0]);
      });
    });

    describe('reading tickets', () => {
      it('When the ticket has no contact, Then the requester is empty and no contact is read', async () => {
        const ticket = await d.adapter.getTicket(d.seedTicketWithoutContact());

        expect(ticket?.requester).toEqual({});
        expect(d.contactReads()).toBe(0);
      });

      it('When the contact record is gone, Then the requester has its id only, even if the ticket has an address', async () => {
        const ticket = await d.adapter.getTicket(d.seedTicketWithMissingContact(555));

        expect(ticket?.requester.email).toBeUndefined();
        expect(ticket?.requester).toEqual({ contactId: '555' });
      });

      if (psa.keepsTicketAddress)
        it('When the contact record holds no email, Then the address on the ticket is used', async () => {
          const { ticketId, contactId } = d.seedTicketWithAddressOnly!('fallback@contoso.example');

          const ticket = await d.adapter.getTicket(ticketId);

          expect(ticket?.requester).toEqual({
            contactId,
            name: 'Mark Manager',
            email: 'fallback@contoso.example',
          });
        });

      it.each(psa.fieldSpellings)(
        'When field names differ in case, spacing or prefix (%j, %j, %j), Then they are still matched',
        async (target, password, mfa) => {
          const id = d.seedTicketWithFields([
            { name: target, value: ' jane@contoso.example ' },
            { name: password, value: 'No' },
            { name: mfa, value: 'Y' },
          ]);

          const ticket = await d.adapter.getTicket(id);

          expect(ticket).toMatchObject({
            psaCustomerId: psa.customerId,
            targetIdentifier: 'jane@contoso.example',
            resetPassword: false,
            resetMfa: true,
          });
        },
      );

      it.each(psa.flagCases)(
        'When a flag holds $label, Then it reads $expected',
        async ({ seed, expected }) => {
          const id = d.seedTicketWithFields([{ name: psa.fields.resetPassword, ...seed }]);

          const ticket = await d.adapter.getTicket(id);

          expect(ticket?.resetPassword).toBe(expected);
          expect(ticket?.resetMfa).toBe(true);
        },
      );

      it('When a flag holds an unrecognised value, Then it reads false and a warning is logged', async () => {
        const capture = captureLogger();
        const logged = d.adapterWith({ logger: capture.logger });
        const id = d.seedTicketWithFields([{ name: psa.fields.resetMfa, value: 'maybe later' }]);

        const ticket = await logged.getTicket(id);

        expect(ticket).toMatchObject({ resetPassword: true, resetMfa: false });
        expect(capture.lines()).toContainEqual(
          expect.objectContaining({ level: 40, field: psa.fields.resetMfa, ticketId: id }),
        );
      });

      it.each(psa.sourceCases)(
        'When the ticket source is $label, Then the channel is $channel',
        async ({ source, channel }) => {
          const id = d.seedTicketFromSource(source);

          expect((await d.adapter.getTicket(id))?.channel).toBe(channel);
        },
      );

      it('When the ticket id is not one of the PSA, Then getTicket is null without a call and writes refuse it', async () => {
        await expect(d.adapter.getTicket('12abc')).resolves.toBeNull();
        expect(d.requests()).toEqual([]);
        await expect(
          d.adapter.addNote(psa.foreignPathId, { text: 'x', visibility: 'internal', marker: 'x' }),
        ).rejects.toBeInstanceOf(PsaError);
        await expect(d.adapter.moveTicket('0', 'engineers')).rejects.toBeInstanceOf(PsaError);
      });
    });

    // Only where the adapter may be configured to move tickets nowhere.
    if (psa.allowsNoMoves)
      describe('moving tickets', () => {
        it('When no status or team/queue is configured, Then moveTicket sends nothing', async () => {
          const id = d.seedResetTicket();
          const bare = d.adapterWithoutMoves!();

          await bare.moveTicket(id, 'awaiting-confirmation');
          await bare.moveTicket(id, 'engineers');

          expect(d.requests()).toEqual([]);
        });
      });

    describe('failures', () => {
      it('When the PSA answers 429 without Retry-After, Then the TransientError waits the PSA default', async () => {
        const id = d.seedResetTicket();
        d.failTicketRead({ status: 429 });

        const error = await rejection(d.adapter.getTicket(id));

        expect(error).toBeInstanceOf(TransientError);
        expect((error as TransientError).retryAfterMs).toBe(psa.rateLimitDefault.ms);
        if (psa.rateLimitDefault.quote)
          expect((error as Error).message).toContain(psa.rateLimitDefault.quote);
      });

      it.each([500, 502, 503])(
        'When the PSA answers %i to a note, Then a TransientError is thrown and no note exists',
        async (status) => {
          const id = d.seedResetTicket();
          d.failNotePost(id, status);

          const error = await rejection(
            d.adapter.addNote(id, { text: 'x', visibility: 'internal', marker: 'x' }),
          );

          expect(error).toBeInstanceOf(TransientError);
          expect(d.storedNotes(id)).toEqual([]);
        },
      );

      it('When the PSA is slower than timeoutMs, Then a TransientError is thrown', async () => {
        const id = d.seedResetTicket();
        const quick = d.adapterWith({ timeoutMs: 100 });
        d.failTicketRead({ delayMs: 400 });

        const error = await rejection(quick.getTicket(id));

        expect(error).toBeInstanceOf(TransientError);
        expect((error as Error).message).toMatch(/timed out/);
      });

      it('When the PSA cannot be reached, Then a TransientError names it and the connection error', async () => {
        const gone = await listenSim((_req, res) => res.end());
        await gone.close();

        const error = await rejection(d.adapterAt(gone.url).getTicket('1'));

        expect(error).toBeInstanceOf(TransientError);
        expect((error as Error).message).toContain(`could not reach ${psa.psaName} (ECONNREFUSED)`);
      });

      it('When the secret is wrong, Then a PsaError names what to check and leaks no credential', async () => {
        const secret = 'wrong-secret-0123456789';

        const error = await rejection(d.adapterWithSecret(secret).getTicket(d.seedResetTicket()));

        expect(error).toBeInstanceOf(PsaError);
        expect((error as PsaError).status).toBe(401);
        for (const hint of psa.credentialHints) expect((error as Error).message).toMatch(hint);
        expect((error as Error).cause).toBeUndefined();
        const dump = errorDump(error);
        for (const value of d.secrets(secret)) expect(dump).not.toContain(value);
        expect(dump).not.toMatch(psa.credentialHeaderPattern);
      });

      it('When a call is forbidden, Then the PsaError holds neither credentials nor an axios cause', async () => {
        const id = d.seedResetTicket();
        await d.adapter.getTicket(id);
        d.failTicketRead({ status: 403 });

        const error = await rejection(d.adapter.getTicket(id));

        expect(error).toBeInstanceOf(PsaError);
        expect((error as PsaError).status).toBe(403);
        if (psa.forbiddenHint) expect((error as Error).message).toMatch(psa.forbiddenHint);
        expect((error as Error).cause).toBeUndefined();
        const dump = errorDump(error);
        for (const value of d.secrets()) expect(dump).not.toContain(value);
        expect(dump).not.toMatch(psa.credentialHeaderPattern);
      });

      it('When the PSA answers with a redirect, Then it is not followed and a PsaError says so', async () => {
        let followed = 0;
        const target = await listenSim((_req, res) => {
          followed += 1;
          res.end('{}');
        });
        const redirecting = await listenSim((req, res) => {
          res.writeHead(302, { Location: `${target.url}${req.url ?? '/'}` });
          res.end();
        });
        try {
          const error = await rejection(d.adapterAt(redirecting.url).getTicket('1'));

          expect(error).toBeInstanceOf(PsaError);
          expect((error as Error).message).toMatch(psa.redirectHint);
          expect(followed).toBe(0);
        } finally {
          await redirecting.close();
          await target.close();
        }
      });
    });

    it('When Retry-After is seconds, a date, or junk, Then the wait is read or falls back to the PSA default', () => {
      const now = Date.parse('2026-01-01T00:00:00Z');
      expect(psa.parseRetryAfter('12', now)).toBe(12_000);
      expect(psa.parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000);
      expect(psa.parseRetryAfter(undefined, now)).toBe(psa.rateLimitDefault.ms);
      expect(psa.parseRetryAfter('soon', now)).toBe(psa.rateLimitDefault.ms);
    });
  });
}
