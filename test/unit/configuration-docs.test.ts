import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configKeys, configReferenceTable } from '../../scripts/config-reference.js';

const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

describe('docs/configuration.md', () => {
  it('When the schema changes, then the generated reference in the docs matches it exactly', () => {
    const start = doc.indexOf('-->', doc.indexOf('config-reference:start')) + 3;
    const end = doc.indexOf('<!-- config-reference:end');
    expect(doc.slice(start, end).trim()).toBe(configReferenceTable().trim());
  });

  it('Every schema key has a doc, an env var and a format', () => {
    for (const [key, leaf] of configKeys()) {
      expect(leaf.doc, key).toMatch(/\w{3,}/);
      expect(leaf.env, key).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(leaf.format, key).toBeDefined();
    }
  });

  it('Every env var named in the docs exists in the schema', () => {
    const documented = [...doc.matchAll(/\| `([A-Z][A-Z0-9_]+)` \|/g)].map((m) => m[1]);
    const known = new Set(configKeys().map(([, leaf]) => leaf.env));
    for (const env of documented) expect(known.has(env), env).toBe(true);
  });
});
