import { existsSync } from 'node:fs';
import { isLoopbackHost } from './config-formats.js';
import {
  CustomerDirectory,
  DEFAULT_POLICY,
  GUID_PATTERN,
  customerListSchema,
  policySchema,
  type CustomerSettings,
  type ResetPolicy,
} from './customer-settings.js';
import { configSchema, createConfig } from './config-schema.js';
import { envOf } from './config-keys.js';
import { redisSettingsFrom, type RawRedisSettings, type RedisSettings } from './redis-settings.js';
import { PSA_SECTIONS, type PsaSectionName } from './psa-sections.js';
import { resolveSecretFiles } from './secret-files.js';

/** A configuration problem: the process entry point prints the message and exits 78 before anything starts. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * The value of each key, inferred from the schema's defaults: a key whose default is `null` (not set) is
 * `undefined` when unset. `normalise` turns convict's nulls into undefined in the one place they are read.
 */
type LeafValue<D> = D extends null ? undefined : D extends readonly (infer U)[] ? U[] : D;
type SchemaValues<S> = {
  [K in keyof S]: S[K] extends { doc: string; format: unknown; default: infer D }
    ? LeafValue<D>
    : SchemaValues<S[K]>;
};

function normalise(value: unknown): unknown {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === 'object' && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, normalise(v)]));
  }
  return value;
}

type Sections = SchemaValues<typeof configSchema>;

/**
 * The keys of each PSA section that must be set when that PSA is enabled (unset, empty string and empty
 * list all count as missing). Everything else in a section has a default or is optional.
 */
export const REQUIRED_WHEN_ENABLED = {
  halopsa: [
    'resourceServerUrl',
    'authServerUrl',
    'clientId',
    'clientSecret',
    'webhookUsername',
    'webhookPassword',
    'resetTicketTypeIds',
    'customerNoteOutcomeId',
  ],
  connectwise: ['siteUrl', 'companyId', 'publicKey', 'privateKey', 'clientId', 'resetBoardIds'],
  autotask: ['baseUrl', 'username', 'secret', 'integrationCode', 'webhookSecretKey', 'resetQueueIds'],
} as const satisfies { [K in PsaSectionName]: ReadonlyArray<keyof Sections[K]> };

/** An enabled PSA's section, with its required keys known to be set. */
export type EnabledPsaSection<K extends PsaSectionName> = Sections[K] & {
  [P in (typeof REQUIRED_WHEN_ENABLED)[K][number]]-?: NonNullable<Sections[K][P & keyof Sections[K]]>;
};

/** Shared secrets a PSA signs or authenticates its webhooks with: short ones can be guessed. */
const WEBHOOK_SECRETS: ReadonlyArray<[PsaSectionName, string]> = [
  ['halopsa', 'webhookPassword'],
  ['autotask', 'webhookSecretKey'],
];
const MIN_WEBHOOK_SECRET_LENGTH = 16;

/** The console section when the console is on: its sign-in keys are known to be set and checked. */
export type EnabledConsoleSection = Sections['console'] & {
  enabled: true;
  issuer: string;
  clientId: string;
  clientSecret: string;
  allowedGroupId: string;
};

/**
 * The console section when the console is on, else undefined. Contract: `config` came from `loadConfig`,
 * which refused to start when the console was on without its sign-in keys.
 */
export function enabledConsoleSection(config: Pick<AppConfig, 'console'>): EnabledConsoleSection | undefined {
  return config.console.enabled ? (config.console as EnabledConsoleSection) : undefined;
}

/** The notify section when notices are on: both its keys are known to be set. */
export type EnabledNotifySection = Sections['notify'] & { mspTenantId: string; senderMailbox: string };

export type AppConfig = Omit<
  Sections,
  'server' | 'redis' | 'graph' | 'secureLink' | 'policy' | 'customers'
> & {
  server: Sections['server'] & { publicBaseUrl: string };
  /** One topology, checked as a whole (config/redis-settings.ts). */
  redis: RedisSettings;
  graph: Sections['graph'] & { clientId: string };
  secureLink: Omit<Sections['secureLink'], 'serverKey' | 'previousKeys'> & {
    serverKey: Buffer;
    previousKeys: Buffer[];
  };
  policy: ResetPolicy;
  customers: CustomerSettings[];
  customerDirectory: CustomerDirectory;
  /**
   * Where this configuration came from: the file (RESETDESK_CONFIG) when there is one, and a load of the
   * same sources again (the customers' reload reads the file anew; throws ConfigError like the first load).
   */
  source: { file?: string; reload(): AppConfig };
};

const named = (key: string) => `${key} (${envOf(key)})`;
const isUnset = (value: unknown) =>
  value === undefined || value === '' || (Array.isArray(value) && value.length === 0);

