import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransientError, isTransient } from '../../services/domain/errors.js';
import type { PsaAdapter, TicketDisposition } from '../../services/domain/ports.js';
import type { Logger } from '../../services/logging/logger.js';
import { psaActivityContract } from './psa-activity-contract.js';

/**
 * The behaviour every `PsaAdapter` must show, whatever the PSA. Each adapter's contract test runs it against that
 * PSA's simulator (or sandbox) through a harness that seeds data and reads back what the PSA stored, in
 * PSA-neutral words. Nothing PSA-specific belongs here: wire formats live in the harness.
 */

/** A reset ticket to seed. Flags left undefined are absent from the form. */
export interface ResetTicketSeed {
  /** The staff member to reset, as typed in the form. */
  target?: string;
  resetPassword?: boolean;
  resetMfa?: boolean;
  /** Email address on the requester's contact record. */
  requesterEmail?: string;
  /** Address recorded on the ticket itself (e.g. the request's From); must lose to the contact record. */
  ticketEmail?: string;
  /**
   * How the request reached the PSA. `email`: created by the PSA's email-to-ticket processing from a message
   * sent by `emailFrom`. Default: the harness's usual non-email channel (a portal form).
   */
  channel?: 'email' | 'portal';
  /** For an email ticket: the From of the message that opened it. */
  emailFrom?: string;
  /** For an email ticket: its Reply-To. Harnesses of PSAs that keep no Reply-To ignore it. */
  emailReplyTo?: string;
  /** The request's free text (for an email ticket, the message body). */
  details?: string;
  /** The form's attestation ("I have spoken to this person") field: yes / no, or left empty when undefined. */
  attested?: boolean;
}

export interface PsaNoteView {
  /** The note's text as the PSA shows it (markup removed). */
  text: string;
  visibility: 'customer' | 'internal';
  /** The address the PSA emailed the note to, if it did. */
  emailedTo?: string;
}

/** What people other than the service do on a ticket, and how the PSA is set up for resolving tickets. */
export interface PsaActivityHarness {
  /** The ticket's contact (e.g. an email reply) or an engineer writes on the ticket, dated `at`. */
  reply(ticketId: string, by: 'contact' | 'engineer', text: string, at: Date): Promise<void>;
  /** An engineer sets another status on the ticket in the PSA. */
  changeStatus(ticketId: string): Promise<void>;
  /** The ticket is deleted in the PSA. */
  deleteTicket(ticketId: string): Promise<void>;
  /** The next read of a ticket's notes answers 200 with a body that holds no notes list. */
  garbleNextNotesRead(): void;
  /** The ticket's status id as the PSA holds it. */
  statusIdOf(ticketId: string): Promise<string | undefined>;
  /** The PSA's configured resolved status, and another status a customer may name as theirs. */
  resolvedStatusId: string;
  customerResolvedStatusId: string;
  /** An adapter of the same PSA with no resolved status configured, logging to `logger`. */
  adapterWithoutResolvedStatus(logger: Logger): PsaAdapter;
  /** Fields (beyond level and ticket id) of the warning that a ticket was left unresolved. */
  leftUnresolvedLog: Record<string, unknown>;
  /** Every write request sent to the PSA so far (method and path), to prove reads stay reads. */
  writes(): string[];
  /** Every request sent to the PSA so far (method and path). */
  requests(): string[];
  /** Every API call so far (not token requests), with its query or body, in the harness's words. */
  calls(): unknown[];
  /** The calls reading the activity of `ticketId` makes, in the words of `calls`. */
  activityReads(ticketId: string): unknown[];
  /** The write bodies that moved tickets so far, in the harness's words. */
  moveBodies(): unknown[];
  /** The body moving `ticketId` to resolved status `statusId` sends, in the words of `moveBodies`. */
  resolvedBody(ticketId: string, statusId: string): unknown;
}

