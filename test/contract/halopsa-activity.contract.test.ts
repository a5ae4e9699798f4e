import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PsaError } from '../../services/domain/errors.js';
import { createLogger } from '../../services/logging/logger.js';
import { createHaloPsaAdapter, type HaloOptions } from '../../integrations/halopsa/halopsa-adapter.js';
import { startHaloSimulator, type HaloSimulator } from '../simulators/halopsa-simulator.js';

/** HaloPSA specifics of the back-in watch: how actions are attributed. */

const TICKET = 4400;
const NEW = 1;
const RESOLVED = 9;
const since = new Date('2026-12-01T09:00:00Z');
const silent = createLogger({ level: 'silent' });

function optionsFor(sim: HaloSimulator, overrides: Partial<HaloOptions> = {}): HaloOptions {
  return {
    resourceServerUrl: sim.resourceServerUrl,
    authServerUrl: sim.authServerUrl,
    tenant: 'contoso',
    ...sim.defaultApp,
    scope: 'all',
    timeoutMs: 2_000,
    resetTicketTypeIds: [25],
    fields: { target: 'CFResetTarget', resetPassword: 'CFResetPassword', resetMfa: 'CFResetMfa' },
    outcomes: { customerNoteId: 21, internalNoteId: 7 },
    statuses: { resolvedId: RESOLVED },
    handoff: {},
    ...overrides,
  };
}

describe('HaloPSA adapter: activity (simulator)', () => {
  let sim: HaloSimulator;

  beforeEach(async () => {
    sim = await startHaloSimulator({ tenant: 'contoso' });
    sim.addClient(12, 'Contoso Ltd');
    sim.addTicket({
      id: TICKET,
      summary: 'Password reset',
      tickettype_id: 25,
      client_id: 12,
      status_id: NEW,
    });
  });

  afterEach(async () => {
    await sim.close();
  });

  it("When another API application's agent wrote a note with a service marker, Then it is the service's", async () => {
    const adapter = createHaloPsaAdapter(optionsFor(sim), silent);
    sim.addActivity(TICKET, {
      by: 'engineer',
      text: 'Secure link opened.\nLink abc · RD-V-0A1B2C3D4E-1',
      at: new Date('2026-12-01T09:10:00Z'),
    });

    const activity = await adapter.activitySince(String(TICKET), since, String(NEW));

    expect(activity.replied).toBe(false);
  });

  it('When an agent replied and an end user replied, Then both count, with their names, oldest first', async () => {
    const adapter = createHaloPsaAdapter(optionsFor(sim), silent);
    sim.addActivity(TICKET, { by: 'engineer', text: 'On it', at: new Date('2026-12-01T09:30:00Z') });
    sim.addActivity(TICKET, {
      by: 'contact',
      text: 'Still locked out',
      at: new Date('2026-12-01T09:20:00Z'),
    });

    const activity = await adapter.activitySince(String(TICKET), since, String(NEW));

    expect(activity.replies).toEqual([
      { at: new Date('2026-12-01T09:20:00Z'), by: 'contact', author: 'Mark Manager' },
      { at: new Date('2026-12-01T09:30:00Z'), by: 'engineer', author: 'Ann Agent' },
    ]);
  });

  it('When an action names no agent at all, Then it counts as unknown', async () => {
    const adapter = createHaloPsaAdapter(optionsFor(sim), silent);
    sim.failNext({
      method: 'GET',
      pathPattern: '/api/Actions',
      status: 200,
      json: {
        record_count: 1,
        actions: [{ id: 1, ticket_id: TICKET, datetime: '2026-12-01T09:05:00', note: 'x' }],
      },
    });

    const activity = await adapter.activitySince(String(TICKET), since, String(NEW));

    expect(activity.replies).toEqual([{ at: new Date('2026-12-01T09:05:00Z'), by: 'unknown' }]);
  });

  it('When an action has no readable time, Then a PsaError', async () => {
    const adapter = createHaloPsaAdapter(optionsFor(sim), silent);
    sim.failNext({
      method: 'GET',
      pathPattern: '/api/Actions',
      status: 200,
      json: { actions: [{ id: 1, ticket_id: TICKET, who_agentid: 0, datetime: 'today', note: 'x' }] },
    });

    await expect(adapter.activitySince(String(TICKET), since, String(NEW))).rejects.toBeInstanceOf(PsaError);
  });

  it("When this API application wrote a note without a marker, Then Halo's record of the application makes it the service's", async () => {
    const adapter = createHaloPsaAdapter(optionsFor(sim), silent);

    await adapter.addNote(String(TICKET), { text: 'Plain update', visibility: 'internal', marker: 'x' });
    const activity = await adapter.activitySince(String(TICKET), since, String(NEW));

    expect(activity.replied).toBe(false);
  });
});
