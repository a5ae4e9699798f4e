import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OUTCOME_CODES } from '../../services/domain/outcome-codes.js';
import {
  loopClosedEvent,
  outcomeEvent,
  outcomeEventId,
  staffDisavowedEvent,
  type EventSubject,
} from '../../services/domain/outcome-events.js';
import {
  OUTCOME_EVENT_TYPES,
  type OutcomeEvent,
  type OutcomeEventType,
} from '../../services/domain/ports.js';
import {
  EVENT_TITLES,
  eventDocument,
  slackDocument,
  standardDocument,
  teamsDocument,
  type EventFormat,
} from '../../services/events/event-document.js';

/**
 * What a receiver of outcome events gets, for every type and format: the facts it relies on, in the shapes
 * Standard Webhooks, Teams and Slack document, and never anything secret.
 */

const SUBJECT: EventSubject = {
  psa: 'halopsa',
  ticketId: '4242',
  customer: 'contoso',
  tenantId: '11111111-2222-3333-4444-555555555555',
  target: { userPrincipalName: 'sam@contoso.test', displayName: 'Sam Staff' },
};

const OUTCOME_OF: Partial<Record<OutcomeEventType, OutcomeEvent['outcome']>> = {
  'reset.delivered': 'reset-delivered',
  'reset.handed-off': 'synced-user-password',
  'confirmation.denied': 'confirmation-denied',
};

