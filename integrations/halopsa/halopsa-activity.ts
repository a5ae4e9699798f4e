import { PsaError } from '../../services/domain/errors.js';
import type { ActivityAuthor, TicketActivity } from '../../services/domain/ports.js';
import { htmlToPlainText, nonEmpty } from '../shared/plain-text.js';
import { activityFrom, psaTime, ticketGone, type ActivityEntry } from '../shared/ticket-activity.js';
import type { HaloClient } from './halopsa-client.js';

/** The fields of a Halo action (`GET /api/Actions?ticket_id=`) the watch reads. */
interface HaloActivityAction {
  datetime?: unknown;
  actiondatecreated?: unknown;
  who?: unknown;
  who_agentid?: unknown;
  actionby_application_id?: unknown;
  note?: unknown;
  note_html?: unknown;
}

/**
 * What happened on a Halo ticket since `since`, read-only:
 *
 * - `GET /api/Tickets/{id}`: a 404 means the ticket is gone; `status_id` is the current status (unreadable → error).
 * - `GET /api/Actions?ticket_id=&excludesys=true`: the actions people wrote (Halo's system actions, e.g. its own
 *   "status changed" entries, are left out by Halo). Each action's `datetime` (or `actiondatecreated`) is its time;
 *   `who_agentid` above 0 is an agent (an engineer), 0 an end user (the contact), absent unknown. An action whose
 *   `actionby_application_id` is this API application's client id is the service's, as is one that reads as a
 *   service note (its marker on the last line) and was not written by an end user.
 */
export async function haloActivitySince(
  client: HaloClient,
  clientId: string,
  id: number,
  since: Date,
  serviceStatusId: string | undefined,
): Promise<TicketActivity> {
  const ticket = await client.request<{ id?: unknown; status_id?: unknown }>({
    method: 'GET',
    path: `/Tickets/${id}`,
    notFoundAsNull: true,
  });
  if (ticket === null) return ticketGone();
  if (!ticket || typeof ticket !== 'object' || Number(ticket.id) !== id) {
    throw new PsaError(`HaloPSA answered the read of ticket ${id} with something that is not that ticket`);
  }
  const status = ticket.status_id;
  const currentStatusId =
    typeof status === 'number' && Number.isSafeInteger(status)
      ? String(status)
      : typeof status === 'string' && /^\s*\d{1,15}\s*$/.test(status)
        ? status.trim()
        : undefined;
  if (currentStatusId === undefined) {
    throw new PsaError(`HaloPSA returned ticket ${id} without a readable status_id`);
  }

  const data = await client.request<{ actions?: unknown } | unknown[]>({
    method: 'GET',
    path: '/Actions',
    params: { ticket_id: id, excludesys: true },
  });
  const list = Array.isArray(data) ? data : data && typeof data === 'object' ? data.actions : undefined;
  if (!Array.isArray(list)) {
    throw new PsaError(`HaloPSA answered the actions of ticket ${id} without an actions list`);
  }
  const entries = list.map((item): ActivityEntry => {
    if (!item || typeof item !== 'object') {
      throw new PsaError(`HaloPSA returned an action of ticket ${id} that is not an object`);
    }
    return entryOf(item as HaloActivityAction, clientId);
  });
  return activityFrom({
    psaName: 'HaloPSA',
    ticketId: String(id),
    entries,
    since,
    currentStatusId,
    ...(serviceStatusId !== undefined ? { serviceStatusId } : {}),
  });
}

function entryOf(action: HaloActivityAction, clientId: string): ActivityEntry {
  const agent = action.who_agentid;
  const by: ActivityAuthor =
    typeof agent === 'number' && Number.isSafeInteger(agent) && agent > 0
      ? 'engineer'
      : agent === 0
        ? 'contact'
        : 'unknown';
  const app = nonEmpty(action.actionby_application_id);
  const html =
    typeof action.note_html === 'string' && action.note_html.trim() !== '' ? action.note_html : undefined;
  const text = html ? htmlToPlainText(html) : typeof action.note === 'string' ? action.note : '';
  const author = nonEmpty(action.who);
  return {
    at: psaTime(action.datetime) ?? psaTime(action.actiondatecreated),
    by,
    text,
    ...(author ? { author } : {}),
    ...(app !== undefined && app.toLowerCase() === clientId.trim().toLowerCase() ? { byService: true } : {}),
  };
}
