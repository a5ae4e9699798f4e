import { createHash, randomUUID } from 'node:crypto';
import type { OutcomeCode } from './outcome-codes.js';
import type { OutcomeEvent, OutcomeEventType, PsaKind } from './ports.js';

/**
 * The outcome events the service publishes, built from plain facts. Each builder copies named fields only,
 * so nothing else a caller holds (a password, a link, a manager's words) can reach an event.
 */

/** The ticket an event is about, and what is known of its customer and staff member. */
export interface EventSubject {
  psa: PsaKind;
  ticketId: string;
  customer?: string;
  tenantId?: string;
  target?: { userPrincipalName: string; displayName: string };
}

/** The subject's named fields only, absent ones left out: what an event or a document built from one carries. */
export function subjectFields(subject: EventSubject): EventSubject {
  const fields: EventSubject = { psa: subject.psa, ticketId: subject.ticketId };
  if (subject.customer !== undefined) fields.customer = subject.customer;
  if (subject.tenantId !== undefined) fields.tenantId = subject.tenantId;
  if (subject.target) {
    fields.target = {
      userPrincipalName: subject.target.userPrincipalName,
      displayName: subject.target.displayName,
    };
  }
  return fields;
}

/**
 * A deterministic event id: the same fact (type, ticket, and what makes it distinct, e.g. a link's ref and
 * view number) always gets the same id, however often the job that reports it runs.
 */
export function outcomeEventId(type: OutcomeEventType, subject: EventSubject, distinct: string): string {
  const digest = createHash('sha256')
    .update(`${type}\n${subject.psa}\n${subject.ticketId}\n${distinct}`)
    .digest('hex');
  return `evt_${digest.slice(0, 32)}`;
}

/** A fresh event id, for a fact with nothing distinct to derive one from (kept in the job's journal). */
export function newOutcomeEventId(): string {
  return `evt_${randomUUID().replaceAll('-', '')}`;
}

/** An event of `type` about `subject`; only the named fields of `extra` are kept. */
export function outcomeEvent(
  type: OutcomeEventType,
  id: string,
  subject: EventSubject,
  extra: Pick<OutcomeEvent, 'outcome' | 'delivered' | 'view' | 'linkRef'> & { occurredAt?: Date } = {},
): OutcomeEvent {
  const at = extra.occurredAt && Number.isFinite(extra.occurredAt.getTime()) ? extra.occurredAt : new Date();
  const event: OutcomeEvent = { id, type, occurredAt: at.toISOString(), ...subjectFields(subject) };
  if (extra.outcome !== undefined) event.outcome = extra.outcome;
  if (extra.delivered !== undefined) event.delivered = extra.delivered;
  if (extra.view) event.view = { number: extra.view.number, left: extra.view.left };
  if (extra.linkRef !== undefined) event.linkRef = extra.linkRef.slice(0, 12);
  return event;
}

/** A fact reported about a subject; `distinct` names this occurrence, so reporting it again gives the same id. */
export interface DistinctFact {
  distinct: string;
  occurredAt?: Date;
  outcome?: OutcomeCode;
}

function distinctFactEvent(type: OutcomeEventType, subject: EventSubject, fact: DistinctFact): OutcomeEvent {
  return outcomeEvent(type, outcomeEventId(type, subject, fact.distinct), subject, {
    occurredAt: fact.occurredAt,
    outcome: fact.outcome,
  });
}

/**
 * `staff.disavowed`: the staff member answered "this wasn't me" to the notice of a reset. `distinct` names
 * this disavowal (e.g. the notice's reference), so reporting it again gives the same event id.
 */
export function staffDisavowedEvent(subject: EventSubject, fact: DistinctFact): OutcomeEvent {
  return distinctFactEvent('staff.disavowed', subject, fact);
}

/**
 * `loop.closed`: the staff member is back in after the reset (signed in, changed the password, registered
 * MFA again). `distinct` names this reset (e.g. its correlation id and round), so a re-check that finds the
 * same thing gives the same event id.
 */
export function loopClosedEvent(subject: EventSubject, fact: DistinctFact): OutcomeEvent {
  return distinctFactEvent('loop.closed', subject, fact);
}