/**
 * The section of a PSA when it is enabled, else undefined. Contract: `config` came from `loadConfig`, which
 * refused to start when an enabled PSA's required keys were not all set.
 */
export function enabledPsaSection<K extends PsaSectionName>(
  config: Pick<AppConfig, K>,
  name: K,
): EnabledPsaSection<K> | undefined {
  const section = config[name] as Sections[K] & { enabled: boolean };
  return section.enabled ? (section as EnabledPsaSection<K>) : undefined;
}

/**
 * The notify section when notices are on, else undefined. Contract: `config` came from `loadConfig`, which
 * refused to start when notices were on without the MSP tenant and sender.
 */
export function enabledNotifySection(config: Pick<AppConfig, 'notify'>): EnabledNotifySection | undefined {
  return config.notify.enabled ? (config.notify as EnabledNotifySection) : undefined;
}

/**
 * Loads and validates the configuration: the JSON file named by RESETDESK_CONFIG (when set), then env vars
 * (a secret's `<ENV>_FILE` read in place of `<ENV>`, see secret-files.ts) and `overrides` (tests). Any invalid, missing or unsafe value throws a ConfigError that names its key.
 */
export function loadConfig(
  options: { env?: NodeJS.ProcessEnv; overrides?: Record<string, unknown>; args?: string[] } = {},
): AppConfig {
  const env = resolveSecretFiles(options.env ?? process.env, (message) => new ConfigError(message));
  let config: ReturnType<typeof createConfig>;
  try {
    config = createConfig({ env, args: options.args ?? [] });
  } catch (err) {
    // convict parses JSON-valued env vars (RESETDESK_POLICY_JSON) while it reads the environment.
    throw new ConfigError(`an environment variable could not be read: ${(err as Error).message}`);
  }
  const file = env.RESETDESK_CONFIG;
  if (file) {
    if (!existsSync(file)) throw new ConfigError(`RESETDESK_CONFIG: file not found: ${file}`);
    try {
      config.loadFile(file);
    } catch (err) {
      const reason = err instanceof SyntaxError ? 'is not valid JSON' : 'could not be read';
      throw new ConfigError(`RESETDESK_CONFIG: ${file} ${reason}: ${(err as Error).message}`);
    }
  }
  if (options.overrides) config.load(options.overrides);
  try {
    config.validate({ allowed: 'strict' });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }

  const raw = config.getProperties();
  const p = normalise(raw) as Sections;
  const missing: string[] = [];
  for (const key of ['server.publicBaseUrl', 'graph.clientId', 'secureLink.serverKey'] as const) {
    const [section, leaf] = key.split('.') as [keyof Sections, string];
    if (isUnset((p[section] as Record<string, unknown>)[leaf])) missing.push(named(key));
  }
  if (!p.graph.clientSecret && !p.graph.certificatePath) {
    missing.push(`${named('graph.clientSecret')} or ${named('graph.certificatePath')}`);
  }
  if (p.notify.enabled) {
    for (const key of ['mspTenantId', 'senderMailbox'] as const) {
      if (isUnset(p.notify[key])) missing.push(`${named(`notify.${key}`)} (required when notify.enabled)`);
    }
  }
  for (const name of PSA_SECTIONS) {
    if (!p[name].enabled) continue;
    const section = p[name] as Record<string, unknown>;
    for (const key of REQUIRED_WHEN_ENABLED[name]) {
      if (isUnset(section[key])) missing.push(named(`${name}.${key}`));
    }
  }
  if (p.console.enabled) {
    for (const key of ['issuer', 'clientId', 'clientSecret', 'allowedGroupId'] as const) {
      if (isUnset(p.console[key])) missing.push(`${named(`console.${key}`)} (required when console.enabled)`);
    }
  }
  if (missing.length > 0) throw new ConfigError(`missing configuration: ${missing.join(', ')}`);
  checkConsole(p.console);

  if (p.graph.certificatePath && !existsSync(p.graph.certificatePath)) {
    throw new ConfigError(`graph.certificatePath: file not found: ${p.graph.certificatePath}`);
  }
  for (const [name, key] of WEBHOOK_SECRETS) {
    const secret = (p[name] as Record<string, unknown>)[key];
    if (p[name].enabled && typeof secret === 'string' && secret.length < MIN_WEBHOOK_SECRET_LENGTH) {
      throw new ConfigError(
        `${name}.${key}: must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters (use a long random value)`,
      );
    }
  }
  const redis = redisSettingsFrom(raw.redis as RawRedisSettings);
  if (!redis.settings) throw new ConfigError(redis.problems.join('; '));
  const { bearerToken } = p.metrics;
  if (bearerToken !== undefined && (bearerToken.length < 16 || /\s/.test(bearerToken))) {
    throw new ConfigError(
      `${named('metrics.bearerToken')}: must be at least 16 characters without spaces (use a long random value)`,
    );
  }
  if (p.metrics.port !== 0 && p.metrics.port === p.server.port && p.role !== 'worker') {
    throw new ConfigError(`${named('metrics.port')}: must differ from server.port (the public port)`);
  }
  const serverKey = Buffer.from(p.secureLink.serverKey as string, 'base64');
  const previousKeys = p.secureLink.previousKeys.map((key) => Buffer.from(key, 'base64'));
  const ring = [serverKey, ...previousKeys];
  if (ring.some((key, i) => ring.findIndex((other) => other.equals(key)) !== i)) {
    throw new ConfigError(
      `${named('secureLink.previousKeys')}: holds the current key or one key twice; list each older key once`,
    );
  }
  const enabled = PSA_SECTIONS.filter((name) => p[name].enabled);
  if (enabled.length === 0) {
    throw new ConfigError(
      `no PSA is enabled: enable one of ${PSA_SECTIONS.map((n) => named(`${n}.enabled`)).join(', ')}`,
    );
  }

  const policy = parsePolicy(p.policy);
  const customers = customerListSchema.parse(p.customers);
  if (customers.length === 0) {
    throw new ConfigError(
      `no customers are configured: add each customer (PSA customer id → Entra tenant id) to ${named('customers')}`,
    );
  }
  const notifyTenant = p.notify.enabled ? p.notify.mspTenantId?.toLowerCase() : undefined;
  const customerTenant = customers.findIndex((c) => c.tenantId.toLowerCase() === notifyTenant);
  if (customerTenant >= 0) {
    throw new ConfigError(
      `${named('notify.mspTenantId')}: is the tenant of customers[${customerTenant}] ("${customers[customerTenant]!.name}"): notices must come from the MSP's own tenant, never a customer's`,
    );
  }
  customers.forEach((customer, index) => {
    if (!enabled.includes(customer.psa)) {
      throw new ConfigError(
        `customers[${index}].psa: customer "${customer.name}" uses ${customer.psa}, which is not enabled (${named(`${customer.psa}.enabled`)})`,
      );
    }
  });

  return {
    ...p,
    server: { ...p.server, publicBaseUrl: (p.server.publicBaseUrl as string).replace(/\/+$/, '') },
    redis: redis.settings,
    graph: { ...p.graph, clientId: p.graph.clientId as string },
    secureLink: { ...p.secureLink, serverKey, previousKeys },
    policy,
    customers,
    source: { file, reload: () => loadConfig(options) },
    customerDirectory: new CustomerDirectory(customers, policy, {
      passwordFormat: { ...p.passwordFormat },
      mode: p.rollout.defaultMode,
      temporaryAccessPass: p.temporaryAccessPass,
    }),
  };
}

