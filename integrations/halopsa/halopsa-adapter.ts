import type { Logger } from '../../services/logging/logger.js';
import { PsaError } from '../../services/domain/errors.js';
import type {
  PsaAdapter,
  RequestChannel,
  ResetTicket,
  TicketDisposition,
  TicketNote,
} from '../../services/domain/ports.js';
import { HaloClient } from './halopsa-client.js';

/**
 * Configuration of the HaloPSA adapter. Every Halo id (ticket types, outcomes, statuses, teams) is per tenant and
 * comes from here; the adapter hard-codes none.
 */
export interface HaloOptions {
  /** Halo's resource server URL; `/api` is appended when missing. */
  resourceServerUrl: string;
  /** Halo's authorisation server URL; `/auth` is appended when missing. */
  authServerUrl: string;
  /** Tenant name for Halo-hosted instances (`?tenant=` on the token request). */
  tenant?: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  timeoutMs: number;
  /** `tickettype_id` values that mark a password / MFA reset request. */
  resetTicketTypeIds: number[];
  /** Custom field names on the reset ticket type, e.g. `CFResetTarget` (matched case-insensitively, `CF` optional). */
  fields: { target: string; resetPassword: string; resetMfa: string };
  /** Action outcomes used for notes. Halo refuses an action without an outcome. */
  outcomes: { customerNoteId: number; internalNoteId: number };
  /** Status set while waiting for the requester to confirm; moving there is a no-op when unset. */
  statuses: { awaitingConfirmationId?: number };
  /** Where a ticket goes when engineers must take over; only the configured keys are sent. */
  handoff: { teamId?: number; teamName?: string; statusId?: number };
}

/** The subset of a Halo ticket the adapter reads (`GET /api/Tickets/{id}?includedetails=true`). */
interface HaloTicket {
  id?: number;
  summary?: string;
  tickettype_id?: number;
  client_id?: number;
  user_id?: number | null;
  user_name?: string;
  user_email?: string;
  customfields?: HaloCustomField[];
  source?: unknown;
  sourcename?: unknown;
  source_name?: unknown;
}

interface HaloCustomField {
  id?: number;
  name?: string;
  value?: unknown;
  display?: unknown;
}

interface HaloUser {
  id?: number;
  name?: string;
  emailaddress?: string;
}

interface HaloAction {
  note?: unknown;
  note_html?: unknown;
}

/**
 * Builds the `PsaAdapter` for one HaloPSA instance.
 *
 * - `getTicket` reads the ticket and then its user record: the requester's email is the address on the contact
 *   record (`emailaddress`), never the address a request arrived from; the ticket's `user_email` is used only when
 *   the contact record has none. A ticket without a user has a requester without email, which the domain hands off.
 * - Notes are Actions with the configured outcome; customer notes are visible and emailed, internal notes hidden
 *   and not emailed. Text is HTML-escaped; only `https://` URLs become links.
 * - `moveTicket` posts `[{ id, ...configured keys }]` to `/api/Tickets`.
 */
