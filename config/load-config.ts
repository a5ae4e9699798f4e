import { existsSync } from 'node:fs';
import { CustomerDirectory, customerListSchema, type CustomerSettings } from './customer-settings.js';
import { createConfig } from './config-schema.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface AppConfig {
  role: 'all' | 'api' | 'worker';
  log: { level: string };
  server: {
    host: string;
    port: number;
    publicBaseUrl: string;
    bodyLimitBytes: number;
    trustProxy: number;
    shutdownTimeoutMs: number;
  };
  redis: { url: string; keyPrefix: string };
  worker: { concurrency: number; attempts: number; backoffMs: number; jobRetentionDays: number };
  graph: {
    baseUrl: string;
    authorityHost: string;
    disableInstanceDiscovery: boolean;
    clientId: string;
    clientSecret?: string;
    certificatePath?: string;
    timeoutMs: number;
    revokeSessions: boolean;
  };
  halopsa: {
    enabled: boolean;
    resourceServerUrl: string;
    authServerUrl: string;
    tenant?: string;
    clientId: string;
    clientSecret: string;
    scope: string;
    timeoutMs: number;
    webhookUsername: string;
    webhookPassword: string;
    resetTicketTypeIds: number[];
    targetField: string;
    resetPasswordField: string;
    resetMfaField: string;
    customerNoteOutcomeId: number;
    internalNoteOutcomeId: number;
    awaitingConfirmationStatusId?: number;
    handoffTeamId?: number;
    handoffTeamName?: string;
    handoffStatusId?: number;
  };
  secureLink: { serverKey: Buffer; ttlHours: number; maxViews: number; mspName: string };
  customers: CustomerSettings[];
  customerDirectory: CustomerDirectory;
}

const orUndefined = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

/**
 * Loads and validates the configuration: the JSON file named by RESETDESK_CONFIG (when set), then env vars
 * and `overrides` (tests). Any invalid or missing key throws a ConfigError that names it; the process entry
 * point prints the message and exits before anything starts.
 */
export function loadConfig(
  options: { env?: NodeJS.ProcessEnv; overrides?: Record<string, unknown>; args?: string[] } = {},
): AppConfig {
  const env = options.env ?? process.env;
  const config = createConfig({ env, args: options.args ?? [] });
  const file = env.RESETDESK_CONFIG;
  if (file) {
    if (!existsSync(file)) throw new ConfigError(`RESETDESK_CONFIG: file not found: ${file}`);
    try {
      config.loadFile(file);
    } catch (err) {
      throw new ConfigError(`RESETDESK_CONFIG: ${file} is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (options.overrides) config.load(options.overrides);
  try {
    config.validate({ allowed: 'strict' });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }

  const p = config.getProperties();
  const missing: string[] = [];
  const need = <T>(key: string, value: T | null | undefined): T => {
    if (value === null || value === undefined || value === '') missing.push(key);
    return value as T;
  };

  need('server.publicBaseUrl (PUBLIC_BASE_URL)', p.server.publicBaseUrl);
  need('graph.clientId (GRAPH_CLIENT_ID)', p.graph.clientId);
  need('secureLink.serverKey (SECURE_LINK_SERVER_KEY)', p.secureLink.serverKey);
  if (!p.graph.clientSecret && !p.graph.certificatePath) {
    missing.push(
      'graph.clientSecret (GRAPH_CLIENT_SECRET) or graph.certificatePath (GRAPH_CERTIFICATE_PATH)',
    );
  }
  if (p.graph.certificatePath && !existsSync(p.graph.certificatePath)) {
    throw new ConfigError(`graph.certificatePath: file not found: ${p.graph.certificatePath}`);
  }
  const h = p.halopsa;
  if (h.enabled) {
    need('halopsa.resourceServerUrl (HALOPSA_RESOURCE_SERVER_URL)', h.resourceServerUrl);
    need('halopsa.authServerUrl (HALOPSA_AUTH_SERVER_URL)', h.authServerUrl);
    need('halopsa.clientId (HALOPSA_CLIENT_ID)', h.clientId);
    need('halopsa.clientSecret (HALOPSA_CLIENT_SECRET)', h.clientSecret);
    need('halopsa.webhookUsername (HALOPSA_WEBHOOK_USERNAME)', h.webhookUsername);
    need('halopsa.webhookPassword (HALOPSA_WEBHOOK_PASSWORD)', h.webhookPassword);
    need('halopsa.customerNoteOutcomeId (HALOPSA_CUSTOMER_NOTE_OUTCOME_ID)', h.customerNoteOutcomeId);
    if (h.resetTicketTypeIds.length === 0)
      missing.push('halopsa.resetTicketTypeIds (HALOPSA_RESET_TICKET_TYPE_IDS)');
    if (h.webhookPassword && h.webhookPassword.length < 16) {
      throw new ConfigError(
        'halopsa.webhookPassword: must be at least 16 characters (use a long random value)',
      );
    }
  }
  if (missing.length > 0) throw new ConfigError(`missing configuration: ${missing.join(', ')}`);

  const customers = customerListSchema.parse(p.customers);
  return {
    role: p.role as AppConfig['role'],
    log: { level: p.log.level },
    server: { ...p.server, publicBaseUrl: (p.server.publicBaseUrl as string).replace(/\/+$/, '') },
    redis: p.redis,
    worker: p.worker,
    graph: {
      ...p.graph,
      clientId: p.graph.clientId as string,
      clientSecret: orUndefined(p.graph.clientSecret) ?? undefined,
      certificatePath: orUndefined(p.graph.certificatePath) ?? undefined,
    },
    halopsa: {
      ...h,
      resourceServerUrl: h.resourceServerUrl ?? '',
      authServerUrl: h.authServerUrl ?? '',
      tenant: orUndefined(h.tenant),
      clientId: h.clientId ?? '',
      clientSecret: h.clientSecret ?? '',
      webhookUsername: h.webhookUsername ?? '',
      webhookPassword: h.webhookPassword ?? '',
      customerNoteOutcomeId: h.customerNoteOutcomeId ?? 0,
      awaitingConfirmationStatusId: orUndefined(h.awaitingConfirmationStatusId),
      handoffTeamId: orUndefined(h.handoffTeamId),
      handoffTeamName: orUndefined(h.handoffTeamName),
      handoffStatusId: orUndefined(h.handoffStatusId),
    },
    secureLink: { ...p.secureLink, serverKey: Buffer.from(p.secureLink.serverKey as string, 'base64') },
    customers,
    customerDirectory: new CustomerDirectory(customers),
  };
}
