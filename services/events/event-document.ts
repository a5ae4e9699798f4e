import { describeOutcome, nextStepFor } from '../domain/outcome-codes.js';
import type { OutcomeEvent, OutcomeEventType } from '../domain/ports.js';
import { subjectFields } from '../domain/outcome-events.js';

/**
 * What each outcome event looks like on the wire, in the three formats an endpoint can ask for:
 *
 * - `standard`: the Standard Webhooks payload `{ type, timestamp, data }`, signed by the delivery worker;
 * - `teams`: a message with one Adaptive Card, as Microsoft documents for Teams incoming webhooks and the
 *   Workflows "When a Teams webhook request is received" trigger;
 * - `slack`: a Slack incoming-webhook message, `text` (notifications, fallback) and `blocks`.
 *
 * Every document is built from the event's named fields only. An event never holds a password, a pass, a
 * token, a secret, a link URL or a manager's words (see OutcomeEvent), and neither does a document.
 */

export type EventFormat = 'standard' | 'teams' | 'slack';

/** The title of each type, as people read it in a channel. */
export const EVENT_TITLES: Record<OutcomeEventType, string> = {
  'reset.delivered': 'Reset delivered',
  'reset.handed-off': 'Reset handed off to the engineers',
  'confirmation.denied': 'Emailed reset request denied by the manager',
  'staff.disavowed': "Staff member says the reset wasn't them",
  'link.viewed': 'Secure link opened',
  'link.expired-unviewed': 'Secure link expired unviewed',
  'loop.closed': 'Staff member is back in',
};

/** The `data` of a standard document: the event, with its outcome code's wording. */
export interface EventData {
  id: string;
  type: OutcomeEventType;
  occurredAt: string;
  psa: string;
  ticketId: string;
  customer?: string;
  tenantId?: string;
  target?: { userPrincipalName: string; displayName: string };
  outcome?: { code: string; meaning: string; nextStep?: string };
  delivered?: boolean;
  view?: { number: number; left: number };
  linkRef?: string;
}

/** The Standard Webhooks payload (https://www.standardwebhooks.com/: type, timestamp, data). */
export interface StandardDocument {
  type: OutcomeEventType;
  timestamp: string;
  data: EventData;
}

const HANDED_OFF_TYPES: ReadonlySet<OutcomeEventType> = new Set([
  'reset.handed-off',
  'confirmation.denied',
  'staff.disavowed',
  'link.expired-unviewed',
]);

export function eventData(event: OutcomeEvent): EventData {
  const data: EventData = {
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    ...subjectFields(event),
  };
  if (event.outcome !== undefined) {
    data.outcome = { code: event.outcome, meaning: describeOutcome(event.outcome) };
    // A next step only where an engineer has one to take: a delivered reset needs nobody.
    if (HANDED_OFF_TYPES.has(event.type)) data.outcome.nextStep = nextStepFor(event.outcome);
  }
  if (event.delivered !== undefined) data.delivered = event.delivered;
  if (event.view) data.view = { number: event.view.number, left: event.view.left };
  if (event.linkRef !== undefined) data.linkRef = event.linkRef;
  return data;
}

export function standardDocument(event: OutcomeEvent): StandardDocument {
  return { type: event.type, timestamp: event.occurredAt, data: eventData(event) };
}

/** One line for a channel: what happened, to whom, for which customer and ticket. */
export function eventSummary(event: OutcomeEvent): string {
  const who = event.target
    ? `${event.target.displayName} (${event.target.userPrincipalName})`
    : 'a staff member';
  const where = event.customer ? ` at ${event.customer}` : '';
  return `${EVENT_TITLES[event.type]}: ${who}${where}, ${event.psa} ticket ${event.ticketId}.`;
}

/** The facts shown under the summary in Teams and Slack, in reading order. */
export function eventFacts(event: OutcomeEvent): Array<{ title: string; value: string }> {
  const data = eventData(event);
  const facts: Array<{ title: string; value: string }> = [];
  if (data.customer) facts.push({ title: 'Customer', value: data.customer });
  facts.push({ title: 'Ticket', value: `${data.psa} ${data.ticketId}` });
  if (data.target) {
    facts.push({
      title: 'Staff member',
      value: `${data.target.displayName} (${data.target.userPrincipalName})`,
    });
  }
  if (data.outcome) {
    facts.push({ title: 'Outcome', value: `${data.outcome.code}: ${data.outcome.meaning}` });
    if (data.outcome.nextStep) facts.push({ title: 'Next step', value: data.outcome.nextStep });
  }
  if (data.view) {
    facts.push({ title: 'View', value: `${data.view.number} (${data.view.left} left)` });
  }
  if (data.linkRef) facts.push({ title: 'Link', value: data.linkRef });
  facts.push({ title: 'When', value: data.occurredAt });
  facts.push({ title: 'Event id', value: data.id });
  return facts;
}

/** Text for an Adaptive Card TextBlock: no control characters, and no markdown link can be formed. */
function cardText(text: string): string {
  const printable = Array.from(text, (c) => (c.charCodeAt(0) < 0x20 || c === '\u007f' ? ' ' : c)).join('');
  return printable.replace(/\[/g, '(').replace(/\]/g, ')');
}

/**
 * A Teams message with one Adaptive Card, the format Microsoft documents for incoming webhooks and for the
 * Workflows webhook trigger (`type: message`, the card as an attachment of contentType
 * `application/vnd.microsoft.card.adaptive`). Version 1.2 and plain elements only, which every Teams
 * client renders.
 */
export function teamsDocument(event: OutcomeEvent) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.2',
          body: [
            {
              type: 'TextBlock',
              text: cardText(EVENT_TITLES[event.type]),
              weight: 'Bolder',
              size: 'Medium',
              wrap: true,
            },
            { type: 'TextBlock', text: cardText(eventSummary(event)), wrap: true },
            {
              type: 'FactSet',
              facts: eventFacts(event).map((f) => ({ title: f.title, value: cardText(f.value) })),
            },
          ],
        },
      },
    ],
  };
}

/** Slack's three control characters in message text; escaped, no text can form a link or a mention. */
function slackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A Slack incoming-webhook message: `text` for notifications and clients without blocks, and `blocks`
 * (a header, the summary, the facts as fields, the event id as context). Within Slack's limits: a header of
 * at most 150 characters, at most 10 fields.
 */
export function slackDocument(event: OutcomeEvent) {
  const facts = eventFacts(event).filter((f) => f.title !== 'Event id' && f.title !== 'When');
  return {
    text: slackText(eventSummary(event)),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: EVENT_TITLES[event.type].slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: slackText(eventSummary(event)) } },
      {
        type: 'section',
        fields: facts
          .slice(0, 10)
          .map((f) => ({ type: 'mrkdwn', text: `*${f.title}*\n${slackText(f.value)}`.slice(0, 2000) })),
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `${event.occurredAt} · ${event.type} · ${event.id}` }],
      },
    ],
  };
}

/** The body an endpoint of `format` receives for the event. */
export function eventDocument(format: EventFormat, event: OutcomeEvent): object {
  switch (format) {
    case 'standard':
      return standardDocument(event);
    case 'teams':
      return teamsDocument(event);
    case 'slack':
      return slackDocument(event);
  }
}