export function createHaloPsaAdapter(options: HaloOptions, logger: Logger): PsaAdapter {
  assertOptions(options);
  const log = logger.child({ psa: 'halopsa' });
  const client = new HaloClient(options, log);
  const resetTypes = new Set(options.resetTicketTypeIds);

  async function getTicket(ticketId: string): Promise<ResetTicket | null> {
    const id = parseTicketId(ticketId);
    // A malformed id cannot name a Halo ticket: the PSA does not know it.
    if (id === undefined) return null;
    const ticket = await client.request<HaloTicket>({
      method: 'GET',
      path: `/Tickets/${id}`,
      params: { includedetails: true },
      notFoundAsNull: true,
    });
    if (!ticket) return null;

    const fields = ticket.customfields ?? [];
    const flag = (configured: string): boolean => {
      const field = findCustomField(fields, configured);
      const parsed = parseYesNo(field);
      if (parsed === 'unrecognised') {
        log.warn(
          { ticketId: String(id), field: configured, value: describeValue(field) },
          'unrecognised yes/no value in a reset custom field; treating it as "no"',
        );
        return false;
      }
      return parsed;
    };

    return {
      ticketId: String(id),
      psaCustomerId:
        ticket.client_id === undefined || ticket.client_id === null ? '' : String(ticket.client_id),
      summary: typeof ticket.summary === 'string' ? ticket.summary : '',
      isResetRequest: typeof ticket.tickettype_id === 'number' && resetTypes.has(ticket.tickettype_id),
      channel: channelOf(ticket),
      requester: await requesterOf(ticket),
      targetIdentifier: textOf(findCustomField(fields, options.fields.target)),
      resetPassword: flag(options.fields.resetPassword),
      resetMfa: flag(options.fields.resetMfa),
    };
  }

  async function requesterOf(ticket: HaloTicket): Promise<ResetTicket['requester']> {
    const userId = typeof ticket.user_id === 'number' && ticket.user_id > 0 ? ticket.user_id : undefined;
    const ticketName = nonEmpty(ticket.user_name);
    if (userId === undefined) return ticketName ? { name: ticketName } : {};
    const user = await client.request<HaloUser>({
      method: 'GET',
      path: `/Users/${userId}`,
      notFoundAsNull: true,
    });
    const onFile = nonEmpty(user?.emailaddress);
    const email = onFile ?? (user ? nonEmpty(ticket.user_email) : undefined);
    const name = nonEmpty(user?.name) ?? ticketName;
    return {
      contactId: String(userId),
      ...(name ? { name } : {}),
      ...(email ? { email } : {}),
    };
  }

  async function addNote(ticketId: string, note: TicketNote): Promise<void> {
    const id = requireTicketId(ticketId);
    const customer = note.visibility === 'customer';
    const action = {
      ticket_id: id,
      outcome_id: customer ? options.outcomes.customerNoteId : options.outcomes.internalNoteId,
      note_html: renderNoteHtml(note.text),
      hiddenfromuser: !customer,
      sendemail: customer,
    };
    await client.request({ method: 'POST', path: '/Actions', body: [action] });
    log.info({ ticketId: String(id), visibility: note.visibility, marker: note.marker }, 'halo note added');
  }

  // Reads the ticket's actions in one call; whether Halo pages GET /Actions for very long tickets is unconfirmed.
  async function hasNoteWithMarker(ticketId: string, marker: string): Promise<boolean> {
    const id = requireTicketId(ticketId);
    const data = await client.request<{ actions?: HaloAction[] } | HaloAction[]>({
      method: 'GET',
      path: '/Actions',
      params: { ticket_id: id },
    });
    const actions = Array.isArray(data) ? data : (data?.actions ?? []);
    // note_html holds the escaped form of the marker; note holds the plain text.
    const escaped = escapeHtml(marker);
    return actions.some(
      (a) =>
        (typeof a.note === 'string' && a.note.includes(marker)) ||
        (typeof a.note_html === 'string' && (a.note_html.includes(escaped) || a.note_html.includes(marker))),
    );
  }

  async function moveTicket(ticketId: string, disposition: TicketDisposition): Promise<void> {
    const id = requireTicketId(ticketId);
    const update: Record<string, number | string> = { id };
    if (disposition === 'awaiting-confirmation') {
      if (options.statuses.awaitingConfirmationId === undefined) {
        log.debug({ ticketId: String(id) }, 'no awaiting-confirmation status configured; ticket left as is');
        return;
      }
      update.status_id = options.statuses.awaitingConfirmationId;
    } else {
      const { teamId, teamName, statusId } = options.handoff;
      if (teamId !== undefined) update.team_id = teamId;
      if (teamName !== undefined) update.team = teamName;
      if (statusId !== undefined) update.status_id = statusId;
      if (Object.keys(update).length === 1) {
        log.warn({ ticketId: String(id) }, 'no hand-off team or status configured; ticket left as is');
        return;
      }
    }
    await client.request({ method: 'POST', path: '/Tickets', body: [update] });
    log.info({ ticketId: String(id), disposition }, 'halo ticket moved');
  }

  return { kind: 'halopsa', getTicket, addNote, hasNoteWithMarker, moveTicket };
}

function assertOptions(options: HaloOptions): void {
  for (const [name, value] of [
    ['outcomes.customerNoteId', options.outcomes.customerNoteId],
    ['outcomes.internalNoteId', options.outcomes.internalNoteId],
  ] as const) {
    // Halo rejects an action without an outcome; catch a missing id at start rather than on the first note.
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new PsaError(`HaloPSA ${name} must be a positive integer outcome id`);
    }
  }
}

