import { Writable } from 'node:stream';
import { createLogger } from '../../services/logging/logger.js';
import type { Logger } from '../../services/logging/logger.js';

/**
 * The service's logger (its redaction included) writing into memory: `lines` are the raw JSON lines as a
 * log shipper would get them (duplicate keys survive), `text()` all of them at once, `records()` parsed.
 */
export function capturedLogger(level = 'debug'): {
  logger: Logger;
  lines: string[];
  text: () => string;
  records: () => Array<Record<string, unknown>>;
} {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    }) as never,
  });
  return {
    logger,
    lines,
    text: () => lines.join('\n'),
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
