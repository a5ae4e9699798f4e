import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OUTCOME_CODES } from '../../services/domain/outcome-codes.js';

const doc = readFileSync(new URL('../../docs/outcome-codes.md', import.meta.url), 'utf8');

describe('docs/outcome-codes.md', () => {
  it('documents every outcome code the service can write', () => {
    for (const code of Object.keys(OUTCOME_CODES))
      expect(doc, code).toMatch(new RegExp(`^\\|\\s*\`${code}\`\\s*\\|`, 'm'));
  });

  it('documents no code the service does not have', () => {
    const documented = [...doc.matchAll(/^\|\s*`([a-z-]+)`\s*\|/gm)].map((m) => m[1]!);
    expect(documented.sort()).toEqual(Object.keys(OUTCOME_CODES).sort());
  });
});
