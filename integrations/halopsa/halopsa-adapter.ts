import type { Logger } from '../../services/logging/logger.js';
import type { PsaAdapter, RequestChannel, ResetTicket, TicketNote } from '../../services/domain/ports.js';
import { recordedAddress } from '../shared/email-address.js';
import { checkPositiveIds, parseTicketId, requireTicketId as requireTicketIdOf } from '../shared/ids.js';
import { capText, fieldText, htmlToPlainText, nonEmpty } from '../shared/plain-text.js';
import { resetFormAnswers, resetTicketOf, type ResetFormReader } from '../shared/reset-ticket.js';
import { requesterThroughContact } from '../shared/ticket-requester.js';
import { describeFieldValue, parseYesNoValue, type YesNo } from '../shared/yes-no.js';
import { statusIdFrom } from '../shared/ticket-activity.js';
import { haloActivitySince } from './halopsa-activity.js';
import { HaloClient, type HaloClientOptions } from './halopsa-client.js';
import { channelMatching, sourceMatchers, type SourceMatchers } from '../shared/ticket-sources.js';
import { escapeHtml } from '../../services/domain/html-escape.js';
import { renderNoteHtml } from './halopsa-note-html.js';

/**
 * Configuration of the HaloPSA adapter: the connection (see `HaloClientOptions`) and what it reads. Every Halo
 * id (ticket types, outcomes, statuses, teams) is per tenant and comes from here; the adapter hard-codes none.
 */
export interface HaloOptions extends HaloClientOptions {
  /** `tickettype_id` values that mark a password / MFA reset request. */
  resetTicketTypeIds: number[];
  /**
   * Custom field names on the reset ticket type, e.g. `CFResetTarget` (matched case-insensitively, `CF` optional).
   * `attestation` names the form's yes/no "I have spoken to this person" field; unset, `attested` is undefined.
   */
  fields: { target: string; resetPassword: string; resetMfa: string; attestation?: string };
  /** Action outcomes used for notes. Halo refuses an action without an outcome. */
  outcomes: { customerNoteId: number; internalNoteId: number };
  /**
   * Status set while waiting for the requester to confirm, and the status of a ticket whose staff member is back
   * in (a customer's own resolved status wins); moving to an unset status leaves the ticket as is.
   */
  statuses: { awaitingConfirmationId?: number; resolvedId?: number };
  /** Where a ticket goes when engineers must take over; only the configured keys are sent. */
  handoff: { teamId?: number; teamName?: string; statusId?: number };
  /**
   * Which ticket sources mean which channel. Halo's numeric `source` ids are per instance (Configuration →
   * Tickets → Ticket Sources), so ids are only ever matched when listed here; names (a textual `sourcename`)
   * are matched exactly, case-insensitively. A channel left out keeps its default names
   * (`DEFAULT_HALO_SOURCES`); anything matching no list is `unknown`.
   */
  sources?: {
    email?: Array<string | number>;
    portal?: Array<string | number>;
    agent?: Array<string | number>;
  };
}

/** Source names matched when `sources` does not list a channel; Halo ships sources with these names. */
export const DEFAULT_HALO_SOURCES: Readonly<Record<'email' | 'portal' | 'agent', readonly string[]>> = {
  email: ['Email', 'E-mail', 'Incoming Email'],
  portal: ['Self Service Portal', 'Self Service', 'Portal', 'Web'],
  agent: ['Agent', 'Phone', 'Telephone', 'Technician'],
};

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
  status_id?: unknown;
  details?: unknown;
  details_html?: unknown;
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
  id?: unknown;
  datetime?: unknown;
  note?: unknown;
  note_html?: unknown;
  /** On an action made from an incoming email: the addresses Halo read from that message. */
  emailfrom?: unknown;
  emailto?: unknown;
  emailcc?: unknown;
}

