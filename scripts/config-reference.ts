// Prints the configuration reference table from the schema: `npm run docs:config`. docs/configuration.md
// holds its output between the markers; test/unit/configuration-docs.test.ts fails when the two differ.
import { configSchema } from '../config/config-schema.js';

interface Leaf {
  doc: string;
  format: unknown;
  default: unknown;
  env?: string;
  sensitive?: boolean;
}

function isLeaf(node: unknown): node is Leaf {
  return typeof node === 'object' && node !== null && 'doc' in node && 'format' in node;
}

export function configKeys(
  node: Record<string, unknown> = configSchema,
  path: string[] = [],
): Array<[string, Leaf]> {
  return Object.entries(node).flatMap(([k, v]) =>
    isLeaf(v)
      ? [[[...path, k].join('.'), v] as [string, Leaf]]
      : configKeys(v as Record<string, unknown>, [...path, k]),
  );
}

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
