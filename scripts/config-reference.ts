// Prints the configuration reference table from the schema: `npm run docs:config`. docs/configuration.md
// holds its output between the markers; test/unit/configuration-docs.test.ts fails when the two differ.
import { configKeys } from '../config/config-keys.js';

export { configKeys };

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
    return `| \`${key}\` | \`${leaf.env ?? ''}\` | ${formatName(leaf.format)} | ${def} | ${leaf.doc.replace(/\|/g, '\\|')} |`;
  });
  return [
    '| key | env var | format | default | what it is |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

if (process.argv[1]?.endsWith('config-reference.ts')) console.log(configReferenceTable());
