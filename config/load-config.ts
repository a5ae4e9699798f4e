import { existsSync } from 'node:fs';
import {
  CustomerDirectory,
  DEFAULT_POLICY,
  customerListSchema,
  policySchema,
  type CustomerSettings,
  type ResetPolicy,
} from './customer-settings.js';
import { createConfig } from './config-schema.js';
import { redisSettingsFrom, type RedisSettings } from './redis-settings.js';

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
  redis: RedisSettings;
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
    retryStatusId?: number;
    attestationField?: string;
    emailSources: string[];
    portalSources: string[];
    agentSources: string[];
  };
  connectwise: {
    enabled: boolean;
    siteUrl: string;
    codebase: string;
    companyId: string;
    publicKey: string;
    privateKey: string;
    clientId: string;
    apiMemberIdentifier?: string;
    timeoutMs: number;
    keyUrlAllowedOrigins: string[];
    resetBoardIds: number[];
    resetTypeNames: string[];
    resetSubTypeNames: string[];
    targetField: string;
    resetPasswordField: string;
    resetMfaField: string;
    awaitingConfirmationStatusId?: number;
    handoffBoardId?: number;
    handoffStatusId?: number;
    handoffTeamId?: number;
    handoffOwnerIdentifier?: string;
    retryStatusId?: number;
    attestationField?: string;
    emailSources: string[];
    portalSources: string[];
    agentSources: string[];
  };
  autotask: {
    enabled: boolean;
    baseUrl: string;
    username: string;
    secret: string;
    integrationCode: string;
    webhookSecretKey: string;
    timeoutMs: number;
    resetQueueIds: number[];
    resetIssueTypeIds: number[];
    resetSubIssueTypeIds: number[];
    targetField: string;
    resetPasswordField: string;
    resetMfaField: string;
    noteTypeId: number;
    customerNotePublishId: number;
    internalNotePublishId: number;
    noteTitle: string;
    awaitingConfirmationStatusId?: number;
    handoffQueueId?: number;
    handoffStatusId?: number;
    sourceEmailIds: number[];
    sourcePortalIds: number[];
    sourceAgentIds: number[];
    retryStatusId?: number;
    attestationField?: string;
  };
  secureLink: {
    serverKey: Buffer;
    ttlHours: number;
    maxViews: number;
    mspName: string;
    failedLookupsPerWindow: number;
    failedLookupWindowSeconds: number;
  };
  pacing: {
    enabled: boolean;
    graphRatePerSecond: number;
    graphBurst: number;
    halopsaRatePerSecond: number;
    connectwiseRatePerSecond: number;
    autotaskRatePerSecond: number;
  };
  metrics: { enabled: boolean; port: number };
  policy: ResetPolicy;
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
  const cw = p.connectwise;
  if (cw.enabled) {
    need('connectwise.siteUrl (CONNECTWISE_SITE_URL)', cw.siteUrl);
    need('connectwise.companyId (CONNECTWISE_COMPANY_ID)', cw.companyId);
    need('connectwise.publicKey (CONNECTWISE_PUBLIC_KEY)', cw.publicKey);
    need('connectwise.privateKey (CONNECTWISE_PRIVATE_KEY)', cw.privateKey);
    need('connectwise.clientId (CONNECTWISE_CLIENT_ID)', cw.clientId);
    if (cw.resetBoardIds.length === 0)
      missing.push('connectwise.resetBoardIds (CONNECTWISE_RESET_BOARD_IDS)');
  }
  const at = p.autotask;
  if (at.enabled) {
    need('autotask.baseUrl (AUTOTASK_BASE_URL)', at.baseUrl);
    need('autotask.username (AUTOTASK_USERNAME)', at.username);
    need('autotask.secret (AUTOTASK_SECRET)', at.secret);
    need('autotask.integrationCode (AUTOTASK_INTEGRATION_CODE)', at.integrationCode);
    need('autotask.webhookSecretKey (AUTOTASK_WEBHOOK_SECRET_KEY)', at.webhookSecretKey);
    if (at.resetQueueIds.length === 0) missing.push('autotask.resetQueueIds (AUTOTASK_RESET_QUEUE_IDS)');
  }
  if (missing.length > 0) throw new ConfigError(`missing configuration: ${missing.join(', ')}`);
  const redis = redisSettingsFrom(p.redis);
  if (!redis.settings) throw new ConfigError(redis.problems.join('; '));

  const customers = customerListSchema.parse(p.customers);
  // Keys the file leaves out keep their defaults.
  const policy = policySchema.parse({ ...DEFAULT_POLICY, ...(p.policy as object) });
  return {
    role: p.role as AppConfig['role'],
    log: { level: p.log.level },
    server: { ...p.server, publicBaseUrl: (p.server.publicBaseUrl as string).replace(/\/+$/, '') },
    redis: redis.settings,
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
      retryStatusId: orUndefined(h.retryStatusId),
      attestationField: orUndefined(h.attestationField),
    },
    connectwise: {
      ...cw,
      siteUrl: cw.siteUrl ?? '',
      companyId: cw.companyId ?? '',
      publicKey: cw.publicKey ?? '',
      privateKey: cw.privateKey ?? '',
      clientId: cw.clientId ?? '',
      apiMemberIdentifier: orUndefined(cw.apiMemberIdentifier),
      awaitingConfirmationStatusId: orUndefined(cw.awaitingConfirmationStatusId),
      handoffBoardId: orUndefined(cw.handoffBoardId),
      handoffStatusId: orUndefined(cw.handoffStatusId),
      handoffTeamId: orUndefined(cw.handoffTeamId),
      handoffOwnerIdentifier: orUndefined(cw.handoffOwnerIdentifier),
      retryStatusId: orUndefined(cw.retryStatusId),
      attestationField: orUndefined(cw.attestationField),
    },
    autotask: {
      ...at,
      baseUrl: at.baseUrl ?? '',
      username: at.username ?? '',
      secret: at.secret ?? '',
      integrationCode: at.integrationCode ?? '',
      webhookSecretKey: at.webhookSecretKey ?? '',
      awaitingConfirmationStatusId: orUndefined(at.awaitingConfirmationStatusId),
      handoffQueueId: orUndefined(at.handoffQueueId),
      handoffStatusId: orUndefined(at.handoffStatusId),
      retryStatusId: orUndefined(at.retryStatusId),
      attestationField: orUndefined(at.attestationField),
    },
    secureLink: { ...p.secureLink, serverKey: Buffer.from(p.secureLink.serverKey as string, 'base64') },
    pacing: p.pacing,
    metrics: p.metrics,
    policy,
    customers,
    customerDirectory: new CustomerDirectory(customers, policy),
  };
}