function parseTicketId(ticketId: string): number | undefined {
  const trimmed = ticketId.trim();
  if (!/^\d{1,15}$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return n > 0 ? n : undefined;
}

function requireTicketId(ticketId: string): number {
  const id = parseTicketId(ticketId);
  if (id === undefined) throw new PsaError(`"${ticketId.slice(0, 40)}" is not a HaloPSA ticket id`);
  return id;
}

function nonEmpty(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Finds a custom field by its configured name, case-insensitively and with or without Halo's `CF` prefix
 * (`CFResetTarget`, `cfresettarget` and `ResetTarget` all name the same field).
 */
export function findCustomField(fields: HaloCustomField[], configured: string): HaloCustomField | undefined {
  const wanted = configured.trim().toLowerCase();
  const bare = wanted.startsWith('cf') ? wanted.slice(2) : wanted;
  const candidates = new Set([wanted, bare, `cf${bare}`]);
  return fields.find((f) => typeof f.name === 'string' && candidates.has(f.name.trim().toLowerCase()));
}

function textOf(field: HaloCustomField | undefined): string | undefined {
  if (!field) return undefined;
  for (const v of [field.value, field.display]) {
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return undefined;
}

const YES = new Set(['true', '1', 'yes', 'y']);
const NO = new Set(['false', '0', 'no', 'n']);

/**
 * Reads a yes/no custom field. Accepts booleans, 1/0 and true/false, yes/no, y/n in any case with surrounding
 * space; a select field's `display` text is preferred over its `value` (which may be an option id).
 *
 * - Field absent, or value empty: `true`. The procedure resets both password and MFA unless the form says otherwise.
 * - Anything else: `'unrecognised'`. The adapter then reports that flag as `false` and logs a warning, because an
 *   answer it cannot read is not consent to reset; when both flags end up false the domain has nothing to do and
 *   hands the ticket to engineers. The port deliberately has no third state.
 */
export function parseYesNo(field: HaloCustomField | undefined): boolean | 'unrecognised' {
  if (!field) return true;
  // A select field's value is an option id; its display text is what the form shows.
  const display =
    typeof field.display === 'string' && field.display.trim() !== '' ? field.display : undefined;
  const v = display ?? field.value;
  if (v === undefined || v === null) return true;
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string' && typeof v !== 'number') return 'unrecognised';
  const text = String(v).trim().toLowerCase();
  if (text === '') return true;
  if (YES.has(text)) return true;
  if (NO.has(text)) return false;
  return 'unrecognised';
}

function describeValue(field: HaloCustomField | undefined): string {
  const raw = field?.display ?? field?.value;
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  return (text ?? '').slice(0, 40);
}

/**
 * Best-effort request channel from the ticket's source. Halo's source ids are per tenant and the field names are
 * not documented for every version, so only a textual source (`sourcename`, `source_name`, or a string `source`)
 * is read; numeric ids give `unknown`.
 */
function channelOf(ticket: HaloTicket): RequestChannel {
  const raw = [ticket.sourcename, ticket.source_name, ticket.source].find((v) => typeof v === 'string');
  const text = typeof raw === 'string' ? raw.toLowerCase() : '';
  if (text === '') return 'unknown';
  if (text.includes('mail')) return 'email';
  if (text.includes('portal') || text.includes('self service') || text.includes('web')) return 'portal';
  if (text.includes('agent') || text.includes('phone') || text.includes('technician')) return 'agent';
  return 'unknown';
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes every character that has a meaning in HTML text or in a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const URL_PATTERN = /https:\/\/[^\s<>"']+/g;

function linkify(line: string): string {
  let out = '';
  let last = 0;
  for (const match of line.matchAll(URL_PATTERN)) {
    // Sentence punctuation after a URL belongs to the sentence, not the link.
    const url = match[0].replace(/[.,;:!?)\]]+$/, '');
    const start = match.index;
    out += escapeHtml(line.slice(last, start));
    const href = escapeHtml(url);
    out += `<a href="${href}">${href}</a>`;
    last = start + url.length;
  }
  return out + escapeHtml(line.slice(last));
}

/**
 * Renders a plain-text note as Halo `note_html`: blank lines separate paragraphs (`<p>`), single newlines become
 * `<br>`, every character is HTML-escaped, and `https://` URLs become links. Nothing in the text is interpreted.
 */
export function renderNoteHtml(text: string): string {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n+/)
    .map((p) => p.replace(/^\n+|\n+$/g, ''))
    .filter((p) => p.trim() !== '');
  if (paragraphs.length === 0) return '<p></p>';
  return paragraphs.map((p) => `<p>${p.split('\n').map(linkify).join('<br>')}</p>`).join('');
}
