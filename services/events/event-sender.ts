import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { TransientError } from '../domain/errors.js';
import type { OutcomeEvent, OutcomeEventType } from '../domain/ports.js';
import { eventDocument, type EventFormat } from './event-document.js';

/** One configured receiver of outcome events, as the delivery worker uses it. */
export interface EventEndpoint {
  /** A short, stable name of the endpoint for job ids and logs (a hash of its URL: the URL is a secret). */
  id: string;
  url: string;
  format: EventFormat;
  /** The Standard Webhooks signing secret (`whsec_…`), for the `standard` format. */
  secret?: string;
  /** The event types it receives. */
  types: readonly OutcomeEventType[];
}

/** The endpoint's id: the first 16 hex digits of the sha256 of its URL. */
export function endpointIdOf(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 16);
}

/** What the logs may say about an endpoint: its id, format and host, never the URL (it may be the secret). */
export function describeEndpoint(endpoint: EventEndpoint): {
  endpoint: string;
  format: string;
  host: string;
} {
  return { endpoint: endpoint.id, format: endpoint.format, host: new URL(endpoint.url).host };
}

/**
 * An endpoint did not take the event: `status` is its HTTP answer (undefined when none came: refused,
 * timed out, no such host). Every refusal is retried; `retryAfterMs` is the endpoint's Retry-After.
 */
export class EventPostError extends TransientError {
  constructor(
    message: string,
    readonly status?: number,
    retryAfterMs?: number,
  ) {
    super(message, retryAfterMs);
    this.name = 'EventPostError';
  }
}

/** A Retry-After header in ms (seconds or an HTTP date), when it is one. */
function retryAfterOf(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * The request for one event to one endpoint: the body in the endpoint's format and, for `standard`, the
 * Standard Webhooks headers (`webhook-id` = the event id, stable across attempts so receivers can drop a
 * repeat; `webhook-timestamp` = now, in seconds; `webhook-signature` = `v1,<base64 HMAC-SHA256>`), signed
 * with the `standardwebhooks` library.
 */
export function eventRequest(
  endpoint: EventEndpoint,
  event: OutcomeEvent,
  now: Date = new Date(),
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(eventDocument(endpoint.format, event));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'resetdesk-events',
  };
  if (endpoint.format === 'standard') {
    if (!endpoint.secret) throw new Error(`endpoint ${endpoint.id} has no signing secret`);
    headers['webhook-id'] = event.id;
    headers['webhook-timestamp'] = String(Math.floor(now.getTime() / 1000));
    headers['webhook-signature'] = new Webhook(endpoint.secret).sign(event.id, now, body);
  }
  return { body, headers };
}

/**
 * Posts one event to one endpoint. Resolves on a 2xx; throws `EventPostError` otherwise. Redirects are not
 * followed (the event would go somewhere not configured). A Teams connector that answers 200 with
 * "HTTP error 429" in its body was throttled: that is a refusal too.
 */
export async function postEvent(
  endpoint: EventEndpoint,
  event: OutcomeEvent,
  options: { timeoutMs: number; fetch?: typeof fetch },
): Promise<{ status: number }> {
  const { body, headers } = eventRequest(endpoint, event);
  const doFetch = options.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(endpoint.url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    const reason = (err as Error).name === 'TimeoutError' ? 'timed out' : (cause ?? (err as Error).message);
    throw new EventPostError(`no answer (${reason})`);
  }
  const text = await res.text().catch(() => '');
  if (res.status >= 200 && res.status < 300) {
    if (endpoint.format === 'teams' && /HTTP error 429/.test(text)) {
      throw new EventPostError('throttled (Teams answered "HTTP error 429")', 429);
    }
    return { status: res.status };
  }
  throw new EventPostError(
    `answered HTTP ${res.status}`,
    res.status,
    retryAfterOf(res.headers.get('retry-after'), Date.now()),
  );
}
