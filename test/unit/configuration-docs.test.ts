import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configKeys } from '../../config/config-keys.js';
import { configReferenceTable } from '../../scripts/config-reference.js';

const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

/** A markdown table's rows as trimmed cells, so alignment padding (a formatter's) does not matter. */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.trim().startsWith('|') && !/^\|[\s:|-]+\|$/.test(line.trim()))
    .map((line) =>
      line
        .trim()
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

describe('docs/configuration.md', () => {
  it('When the schema changes, then the generated reference in the docs matches it exactly', () => {
    const start = doc.indexOf('-->', doc.indexOf('config-reference:start')) + 3;
    const end = doc.indexOf('<!-- config-reference:end');
    expect(tableRows(doc.slice(start, end))).toEqual(tableRows(configReferenceTable()));
  });

  it('Every schema key has a doc, an env var and a format', () => {
    for (const [key, leaf] of configKeys()) {
      expect(leaf.doc, key).toMatch(/\w{3,}/);
      expect(leaf.env, key).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(leaf.format, key).toBeDefined();
    }
  });

  it('Every env var named in the docs exists in the schema', () => {
    const documented = [...doc.matchAll(/\|\s*`([A-Z][A-Z0-9_]+)`\s*\|/g)].map((m) => m[1]);
    const known = new Set(configKeys().map(([, leaf]) => leaf.env));
    for (const env of documented) expect(known.has(env), env).toBe(true);
  });
});