/** The verbs every PSA simulator has for what people other than the service do on a ticket. */
export interface TicketActivitySimulator {
  readonly requests: ReadonlyArray<{ method: string; path: string }>;
  addActivity(ticketId: number, activity: { by: 'contact' | 'engineer'; text: string; at: Date }): void;
  setStatus(ticketId: number, statusId: number): void;
  deleteTicket(ticketId: number): void;
}

/**
 * The activity harness of a PSA simulator: replies, status changes and deletions through its verbs, with the
 * PSA's status ids; `rest` holds what only the PSA knows (how its notes read can be garbled, where statuses live).
 */
export function simulatorActivity(
  sim: TicketActivitySimulator,
  statusIds: { engineer: number; resolved: number; customerResolved: number },
  rest: Omit<
    PsaActivityHarness,
    | 'reply'
    | 'changeStatus'
    | 'deleteTicket'
    | 'statusIdOf'
    | 'resolvedStatusId'
    | 'customerResolvedStatusId'
    | 'requests'
    | 'writes'
  > & {
    /** The ticket's status id as the simulator holds it. */
    statusOf(ticketId: number): unknown;
    /** Where some non-GET requests only read (e.g. query endpoints): the writes. Default: every non-GET. */
    writes?(): string[];
  },
): PsaActivityHarness {
  const { statusOf, ...others } = rest;
  const described = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
  return {
    requests: () => sim.requests.map(described),
    writes: () => sim.requests.filter((r) => r.method !== 'GET').map(described),
    reply: async (ticketId, by, text, at) => sim.addActivity(Number(ticketId), { by, text, at }),
    changeStatus: async (ticketId) => sim.setStatus(Number(ticketId), statusIds.engineer),
    deleteTicket: async (ticketId) => sim.deleteTicket(Number(ticketId)),
    resolvedStatusId: String(statusIds.resolved),
    customerResolvedStatusId: String(statusIds.customerResolved),
    statusIdOf: async (ticketId) => {
      const status = statusOf(Number(ticketId));
      return status === undefined ? undefined : String(status);
    },
    ...others,
  };
}

export interface PsaContractHarness {
  adapter: PsaAdapter;
  activity: PsaActivityHarness;
  /** The PSA customer id the seeded tickets belong to, as `ResetTicket.psaCustomerId` must report it. */
  customerId: string;
  /**
   * What the PSA's API returns about the email that opened a ticket. A PSA that keeps no From must leave
   * `emailOrigin.from` undefined (the domain then hands the ticket off); likewise for Reply-To.
   */
  emailOrigin: { from: boolean; replyTo: boolean };
  /** The adapter is configured with an attestation field; `seedResetTicket` fills it from `seed.attested`. */
  seedResetTicket(seed?: ResetTicketSeed): Promise<string>;
  /** A ticket of another type, with a contact on file. */
  seedOtherTicket(): Promise<string>;
  notesOf(ticketId: string): Promise<PsaNoteView[]>;
  stateOf(ticketId: string): Promise<{ disposition?: TicketDisposition }>;
  /** The PSA answers the next API call with 429 and `Retry-After: <retryAfterSeconds>`. */
  injectRateLimit(retryAfterSeconds: number): void;
  /** For token-based PSAs: invalidates the current token on the server side. Omit when the PSA has no tokens. */
  expireToken?(): void;
  /** For token-based PSAs: how many tokens were requested so far. */
  tokenRequests?(): number;
  teardown(): Promise<void>;
}

/** Lines trimmed and blank lines dropped: a PSA's rich-text round trip may reflow whitespace, never content. */
function normalise(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join('\n');
}

