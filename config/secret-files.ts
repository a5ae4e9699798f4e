import { readFileSync } from 'node:fs';
import { configKeys } from './config-keys.js';

/**
 * Secrets from files (Docker and Kubernetes secrets, systemd credentials): for every `sensitive` key of the
 * schema, `<ENV>_FILE` names a file whose content is the value, trailing newlines trimmed. Generated from the
 * schema, so a new secret gets its `_FILE` variable without further code.
 */

/** The `_FILE` variable of each sensitive key: [dotted key, env var, file variable]. */
export function secretFileVariables(): Array<[key: string, env: string, fileEnv: string]> {
  return configKeys()
    .filter(([, leaf]) => leaf.sensitive && leaf.env)
    .map(([key, leaf]) => [key, leaf.env!, `${leaf.env!}_FILE`]);
}

const isSet = (value: string | undefined): value is string => value !== undefined && value !== '';

/**
 * The environment with each `<ENV>_FILE` replaced by the value read from its file. Throws `make(message)` (a
 * configuration error naming the key and the variable) when both `<ENV>` and `<ENV>_FILE` are set, or when the
 * file cannot be read or is empty. The message holds the path, never the content.
 */
export function resolveSecretFiles(
  env: NodeJS.ProcessEnv,
  make: (message: string) => Error,
): NodeJS.ProcessEnv {
  let resolved: NodeJS.ProcessEnv | undefined;
  for (const [key, name, fileName] of secretFileVariables()) {
    const path = env[fileName];
    if (!isSet(path)) continue;
    if (isSet(env[name])) {
      throw make(`${key}: both ${name} and ${fileName} are set; set only one of them`);
    }
    let content: string;
    try {
      content = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw make(`${key}: ${fileName} names a file that cannot be read (${code}): ${path}`);
    }
    const value = content.replace(/(\r?\n)+$/, '');
    if (value === '') throw make(`${key}: ${fileName} names an empty file: ${path}`);
    resolved ??= { ...env };
    resolved[name] = value;
    delete resolved[fileName];
  }
  return resolved ?? env;
}
