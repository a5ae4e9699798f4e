import { describe, expect, it } from 'vitest';
import { planWiring } from '../../app/wiring-plan.js';
import { loadConfig } from '../../config/load-config.js';
import { capturedLogger } from '../support/captured-logs.js';
import { OTHER_PSAS_ENV, validEnv } from '../support/test-config.js';

describe('PSA adapters as their modules build them', () => {
  // No resolved status is configured, so moving a ticket to resolved logs a warning and calls no PSA.
  const plan = planWiring(loadConfig({ env: validEnv({ ...OTHER_PSAS_ENV }) }));

  it.each(['halopsa', 'connectwise', 'autotask'])(
    'When the %s adapter logs, Then the line names its PSA exactly once',
    async (kind) => {
      const planned = plan.psas.find((p) => p.kind === kind);
      expect(planned).toBeDefined();
      const { logger, lines } = capturedLogger();
      const { adapter } = planned!.build(logger);

      await adapter.moveTicket('7', 'resolved');

      expect(lines).toHaveLength(1);
      const line = lines[0] ?? '';
      expect(line).toContain('ticket left as is');
      expect(line.match(/"psa":/g)).toEqual(['"psa":']);
      expect(JSON.parse(line)).toMatchObject({ psa: kind, ticketId: '7' });
    },
  );
});
