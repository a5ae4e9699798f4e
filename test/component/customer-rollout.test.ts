import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startHarness,
  STATUS_HANDOFF,
  TEAM_HANDOFF,
  TENANT,
  type Harness,
} from '../support/component-harness.js';
import { HALO_CLIENT } from '../sandbox/sandbox.js';

/** Graph calls that change a user: what a dry run must never make. */
const USER_WRITE = /^\/(v1\.0|beta)\/users\//;
/** Secure links stored in Redis (one record per link). */
const linkCount = (dump: string) => dump.split('link-meta:').length - 1;
const isUserWrite = (r: { method: string; path: string }) =>
  ['PATCH', 'DELETE', 'POST', 'PUT'].includes(r.method) && USER_WRITE.test(r.path);

describe('Roll-out per customer, switched by rewriting the customers file while the service runs', () => {
  let h: Harness;
  let folder: string;
  let file: string;

  /** Replaces the configuration file the way an editor does: a new file renamed over the old one. */
  const writeCustomers = (customer: Record<string, unknown>) => {
    const next = join(folder, '.resetdesk.json.swp');
    writeFileSync(
      next,
      JSON.stringify({
        customers: [
          { name: 'contoso', psa: 'halopsa', psaCustomerId: HALO_CLIENT, tenantId: TENANT, ...customer },
        ],
      }),
    );
    renameSync(next, file);
  };

  const logged = (event: string) => h.logs.filter((line) => JSON.parse(line).event === event);
  const waitForLog = (event: string, count: number) =>
    h.untilLogged(() => logged(event).length >= count, `${count} ${event} log line(s)`, 5000);

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'rd-customers-'));
    file = join(folder, 'resetdesk.json');
    writeCustomers({ passwordFormat: { words: 4, separators: '.', digits: 4 } });
    h = await startHarness(
      { RESETDESK_CONFIG: file },
      'halopsa',
      {},
      { withoutEnv: ['RESETDESK_CUSTOMERS_JSON'] },
    );
  });
  afterAll(async () => {
    await h.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it("When the customer is on, then its ticket is reset with a password of the customer's format, which appears nowhere but Graph and the link", async () => {
    h.fileResetTicket({ id: 5101, target: 'sam@contoso.test' });
    expect((await h.deliver(5101)).status).toBe(202);
    expect((await h.outcomeOf(5101)).code).toBe('reset-delivered');

    const password = h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.password!;
    expect(password).toMatch(/^([A-Z][a-z]{3,6}\.){4}[1-9]\d{3}$/);
    const patch = h.graph
      .graphRequests(TENANT)
      .find((r) => r.method === 'PATCH' && r.path === '/v1.0/users/5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d');
    expect(patch?.body).toEqual({ passwordProfile: { forceChangePasswordNextSignIn: true, password } });
    expect(h.logs.join('\n')).not.toContain(password);
    expect(JSON.stringify(h.halo.actions(5101))).not.toContain(password);
    expect(JSON.stringify((await h.job(5101))?.data)).not.toContain(password);
    expect(await h.redisDump()).not.toContain(password);
  });

  it('When the file switches the customer to dry run, then the next ticket is a dry run without a restart: no Graph write, no link, one internal note, the engineers get it', async () => {
    // Arrange
    writeCustomers({ mode: 'dry-run' });
    await waitForLog('customers.reloaded', 1);
    const writesBefore = h.graph.graphRequests(TENANT).filter(isUserWrite).length;
    const linksBefore = linkCount(await h.redisDump());
    const passwordBefore = h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.password;
    h.fileResetTicket({ id: 5102, target: 'sam@contoso.test' });

    // Act
    expect((await h.deliver(5102)).status).toBe(202);
    const outcome = await h.outcomeOf(5102);

    // Assert
    expect(outcome).toMatchObject({ code: 'dry-run', handedOff: true, delivered: false });
    expect(h.graph.user(TENANT, '5a3e1d2c-0b4f-4a6e-8c7d-9e0f1a2b3c4d')!.password).toBe(passwordBefore);
    expect(h.graph.graphRequests(TENANT).filter(isUserWrite)).toHaveLength(writesBefore);
    const actions = h.halo.actions(5102);
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ hiddenfromuser: true, sendemail: false });
    expect(String(actions[0]!.note_html)).toMatch(
      /^<p>Dry run: would reset Sam Staff&#39;s password and MFA because the requester is their direct manager/,
    );
    expect(String(actions[0]!.note_html)).not.toMatch(/\/s\//);
    expect(h.halo.ticket(5102)).toMatchObject({ team_id: TEAM_HANDOFF, status_id: STATUS_HANDOFF });
    expect(linkCount(await h.redisDump())).toBe(linksBefore);
    expect(h.logs.filter((l) => l.includes('"halopsa-5102"') && /"event":"reset\.password"/.test(l))).toEqual(
      [],
    );
  });

  it('When the file is rewritten with a bad mode, then the old settings stay and one error line names the key', async () => {
    // Arrange
    writeCustomers({ mode: 'sometimes' });
    await waitForLog('customers.reload-refused', 1);
    h.fileResetTicket({ id: 5103, target: 'sam@contoso.test' });

    // Act
    await h.deliver(5103);

    // Assert
    expect((await h.outcomeOf(5103)).code).toBe('dry-run');
    const [refused] = logged('customers.reload-refused');
    expect(refused).toMatch(/customers\[0\]\.mode/);
    expect(refused).not.toMatch(/"stack"|\\n\s+at /);
    expect(JSON.parse(refused!).level).toBe(50);
  });

  it('When the file switches the customer off, then its next ticket is left alone and the webhook is still answered 202', async () => {
    writeCustomers({ mode: 'off' });
    await waitForLog('customers.reloaded', 2);
    h.fileResetTicket({ id: 5104, target: 'sam@contoso.test' });

    expect((await h.deliver(5104)).status).toBe(202);

    expect((await h.outcomeOf(5104)).code).toBe('customer-off');
    expect(h.halo.actions(5104)).toEqual([]);
    expect(logged('reset.customer-off')).toHaveLength(1);
  });
});
