import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { planWiring } from '../../app/wiring-plan.js';
import { loadConfig } from '../../config/load-config.js';
import { createLogger } from '../../services/logging/logger.js';
import { OTHER_PSAS_ENV, validEnv } from '../support/test-config.js';

/** What an adapter built by its PSA module logs, as raw JSON lines (duplicate keys survive in the text). */
function capturedLogger() {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    }) as never,
  });
  return { logger, lines };
}

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
