import type { Logger } from '../../services/logging/logger.js';
import { PsaError } from '../../services/domain/errors.js';
import type {
  MoveOptions,
  PsaAdapter,
  ResetTicket,
  TicketDisposition,
  TicketNote,
} from '../../services/domain/ports.js';
import { recordedAddress } from '../shared/email-address.js';
import { checkPositiveIds, parseTicketId } from '../shared/ids.js';
import { detailsText, nonEmpty } from '../shared/plain-text.js';
import { resetFormAnswers, resetTicketOf } from '../shared/reset-ticket.js';
import { resetScopeTest } from '../shared/reset-scope.js';
import { requesterThroughContact } from '../shared/ticket-requester.js';
import { statusIdFrom } from '../shared/ticket-activity.js';
import { connectWiseActivitySince } from './connectwise-activity.js';
import {
  CONNECTWISE_CONNECTION,
  ConnectWiseClient,
  type ConnectWiseClientOptions,
} from './connectwise-client.js';
import { sourceMatchers } from '../shared/ticket-sources.js';
import {
  type CwTicket,
  type CwContact,
  type CwNote,
  DEFAULT_CONNECTWISE_SOURCES,
  normaliseName,
  requireTicketId,
  defaultEmailOf,
  customFieldReader,
  channelOf,
  dateOf,
} from './connectwise-ticket-fields.js';

/**
 * Configuration of the ConnectWise PSA (Manage) adapter: the connection (see `ConnectWiseClientOptions`) and what
 * it reads. Board, status, type and team ids are per site and come from here; the adapter hard-codes none.
 */
export interface ConnectWiseOptions extends ConnectWiseClientOptions {
  /** A ticket is a reset request when its board is listed; see `resetScopeTest`. */
  resetBoardIds: number[];
  /** When it lists any, the ticket's type name must be one of these (trimmed, case-insensitive). */
  resetTypeNames?: string[];
  /** When it lists any, the ticket's subtype name must be one of these (trimmed, case-insensitive). */
  resetSubTypeNames?: string[];
  /**
   * Custom field captions (matched case-insensitively, surrounding space ignored). `attestation` is the form's
   * yes/no "I have spoken to this person" field; unset, `attested` is undefined.
   */
  fields: { target: string; resetPassword: string; resetMfa: string; attestation?: string };
  /** Status set while waiting for the requester to confirm; a status of the reset board. Unset: no move. */
  awaitingConfirmation: { statusId?: number };
  /**
   * Status set once the staff member is back in, a status of the reset board; a customer's own resolved status
   * wins. Unset (and no customer status): the ticket is left as is.
   */
  resolved?: { statusId?: number };
  /** The API member's identifier: notes it wrote are the service's own (see `connectWiseActivitySince`). */
  apiMemberIdentifier?: string;
  /**
   * Where a ticket goes when engineers must take over; only configured keys are sent. ConnectWise statuses and
   * teams belong to a board, so with `boardId` the `statusId` (and `teamId`) must be ones of that hand-off board:
   * the adapter refuses to start with a `boardId` but no `statusId`.
   */
  handoff: { boardId?: number; statusId?: number; ownerIdentifier?: string; teamId?: number };
  /**
   * Which ticket sources (Service → Setup Tables → Source) mean which channel: source names (exact,
   * case-insensitive) or source ids. A channel left out keeps its default names (`DEFAULT_CONNECTWISE_SOURCES`);
   * a source matching no list is `unknown`.
   */
  sources?: {
    email?: Array<string | number>;
    portal?: Array<string | number>;
    agent?: Array<string | number>;
  };
}

/** The settings the adapter takes under their configuration names: the connection, and which tickets to reset. */
export const CONNECTWISE_NAMED_SETTINGS = [
  ...CONNECTWISE_CONNECTION,
  'resetBoardIds',
  'resetTypeNames',
  'resetSubTypeNames',
] as const;

/** The initial description note is written when the ticket is; a Discussion note much later is not it. */
const INITIAL_NOTE_WINDOW_MS = 10 * 60_000;

/** ConnectWise's maximum page size; notes are read a page at a time until a short page. */
const NOTES_PAGE_SIZE = 1000;
/** A ticket with more than this many pages of notes is not a reset ticket any more; stop reading. */
const MAX_NOTE_PAGES = 20;

