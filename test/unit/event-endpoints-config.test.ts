import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { planWiring } from '../../app/wiring-plan.js';
import { ConfigError, loadConfig } from '../../config/load-config.js';
import { OUTCOME_EVENT_TYPES } from '../../services/domain/ports.js';
import { endpointIdOf } from '../../services/events/event-sender.js';
import { validEnv } from '../support/test-config.js';

/**
 * The event endpoints an MSP configures: what the service accepts, and a start that stops naming the key
 * (exit 78) for anything it could not send safely, without ever quoting a URL or a secret.
 */

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const SLACK_URL = 'https://hooks.slack.test/services/T000/B000/secret-part';

const load = (endpoints: unknown) =>
  loadConfig({ env: validEnv({ EVENT_ENDPOINTS_JSON: JSON.stringify(endpoints) }) });

function refusal(endpoints: unknown): string {
  try {
    // As the service starts: the configuration is loaded, then planned.
    planWiring(load(endpoints));
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('event endpoints in the configuration', () => {
  it('When none are set, then no endpoint is planned', () => {
    expect(planWiring(loadConfig({ env: validEnv() })).events).toMatchObject({ endpoints: [] });
  });

  it('When endpoints are set, then each is planned with its id, and without types it takes every type', () => {
    const plan = planWiring(
      load([
        { url: 'https://events.example-msp.test/in', format: 'standard', secret: SECRET },
        { url: SLACK_URL, format: 'slack', types: ['reset.handed-off', 'confirmation.denied'] },
        { url: 'http://localhost:9000/teams', format: 'teams' },
      ]),
    );
    expect(plan.events.endpoints).toEqual([
      {
        id: endpointIdOf('https://events.example-msp.test/in'),
        url: 'https://events.example-msp.test/in',
        format: 'standard',
        secret: SECRET,
        types: OUTCOME_EVENT_TYPES,
      },
      {
        id: endpointIdOf(SLACK_URL),
        url: SLACK_URL,
        format: 'slack',
        types: ['reset.handed-off', 'confirmation.denied'],
      },
      {
        id: endpointIdOf('http://localhost:9000/teams'),
        url: 'http://localhost:9000/teams',
        format: 'teams',
        types: OUTCOME_EVENT_TYPES,
      },
    ]);
  });

  it.each([
    [
      'plain http to another host',
      [{ url: 'http://events.example-msp.test/in', format: 'slack' }],
      /events\.endpoints\[0\]\.url: must be an https URL/,
    ],
    [
      'a standard endpoint without a secret',
      [{ url: 'https://events.example-msp.test/in', format: 'standard' }],
      /events\.endpoints\[0\]\.secret: is required for the "standard" format/,
    ],
    [
      'a secret that is not whsec_ base64',
      [{ url: 'https://events.example-msp.test/in', format: 'standard', secret: 'hunter2-not-a-secret' }],
      /events\.endpoints\[0\]\.secret: must be "whsec_"/,
    ],
    [
      'a secret on a Teams endpoint',
      [{ url: 'https://example.webhook.office.test/x', format: 'teams', secret: SECRET }],
      /events\.endpoints\[0\]\.secret: is only used by the "standard" format/,
    ],
    ['an unknown format', [{ url: SLACK_URL, format: 'discord' }], /events\.endpoints\[0\]\.format: must be/],
    [
      'an unknown event type',
      [{ url: SLACK_URL, format: 'slack', types: ['reset.done'] }],
      /events\.endpoints\[0\]\.types\[0\]: must each be one of reset\.delivered/,
    ],
    ['an unknown field', [{ url: SLACK_URL, format: 'slack', channel: '#ops' }], /events\.endpoints\[0\]/],
    ['not a list', { url: SLACK_URL }, /events\.endpoints/],
  ])(
    'When an endpoint has %s, then the start stops naming the key and quoting no value',
    (_, endpoints, message) => {
      const text = refusal(endpoints);
      expect(text).toMatch(message);
      expect(text).not.toContain('secret-part');
      expect(text).not.toContain(SECRET.slice(6, 20));
      expect(text).not.toContain('hunter2');
    },
  );

  it('When the list is not JSON, then the start stops naming the key', () => {
    const env = validEnv({ EVENT_ENDPOINTS_JSON: '[{"url": ' });
    expect(() => loadConfig({ env })).toThrow(/events\.endpoints/);
  });
});