/** Paths the console must not take: the public routes (services/http/app.ts) would be shadowed or exposed. */
const RESERVED_CONSOLE_PATHS = ['/s', '/c', '/webhooks', '/metrics', '/healthz', '/readyz'];
const CONSOLE_PATH = /^(\/[a-z0-9][a-z0-9-]*)+$/;

/** The console's values that no format checks: its path, and (when enabled) its issuer and group id. */
function checkConsole(section: Sections['console']): void {
  const { path } = section;
  if (!CONSOLE_PATH.test(path)) {
    throw new ConfigError(
      `${named('console.path')}: must be a path such as /console (lower case letters, digits and dashes, no trailing slash)`,
    );
  }
  const clash = RESERVED_CONSOLE_PATHS.find((p) => path === p || path.startsWith(`${p}/`));
  if (clash) throw new ConfigError(`${named('console.path')}: must not be under ${clash}, a public route`);
  if (!section.enabled) return;
  let issuer: URL | undefined;
  try {
    issuer = new URL(section.issuer!);
  } catch {
    issuer = undefined;
  }
  const loopback = issuer?.protocol === 'http:' && isLoopbackHost(issuer.hostname);
  if (!issuer || (issuer.protocol !== 'https:' && !loopback) || issuer.search || issuer.hash) {
    throw new ConfigError(
      `${named('console.issuer')}: must be an https URL such as https://login.microsoftonline.com/<tenant id>/v2.0`,
    );
  }
  if (!GUID_PATTERN.test(section.allowedGroupId!)) {
    throw new ConfigError(`${named('console.allowedGroupId')}: must be the group's object id (a GUID)`);
  }
}

/** The default policy: keys the configuration leaves out keep the built-in defaults. */
function parsePolicy(value: unknown): ResetPolicy {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${named('policy')}: must be an object (see docs/policy.md)`);
  }
  const parsed = policySchema.safeParse({ ...DEFAULT_POLICY, ...value });
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `policy.${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  return parsed.data;
}
