import { graphError, HttpAnswer } from './graph-sim-http.js';
import { MESSAGES } from './graph-sim-messages.js';
import type { SimUserState } from './graph-sim-model.js';
import type { TenantState } from './graph-sim-tenant.js';

/** One authorized Graph request, as every area's handler receives it. */
export interface GraphCall {
  method: string;
  /** `v1.0` or `beta`. */
  version: string;
  /** The path after the version, decoded per segment: `['users', 'abc', 'manager']`. */
  segments: string[];
  query: Record<string, string>;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
  /** The tenant the bearer token was issued for. */
  tenant: TenantState;
  /** The request carried `ConsistencyLevel: eventual`. */
  eventual: boolean;
  /** The simulator's origin (`https://127.0.0.1:PORT`), for `@odata.context` and `@odata.nextLink`. */
  origin: string;
}

/** The `@odata.context` URL of an answer. */
export function odataContext(call: GraphCall, fragment: string): string {
  return `${call.origin}/${call.version}/$metadata#${fragment}`;
}

/** The properties `$select` names, or undefined without one. */
export function selectOf(query: Record<string, string>): string[] | undefined {
  return query.$select ? query.$select.split(',').map((s) => s.trim()) : undefined;
}

export function segmentNotFound(segment: string): HttpAnswer {
  return graphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
}

/**
 * One page of a list, Graph style: `$top` (1..999) or the tenant's page size per page, `@odata.nextLink` with
 * an opaque `$skiptoken` when more remain.
 */
export function page(
  call: GraphCall,
  items: Record<string, unknown>[],
  annotations: Record<string, unknown>,
): HttpAnswer {
  const { query } = call;
  let size = call.tenant.pageSize;
  if (query.$top !== undefined) {
    const top = /^\d+$/.test(query.$top) ? Number(query.$top) : NaN;
    if (!(top >= 1 && top <= 999))
      return graphError(400, 'Request_BadRequest', MESSAGES.pageSize(query.$top));
    size = top;
  }
  let offset = 0;
  if (query.$skiptoken !== undefined) {
    const decoded = /^skip:(\d+)$/.exec(Buffer.from(query.$skiptoken, 'base64url').toString('utf8'));
    if (!decoded) return graphError(400, 'Request_BadRequest', 'Invalid skip token.');
    offset = Number(decoded[1]);
  }
  const answer: Record<string, unknown> = { ...annotations };
  const end = offset + size;
  if (end < items.length) {
    const params = Object.entries(query)
      .filter(([key]) => key !== '$skiptoken')
      .map(([key, value]) => `${key}=${encodeURIComponent(value)}`);
    params.push(`$skiptoken=${Buffer.from(`skip:${end}`).toString('base64url')}`);
    const path = call.segments.map((s) => encodeURIComponent(s)).join('/');
    answer['@odata.nextLink'] = `${call.origin}/${call.version}/${path}?${params.join('&')}`;
  }
  answer.value = items.slice(offset, end);
  return new HttpAnswer(200, answer);
}

/** A request under `/users/{id}`, the user found. */
export interface UserCall extends GraphCall {
  user: SimUserState;
  /** The id or UPN as the path named the user. */
  userKey: string;
  /** The segments after `/users/{id}`. */
  rest: string[];
}