function sample(type: OutcomeEventType): OutcomeEvent {
  return outcomeEvent(type, outcomeEventId(type, SUBJECT, 'sample'), SUBJECT, {
    occurredAt: new Date('2026-12-07T09:30:00Z'),
    outcome: OUTCOME_OF[type],
    ...(type.startsWith('reset.') ? { delivered: type === 'reset.delivered' } : {}),
    ...(type.startsWith('link.') ? { linkRef: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' } : {}),
    ...(type === 'link.viewed' ? { view: { number: 1, left: 1 } } : {}),
  });
}

const FORMATS: EventFormat[] = ['standard', 'teams', 'slack'];

/** Every key of a document, at any depth. */
function keysOf(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => keysOf(v, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      keysOf(v, out);
    }
  }
  return out;
}

const SECRET_KEY = /password|passcode|^pass$|^tap$|token|secret|url$|^link$|html|email/i;

describe('outcome event documents', () => {
  it.each(OUTCOME_EVENT_TYPES.flatMap((t) => FORMATS.map((f) => [t, f] as const)))(
    'A %s event in the %s format holds no secret field and no link',
    (type, format) => {
      const doc = eventDocument(format, sample(type));
      // The Adaptive Card's own `$schema` and the attachment's `contentUrl: null` are Microsoft's format.
      const keys = keysOf(doc).filter((k) => k !== '$schema' && k !== 'contentUrl');
      expect(keys.filter((k) => SECRET_KEY.test(k))).toEqual([]);
      const text = JSON.stringify(doc).replace('"http://adaptivecards.io/schemas/adaptive-card.json"', '');
      expect(text).not.toMatch(/https?:\/\//);
      expect(text).toContain('4242');
      expect(text).toContain('sam@contoso.test');
    },
  );

  it('When a caller hands the builder more than the facts, then nothing else reaches the event', () => {
    const leaky = {
      ...SUBJECT,
      password: 'Hunter-Tulip-42!',
      linkUrl: 'https://reset.example.test/s/abc',
      target: { ...SUBJECT.target!, passwordProfile: { password: 'Hunter-Tulip-42!' } },
    } as unknown as EventSubject;
    const event = outcomeEvent('reset.delivered', 'evt_1', leaky, {
      outcome: 'reset-delivered',
      managerEmail: 'please reset Sam, his password is Hunter-Tulip-42!',
    } as never);
    for (const format of FORMATS) {
      const text = JSON.stringify(eventDocument(format, event));
      expect(text).not.toContain('Hunter-Tulip-42!');
      expect(text).not.toContain('reset.example.test');
      expect(text).not.toContain('please reset');
    }
  });

  it('A standard document is the Standard Webhooks payload: type, timestamp and the facts as data', () => {
    expect(standardDocument(sample('reset.handed-off'))).toEqual({
      type: 'reset.handed-off',
      timestamp: '2026-12-07T09:30:00.000Z',
      data: {
        id: outcomeEventId('reset.handed-off', SUBJECT, 'sample'),
        type: 'reset.handed-off',
        occurredAt: '2026-12-07T09:30:00.000Z',
        psa: 'halopsa',
        ticketId: '4242',
        customer: 'contoso',
        tenantId: '11111111-2222-3333-4444-555555555555',
        target: { userPrincipalName: 'sam@contoso.test', displayName: 'Sam Staff' },
        outcome: {
          code: 'synced-user-password',
          meaning: OUTCOME_CODES['synced-user-password'].meaning,
          nextStep: OUTCOME_CODES['synced-user-password'].nextStep,
        },
        delivered: false,
      },
    });
  });

  it('A delivered reset names its outcome without a next step (nobody has one to take)', () => {
    expect(standardDocument(sample('reset.delivered')).data.outcome).toEqual({
      code: 'reset-delivered',
      meaning: OUTCOME_CODES['reset-delivered'].meaning,
    });
  });

  it('A link event carries the view and the short link reference of the notes, never the link', () => {
    expect(standardDocument(sample('link.viewed')).data).toMatchObject({
      view: { number: 1, left: 1 },
      linkRef: 'a1b2c3d4e5f6',
    });
  });

  it('A Teams document is a message with one Adaptive Card attachment, as Microsoft documents', () => {
    const doc = teamsDocument(sample('reset.handed-off'));
    expect(doc.type).toBe('message');
    expect(doc.attachments).toHaveLength(1);
    const [attachment] = doc.attachments;
    expect(attachment).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        type: 'AdaptiveCard',
        version: '1.2',
      },
    });
    const body = attachment!.content.body;
    expect(body.map((b) => b.type)).toEqual(['TextBlock', 'TextBlock', 'FactSet']);
    expect(body[0]).toMatchObject({ text: EVENT_TITLES['reset.handed-off'], weight: 'Bolder' });
    expect(body[2]!.facts).toContainEqual({ title: 'Customer', value: 'contoso' });
    expect(body[2]!.facts).toContainEqual({
      title: 'Next step',
      value: OUTCOME_CODES['synced-user-password'].nextStep,
    });
  });

  it('A display name cannot make a link in a Teams card', () => {
    const event = outcomeEvent('reset.delivered', 'evt_2', {
      ...SUBJECT,
      target: { userPrincipalName: 'x@contoso.test', displayName: '[Open](javascript:alert(1))\nX' },
    });
    const text = JSON.stringify(teamsDocument(event));
    expect(text).not.toContain('[Open]');
    expect(text).not.toContain('\\n');
  });

  it('A Slack document has text for notifications and blocks within Slack limits, with <, > and & escaped', () => {
    const event = outcomeEvent('confirmation.denied', 'evt_3', {
      ...SUBJECT,
      customer: 'A&B <!channel>',
    });
    const doc = slackDocument(event);
    expect(doc.text).toContain('A&amp;B &lt;!channel&gt;');
    expect(doc.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(doc.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: EVENT_TITLES['confirmation.denied'] },
    });
    const fields = (doc.blocks[2] as { fields: Array<{ type: string; text: string }> }).fields;
    expect(fields.length).toBeLessThanOrEqual(10);
    expect(fields[0]).toEqual({ type: 'mrkdwn', text: '*Customer*\nA&amp;B &lt;!channel&gt;' });
    expect(JSON.stringify(doc)).not.toContain('<!channel>');
  });

  it('staff.disavowed and loop.closed events have ids stable for the fact and distinct between facts', () => {
    const first = staffDisavowedEvent(SUBJECT, { distinct: 'notice-1' });
    expect(staffDisavowedEvent(SUBJECT, { distinct: 'notice-1' }).id).toBe(first.id);
    expect(staffDisavowedEvent(SUBJECT, { distinct: 'notice-2' }).id).not.toBe(first.id);
    expect(first).toMatchObject({ type: 'staff.disavowed', ticketId: '4242', customer: 'contoso' });
    const closed = loopClosedEvent(SUBJECT, { distinct: 'round-1', outcome: 'reset-delivered' });
    expect(closed).toMatchObject({ type: 'loop.closed', outcome: 'reset-delivered' });
    expect(closed.id).not.toBe(loopClosedEvent({ ...SUBJECT, ticketId: '4243' }, { distinct: 'round-1' }).id);
  });
});

describe('the documentation of outcome events', () => {
  const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

  it('docs/openapi.yaml describes every event type as a webhook, and no other', () => {
    const doc = parse(read('docs/openapi.yaml')) as {
      webhooks: Record<string, unknown>;
      components: { schemas: { OutcomeEventDocument: { properties: { type: { enum: string[] } } } } };
    };
    expect(Object.keys(doc.webhooks)).toEqual([...OUTCOME_EVENT_TYPES]);
    expect(doc.components.schemas.OutcomeEventDocument.properties.type.enum).toEqual([
      ...OUTCOME_EVENT_TYPES,
    ]);
  });

  it('the README lists every event type in "Events out"', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('## Events out'), readme.indexOf('## Scaling'));
    for (const type of OUTCOME_EVENT_TYPES) expect(section, type).toContain(`| \`${type}\``);
  });
});