/**
 * Builds the `PsaAdapter` for one ConnectWise PSA site.
 *
 * - `getTicket` reads the ticket, then its contact record: the requester's email is the contact's default email
 *   communication item, never the address a request came from; the ticket's `contactEmailAddress` is used only
 *   when the contact record holds no email at all. A ticket without a contact has a requester without email.
 * - Notes are ServiceNotes in plain text. Customer notes go to "Discussion" (`detailDescriptionFlag`) with
 *   `processNotifications: true`, so Manage emails them to the contact as the ticket's email settings say;
 *   internal notes go to "Internal" (`internalAnalysisFlag`) without notifications. The Developer Guide lists
 *   `\n` as unsupported in JSON bodies (it may come back as a space); lines are still sent with `\n` because
 *   that is the best rendering where it works and only loses line breaks, never content, where it does not.
 * - `moveTicket` sends a JSON Patch replacing whole reference objects (a sub-path such as `status/id` can get a
 *   false 200), then re-reads the ticket and throws `PsaError` when the change did not take. `resolved` replaces
 *   the status with the customer's resolved status, else `resolved.statusId`.
 * - `activitySince`: see `connectWiseActivitySince`.
 *
 * What `getTicket` reads besides the form:
 * - `details`: `initialDescription` when the site returns it; otherwise the ticket's oldest note
 *   (`GET /service/tickets/{id}/notes?orderBy=id asc&pageSize=1`) when it is a Discussion note entered with the
 *   ticket (within 10 minutes of `_info.dateEntered`): Manage stores the initial description, and the email
 *   connector the message body, as that first note. Capped at 8 KB.
 * - `channel`: the ticket's `source`, matched by name or id against `options.sources` or the default names.
 * - `emailOrigin` (email tickets only): `from` is the ticket's `contactEmailAddress`, where the email connector
 *   writes the sender's address (an agent can change it later; it is the address the ticket records). Manage keeps
 *   no Reply-To that the REST API returns, so `replyTo` is always undefined.
 * - `attested`: the `fields.attestation` custom field (yes/ticked → true; no, empty, unticked or absent → false).
 * - `statusId`: `status.id`.
 */
