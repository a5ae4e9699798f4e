import type { Logger } from '../../services/logging/logger.js';
import { PsaError } from '../../services/domain/errors.js';
import type { PsaAdapter, RequestChannel, ResetTicket, TicketNote } from '../../services/domain/ports.js';
import {
  checkPositiveIds,
  parseTicketId,
  positiveInteger as positiveInt,
  requireTicketId as requireTicketIdOf,
} from '../shared/ids.js';
import { detailsText, fieldText, nonEmpty } from '../shared/plain-text.js';
import { resetFormAnswers, resetTicketOf, type ResetFormReader } from '../shared/reset-ticket.js';
import { resetScopeTest } from '../shared/reset-scope.js';
import { requesterThroughContact } from '../shared/ticket-requester.js';
import { describeFieldValue, parseYesNoValue, type YesNo } from '../shared/yes-no.js';
import { statusIdFrom } from '../shared/ticket-activity.js';
import { autotaskActivitySince } from './autotask-activity.js';
import { AUTOTASK_CONNECTION, AutotaskClient, type AutotaskClientOptions } from './autotask-client.js';

/**
 * Configuration of the Autotask adapter: the connection (see `AutotaskClientOptions`) and what it reads. Every Autotask id (queues, issue types, note types, publish values,
 * statuses, sources) is a per-database picklist value and comes from here; the adapter hard-codes none.
 */
export interface AutotaskOptions extends AutotaskClientOptions {
  /** A ticket is a reset request when its queue is listed; see `resetScopeTest`. */
  resetQueueIds: number[];
  /** When it lists any, the ticket's issue type must be one of these. */
  resetIssueTypeIds?: number[];
  /** When it lists any, the ticket's sub-issue type must be one of these. */
  resetSubIssueTypeIds?: number[];
  /**
   * Ticket user-defined field names (UDFs), matched case-insensitively. `attestation` is the form's yes/no
   * "I have spoken to this person" UDF; unset, `attested` is undefined.
   */
  fields: { target: string; resetPassword: string; resetMfa: string; attestation?: string };
  /**
   * Ticket notes: `noteTypeId` (TicketNotes `noteType` picklist), the `publish` values for customer-visible and
   * internal notes, and the note title (sent on every note, because a ticket category may require titles).
   */
  notes: { noteTypeId: number; customerPublishId: number; internalPublishId: number; title: string };
  /** Status set while waiting for the requester to confirm; moving there is a no-op when unset. */
  awaitingConfirmation: { statusId?: number };
  /**
   * Status set once the staff member is back in; a customer's own resolved status wins. Unset (and no customer
   * status): the ticket is left as is.
   */
  resolved?: { statusId?: number };
  /** Where a ticket goes when engineers must take over; only the configured keys are sent. */
  handoff: { queueId?: number; statusId?: number };
  /** Ticket `source` picklist values that mean email-to-ticket. Without them the channel is `unknown`. */
  sourceEmailIds?: number[];
  /** Ticket `source` picklist values that mean the client portal. */
  sourcePortalIds?: number[];
  /** Ticket `source` picklist values that mean an agent logged the request (phone, walk-in, …). */
  sourceAgentIds?: number[];
}

/** The settings the adapter takes under their configuration names: the connection, and which tickets to reset. */
export const AUTOTASK_NAMED_SETTINGS = [
  ...AUTOTASK_CONNECTION,
  'resetQueueIds',
  'resetIssueTypeIds',
  'resetSubIssueTypeIds',
] as const;

/** The subset of an Autotask ticket the adapter reads (`GET /v1.0/Tickets/{id}` → `{item}`). */
interface AutotaskTicket {
  id?: number;
  title?: unknown;
  companyID?: unknown;
  contactID?: unknown;
  queueID?: unknown;
  status?: unknown;
  issueType?: unknown;
  subIssueType?: unknown;
  source?: unknown;
  userDefinedFields?: unknown;
  description?: unknown;
}

/** One entry of `userDefinedFields`. */
export interface AutotaskUdf {
  name?: unknown;
  value?: unknown;
}

interface AutotaskContact {
  id?: unknown;
  companyID?: unknown;
  firstName?: unknown;
  lastName?: unknown;
  emailAddress?: unknown;
  isActive?: unknown;
}

interface AutotaskNote {
  ticketID?: unknown;
  description?: unknown;
}

