import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../services/logging/logger.js';
import {
  createConnectWiseAdapter,
  type ConnectWiseOptions,
} from '../../integrations/connectwise/connectwise-adapter.js';
import { startConnectWiseSimulator, type ConnectWiseSimulator } from '../simulators/connectwise-simulator.js';

/** ConnectWise specifics of the back-in watch: the API member's notes. */

const COMPANY = 19300;
const BOARD = 1;
const NEW = 1;
const RESOLVED = 24;
const CUSTOMER_RESOLVED = 25;
const TICKET = 4300;
const CONTACT = 70;
const since = new Date('2026-12-01T09:00:00Z');

function optionsFor(
  sim: ConnectWiseSimulator,
  overrides: Partial<ConnectWiseOptions> = {},
): ConnectWiseOptions {
  return {
    siteUrl: sim.url,
    codebase: sim.codebase,
    companyId: sim.companyId,
    ...sim.member,
    clientId: sim.clientId,
    timeoutMs: 2_000,
    resetBoardIds: [BOARD],
    fields: { target: 'Reset target', resetPassword: 'Reset password', resetMfa: 'Remove MFA' },
    awaitingConfirmation: {},
    resolved: { statusId: RESOLVED },
    handoff: {},
    apiMemberIdentifier: 'ResetdeskAPI',
    ...overrides,
  };
}

describe('ConnectWise adapter: activity (simulator)', () => {
  let sim: ConnectWiseSimulator;

  beforeEach(async () => {
    sim = await startConnectWiseSimulator();
    sim.addCompany(COMPANY, 'Contoso', 'Contoso Ltd');
    sim.addBoard(BOARD, 'Service Desk', [
      { id: NEW, name: 'New' },
      { id: RESOLVED, name: 'Resolved' },
      { id: CUSTOMER_RESOLVED, name: 'Completed' },
    ]);
    sim.addContact({ id: CONTACT, companyId: COMPANY, firstName: 'Mark', lastName: 'Manager' });
    sim.addTicket({
      id: TICKET,
      summary: 'Password reset',
      boardId: BOARD,
      statusId: NEW,
      companyId: COMPANY,
      contactId: CONTACT,
    });
  });

  afterEach(async () => {
    await sim.close();
  });

  it("When the API member wrote a note without a marker, Then it is the service's and does not count", async () => {
    const adapter = createConnectWiseAdapter(optionsFor(sim), createLogger({ level: 'silent' }));
    sim.addActivity(TICKET, {
      by: 'engineer',
      memberIdentifier: 'resetdeskapi',
      text: 'Automated update',
      at: new Date('2026-12-01T09:30:00Z'),
    });
    sim.addActivity(TICKET, {
      by: 'contact',
      text: 'Thanks, she is in.',
      at: new Date('2026-12-01T09:40:00Z'),
    });

    const activity = await adapter.activitySince(String(TICKET), since, String(NEW));

    expect(activity.replies).toEqual([
      { at: new Date('2026-12-01T09:40:00Z'), by: 'contact', author: 'Mark Manager' },
    ]);
  });

  it('When no API member is configured, Then a note by a member without a marker counts as an engineer', async () => {
    const adapter = createConnectWiseAdapter(
      optionsFor(sim, { apiMemberIdentifier: undefined }),
      createLogger({ level: 'silent' }),
    );
    sim.addActivity(TICKET, {
      by: 'engineer',
      memberIdentifier: 'ResetdeskAPI',
      text: 'x',
      at: new Date('2026-12-01T09:30:00Z'),
    });

    const activity = await adapter.activitySince(String(TICKET), since, String(NEW));

    expect(activity.replies.map((r) => r.by)).toEqual(['engineer']);
  });
});
