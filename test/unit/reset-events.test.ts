import { beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../services/domain/errors.js';
import type { LedgerEntry, OutcomeEvent, OutcomeEvents } from '../../services/domain/ports.js';
import {
  MemoryConfirmations,
  MemoryDirectory,
  MemoryLedger,
  MemoryLinks,
  MemoryPsa,
  contextFor,
  memoryJournal,
  resetTicket,
  useCaseWith,
  mariaAndSam,
} from '../support/in-memory-doubles.js';

/**
 * The reset use case publishes one event per fact: delivered, handed off, confirmation denied. A retried
 * job publishes the same event id again (the queue and receivers drop it), never a second fact.
 */

const TENANT = '11111111-2222-3333-4444-555555555555';

class RecordingEvents implements OutcomeEvents {
  published: OutcomeEvent[] = [];
  async publish(event: OutcomeEvent) {
    this.published.push(structuredClone(event));
  }
}

/** A ledger whose next record fails transiently: the job fails after its events went out. */
class FlakyLedger extends MemoryLedger {
  failNext = false;
  override async record(psa: string, ticketId: string, entry: LedgerEntry) {
    if (this.failNext) {
      this.failNext = false;
      throw new TransientError('Redis timed out');
    }
    await super.record(psa, ticketId, entry);
  }
}

describe('outcome events from the reset use case', () => {
  let psa: MemoryPsa;
  let directory: MemoryDirectory;
  let links: MemoryLinks;
  let events: RecordingEvents;

  beforeEach(() => {
    ({ psa, directory, links } = mariaAndSam());
    events = new RecordingEvents();
  });

  it('When a reset is delivered, then one reset.delivered event names the customer, tenant and staff member, and no secret', async () => {
    const outcome = await useCaseWith({ psa, directory, links, events }).handle(contextFor(memoryJournal()));
    expect(outcome.code).toBe('reset-delivered');
    expect(events.published).toHaveLength(1);
    const [event] = events.published;
    expect(event).toEqual({
      id: expect.stringMatching(/^evt_[0-9a-f]{32}$/),
      type: 'reset.delivered',
      occurredAt: expect.any(String),
      psa: 'halopsa',
      ticketId: '4242',
      customer: 'contoso',
      tenantId: TENANT,
      target: { userPrincipalName: 'sam@contoso.test', displayName: expect.any(String) },
      outcome: 'reset-delivered',
      delivered: true,
    });
    const text = JSON.stringify(events.published);
    expect(text).not.toContain(directory.passwords.get('sam')![0]);
    expect(text).not.toMatch(/\/s\//);
  });

  it('When the job fails after its event went out, then the retry publishes the same event id and no other event', async () => {
    const ledger = new FlakyLedger();
    ledger.failNext = true;
    const journal = memoryJournal();
    const useCase = useCaseWith({ psa, directory, links, events, ledger });

    await expect(useCase.handle(contextFor(journal))).rejects.toBeInstanceOf(TransientError);
    await useCase.handle(contextFor(journal));
    expect(events.published.map((e) => e.type)).toEqual(['reset.delivered', 'reset.delivered']);
    expect(events.published[1]!.id).toBe(events.published[0]!.id);
  });

  it('When a later round hands the ticket off, then its event has an id of its own', async () => {
    const first = await useCaseWith({ psa, directory, links, events }).handle(contextFor(memoryJournal()));
    expect(first.code).toBe('reset-delivered');
    psa.tickets.set('4243', resetTicket({ ticketId: '4243', psaCustomerId: '99' }));
    await useCaseWith({ psa, directory, links, events }).handle(contextFor(memoryJournal(), '4243'));
    expect(events.published.map((e) => e.type)).toEqual(['reset.delivered', 'reset.handed-off']);
    expect(new Set(events.published.map((e) => e.id)).size).toBe(2);
  });

  it('When the customer is not mapped, then the hand-off event says so without customer or staff member', async () => {
    psa.tickets.set('4242', resetTicket({ psaCustomerId: '99' }));
    await useCaseWith({ psa, directory, links, events }).handle(contextFor(memoryJournal()));
    expect(events.published).toHaveLength(1);
    expect(events.published[0]).toMatchObject({ type: 'reset.handed-off', outcome: 'unknown-customer' });
    expect(events.published[0]).not.toHaveProperty('customer');
    expect(events.published[0]).not.toHaveProperty('target');
  });

  it('When the manager denies an emailed request, then confirmation.denied and the hand-off are published once each', async () => {
    const confirmations = new MemoryConfirmations();
    psa.tickets.set(
      '4242',
      resetTicket({
        channel: 'email',
        emailOrigin: { from: 'maria@contoso.test' },
        details: 'Hi, please reset the password and MFA for sam@contoso.test. Thanks, Maria',
      }),
    );
    const useCase = useCaseWith({ psa, directory, links, events, confirmations });
    const waiting = await useCase.handle(contextFor(memoryJournal()));
    expect(waiting.code).toBe('awaiting-confirmation');
    expect(events.published).toEqual([]);

    confirmations.answer('4242', 'denied');
    const denied = await useCase.handle(contextFor(memoryJournal()));
    expect(denied.code).toBe('confirmation-denied');
    expect(events.published.map((e) => [e.type, e.outcome])).toEqual([
      ['confirmation.denied', 'confirmation-denied'],
      ['reset.handed-off', 'confirmation-denied'],
    ]);
    expect(events.published[0]).toMatchObject({
      customer: 'contoso',
      target: { userPrincipalName: 'sam@contoso.test' },
    });
    expect(directory.passwords.get('sam')).toBeUndefined();
  });
});