/** Autotask's limit on TicketNotes `description`. */
const MAX_NOTE_DESCRIPTION = 32_000;
/** Autotask's limit on TicketNotes `title`. */
const MAX_NOTE_TITLE = 250;

/**
 * Builds the `PsaAdapter` for one Autotask database.
 *
 * - `getTicket` reads `Tickets/{id}` and then the ticket's contact (`Contacts/{contactID}`): the requester's email
 *   is that contact's `emailAddress`, never an address from the request. The email is withheld (so the domain
 *   hands off) when the contact is inactive or belongs to another company than the ticket.
 * - Notes are `TicketNotes` created through the child URL `Tickets/{id}/Notes`, as plain text (the API cannot
 *   create rich text). Whether Autotask emails the contact depends on the database's notification settings for
 *   the configured publish value (e.g. a "ticket note added" notification to the contact); the adapter only
 *   chooses the publish value.
 * - `hasNoteWithMarker` asks `TicketNotes/query` for the ticket's notes whose description contains the marker and
 *   re-checks the returned descriptions locally, so a server-side match that is looser than `includes` (LIKE
 *   wildcards) cannot give a false positive.
 * - `moveTicket` sends a sparse `PATCH /v1.0/Tickets` with `{id, status?, queueID?}`; `resolved` sends
 *   `{id, status}` with the customer's resolved status, else `resolved.statusId`.
 * - `activitySince`: see `autotaskActivitySince`.
 *
 * What `getTicket` reads besides the form:
 * - `details`: the ticket's `description` (plain text; for a ticket Incoming Email Processing created, the
 *   message body), whitespace tidied and capped at 8 KB.
 * - `channel`: the `source` picklist value against `sourceEmailIds` / `sourcePortalIds` / `sourceAgentIds`.
 * - `emailOrigin` (email tickets only): always `{}`. The Tickets entity has no field for the sender or the Reply-To
 *   of the message that created it (Incoming Email Processing only uses the sender to pick the contact), so
 *   neither is ever reported, and the domain hands such tickets off. Nothing is parsed out of `description`.
 * - `attested`: the `fields.attestation` UDF (yes → true; no, empty or absent → false), when configured.
 * - `statusId`: the `status` picklist value.
 */
