import type { OutcomeCode } from '../outcome-codes.js';
import type { PsaKind } from './psa-port.js';

/** Outcome events: facts about a ticket's reset, sent to the MSP's own systems (chat, SIEM, dashboards). */

/**
 * Every event type, in the order the docs list them. Receivers subscribe by these names; never rename one:
 * add a new type instead.
 */
export const OUTCOME_EVENT_TYPES = [
  'reset.delivered',
  'reset.handed-off',
  'confirmation.denied',
  'staff.disavowed',
  'link.viewed',
  'link.expired-unviewed',
  'loop.closed',
] as const;

export type OutcomeEventType = (typeof OUTCOME_EVENT_TYPES)[number];

/**
 * One outcome event. Only identifiers and plain facts: never a password, a pass, a token, a secret, a link
 * URL or anything a manager wrote. `id` is stable for the fact: an event published again (a retried job)
 * carries the same id, so both the queue and the receivers can drop the repeat.
 */
export interface OutcomeEvent {
  id: string;
  type: OutcomeEventType;
  /** When the fact happened (ISO 8601 UTC). */
  occurredAt: string;
  psa: PsaKind;
  ticketId: string;
  /** The customer's short name from the configuration, when the ticket was matched to one. */
  customer?: string;
  /** The customer's Entra tenant id, when known. */
  tenantId?: string;
  /** The staff member, when the ticket was resolved to one. */
  target?: { userPrincipalName: string; displayName: string };
  /** The outcome code (services/domain/outcome-codes.ts) the fact ended with, where there is one. */
  outcome?: OutcomeCode;
  /** `reset.delivered` and `reset.handed-off`: whether a note for the manager (link or what was done) is on the ticket. */
  delivered?: boolean;
  /** `link.viewed`: which view of the secure link this was, and how many are left. */
  view?: { number: number; left: number };
  /** `link.*`: the link's non-secret reference (the first 12 hex digits of its ref, as in the notes). */
  linkRef?: string;
}

/**
 * Where outcome events go. `publish` queues the event for delivery to every configured endpoint that
 * subscribes to its type and returns once it is queued; it never throws and never fails the caller's work:
 * an event that cannot be queued is logged and dropped. Publishing an event id again is a no-op while the
 * first is kept (days).
 */
export interface OutcomeEvents {
  publish(event: OutcomeEvent): Promise<void>;
}
