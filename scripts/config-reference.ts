// Regenerates the configuration reference in docs/configuration.md from the schema: `npm run docs:config`.
// test/unit/configuration-docs.test.ts fails when the table between the markers and the schema differ.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configKeys } from '../config/config-keys.js';

function formatName(format: unknown): string {
  if (Array.isArray(format)) return format.map((f) => `\`${f}\``).join(' \\| ');
  if (typeof format === 'function') return format.name.toLowerCase();
  return String(format);
}

export function configReferenceTable(): string {
  const rows = configKeys().map(([key, leaf]) => {
    const def =
      leaf.sensitive || leaf.default === null
        ? leaf.sensitive
          ? '(secret, no default)'
          : '(none)'
        : `\`${JSON.stringify(leaf.default)}\``;
    // Secrets can also come from a file (config/secret-files.ts).
    const env = leaf.sensitive ? `\`${leaf.env}\` or \`${leaf.env}_FILE\`` : `\`${leaf.env ?? ''}\``;
    return `| \`${key}\` | ${env} | ${formatName(leaf.format)} | ${def} | ${leaf.doc.replace(/\|/g, '\\|')} |`;
  });
  return [
    '| key | env var | format | default | what it is |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** docs/configuration.md with the table between its markers replaced by the schema's. */
export function withReferenceTable(doc: string): string {
  const start = doc.indexOf('-->', doc.indexOf('config-reference:start')) + 3;
  const end = doc.indexOf('<!-- config-reference:end');
  if (start < 3 || end < 0) throw new Error('docs/configuration.md has lost its config-reference markers');
  return `${doc.slice(0, start)}\n${configReferenceTable()}\n${doc.slice(end)}`;
}

if (process.argv[1]?.endsWith('config-reference.ts')) {
  const file = new URL('../docs/configuration.md', import.meta.url);
  writeFileSync(file, withReferenceTable(readFileSync(file, 'utf8')));
  execFileSync('npx', ['prettier', '--write', fileURLToPath(file)], { stdio: 'ignore' });
  console.log('docs/configuration.md: configuration reference regenerated from the schema');
}
