import { PsaError } from '../../services/domain/errors.js';
import type { ActivityAuthor, TicketActivity } from '../../services/domain/ports.js';
import { nonEmpty } from '../shared/plain-text.js';
import { activityFrom, psaTime, ticketGone, type ActivityEntry } from '../shared/ticket-activity.js';
import type { ConnectWiseClient } from './connectwise-client.js';

/** ConnectWise's maximum page size; notes are read a page at a time until a short page. */
const PAGE_SIZE = 1000;
/** More pages of notes than this and the ticket is not a reset ticket any more: refuse rather than guess. */
const MAX_PAGES = 20;

/** The fields of a ServiceNote (`GET /service/tickets/{id}/notes`) the watch reads. */
interface CwActivityNote {
  text?: unknown;
  member?: { id?: unknown; identifier?: unknown; name?: unknown } | null;
  contact?: { id?: unknown; name?: unknown } | null;
  dateCreated?: unknown;
  createdBy?: unknown;
  _info?: { dateEntered?: unknown } | null;
}

/**
 * What happened on a ConnectWise ticket since `since`, read-only:
 *
 * - `GET /service/tickets/{id}`: a 404 means the ticket is gone; `status.id` is the current status.
 * - `GET /service/tickets/{id}/notes` (every page): a note with a `contact` was written by that contact (the
 *   portal, the email connector), one with a `member` by a member (an engineer); neither is unknown. The note's
 *   `dateCreated` (else `_info.dateEntered`) is its time. A note whose `member.identifier` or `createdBy` is the
 *   API member (`apiMemberIdentifier`) is the service's, as is one that reads as a service note (its marker on the
 *   last line) and was not written by a contact. Time entries are not read: an engineer logging time on the ticket
 *   is seen through the status they set, not through the entry.
 */
export async function connectWiseActivitySince(
  client: ConnectWiseClient,
  apiMemberIdentifier: string | undefined,
  id: number,
  since: Date,
  serviceStatusId: string | undefined,
): Promise<TicketActivity> {
  const ticket = await client.request<{ id?: unknown; status?: { id?: unknown } | null }>({
    method: 'GET',
    path: `/service/tickets/${id}`,
    notFoundAsNull: true,
  });
  if (ticket === null) return ticketGone();
  if (!ticket || typeof ticket !== 'object' || ticket.id !== id) {
    throw new PsaError(
      `ConnectWise answered the read of ticket ${id} with something that is not that ticket`,
    );
  }
  const status = ticket.status?.id;
  if (typeof status !== 'number' || !Number.isSafeInteger(status)) {
    throw new PsaError(`ConnectWise returned ticket ${id} without a readable status id`);
  }

  const notes: unknown[] = [];
  for (let page = 1; ; page++) {
    if (page > MAX_PAGES) {
      throw new PsaError(
        `ConnectWise ticket ${id} has more notes than the service reads; cannot tell its activity`,
      );
    }
    const list = await client.request<unknown>({
      method: 'GET',
      path: `/service/tickets/${id}/notes`,
      params: { page, pageSize: PAGE_SIZE },
    });
    if (!Array.isArray(list)) {
      throw new PsaError(`ConnectWise answered the notes of ticket ${id} without a list of notes`);
    }
    notes.push(...list);
    if (list.length < PAGE_SIZE) break;
  }
  const ours = apiMemberIdentifier?.trim().toLowerCase();
  const entries = notes.map((note): ActivityEntry => {
    if (!note || typeof note !== 'object') {
      throw new PsaError(`ConnectWise returned a note of ticket ${id} that is not an object`);
    }
    return entryOf(note as CwActivityNote, ours || undefined);
  });
  return activityFrom({
    psaName: 'ConnectWise',
    ticketId: String(id),
    entries,
    since,
    currentStatusId: String(status),
    ...(serviceStatusId !== undefined ? { serviceStatusId } : {}),
  });
}

function entryOf(note: CwActivityNote, ours: string | undefined): ActivityEntry {
  const contact = note.contact && typeof note.contact === 'object' ? note.contact : undefined;
  const member = note.member && typeof note.member === 'object' ? note.member : undefined;
  const byContact = typeof contact?.id === 'number' && contact.id > 0;
  const byMember =
    (typeof member?.id === 'number' && member.id > 0) || nonEmpty(member?.identifier) !== undefined;
  const by: ActivityAuthor = byContact ? 'contact' : byMember ? 'engineer' : 'unknown';
  const author = byContact
    ? nonEmpty(contact?.name)
    : (nonEmpty(member?.name) ?? nonEmpty(member?.identifier) ?? nonEmpty(note.createdBy));
  const writer = [nonEmpty(member?.identifier), nonEmpty(note.createdBy)].map((v) => v?.toLowerCase());
  return {
    at: psaTime(note.dateCreated) ?? psaTime(note._info?.dateEntered),
    by,
    text: typeof note.text === 'string' ? note.text : '',
    ...(author ? { author } : {}),
    ...(!byContact && ours !== undefined && writer.includes(ours) ? { byService: true } : {}),
  };
}