export function createAutotaskAdapter(options: AutotaskOptions, log: Logger): PsaAdapter {
  checkAutotaskOptions(options);
  const client = new AutotaskClient(options, log);
  const inResetScope = resetScopeTest({
    containers: options.resetQueueIds,
    types: options.resetIssueTypeIds,
    subTypes: options.resetSubIssueTypeIds,
  });
  const emailSources = new Set(options.sourceEmailIds ?? []);
  const portalSources = new Set(options.sourcePortalIds ?? []);
  const agentSources = new Set(options.sourceAgentIds ?? []);

  async function getTicket(ticketId: string): Promise<ResetTicket | null> {
    const id = parseTicketId(ticketId);
    // A malformed id cannot name an Autotask ticket: the PSA does not know it.
    if (id === undefined) return null;
    const data = await client.request<{ item?: AutotaskTicket | null }>({
      method: 'GET',
      path: `/Tickets/${id}`,
      notFoundAsNull: true,
    });
    // Autotask answers an unknown id with `{item: null}`; a 404 is tolerated as well.
    const ticket = data?.item;
    if (!ticket || typeof ticket !== 'object') return null;

    const companyId = positiveInt(ticket.companyID);
    const channel = channelOf(ticket.source);
    const status = positiveInt(ticket.status);
    return resetTicketOf({
      ticketId: String(id),
      psaCustomerId: companyId === undefined ? '' : String(companyId),
      summary: ticket.title,
      isResetRequest: isResetRequest(ticket),
      channel,
      requester: await requesterOf(String(id), ticket, companyId),
      ...resetFormAnswers(options.fields, udfReader(ticket.userDefinedFields), {
        log,
        ticketId: String(id),
        fieldKind: 'user-defined field',
      }),
      details: typeof ticket.description === 'string' ? detailsText(ticket.description) : undefined,
      // Autotask records neither the sender nor the Reply-To of the message that created a ticket.
      emailOrigin: channel === 'email' || channel === 'unknown' ? {} : undefined,
      statusId: status === undefined ? undefined : String(status),
    });
  }

  function isResetRequest(ticket: AutotaskTicket): boolean {
    return inResetScope({
      container: positiveInt(ticket.queueID),
      type: positiveInt(ticket.issueType),
      subType: positiveInt(ticket.subIssueType),
    });
  }

  function channelOf(source: unknown): RequestChannel {
    const value = positiveInt(source);
    if (value === undefined) return 'unknown';
    if (emailSources.has(value)) return 'email';
    if (portalSources.has(value)) return 'portal';
    if (agentSources.has(value)) return 'agent';
    return 'unknown';
  }

  async function requesterOf(
    ticketId: string,
    ticket: AutotaskTicket,
    companyId: number | undefined,
  ): Promise<ResetTicket['requester']> {
    return requesterThroughContact(
      { contactId: positiveInt(ticket.contactID) },
      async (contactId) => {
        const data = await client.request<{ item?: AutotaskContact | null }>({
          method: 'GET',
          path: `/Contacts/${contactId}`,
          notFoundAsNull: true,
        });
        return data?.item && typeof data.item === 'object' ? data.item : null;
      },
      (contact, contactId) => {
        if (!contact) return {};
        const name = [nonEmpty(contact.firstName), nonEmpty(contact.lastName)].filter(Boolean).join(' ');
        const named = name ? { name } : {};
        const email = nonEmpty(contact.emailAddress);
        if (!email) return named;
        // Fail closed: the link goes only to an active contact of the ticket's own company.
        if (contact.isActive === false || contact.isActive === 0) {
          log.warn({ ticketId, contactId }, 'ticket contact is inactive; its address is not used');
          return named;
        }
        const contactCompany = positiveInt(contact.companyID);
        if (contactCompany === undefined || contactCompany !== companyId) {
          log.warn(
            { ticketId, contactId },
            'ticket contact belongs to another company; its address is not used',
          );
          return named;
        }
        return { ...named, email };
      },
    );
  }

  async function addNote(ticketId: string, note: TicketNote): Promise<void> {
    const id = requireTicketId(ticketId);
    if (note.text.length > MAX_NOTE_DESCRIPTION) {
      // Autotask would refuse it; cutting it could drop the marker or the link, so refuse it here, permanently.
      throw new PsaError(`Autotask note text is longer than ${MAX_NOTE_DESCRIPTION} characters`);
    }
    const customer = note.visibility === 'customer';
    const body = {
      ticketID: id,
      title: options.notes.title,
      description: note.text,
      noteType: options.notes.noteTypeId,
      publish: customer ? options.notes.customerPublishId : options.notes.internalPublishId,
    };
    const created = await client.request<{ itemId?: unknown }>({
      method: 'POST',
      path: `/Tickets/${id}/Notes`,
      body,
    });
    log.info(
      { ticketId: String(id), visibility: note.visibility, marker: note.marker, noteId: created?.itemId },
      'autotask note added',
    );
  }

  async function hasNoteWithMarker(ticketId: string, marker: string): Promise<boolean> {
    const id = requireTicketId(ticketId);
    // An empty marker is contained in every note: it is a caller bug, not a question to ask Autotask.
    if (marker.trim() === '') throw new PsaError('a note marker must not be empty');
    const data = await client.request<{ items?: AutotaskNote[] }>({
      method: 'POST',
      path: '/TicketNotes/query',
      body: {
        filter: [
          { op: 'eq', field: 'ticketID', value: id },
          { op: 'contains', field: 'description', value: marker },
        ],
      },
    });
    const items = Array.isArray(data?.items) ? data.items : [];
    return items.some(
      (n) =>
        typeof n.description === 'string' &&
        n.description.includes(marker) &&
        (n.ticketID === undefined || positiveInt(n.ticketID) === id),
    );
  }

  const moveTicket: PsaAdapter['moveTicket'] = async (ticketId, disposition, moveOptions = {}) => {
    const id = requireTicketId(ticketId);
    const update: { id: number; status?: number; queueID?: number } = { id };
    if (disposition === 'resolved') {
      const wanted = moveOptions.resolvedStatusId ?? options.resolved?.statusId;
      if (wanted == null) {
        log.warn({ ticketId: String(id), disposition }, 'no resolved status configured; ticket left as is');
        return;
      }
      update.status = statusIdFrom(wanted, 'the resolved status', 'Autotask');
    } else if (disposition === 'awaiting-confirmation') {
      // `== null`: configuration loaders may hand over null for "not set".
      if (options.awaitingConfirmation.statusId == null) {
        log.debug({ ticketId: String(id) }, 'no awaiting-confirmation status configured; ticket left as is');
        return;
      }
      update.status = options.awaitingConfirmation.statusId;
    } else {
      const { statusId, queueId } = options.handoff;
      if (statusId != null) update.status = statusId;
      if (queueId != null) update.queueID = queueId;
      if (update.status === undefined && update.queueID === undefined) {
        log.warn({ ticketId: String(id) }, 'no hand-off queue or status configured; ticket left as is');
        return;
      }
    }
    await client.request({ method: 'PATCH', path: '/Tickets', body: update });
    log.info({ ticketId: String(id), disposition }, 'autotask ticket moved');
  };

  async function activitySince(ticketId: string, since: Date, serviceStatusId?: string) {
    return autotaskActivitySince(client, requireTicketId(ticketId), since, serviceStatusId);
  }

  return { kind: 'autotask', getTicket, addNote, hasNoteWithMarker, moveTicket, activitySince };
}

