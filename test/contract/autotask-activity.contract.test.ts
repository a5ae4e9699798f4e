import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PsaError } from '../../services/domain/errors.js';
import { createLogger } from '../../services/logging/logger.js';
import { createAutotaskAdapter, type AutotaskOptions } from '../../integrations/autotask/autotask-adapter.js';
import { startAutotaskSimulator, type AutotaskSimulator } from '../simulators/autotask-simulator.js';

/** Autotask specifics of the back-in watch: time entries, the service's notes, answers it cannot read. */

const COMPANY = 174;
const QUEUE = 29683482;
const NEW = 1;
const RESOLVED = 5;
const CUSTOMER_RESOLVED = 13;
const TICKET = 7865;
const since = new Date('2026-12-01T09:00:00Z');
const silent = createLogger({ level: 'silent' });

function optionsFor(sim: AutotaskSimulator, overrides: Partial<AutotaskOptions> = {}): AutotaskOptions {
  return {
    baseUrl: sim.baseUrl,
    ...sim.defaultApiUser,
    timeoutMs: 2_000,
    resetQueueIds: [QUEUE],
    fields: { target: 'Reset Target', resetPassword: 'Reset Password', resetMfa: 'Reset MFA' },
    notes: { noteTypeId: 1, customerPublishId: 1, internalPublishId: 2, title: 'resetdesk' },
    awaitingConfirmation: {},
    resolved: { statusId: RESOLVED },
    handoff: {},
    ...overrides,
  };
}

describe('Autotask adapter: activity (simulator)', () => {
  let sim: AutotaskSimulator;

  beforeEach(async () => {
    sim = await startAutotaskSimulator({ statusIds: [NEW, RESOLVED, CUSTOMER_RESOLVED], queueIds: [QUEUE] });
    sim.addCompany(COMPANY, 'Contoso Ltd');
    sim.addContact({
      id: 30,
      companyID: COMPANY,
      firstName: 'Mark',
      lastName: 'Manager',
      emailAddress: 'm@contoso.example',
      isActive: 1,
    });
    sim.addTicket({
      id: TICKET,
      title: 'Password reset',
      companyID: COMPANY,
      queueID: QUEUE,
      status: NEW,
      contactID: 30,
    });
  });

  afterEach(async () => {
    await sim.close();
  });

  it('When an engineer logged time after the reset, Then it counts as an engineer', async () => {
    const adapter = createAutotaskAdapter(optionsFor(sim), silent);
    sim.addActivity(TICKET, {
      by: 'engineer',
      kind: 'time-entry',
      text: 'Remote session',
      at: new Date('2026-12-01T09:20:00Z'),
    });

    const activity = await adapter.activitySince(String(TICKET), since, String(NEW));

    expect(activity.replies).toEqual([{ at: new Date('2026-12-01T09:20:00Z'), by: 'engineer' }]);
  });

  it("When the service's note is on the ticket, Then only the contact's reply counts", async () => {
    const adapter = createAutotaskAdapter(optionsFor(sim), silent);
    await adapter.addNote(String(TICKET), {
      text: 'Reset done.\n\nExample MSP — Ref RD-D-0A1B2C3D',
      visibility: 'customer',
      marker: 'RD-D-0A1B2C3D',
    });
    sim.addActivity(TICKET, { by: 'contact', text: 'Thanks', at: new Date(Date.now() + 1000) });

    const activity = await adapter.activitySince(String(TICKET), since, String(NEW));

    expect(activity.replies.map((r) => r.by)).toEqual(['contact']);
  });

  it.each([
    [
      'a query answer has a next page, Then a PsaError rather than a partial activity',
      { items: [], pageDetails: { count: 500, nextPageUrl: 'https://webservices5.autotask.net/next' } },
    ],
    [
      'a note has no readable createDateTime, Then a PsaError',
      { items: [{ ticketID: TICKET, description: 'hi', createdByContactID: 30 }], pageDetails: {} },
    ],
  ])('When %s', async (_case, json) => {
    const adapter = createAutotaskAdapter(optionsFor(sim), silent);
    sim.failNext({
      method: 'POST',
      pathPattern: '/atservicesrest/v1.0/TicketNotes/query',
      status: 200,
      json,
    });

    await expect(adapter.activitySince(String(TICKET), since, String(NEW))).rejects.toBeInstanceOf(PsaError);
  });
});