export function createConnectWiseAdapter(options: ConnectWiseOptions, log: Logger): PsaAdapter {
  checkConnectWiseOptions(options);
  const client = new ConnectWiseClient(options, log);
  const inResetScope = resetScopeTest(
    { containers: options.resetBoardIds, types: options.resetTypeNames, subTypes: options.resetSubTypeNames },
    normaliseName,
  );
  const sources = sourceMatchers(options.sources, DEFAULT_CONNECTWISE_SOURCES);

  async function readTicket(id: number): Promise<CwTicket | null> {
    return client.request<CwTicket>({ method: 'GET', path: `/service/tickets/${id}`, notFoundAsNull: true });
  }

  async function getTicket(ticketId: string): Promise<ResetTicket | null> {
    const id = parseTicketId(ticketId);
    // A malformed id cannot name a ConnectWise ticket: the PSA does not know it.
    if (id === undefined) return null;
    const ticket = await readTicket(id);
    if (!ticket) return null;

    const channel = channelOf(ticket.source, sources);
    const from = channel === 'email' ? recordedAddress(ticket.contactEmailAddress) : undefined;
    const customFields = Array.isArray(ticket.customFields) ? ticket.customFields : [];
    return resetTicketOf({
      ticketId: String(id),
      psaCustomerId: typeof ticket.company?.id === 'number' ? String(ticket.company.id) : '',
      summary: ticket.summary,
      isResetRequest: isResetRequest(ticket),
      channel,
      requester: await requesterOf(ticket),
      details: await detailsOf(id, ticket),
      ...resetFormAnswers(options.fields, customFieldReader(customFields), {
        log,
        ticketId: String(id),
        fieldKind: 'custom field',
      }),
      // The contact address proves a sender only on a ticket the email connector made: an unclassified
      // ticket gets an empty origin, so the email checks hand it off.
      emailOrigin: channel === 'email' ? (from ? { from } : {}) : channel === 'unknown' ? {} : undefined,
      statusId:
        typeof ticket.status?.id === 'number' && Number.isSafeInteger(ticket.status.id)
          ? String(ticket.status.id)
          : undefined,
    });
  }

  async function detailsOf(id: number, ticket: CwTicket): Promise<string | undefined> {
    if (typeof ticket.initialDescription === 'string' && ticket.initialDescription.trim() !== '') {
      return detailsText(ticket.initialDescription);
    }
    const notes = await client.request<CwNote[]>({
      method: 'GET',
      path: `/service/tickets/${id}/notes`,
      params: { orderBy: 'id asc', page: 1, pageSize: 1 },
    });
    const first = Array.isArray(notes) ? notes[0] : undefined;
    if (!first || typeof first.text !== 'string') return undefined;
    if (first.detailDescriptionFlag !== true || first.internalAnalysisFlag === true) return undefined;
    const entered = dateOf(ticket._info?.dateEntered);
    const created = dateOf(first.dateCreated);
    if (entered !== undefined && created !== undefined && created - entered > INITIAL_NOTE_WINDOW_MS) {
      return undefined;
    }
    return detailsText(first.text);
  }

  function isResetRequest(ticket: CwTicket): boolean {
    return inResetScope({
      container: typeof ticket.board?.id === 'number' ? ticket.board.id : undefined,
      type: normaliseName(ticket.type?.name),
      subType: normaliseName(ticket.subType?.name),
    });
  }

  async function requesterOf(ticket: CwTicket): Promise<ResetTicket['requester']> {
    const contactId =
      typeof ticket.contact?.id === 'number' && ticket.contact.id > 0 ? ticket.contact.id : undefined;
    return requesterThroughContact(
      { contactId, name: nonEmpty(ticket.contactName) ?? nonEmpty(ticket.contact?.name) },
      (id) =>
        client.request<CwContact>({ method: 'GET', path: `/company/contacts/${id}`, notFoundAsNull: true }),
      (contact) => {
        // The ticket's address is what someone typed on the ticket; it only stands in when the contact record
        // exists and holds no email at all. A missing contact record gives no email.
        if (!contact) return {};
        return {
          email: defaultEmailOf(contact) ?? nonEmpty(ticket.contactEmailAddress),
          name: nonEmpty(
            [contact.firstName, contact.lastName].filter((p) => typeof p === 'string').join(' '),
          ),
        };
      },
    );
  }

  async function addNote(ticketId: string, note: TicketNote): Promise<void> {
    const id = requireTicketId(ticketId);
    await client.request({ method: 'POST', path: `/service/tickets/${id}/notes`, body: noteBody(note) });
    log.info(
      { ticketId: String(id), visibility: note.visibility, marker: note.marker },
      'connectwise note added',
    );
  }

  async function hasNoteWithMarker(ticketId: string, marker: string): Promise<boolean> {
    const id = requireTicketId(ticketId);
    // Notes sent with "\n" may be stored with spaces instead; markers are single-line, so a plain search holds.
    for (let page = 1; page <= MAX_NOTE_PAGES; page++) {
      const notes = await client.request<CwNote[]>({
        method: 'GET',
        path: `/service/tickets/${id}/notes`,
        params: { page, pageSize: NOTES_PAGE_SIZE },
      });
      const list = Array.isArray(notes) ? notes : [];
      if (list.some((n) => typeof n.text === 'string' && n.text.includes(marker))) return true;
      if (list.length < NOTES_PAGE_SIZE) return false;
    }
    log.warn({ ticketId: String(id) }, 'connectwise ticket has too many notes to search them all');
    return false;
  }

  const moveTicket: PsaAdapter['moveTicket'] = async (ticketId, disposition, moveOptions = {}) => {
    const id = requireTicketId(ticketId);
    const patch = movePatch(disposition, moveOptions);
    if (patch.length === 0) {
      const level = disposition === 'awaiting-confirmation' ? 'debug' : 'warn';
      log[level](
        { ticketId: String(id), disposition },
        'no target configured for this move; ticket left as is',
      );
      return;
    }
    await client.request({ method: 'PATCH', path: `/service/tickets/${id}`, body: patch });
    // ConnectWise can answer 200 to a patch it did not apply; read back what the ticket now says.
    const after = await readTicket(id);
    const missing = patch.filter((op) => !applied(after, op));
    if (missing.length > 0) {
      throw new PsaError(
        `ConnectWise accepted the update of ticket ${id} but it did not take (${missing
          .map((op) => op.path)
          .join(', ')} unchanged); check the ${disposition} board, status, team and owner configuration`,
      );
    }
    log.info({ ticketId: String(id), disposition }, 'connectwise ticket moved');
  };

  /**
   * The JSON Patch for a disposition: whole reference objects, only configured keys. The board goes first so
   * that an API applying operations one by one never checks the new status against the old board.
   */
  function movePatch(disposition: TicketDisposition, moveOptions: MoveOptions): PatchOp[] {
    if (disposition === 'awaiting-confirmation') {
      const statusId = options.awaitingConfirmation.statusId;
      return statusId === undefined ? [] : [{ op: 'replace', path: 'status', value: { id: statusId } }];
    }
    if (disposition === 'resolved') {
      const wanted = moveOptions.resolvedStatusId ?? options.resolved?.statusId;
      if (wanted === undefined || wanted === null) return [];
      const statusId = statusIdFrom(wanted, 'the resolved status', 'ConnectWise');
      return [{ op: 'replace', path: 'status', value: { id: statusId } }];
    }
    const { boardId, statusId, ownerIdentifier, teamId } = options.handoff;
    const ops: PatchOp[] = [];
    if (boardId !== undefined) ops.push({ op: 'replace', path: 'board', value: { id: boardId } });
    if (statusId !== undefined) ops.push({ op: 'replace', path: 'status', value: { id: statusId } });
    if (ownerIdentifier !== undefined)
      ops.push({ op: 'replace', path: 'owner', value: { identifier: ownerIdentifier } });
    if (teamId !== undefined) ops.push({ op: 'replace', path: 'team', value: { id: teamId } });
    return ops;
  }

  async function activitySince(ticketId: string, since: Date, serviceStatusId?: string) {
    const id = requireTicketId(ticketId);
    return connectWiseActivitySince(client, options.apiMemberIdentifier, id, since, serviceStatusId);
  }

  return { kind: 'connectwise', getTicket, addNote, hasNoteWithMarker, moveTicket, activitySince };
}

