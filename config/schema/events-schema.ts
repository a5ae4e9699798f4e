import { intBetween } from '../config-formats.js';
import type { EventEndpointSetting } from '../event-endpoints.js';

/** Events out: outcome events posted to the MSP's own endpoints (config/event-endpoints.ts, README "Events out"). */
export const eventsSchema = {
  endpoints: {
    doc: 'Where outcome events go: a JSON list of { "url", "format": "standard" | "teams" | "slack", "secret" (standard only: whsec_… base64, required), "types" (event types; all when left out) }. https only (plain http for localhost). A secret as a whole: set it in .env or with EVENT_ENDPOINTS_JSON_FILE. Unset: no events are sent. See README, "Events out".',
    format: 'event-endpoint-list',
    default: [] as EventEndpointSetting[],
    env: 'EVENT_ENDPOINTS_JSON',
    sensitive: true,
  },
  attempts: {
    doc: 'How many times an event is posted to an endpoint that does not answer 2xx before it is logged and dropped; with the default events.backoffMs that is about 2 hours 20 minutes of trying.',
    format: intBetween(1, 100),
    default: 16,
    env: 'EVENT_ATTEMPTS',
  },
  backoffMs: {
    doc: 'First retry delay of an event post in ms; doubles each attempt up to 15 minutes. A Retry-After from the endpoint takes precedence.',
    format: intBetween(10, 15 * 60_000),
    default: 10000,
    env: 'EVENT_BACKOFF_MS',
  },
};
