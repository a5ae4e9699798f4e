import { PsaError } from '../../services/domain/errors.js';
import { looksLikeServiceNote } from '../../services/domain/note-markers.js';
import type { ActivityAuthor, TicketActivity, TicketReply } from '../../services/domain/ports.js';

/** One note, action or time entry as an adapter read it, in the PSA's words already turned into ours. */
export interface ActivityEntry {
  /** When the PSA says it was written; undefined when the PSA gave no readable time. */
  at: Date | undefined;
  by: ActivityAuthor;
  author?: string;
  /** Its text as plain text (markup removed); '' when it has none. */
  text: string;
  /** The PSA says the service's own account wrote it. */
  byService?: boolean;
}

/**
 * The activity of a ticket from what an adapter read: every entry at or after `since` that the service did not
 * write counts as a reply. The service's entries are those the PSA attributes to its account, and those that read
 * as its notes (see `looksLikeServiceNote`) unless the ticket's contact wrote them. An entry the service did not
 * write whose time cannot be read is a `PsaError`: it may be a reply, and guessing either way is not safe.
 */
export function activityFrom(input: {
  psaName: string;
  ticketId: string;
  entries: ActivityEntry[];
  since: Date;
  currentStatusId: string | undefined;
  serviceStatusId?: string;
}): TicketActivity {
  const replies: TicketReply[] = [];
  for (const entry of input.entries) {
    if (entry.byService) continue;
    if (entry.by !== 'contact' && looksLikeServiceNote(entry.text)) continue;
    if (!entry.at) {
      throw new PsaError(
        `${input.psaName} returned a note on ticket ${input.ticketId} without a readable time; cannot tell whether it is a reply`,
      );
    }
    if (entry.at.getTime() < input.since.getTime()) continue;
    replies.push({ at: entry.at, by: entry.by, ...(entry.author ? { author: entry.author } : {}) });
  }
  replies.sort((a, b) => a.at.getTime() - b.at.getTime());
  const statusChanged =
    input.serviceStatusId !== undefined && input.currentStatusId !== input.serviceStatusId.trim();
  return {
    replied: replies.length > 0,
    statusChanged,
    ...(input.currentStatusId !== undefined ? { currentStatusId: input.currentStatusId } : {}),
    ticketFound: true,
    replies,
  };
}

/** The activity of a ticket the PSA no longer knows. */
export function ticketGone(): TicketActivity {
  return { replied: false, statusChanged: true, ticketFound: false, replies: [] };
}

/**
 * A PSA timestamp: ISO 8601 with or without a zone. Halo and Autotask send UTC times without a designator, which
 * `Date.parse` would read as local time; those are read as UTC. Anything else is undefined.
 */
export function psaTime(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(text))
    return undefined;
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`;
  // Fractions longer than milliseconds (.NET's 7 digits) are cut to 3, which Date.parse reads everywhere.
  const t = Date.parse(zoned.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(t) ? undefined : new Date(t);
}

/**
 * A status id to compare: a positive integer, or its decimal text. `what` names it in the error, e.g.
 * "the customer's resolved status". Anything else is a `PsaError`.
 */
export function statusIdFrom(value: string | number, what: string, psaName: string): number {
  const n = typeof value === 'number' ? value : /^\s*\d{1,15}\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new PsaError(`${what} "${String(value).slice(0, 40)}" is not a ${psaName} status id`);
  }
  return n;
}
