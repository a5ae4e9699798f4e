import { createHmac, timingSafeEqual } from 'node:crypto';
import { positiveIntegerText } from '../shared/ids.js';
import { nonEmpty } from '../shared/plain-text.js';
import {
  BodyParseError,
  getKeyIgnoringCase as get,
  ticketDeliveries,
  type NamedTicket,
} from '../shared/webhook-body.js';

/**
 * HTTP-edge helpers for Autotask ticket webhooks. Autotask signs each callout with the webhook's `SecretKey`:
 * `X-Hook-Signature: sha1=<base64(HMAC-SHA1(secretKey, raw body))>`. The body is only a trigger (its `Fields` are
 * whatever the webhook subscribed to); the worker re-reads the ticket through the API before acting.
 */

/** Length of an HMAC-SHA1 digest in bytes. */
const SHA1_BYTES = 20;

/**
 * True when `header` carries the HMAC-SHA1 of exactly `rawBody` under `secretKey`, base64-encoded.
 *
 * - The `sha1=` prefix is optional (any case): the HMAC itself is what authenticates, so a header without the
 *   prefix is no weaker, and tolerating it keeps a proxy or a format change from rejecting genuine callouts.
 *   Any other algorithm prefix (e.g. `sha256=`) is refused.
 * - The value must be canonical base64 of exactly 20 bytes; the two digests are then compared with
 *   `timingSafeEqual`, so the position of a mismatch does not show in the timing.
 * - Missing or malformed headers, and an empty secret key, give false. Never throws.
 *
 * `rawBody` must be the bytes as received: re-serialised JSON does not verify.
 */
export function verifyAutotaskSignature(
  rawBody: Buffer,
  header: string | undefined,
  secretKey: string,
): boolean {
  if (!secretKey || typeof header !== 'string' || !Buffer.isBuffer(rawBody)) return false;
  const match = /^\s*(?:sha1=)?([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  const encoded = match?.[1];
  if (!encoded || encoded.length % 4 !== 0) return false;
  const given = Buffer.from(encoded, 'base64');
  // Reject non-canonical encodings and other lengths before comparing: timingSafeEqual needs equal lengths.
  if (given.length !== SHA1_BYTES || given.toString('base64') !== encoded) return false;
  const expected = createHmac('sha1', secretKey).update(rawBody).digest();
  return timingSafeEqual(given, expected);
}

/** One ticket named by an Autotask webhook body. */
export interface AutotaskWebhookDelivery {
  /** The ticket id as a canonical decimal string. */
  ticketId: string;
  /** Autotask's `Action` as sent (e.g. `Create`, `Update`). */
  action?: string;
  /** The webhook's GUID (`Guid`): identifies the webhook (and so the Autotask database), not the callout. */
  guid?: string;
  /** `<Guid>:<SequenceNumber>` (or `<ticketId>:<SequenceNumber>` without a Guid); a dedupe key when present. */
  deliveryId?: string;
  /**
   * The ticket's `companyID` when the webhook's field list includes it (`Fields.companyID`). A scheduling
   * hint only: nothing is decided from it, the worker reads the ticket's company from the API.
   */
  customerHint?: string;
}

/** The body of an Autotask webhook named no ticket, or was not JSON at all. */
export class AutotaskWebhookParseError extends BodyParseError {}

/** Actions that never start work: the ticket is gone, or the callout is about the webhook itself. */
const NON_TRIGGER_ACTIONS = new Set(['delete', 'deactivated']);
const TICKET_ENTITY_TYPES = new Set(['ticket', 'tickets']);

/**
 * Extracts the tickets an Autotask webhook body names. Keys are read case-insensitively: `Action`, `Id` (or
 * `Fields.id`), `EntityType`, `Guid`, `SequenceNumber`. A JSON string or bytes are parsed first; an array of
 * callouts is accepted too.
 *
 * - `EntityType` must be `Ticket` (or `Tickets`) when present; other entities name no ticket.
 * - `Delete` (and the `Deactivated` notice) yield no delivery: a body naming a ticket that way is valid but
 *   starts nothing. Any other or absent action yields a delivery; the worker decides from the ticket itself.
 * - A ticket named twice in one body is returned once (first occurrence wins).
 *
 * @throws AutotaskWebhookParseError when the body is not JSON, or no element names a ticket by a positive integer id.
 */
export function parseAutotaskWebhook(body: unknown): { deliveries: AutotaskWebhookDelivery[] } {
  const deliveries = ticketDeliveries(body, calloutDelivery, {
    undecodable: (reason) =>
      new AutotaskWebhookParseError(
        reason === 'not-json'
          ? 'Autotask webhook body is not valid JSON'
          : 'Autotask webhook body is not a JSON object',
      ),
    namesNoTicket: () =>
      new AutotaskWebhookParseError(
        'Autotask webhook body names no ticket: expected EntityType "Ticket" (or none) and a positive integer Id',
      ),
  });
  return { deliveries };
}

/** The ticket one callout names, and its delivery unless its action starts nothing. */
function calloutDelivery(callout: Record<string, unknown>): NamedTicket<AutotaskWebhookDelivery> | undefined {
  const entityType = get(callout, 'EntityType');
  if (typeof entityType === 'string' && !TICKET_ENTITY_TYPES.has(entityType.trim().toLowerCase()))
    return undefined;
  const ticketId =
    positiveIntegerText(get(callout, 'Id')) ?? positiveIntegerText(get(get(callout, 'Fields'), 'id'));
  if (ticketId === undefined) return undefined;
  const action = nonEmpty(get(callout, 'Action'));
  if (action !== undefined && NON_TRIGGER_ACTIONS.has(action.toLowerCase())) return { ticketId };
  const delivery: AutotaskWebhookDelivery = { ticketId };
  if (action !== undefined) delivery.action = action;
  const guid = nonEmpty(get(callout, 'Guid'));
  if (guid !== undefined) delivery.guid = guid;
  const sequence = sequenceOf(get(callout, 'SequenceNumber'));
  if (sequence !== undefined) delivery.deliveryId = `${guid ?? ticketId}:${sequence}`;
  const company = positiveIntegerText(get(get(callout, 'Fields'), 'companyID'));
  if (company !== undefined) delivery.customerHint = company;
  return { ticketId, delivery };
}

function sequenceOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^\s*\d{1,18}\s*$/.test(value)) return value.trim();
  return undefined;
}
