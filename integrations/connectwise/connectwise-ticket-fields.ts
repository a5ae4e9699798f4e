import type { RequestChannel } from '../../services/domain/ports.js';
import { requireTicketId as requireTicketIdOf } from '../shared/ids.js';
import { fieldText, nonEmpty } from '../shared/plain-text.js';
import type { ResetFormReader } from '../shared/reset-ticket.js';
import { channelMatching, sourceMatchers, type SourceMatchers } from '../shared/ticket-sources.js';
import { describeFieldValue, parseYesNoValue, type YesNo } from '../shared/yes-no.js';

/**
 * How the ConnectWise adapter reads a ticket: the wire shapes it reads, and the rules for its custom fields,
 * the contact's address on file and the request channel. Pure functions of what the API returned.
 */

/** The source names each channel has when the configuration lists none. */
export const DEFAULT_CONNECTWISE_SOURCES: Readonly<Record<'email' | 'portal' | 'agent', readonly string[]>> =
  {
    email: ['Email Connector', 'Email', 'E-mail'],
    portal: ['Portal', 'Customer Portal', 'Client Portal', 'Web'],
    agent: ['Phone', 'Walk In', 'Walk-in', 'In Person', 'Call'],
  };

export interface CwRef {
  id?: number;
  name?: string;
  identifier?: string;
}

/** The subset of a ConnectWise ticket the adapter reads (`GET /service/tickets/{id}`). */
export interface CwTicket {
  id?: number;
  summary?: string;
  board?: CwRef;
  status?: CwRef;
  type?: CwRef | null;
  subType?: CwRef | null;
  company?: CwRef;
  contact?: CwRef | null;
  contactName?: string;
  contactEmailAddress?: string;
  source?: CwRef | null;
  owner?: CwRef | null;
  team?: CwRef | null;
  customFields?: CwCustomField[];
  /** Write-only on most codebases (it becomes the first note); read when a site returns it. */
  initialDescription?: unknown;
  _info?: { dateEntered?: unknown };
}

/** A custom field on a ticket; `value` is absent when the field is empty. */
export interface CwCustomField {
  id?: number;
  caption?: string;
  type?: string;
  entryMethod?: string;
  value?: unknown;
}

export interface CwCommunicationItem {
  type?: CwRef;
  value?: unknown;
  defaultFlag?: boolean;
  communicationType?: string;
}

export interface CwContact {
  id?: number;
  firstName?: string;
  lastName?: string;
  communicationItems?: CwCommunicationItem[];
}

export interface CwNote {
  id?: unknown;
  text?: unknown;
  detailDescriptionFlag?: unknown;
  internalAnalysisFlag?: unknown;
  dateCreated?: unknown;
}

export function normaliseName(value: unknown): string {
  return typeof value === 'string' ? value.trim().toLowerCase() : '';
}

export function requireTicketId(ticketId: string): number {
  return requireTicketIdOf(ticketId, 'a ConnectWise ticket id');
}

export function isEmailItem(item: CwCommunicationItem): boolean {
  if (typeof item.communicationType === 'string') return item.communicationType.toLowerCase() === 'email';
  return typeof item.type?.name === 'string' && /e-?mail/i.test(item.type.name);
}

/**
 * The contact's email on file: the default email communication item, else the first email item (a contact with
 * emails but no default flag still has an address on file). Undefined when the contact holds no email.
 */
export function defaultEmailOf(contact: { communicationItems?: unknown }): string | undefined {
  const items = Array.isArray(contact.communicationItems)
    ? (contact.communicationItems as CwCommunicationItem[]).filter(
        (i) => i && typeof i === 'object' && isEmailItem(i) && nonEmpty(i.value) !== undefined,
      )
    : [];
  const chosen = items.find((i) => i.defaultFlag === true) ?? items[0];
  return chosen ? nonEmpty(chosen.value) : undefined;
}

/** Finds a custom field by caption, case-insensitively and ignoring surrounding space. */
export function findCustomField(fields: CwCustomField[], caption: string): CwCustomField | undefined {
  const wanted = normaliseName(caption);
  return fields.find((f) => f && typeof f === 'object' && normaliseName(f.caption) === wanted);
}

export function textOf(field: CwCustomField | undefined): string | undefined {
  return fieldText(field?.value);
}

/** The reset form as the ticket's custom fields hold it. */
export function customFieldReader(fields: CwCustomField[]): ResetFormReader<CwCustomField> {
  return {
    find: (caption) => findCustomField(fields, caption),
    parseFlag: parseYesNo,
    parseAttestation,
    text: textOf,
    describe: describeValue,
  };
}

/**
 * Reads a yes/no custom field, with the same rules as the HaloPSA adapter: booleans, 1/0, true/false, yes/no,
 * y/n in any case with surrounding space.
 *
 * - Field absent, or its value absent or empty: `true` (the procedure resets both unless the form says otherwise),
 *   except for a `Checkbox` field: ConnectWise leaves an unticked box without a value, and an unticked box is a no.
 * - Anything else: `'unrecognised'`; the adapter reports `false` and logs a warning, because an answer it cannot
 *   read is not consent to reset.
 */
export function parseYesNo(field: CwCustomField | undefined): YesNo {
  const isCheckbox = typeof field?.type === 'string' && field.type.toLowerCase() === 'checkbox';
  return parseYesNoValue(field?.value, { whenEmpty: !isCheckbox });
}

export function describeValue(field: CwCustomField | undefined): string {
  return describeFieldValue(field?.value);
}

/**
 * The request channel from the ticket's `source`: its name matched exactly (case-insensitively) against the
 * configured or default names, or its id against configured ids. Email is checked first. Anything else is
 * `unknown`.
 */
export function channelOf(
  source: CwRef | null | undefined,
  sources: SourceMatchers = sourceMatchers(undefined, DEFAULT_CONNECTWISE_SOURCES),
): RequestChannel {
  const id = typeof source?.id === 'number' ? source.id : undefined;
  const name = typeof source?.name === 'string' ? source.name : undefined;
  return channelMatching({ id, name }, sources);
}

export function dateOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Reads the attestation custom field. Same accepted values as `parseYesNo`, but an attestation is only ever
 * given, never assumed: field absent, value absent or empty (an unticked Checkbox has no value) → `false`.
 * Unreadable values are `'unrecognised'` (the adapter reports `false` and logs a warning).
 */
export function parseAttestation(field: CwCustomField | undefined): YesNo {
  return parseYesNoValue(field?.value, { whenEmpty: false });
}