/**
 * Builds the `PsaAdapter` for one HaloPSA instance.
 *
 * - `getTicket` reads the ticket and then its user record: the requester's email is the address on the contact
 *   record (`emailaddress`), never the address a request arrived from; the ticket's `user_email` is used only when
 *   the contact record has none. A ticket without a user has a requester without email, which the domain hands off.
 * - Notes are Actions with the configured outcome; customer notes are visible and emailed, internal notes hidden
 *   and not emailed. Text is HTML-escaped; only `https://` URLs become links.
 * - `moveTicket` posts `[{ id, ...configured keys }]` to `/api/Tickets`; `resolved` posts `{ id, status_id }` with
 *   the customer's resolved status, else `statuses.resolvedId`.
 * - `activitySince`: see `haloActivitySince`.
 *
 * What `getTicket` reads besides the form:
 * - `details`: the ticket's `details_html` (or `details`), HTML turned into plain text, capped at 8 KB.
 * - `channel`: the ticket's source, matched against `options.sources` (ids and names) or the default names.
 * - `emailOrigin` (email tickets only): `emailfrom` of the ticket's first non-system action, read with
 *   `GET /api/Actions?ticket_id=&excludesys=true`; Halo makes that action from the email that opened the ticket.
 *   Halo records the sender, the To and the Cc of that message (`emailfrom`/`emailto`/`emailcc`) but no Reply-To
 *   that the API returns, so `replyTo` is always undefined. The ticket's `user_email`/`reportedby` are not used:
 *   an agent can edit them, and they are the contact's address as much as the sender's.
 * - `attested`: the `fields.attestation` custom field (yes → true; no, empty or absent → false), when configured.
 * - `statusId`: `status_id`.
 */
