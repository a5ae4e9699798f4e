import { hash, timingSafeEqual } from 'node:crypto';
import { positiveIntegerText } from '../shared/ids.js';
import {
  BodyParseError,
  getKeyIgnoringCase,
  ticketDeliveries,
  type NamedTicket,
} from '../shared/webhook-body.js';

/**
 * HTTP-edge helpers for HaloPSA webhooks. Halo signs nothing: the only authentication is the HTTP Basic
 * credential configured on the webhook, so it must be a per-tenant random secret. The body is only a hint
 * (its shape depends on the payload option, batching and the id-vs-display toggle); the worker re-reads the
 * ticket through the API before acting.
 */

/**
 * True when `authorizationHeader` is `Basic base64(username:password)` and equals `expected`. The decoded
 * `username:password` is compared with the expected one as SHA-256 digests with `timingSafeEqual`, so neither
 * a mismatch position nor a length difference shows in the timing. Basic auth user ids cannot contain a
 * colon, so one comparison of the whole pair checks both parts. Anything malformed (missing header, other
 * scheme, invalid base64, no colon) and an empty expected username or password give false.
 */
export function authenticateHaloWebhook(
  authorizationHeader: string | undefined,
  expected: { username: string; password: string },
): boolean {
  if (!expected.username || !expected.password) return false;
  if (typeof authorizationHeader !== 'string') return false;
  const match = /^\s*basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(authorizationHeader);
  const encoded = match?.[1];
  if (!encoded || encoded.length % 4 !== 0) return false;
  const decoded = Buffer.from(encoded, 'base64');
  if (!decoded.includes(0x3a)) return false; // no colon
  return timingSafeEqual(sha256(decoded), expectedDigest(expected));
}

// One-shot hashing: no Hash object per request (this runs on every webhook).
const sha256 = (data: Buffer | string) => hash('sha256', data, 'buffer');

/**
 * The expected credential's digest, computed once per `expected` object (the receiver passes the same one on
 * every request) instead of on every request. Kept only in process memory, like the credential itself.
 */
const digestOf = new WeakMap<object, { digest: Buffer; username: string; password: string }>();
function expectedDigest(expected: { username: string; password: string }): Buffer {
  let known = digestOf.get(expected);
  if (!known || known.username !== expected.username || known.password !== expected.password) {
    const { username, password } = expected;
    known = { digest: sha256(`${username}:${password}`), username, password };
    digestOf.set(expected, known);
  }
  return known.digest;
}

/** One ticket named by a webhook body. */
export interface HaloWebhookDelivery {
  /** The ticket id as a canonical decimal string (leading zeros removed). */
  ticketId: string;
  /** Halo's delivery GUID (top-level `id` when it is a string); a dedupe key when present. */
  deliveryId?: string;
  /** Halo's lower-case event name, e.g. "new ticket logged". */
  event?: string;
  /**
   * The ticket's client id when the body carries it (`ticket.client_id` of the "full" payload). A scheduling
   * hint only: nothing is decided from it, the worker reads the ticket's client from the API.
   */
  customerHint?: string;
}

/** The body of a Halo webhook carried no usable ticket id, or was not JSON at all. */
export class HaloWebhookParseError extends BodyParseError {}

/** Where a ticket id may sit, in order of preference (keys compared case-insensitively). */
const TICKET_ID_PATHS: ReadonlyArray<readonly string[]> = [
  ['object_id'],
  ['ticket', 'id'],
  ['ticket_id'],
  ['object', 'id'],
  ['data', 'ticket_id'],
];

/**
 * Extracts the tickets a Halo webhook body names. Accepts every payload option (full object, key fields,
 * event information only, custom payloads using the same names) and a batched array. A JSON string or bytes
 * are parsed first. Elements without a positive integer ticket id (a number or a numeric string) are skipped;
 * a ticket named twice in one body is returned once (first occurrence wins).
 *
 * @throws HaloWebhookParseError when no element names a ticket.
 */
export function parseHaloWebhook(body: unknown): { deliveries: HaloWebhookDelivery[] } {
  const deliveries = ticketDeliveries(body, calloutDelivery, {
    undecodable: (reason) =>
      new HaloWebhookParseError(
        reason === 'not-json'
          ? 'HaloPSA webhook body is not valid JSON'
          : 'HaloPSA webhook body is not a JSON object or array',
      ),
    emptyBatch: () => new HaloWebhookParseError('HaloPSA webhook body is an empty array'),
    namesNoTicket: () =>
      new HaloWebhookParseError(
        'HaloPSA webhook body names no ticket: expected a positive integer in object_id, ticket.id, ticket_id or object.id',
      ),
  });
  return { deliveries };
}

function calloutDelivery(callout: Record<string, unknown>): NamedTicket<HaloWebhookDelivery> | undefined {
  const ticketId = ticketIdOf(callout);
  if (ticketId === undefined) return undefined;
  const delivery: HaloWebhookDelivery = { ticketId };
  const id = get(callout, ['id']);
  if (typeof id === 'string' && id.trim() !== '') delivery.deliveryId = id.trim();
  const event = get(callout, ['event']);
  if (typeof event === 'string' && event.trim() !== '') delivery.event = event.trim();
  const client = positiveIntegerText(get(callout, ['ticket', 'client_id']));
  if (client !== undefined) delivery.customerHint = client;
  return { ticketId, delivery };
}

/** Follows `path` from `obj`, each key compared case-insensitively; undefined as soon as a step is missing. */
function get(obj: Record<string, unknown>, path: readonly string[]): unknown {
  return path.reduce<unknown>((current, key) => getKeyIgnoringCase(current, key), obj);
}

function ticketIdOf(element: Record<string, unknown>): string | undefined {
  for (const path of TICKET_ID_PATHS) {
    const id = positiveIntegerText(get(element, path));
    if (id !== undefined) return id;
  }
  return undefined;
}
