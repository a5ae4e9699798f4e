import { linkSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load-config.js';
import { planWiring } from '../../app/wiring-plan.js';
import {
  ReloadableCustomerDirectory,
  startCustomerReload,
  type CustomerReload,
} from '../../app/customer-reload.js';
import { createLogger } from '../../services/logging/logger.js';
import { validEnv } from '../support/test-config.js';

const TENANT = '11111111-2222-3333-4444-555555555555';

describe('Reloading the customers', () => {
  let folder: string;
  let file: string;
  let logs: string[];
  let directory: ReloadableCustomerDirectory;
  let reload: CustomerReload;

  /** Writes the configuration file with contoso (Halo customer 12) and these settings of its own. */
  const writeContoso = (extra: Record<string, unknown>, path = file) =>
    writeFileSync(
      path,
      JSON.stringify({
        customers: [{ name: 'contoso', psa: 'halopsa', psaCustomerId: 12, tenantId: TENANT, ...extra }],
      }),
    );
  const contoso = () => directory.find('halopsa', '12');
  const modeNow = () => directory.modeFor(contoso()!);
  const eventsLogged = (event: string) => logs.filter((l) => JSON.parse(l).event === event);
  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 3000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'rd-reload-'));
    file = join(folder, 'resetdesk.json');
    writeContoso({ mode: 'on' });
    const env = validEnv({ RESETDESK_CONFIG: file });
    delete env.RESETDESK_CUSTOMERS_JSON;
    const plan = planWiring(loadConfig({ env }));
    logs = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _enc, done) {
          logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          done();
        },
      }) as never,
    });
    directory = new ReloadableCustomerDirectory(plan.customers);
    reload = startCustomerReload({
      directory,
      load: plan.customerReload.load,
      file: plan.customerReload.file,
      logger,
      debounceMs: 20,
    });
  });
  afterEach(() => {
    reload.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('When a good file is reloaded, then the next lookup gets its settings', () => {
    writeContoso({ mode: 'dry-run', passwordFormat: { words: 4 } });

    expect(reload.reload('SIGHUP')).toBe(true);

    expect(modeNow()).toBe('dry-run');
    expect(directory.passwordFormatFor(contoso()!)).toMatchObject({ words: 4 });
    expect(eventsLogged('customers.reloaded')).toHaveLength(1);
  });

  it('When a bad file is reloaded, then the old customers stay and one error line names the key, without a stack', () => {
    writeContoso({ mode: 'sometimes' });

    expect(reload.reload('SIGHUP')).toBe(false);

    expect(modeNow()).toBe('on');
    const refused = eventsLogged('customers.reload-refused');
    expect(refused).toHaveLength(1);
    expect(JSON.parse(refused[0]!)).toMatchObject({ level: 50, trigger: 'SIGHUP' });
    expect(refused[0]).toMatch(/customers\[0\]\.mode \(customer \\"contoso\\"\)/);
    expect(refused[0]).not.toMatch(/"stack"|\\n\s+at /);
  });

  it('When a file fails the password floor, then the old customers stay (checked as fully as at start)', () => {
    writeContoso({ mode: 'dry-run', passwordFormat: { words: 1, digits: 2 } });

    expect(reload.reload('SIGHUP')).toBe(false);

    expect(modeNow()).toBe('on');
    expect(eventsLogged('customers.reload-refused')[0]).toMatch(/customers\[0\]\.passwordFormat/);
  });

  it('When the file is removed, then the old customers stay, and a file put back is read', async () => {
    unlinkSync(file);
    expect(reload.reload('SIGHUP')).toBe(false);
    expect(modeNow()).toBe('on');
    expect(eventsLogged('customers.reload-refused')[0]).toMatch(/RESETDESK_CONFIG: file not found/);

    writeContoso({ mode: 'off' });
    await until(() => modeNow() === 'off');
  });

  it('When an editor replaces the file (write a new one, rename it over), then the change is picked up without a signal', async () => {
    const swap = join(folder, '.resetdesk.json.tmp');
    writeContoso({ mode: 'dry-run' }, swap);
    renameSync(swap, file);

    await until(() => modeNow() === 'dry-run');
    expect(eventsLogged('customers.reloaded')).toHaveLength(1);
  });

  it('When the file is written in place through another path (a bind-mounted file edited on the host), then the change is picked up', async () => {
    // Arrange: the same file under another folder, as a host's view of a bind-mounted file.
    const elsewhere = mkdtempSync(join(tmpdir(), 'rd-reload-host-'));
    const hostView = join(elsewhere, 'resetdesk.json');
    linkSync(file, hostView);

    try {
      // Act: written in place (same file), through the other path.
      writeContoso({ mode: 'off' }, hostView);

      // Assert
      await until(() => modeNow() === 'off');
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('When the file is written in several bursts, then it is read once, after it is quiet', async () => {
    writeFileSync(file, '{"customers": [');
    writeContoso({ mode: 'dry-run' });

    await until(() => modeNow() === 'dry-run');
    await new Promise((r) => setTimeout(r, 100));
    expect(eventsLogged('customers.reload-refused')).toEqual([]);
    expect(eventsLogged('customers.reloaded')).toHaveLength(1);
  });

  it('When the customers are replaced while a job runs, then that job keeps the settings of the customer it found', () => {
    // Arrange: a job found its customer under the old configuration.
    const found = contoso()!;
    writeContoso({ mode: 'dry-run', policy: { managerChainDepth: 1 } });

    // Act
    reload.reload('SIGHUP');

    // Assert: the job still reads the old settings; the next lookup reads the new ones.
    expect(directory.modeFor(found)).toBe('on');
    expect(directory.policyFor(found).managerChainDepth).toBe(2);
    expect(directory.modeFor(contoso()!)).toBe('dry-run');
    expect(directory.policyFor(contoso()!).managerChainDepth).toBe(1);
  });
});