/** Refuses, at start, a configuration that would fail on the first note or leak an internal note. */
export function checkAutotaskOptions(options: AutotaskOptions): void {
  const { noteTypeId, customerPublishId, internalPublishId, title } = options.notes;
  checkPositiveIds(
    [
      ['notes.noteTypeId', noteTypeId],
      ['notes.customerPublishId', customerPublishId],
      ['notes.internalPublishId', internalPublishId],
    ],
    (name) => `Autotask ${name} must be a positive integer picklist value`,
  );
  if (customerPublishId === internalPublishId) {
    // The same publish value for both would show engineers' notes to the customer.
    throw new PsaError('Autotask notes.customerPublishId and notes.internalPublishId must differ');
  }
  if (typeof title !== 'string' || title.trim() === '' || title.length > MAX_NOTE_TITLE) {
    throw new PsaError(`Autotask notes.title must be 1 to ${MAX_NOTE_TITLE} characters`);
  }
  if (options.resetQueueIds.length === 0) {
    throw new PsaError('Autotask resetQueueIds must list at least one queue id');
  }
}

function requireTicketId(ticketId: string): number {
  return requireTicketIdOf(ticketId, 'an Autotask ticket id');
}

/** Finds a user-defined field by its configured name: case-insensitive, surrounding space ignored. */
export function findUdf(udfs: AutotaskUdf[], configured: string): AutotaskUdf | undefined {
  const wanted = configured.trim().toLowerCase();
  return udfs.find((f) => typeof f.name === 'string' && f.name.trim().toLowerCase() === wanted);
}

/** The reset form as the ticket's user-defined fields hold it. */
function udfReader(userDefinedFields: unknown): ResetFormReader<AutotaskUdf> {
  const udfs = Array.isArray(userDefinedFields) ? (userDefinedFields as AutotaskUdf[]) : [];
  return {
    find: (name) => findUdf(udfs, name),
    parseFlag: (udf) => parseYesNo(udf?.value),
    parseAttestation: (udf) => parseAttestation(udf?.value),
    text: (udf) => fieldText(udf?.value),
    describe: (udf) => describeFieldValue(udf?.value),
  };
}

/**
 * Reads a yes/no user-defined field value. Accepts booleans, 1/0, and true/false, yes/no, y/n in any case with
 * surrounding space.
 *
 * - UDF absent, value null or empty: `true`. The procedure resets both password and MFA unless the form says
 *   otherwise.
 * - Anything else: `'unrecognised'`. The adapter reports that flag as `false` and logs a warning, because an
 *   answer it cannot read is not consent to reset; when both flags end up false the domain hands the ticket to
 *   engineers.
 *
 * A picklist UDF returns its stored value, not its label; use a text UDF, or a picklist whose values read as
 * yes/no. Resolving picklist labels through `Tickets/entityInformation/userDefinedFields` is not implemented.
 */
export function parseYesNo(value: unknown): YesNo {
  return parseYesNoValue(value, { whenEmpty: true });
}

/**
 * Reads the attestation UDF value. Same accepted values as `parseYesNo`, but an attestation is only ever given,
 * never assumed: UDF absent, value null or empty → `false`. Unreadable values are `'unrecognised'` (the adapter
 * reports `false` and logs a warning).
 */
export function parseAttestation(value: unknown): YesNo {
  return parseYesNoValue(value, { whenEmpty: false });
}