export function psaAdapterContract(name: string, setup: () => Promise<PsaContractHarness>): void {
  describe(`PsaAdapter contract: ${name}`, () => {
    let h: PsaContractHarness;

    beforeEach(async () => {
      h = await setup();
    });

    afterEach(async () => {
      await h.teardown();
    });

    describe('getTicket', () => {
      it('When a reset ticket carries target and flags, Then they are read with the contact-on-file email', async () => {
        const id = await h.seedResetTicket({
          target: '  jane.doe@contoso.example ',
          resetPassword: true,
          resetMfa: false,
          requesterEmail: 'manager@contoso.example',
          ticketEmail: 'spoofed@attacker.example',
        });

        const ticket = await h.adapter.getTicket(id);

        expect(ticket).not.toBeNull();
        expect(ticket).toMatchObject({
          ticketId: id,
          psaCustomerId: h.customerId,
          isResetRequest: true,
          targetIdentifier: 'jane.doe@contoso.example',
          resetPassword: true,
          resetMfa: false,
        });
        expect(ticket?.requester.email).toBe('manager@contoso.example');
        expect(['portal', 'email', 'agent', 'unknown']).toContain(ticket?.channel);
        expect(typeof ticket?.summary).toBe('string');
      });

      it('When the form carries neither flag nor a target, Then both resets are requested and the target is undefined', async () => {
        const id = await h.seedResetTicket({});

        const ticket = await h.adapter.getTicket(id);

        expect(ticket?.resetPassword).toBe(true);
        expect(ticket?.resetMfa).toBe(true);
        expect(ticket?.targetIdentifier).toBeUndefined();
      });

      it('When the ticket was created from an email, Then the channel is email, with the recorded From and the body', async () => {
        const id = await h.seedResetTicket({
          channel: 'email',
          emailFrom: 'Mark.Manager@Contoso.example',
          emailReplyTo: 'Someone.Else@Elsewhere.example',
          details: 'Please reset the password of Jane Doe.\nThanks, Mark',
          requesterEmail: 'mark.manager@contoso.example',
        });

        const ticket = await h.adapter.getTicket(id);

        expect(ticket?.channel).toBe('email');
        expect(normalise(ticket?.details ?? '')).toBe('Please reset the password of Jane Doe.\nThanks, Mark');
        expect(ticket?.emailOrigin?.from).toBe(
          h.emailOrigin.from ? 'mark.manager@contoso.example' : undefined,
        );
        expect(ticket?.emailOrigin?.replyTo).toBe(
          h.emailOrigin.replyTo ? 'someone.else@elsewhere.example' : undefined,
        );
        // The contact on file stays the requester, whatever the message said.
        expect(ticket?.requester.email).toBe('mark.manager@contoso.example');
      });

      it('When a portal ticket carries details, Then they are read and there is no email origin', async () => {
        const id = await h.seedResetTicket({ channel: 'portal', details: '  Jane is locked out.  ' });

        const ticket = await h.adapter.getTicket(id);

        expect(ticket?.channel).not.toBe('email');
        expect(ticket?.emailOrigin).toBeUndefined();
        expect(normalise(ticket?.details ?? '')).toBe('Jane is locked out.');
      });

      it.each<[boolean | undefined, boolean]>([
        [true, true],
        [false, false],
        [undefined, false],
      ])('When the attestation field holds %s, Then attested is %s', async (attested, expected) => {
        const id = await h.seedResetTicket({
          channel: 'portal',
          ...(attested === undefined ? {} : { attested }),
        });

        const ticket = await h.adapter.getTicket(id);

        expect(ticket?.attested).toBe(expected);
      });

      it('When the ticket moves to another status, Then statusId reports the current status id', async () => {
        const id = await h.seedResetTicket({});

        const before = (await h.adapter.getTicket(id))?.statusId;
        await h.adapter.moveTicket(id, 'awaiting-confirmation');
        const after = (await h.adapter.getTicket(id))?.statusId;

        expect(before).toMatch(/^\d+$/);
        expect(after).toMatch(/^\d+$/);
        expect(after).not.toBe(before);
      });

      it('When the ticket does not exist, Then null is returned', async () => {
        await expect(h.adapter.getTicket('987654')).resolves.toBeNull();
      });

      it('When the ticket is of another type, Then isResetRequest is false', async () => {
        const id = await h.seedOtherTicket();

        const ticket = await h.adapter.getTicket(id);

        expect(ticket?.isResetRequest).toBe(false);
      });
    });

    describe('addNote', () => {
      it.each<[string, string, PsaNoteView & { marker: string }]>([
        [
          'a customer note',
          'it is visible and emailed to the contact on file',
          {
            text: 'Reset done.\nRef RD-1001',
            visibility: 'customer',
            marker: 'RD-1001',
            emailedTo: 'manager@contoso.example',
          },
        ],
        [
          'an internal note',
          'it is internal and emailed to nobody',
          { text: 'Engineers: see log RD-1002', visibility: 'internal', marker: 'RD-1002' },
        ],
      ])('When %s is added, Then %s', async (_note, _outcome, { text, visibility, marker, emailedTo }) => {
        const id = await h.seedResetTicket({
          requesterEmail: 'manager@contoso.example',
          ticketEmail: 'other@x.example',
        });

        await h.adapter.addNote(id, { text, visibility, marker });

        const notes = await h.notesOf(id);
        expect(notes).toHaveLength(1);
        expect(notes[0]?.visibility).toBe(visibility);
        expect(notes[0]?.emailedTo).toBe(emailedTo);
        expect(normalise(notes[0]?.text ?? '')).toBe(text);
      });

      it('When the note text holds HTML-like characters, Then it comes back intact, not interpreted', async () => {
        const id = await h.seedResetTicket({});
        const text = [
          'Target <b>jane</b> & "boss" \'x\' <script>alert(1)</script>',
          'Link: https://links.example/s/abc?x=1&y=<2>.',
          'Ref RD-&<1003>',
        ].join('\n');

        await h.adapter.addNote(id, { text, visibility: 'customer', marker: 'RD-&<1003>' });

        const notes = await h.notesOf(id);
        expect(normalise(notes[0]?.text ?? '')).toBe(normalise(text));
      });
    });

    describe('hasNoteWithMarker', () => {
      it('When no note carries the marker, Then false; after adding one, Then true', async () => {
        const id = await h.seedResetTicket({});
        await h.adapter.addNote(id, { text: 'Unrelated RD-1', visibility: 'internal', marker: 'RD-1' });

        await expect(h.adapter.hasNoteWithMarker(id, 'RD-2004')).resolves.toBe(false);
        await h.adapter.addNote(id, { text: 'Done. Ref RD-2004', visibility: 'customer', marker: 'RD-2004' });
        await expect(h.adapter.hasNoteWithMarker(id, 'RD-2004')).resolves.toBe(true);
      });

      it('When the marker holds HTML-like characters, Then it is still found', async () => {
        const id = await h.seedResetTicket({});

        await h.adapter.addNote(id, { text: 'Ref <RD&5>', visibility: 'internal', marker: '<RD&5>' });

        await expect(h.adapter.hasNoteWithMarker(id, '<RD&5>')).resolves.toBe(true);
      });
    });

    describe('moveTicket', () => {
      it.each<TicketDisposition>(['engineers', 'awaiting-confirmation'])(
        'When moved to %s, Then the PSA shows that disposition',
        async (disposition) => {
          const id = await h.seedResetTicket({});

          await h.adapter.moveTicket(id, disposition);

          expect((await h.stateOf(id)).disposition).toBe(disposition);
        },
      );
    });

    psaActivityContract(() => h);

    describe('failures', () => {
      it('When the PSA rate-limits, Then a TransientError carries Retry-After in ms', async () => {
        const id = await h.seedResetTicket({});
        h.injectRateLimit(42);

        const error = await h.adapter.getTicket(id).then(
          () => undefined,
          (e: unknown) => e,
        );

        expect(error).toBeInstanceOf(TransientError);
        expect(isTransient(error)).toBe(true);
        expect((error as TransientError).retryAfterMs).toBe(42_000);
      });

      it('When the token expired on the server side, Then it is refreshed once and the call succeeds', async (ctx) => {
        if (!h.expireToken || !h.tokenRequests) {
          ctx.skip();
          return;
        }
        const id = await h.seedResetTicket({});
        await h.adapter.getTicket(id);
        const before = h.tokenRequests();

        h.expireToken();
        const ticket = await h.adapter.getTicket(id);

        expect(ticket?.ticketId).toBe(id);
        expect(h.tokenRequests()).toBe(before + 1);
      });
    });
  });
}