export function createHaloPsaAdapter(options: HaloOptions, log: Logger): PsaAdapter {
  checkHaloOptions(options);
  const client = new HaloClient(options, log);
  const resetTypes = new Set(options.resetTicketTypeIds);
  const sources = sourceMatchers(options.sources, DEFAULT_HALO_SOURCES);

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

    const channel = channelOf(ticket, sources);
    const requester = await requesterOf(ticket);
    // An unclassified ticket may have been an email: its sender is read too, for the email checks.
    const emailOrigin = channel === 'email' || channel === 'unknown' ? await emailOriginOf(id) : undefined;
    return resetTicketOf({
      ticketId: String(id),
      psaCustomerId:
        ticket.client_id === undefined || ticket.client_id === null ? '' : String(ticket.client_id),
      summary: ticket.summary,
      isResetRequest: typeof ticket.tickettype_id === 'number' && resetTypes.has(ticket.tickettype_id),
      channel,
      requester,
      emailOrigin,
      details: detailsOf(ticket),
      ...resetFormAnswers(options.fields, customFieldReader(ticket.customfields ?? []), {
        log,
        ticketId: String(id),
        fieldKind: 'custom field',
      }),
      statusId: idText(ticket.status_id),
    });
  }

  /**
   * The From of the email that opened the ticket: the first non-system action's `emailfrom`. Actions are sorted
   * by date, then id, because the order Halo lists them in is not documented. When that first action carries no
   * readable sender, the origin is `{}`: a ticket Halo calls email with no recorded sender is handed off.
   */
  async function emailOriginOf(id: number): Promise<NonNullable<ResetTicket['emailOrigin']>> {
    const data = await client.request<{ actions?: HaloAction[] } | HaloAction[]>({
      method: 'GET',
      path: '/Actions',
      params: { ticket_id: id, excludesys: true },
    });
    const actions = (Array.isArray(data) ? data : (data?.actions ?? [])).filter(
      (a): a is HaloAction => typeof a === 'object' && a !== null,
    );
    const first = [...actions].sort(byDateThenId)[0];
    const from = recordedAddress(first?.emailfrom);
    return from ? { from } : {};
  }

  async function requesterOf(ticket: HaloTicket): Promise<ResetTicket['requester']> {
    const userId = typeof ticket.user_id === 'number' && ticket.user_id > 0 ? ticket.user_id : undefined;
    return requesterThroughContact(
      { contactId: userId, name: nonEmpty(ticket.user_name) },
      (id) => client.request<HaloUser>({ method: 'GET', path: `/Users/${id}`, notFoundAsNull: true }),
      (user) => ({
        email: nonEmpty(user?.emailaddress) ?? (user ? nonEmpty(ticket.user_email) : undefined),
        name: nonEmpty(user?.name),
      }),
    );
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

  const moveTicket: PsaAdapter['moveTicket'] = async (ticketId, disposition, moveOptions = {}) => {
    const id = requireTicketId(ticketId);
    const update: Record<string, number | string> = { id };
    if (disposition === 'awaiting-confirmation') {
      if (options.statuses.awaitingConfirmationId === undefined) {
        log.debug({ ticketId: String(id) }, 'no awaiting-confirmation status configured; ticket left as is');
        return;
      }
      update.status_id = options.statuses.awaitingConfirmationId;
    } else if (disposition === 'resolved') {
      const wanted = moveOptions.resolvedStatusId ?? options.statuses.resolvedId;
      if (wanted == null) {
        log.warn({ ticketId: String(id) }, 'no resolved status configured; ticket left as is');
        return;
      }
      update.status_id = statusIdFrom(wanted, 'the resolved status', 'HaloPSA');
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
  };

  async function activitySince(ticketId: string, since: Date, serviceStatusId?: string) {
    return haloActivitySince(client, options.clientId, requireTicketId(ticketId), since, serviceStatusId);
  }

  return { kind: 'halopsa', getTicket, addNote, hasNoteWithMarker, moveTicket, activitySince };
}

/** Refuses options the adapter could not work with (the service checks them before it starts). */
export function checkHaloOptions(options: HaloOptions): void {
  // Halo rejects an action without an outcome; catch a missing id at start rather than on the first note.
  checkPositiveIds(
    [
      ['outcomes.customerNoteId', options.outcomes.customerNoteId],
      ['outcomes.internalNoteId', options.outcomes.internalNoteId],
    ],
    (name) => `HaloPSA ${name} must be a positive integer outcome id`,
  );
}

function requireTicketId(ticketId: string): number {
  return requireTicketIdOf(ticketId, 'a HaloPSA ticket id');
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

/**
 * The reset form as the ticket's custom fields hold it. The target is the field's `value`, or its `display`
 * text when the value is empty.
 */
function customFieldReader(fields: HaloCustomField[]): ResetFormReader<HaloCustomField> {
  return {
    find: (name) => findCustomField(fields, name),
    parseFlag: parseYesNo,
    parseAttestation,
    text: (field) => fieldText(field?.value, field?.display),
    describe: describeValue,
  };
}

/**
 * Reads a yes/no custom field. Accepts booleans, 1/0 and true/false, yes/no, y/n in any case with surrounding
 * space; a select field's `display` text is preferred over its `value` (which may be an option id).
 *
 * - Field absent, or value empty: `true`. The procedure resets both password and MFA unless the form says otherwise.
 * - Anything else: `'unrecognised'`. The adapter then reports that flag as `false` and logs a warning, because an
 *   answer it cannot read is not consent to reset; when both flags end up false the domain has nothing to do and
 *   hands the ticket to engineers. The port deliberately has no third state.
 */
export function parseYesNo(field: HaloCustomField | undefined): YesNo {
  return parseYesNoValue(answerOf(field), { whenEmpty: true });
}

/** What a custom field answers: a select field's `value` is an option id, its `display` text what the form shows. */
function answerOf(field: HaloCustomField | undefined): unknown {
  if (!field) return undefined;
  return typeof field.display === 'string' && field.display.trim() !== '' ? field.display : field.value;
}

function describeValue(field: HaloCustomField | undefined): string {
  return describeFieldValue(field?.display ?? field?.value);
}

/**
 * The request channel from the ticket's source: a numeric `source` id matches the configured ids, a textual
 * source (`sourcename`, `source_name` or a string `source`) the configured or default names, exactly and
 * case-insensitively. Email is checked first, so a source listed twice counts as email. Anything else is `unknown`.
 */
function channelOf(ticket: HaloTicket, sources: SourceMatchers): RequestChannel {
  const id =
    typeof ticket.source === 'number' && Number.isSafeInteger(ticket.source) ? ticket.source : undefined;
  const name = [ticket.sourcename, ticket.source_name, ticket.source].find(
    (v): v is string => typeof v === 'string' && v.trim() !== '',
  );
  return channelMatching({ id, name }, sources);
}

/** The ticket's free text: `details_html` (or `details`) as plain text, capped. */
function detailsOf(ticket: HaloTicket): string | undefined {
  const html = [ticket.details_html, ticket.details].find((v) => typeof v === 'string' && v.trim() !== '');
  return typeof html === 'string' ? capText(htmlToPlainText(html)) : undefined;
}

function idText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value)) return value.trim();
  return undefined;
}

function byDateThenId(a: HaloAction, b: HaloAction): number {
  const time = (x: HaloAction) => {
    const t = typeof x.datetime === 'string' ? Date.parse(x.datetime) : Number.NaN;
    return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
  };
  const num = (x: HaloAction) => (typeof x.id === 'number' ? x.id : Number.POSITIVE_INFINITY);
  return time(a) - time(b) || num(a) - num(b);
}

/**
 * Reads the attestation ("I have spoken to this person") field. Same accepted values as `parseYesNo`, but the
 * defaults differ because an attestation is only ever given, never assumed: field absent, value absent or empty
 * → `false`. Unreadable values are `'unrecognised'` (the adapter reports `false` and logs a warning).
 */
export function parseAttestation(field: HaloCustomField | undefined): YesNo {
  return parseYesNoValue(answerOf(field), { whenEmpty: false });
}
