import { configSchema } from './config-schema.js';

/** One key of the schema, as convict reads it. */
export interface ConfigLeaf {
  doc: string;
  format: unknown;
  default: unknown;
  env?: string;
  sensitive?: boolean;
  nullable?: boolean;
}

function isLeaf(node: unknown): node is ConfigLeaf {
  return typeof node === 'object' && node !== null && 'doc' in node && 'format' in node;
}

/** Every key of the schema with its dotted path, in schema order. */
export function configKeys(
  node: Record<string, unknown> = configSchema,
  path: string[] = [],
): Array<[string, ConfigLeaf]> {
  return Object.entries(node).flatMap(([k, v]) =>
    isLeaf(v)
      ? [[[...path, k].join('.'), v] as [string, ConfigLeaf]]
      : configKeys(v as Record<string, unknown>, [...path, k]),
  );
}

const envByKey = new Map(configKeys().map(([key, leaf]) => [key, leaf.env]));

/** The env var of a dotted key (`halopsa.clientId` → `HALOPSA_CLIENT_ID`), for messages that name both. */
export function envOf(key: string): string {
  return envByKey.get(key) ?? 'no env var';
}