/** One JSON Patch operation replacing a whole reference object. */
interface PatchOp {
  op: 'replace';
  path: 'board' | 'status' | 'owner' | 'team';
  value: { id: number } | { identifier: string };
}

function applied(ticket: CwTicket | null, op: PatchOp): boolean {
  const ref = ticket?.[op.path];
  if ('id' in op.value) return ref?.id === op.value.id;
  const wanted = op.value.identifier.toLowerCase();
  return typeof ref?.identifier === 'string' && ref.identifier.toLowerCase() === wanted;
}

/**
 * The ServiceNote body for a note. ConnectWise refuses a note with no display flag ("Please choose where to
 * display the notes"), so exactly one is always set; `resolutionFlag` stays false because resolution notes also
 * print on invoices.
 */
export function noteBody(note: TicketNote): {
  text: string;
  detailDescriptionFlag: boolean;
  internalAnalysisFlag: boolean;
  resolutionFlag: false;
  processNotifications: boolean;
} {
  const customer = note.visibility === 'customer';
  return {
    text: note.text.replace(/\r\n?/g, '\n'),
    detailDescriptionFlag: customer,
    internalAnalysisFlag: !customer,
    resolutionFlag: false,
    processNotifications: customer,
  };
}

/** Refuses options the adapter could not work with (the service checks them before it starts). */
export function checkConnectWiseOptions(options: ConnectWiseOptions): void {
  const boardIds = options.resetBoardIds;
  if (!Array.isArray(boardIds) || boardIds.length === 0 || !boardIds.every(isPositiveInt)) {
    throw new PsaError('ConnectWise resetBoardIds must list at least one positive board id');
  }
  for (const [name, value] of Object.entries(options.fields)) {
    if (name === 'attestation' && value === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '') {
      throw new PsaError(`ConnectWise fields.${name} must name a custom field caption`);
    }
  }
  checkPositiveIds(
    [
      ['awaitingConfirmation.statusId', options.awaitingConfirmation.statusId],
      ['resolved.statusId', options.resolved?.statusId],
      ['handoff.boardId', options.handoff.boardId],
      ['handoff.statusId', options.handoff.statusId],
      ['handoff.teamId', options.handoff.teamId],
    ],
    (name) => `ConnectWise ${name} must be a positive integer id`,
    true,
  );
  // Statuses are per board: moving boards without a status of the new board is refused by ConnectWise, and
  // would otherwise only show up at the first hand-off.
  if (options.handoff.boardId !== undefined && options.handoff.statusId === undefined) {
    throw new PsaError('ConnectWise handoff.boardId needs handoff.statusId, a status of that board');
  }
  if (options.handoff.ownerIdentifier !== undefined && options.handoff.ownerIdentifier.trim() === '') {
    throw new PsaError('ConnectWise handoff.ownerIdentifier must not be empty when set');
  }
  if (!options.clientId || options.clientId.trim() === '') {
    throw new PsaError('ConnectWise clientId is required on every API call');
  }
}

function isPositiveInt(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
