import { PsaError } from '../../services/domain/errors.js';
import type { ActivityAuthor, TicketActivity } from '../../services/domain/ports.js';
import { positiveInteger } from '../shared/ids.js';
import { activityFrom, psaTime, ticketGone, type ActivityEntry } from '../shared/ticket-activity.js';
import type { AutotaskClient } from './autotask-client.js';

/** The fields of a TicketNote the watch reads. */
interface AutotaskActivityNote {
  ticketID?: unknown;
  description?: unknown;
  createDateTime?: unknown;
  creatorResourceID?: unknown;
  createdByContactID?: unknown;
}

/** The fields of a TimeEntry the watch reads. */
interface AutotaskTimeEntry {
  ticketID?: unknown;
  summaryNotes?: unknown;
  createDateTime?: unknown;
  resourceID?: unknown;
}

/**
 * What happened on an Autotask ticket since `since`, read-only:
 *
 * - `GET /v1.0/Tickets/{id}`: `{item: null}` (or a 404) means the ticket is gone; `status` is the current status.
 * - `POST /v1.0/TicketNotes/query` for the ticket's notes: `createdByContactID` is the contact (the client portal,
 *   incoming email), `creatorResourceID` a resource (an engineer; the API user is one too), neither unknown; the
 *   note's `createDateTime` (UTC) is its time. A note that reads as a service note (its marker on the last line)
 *   and was not written by a contact is the service's.
 * - `POST /v1.0/TimeEntries/query` for the ticket's time entries: each is a resource's work on the ticket (the
 *   service never logs time), dated by its `createDateTime`.
 *
 * A query answer with a next page (more than 500 notes or entries) is refused rather than read in part.
 */
export async function autotaskActivitySince(
  client: AutotaskClient,
  id: number,
  since: Date,
  serviceStatusId: string | undefined,
): Promise<TicketActivity> {
  const data = await client.request<{ item?: { id?: unknown; status?: unknown } | null }>({
    method: 'GET',
    path: `/Tickets/${id}`,
    notFoundAsNull: true,
  });
  if (data === null || (data && typeof data === 'object' && data.item === null)) return ticketGone();
  const ticket = data && typeof data === 'object' ? data.item : undefined;
  if (!ticket || typeof ticket !== 'object' || positiveInteger(ticket.id) !== id) {
    throw new PsaError(`Autotask answered the read of ticket ${id} with something that is not that ticket`);
  }
  const status = positiveInteger(ticket.status);
  if (status === undefined) throw new PsaError(`Autotask returned ticket ${id} without a readable status`);

  const notes = await query<AutotaskActivityNote>(client, 'TicketNotes', id);
  const entries: ActivityEntry[] = notes.map((note) => {
    const contact = positiveInteger(note.createdByContactID);
    const resource = positiveInteger(note.creatorResourceID);
    const by: ActivityAuthor =
      contact !== undefined ? 'contact' : resource !== undefined ? 'engineer' : 'unknown';
    return {
      at: psaTime(note.createDateTime),
      by,
      text: typeof note.description === 'string' ? note.description : '',
    };
  });
  const work = await query<AutotaskTimeEntry>(client, 'TimeEntries', id);
  for (const entry of work) {
    entries.push({
      at: psaTime(entry.createDateTime),
      by: positiveInteger(entry.resourceID) !== undefined ? 'engineer' : 'unknown',
      // A time entry is never the service's: its summary is not checked for markers.
      text: '',
    });
  }
  return activityFrom({
    psaName: 'Autotask',
    ticketId: String(id),
    entries,
    since,
    currentStatusId: String(status),
    ...(serviceStatusId !== undefined ? { serviceStatusId } : {}),
  });
}

/** Every item of an entity's query for one ticket; an answer without `items`, or with more pages, is refused. */
async function query<T extends { ticketID?: unknown }>(
  client: AutotaskClient,
  entity: 'TicketNotes' | 'TimeEntries',
  id: number,
): Promise<T[]> {
  const data = await client.request<{ items?: unknown; pageDetails?: { nextPageUrl?: unknown } | null }>({
    method: 'POST',
    path: `/${entity}/query`,
    body: { filter: [{ op: 'eq', field: 'ticketID', value: id }] },
  });
  const items = data && typeof data === 'object' ? data.items : undefined;
  if (!Array.isArray(items)) {
    throw new PsaError(`Autotask answered the ${entity} query of ticket ${id} without a list of items`);
  }
  const next = data?.pageDetails?.nextPageUrl;
  if (typeof next === 'string' && next.trim() !== '') {
    throw new PsaError(`Autotask ticket ${id} has more ${entity} than one page; cannot tell its activity`);
  }
  return items.map((item) => {
    if (!item || typeof item !== 'object') {
      throw new PsaError(`Autotask returned one of the ${entity} of ticket ${id} that is not an object`);
    }
    const record = item as T;
    // An item of another ticket means the filter was not applied: nothing in this answer can be trusted.
    if (record.ticketID !== undefined && positiveInteger(record.ticketID) !== id) {
      throw new PsaError(`Autotask answered the ${entity} query of ticket ${id} with another ticket's items`);
    }
    return record;
  });
}
