/**
 * Reading PSA webhook and callback bodies tolerantly. PSAs (and the people who configure custom payloads) are not
 * consistent about key case or about whether a body arrives parsed, as a JSON string or as raw bytes, so lookups
 * ignore case and bodies are decoded here once.
 */

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How {@link getKeyIgnoringCase} picks between keys that differ only in case. */
export interface KeyLookupOptions {
  /**
   * When true, a key spelled exactly as asked wins over other spellings; otherwise the first key (in property
   * order) that matches case-insensitively does.
   */
  preferExact?: boolean;
}

/** The value under `key` compared case-insensitively, or undefined when `obj` is not an object or has no such key. */
export function getKeyIgnoringCase(obj: unknown, key: string, options: KeyLookupOptions = {}): unknown {
  if (!isRecord(obj)) return undefined;
  if (options.preferExact && Object.hasOwn(obj, key)) return obj[key];
  const wanted = key.toLowerCase();
  const found = Object.keys(obj).find((k) => k.toLowerCase() === wanted);
  return found === undefined ? undefined : obj[found];
}

/** Why a body could not be decoded: not valid JSON text, or not a JSON value of the object/array kind at all. */
export type BodyDecodeFailure = 'not-json' | 'not-object';

/**
 * A webhook body as a JSON value: a string or bytes (`Buffer` included) are parsed as UTF-8 JSON; an already
 * parsed object or array is returned as is.
 *
 * @param fail builds the PSA's own parse error, so callers keep their error class and wording.
 * @throws whatever `fail` returns, for text that is not JSON or a body that is neither text nor an object.
 */
export function decodeJsonBody(body: unknown, fail: (reason: BodyDecodeFailure) => Error): unknown {
  let text: string | undefined;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array) text = Buffer.from(body).toString('utf8');
  if (text === undefined) {
    if (body === null || body === undefined || typeof body !== 'object') throw fail('not-object');
    return body;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw fail('not-json');
  }
}

/**
 * A webhook or callback body a PSA's parser cannot use. Each PSA has its own subclass so callers can tell whose
 * body it was; `name` is that subclass's name, which survives serialisation across process boundaries.
 */
export class BodyParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** What one callout of a webhook body names: a ticket, and the delivery it makes unless it starts no work. */
export interface NamedTicket<D> {
  ticketId: string;
  delivery?: D;
}

/** How a PSA words the failures of {@link ticketDeliveries}. */
export interface DeliveryFailures {
  /** A body that is not JSON, or not a JSON object or array. */
  undecodable: (reason: BodyDecodeFailure) => Error;
  /** A body none of whose callouts names a ticket. */
  namesNoTicket: () => Error;
  /** An empty batch, where the PSA says so in its own words (otherwise it names no ticket). */
  emptyBatch?: () => Error;
}

/**
 * The deliveries a webhook body names, each ticket once (its first delivery wins). The body is decoded as
 * {@link decodeJsonBody} does and read as a batch of callouts (a single object is a batch of one); `read` says
 * which ticket a callout names (undefined: none) and the delivery it makes. A callout that names a ticket but
 * makes no delivery still counts as naming one, so such a body is valid and starts nothing.
 */
export function ticketDeliveries<D>(
  body: unknown,
  read: (callout: Record<string, unknown>) => NamedTicket<D> | undefined,
  failures: DeliveryFailures,
): D[] {
  const value = decodeJsonBody(body, failures.undecodable);
  const callouts = Array.isArray(value) ? value : [value];
  if (callouts.length === 0 && failures.emptyBatch) throw failures.emptyBatch();
  const deliveries: D[] = [];
  const seen = new Set<string>();
  let namedTicket = false;
  for (const callout of callouts) {
    if (!isRecord(callout)) continue;
    const named = read(callout);
    if (named === undefined) continue;
    namedTicket = true;
    if (named.delivery === undefined || seen.has(named.ticketId)) continue;
    seen.add(named.ticketId);
    deliveries.push(named.delivery);
  }
  if (!namedTicket) throw failures.namesNoTicket();
  return deliveries;
}
