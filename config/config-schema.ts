import convict from 'convict';
import {
  customerListSchema,
  DEFAULT_POLICY,
  describeCustomerErrors,
  policySchema,
} from './customer-settings.js';

/**
 * The one configuration schema. Every key has doc, format, default and env; secrets are `sensitive` (never
 * printed by convict) and have no default. Structure (customers, ids) comes from the JSON file named by
 * RESETDESK_CONFIG; secrets and overrides come from env vars. docs/configuration.md is checked against this
 * schema by a test.
 */

convict.addFormat({
  name: 'customer-list',
  validate(value: unknown) {
    const parsed = customerListSchema.safeParse(value);
    if (!parsed.success) throw new Error(describeCustomerErrors(parsed.error));
  },
  coerce(value: string) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  },
});

convict.addFormat({
  name: 'policy',
  validate(value: unknown) {
    const parsed = policySchema.partial().safeParse(value);
    if (!parsed.success) {
      throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    }
  },
  coerce(value: string) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  },
});

convict.addFormat({
  name: 'http-url',
  validate(value: unknown) {
    if (typeof value !== 'string') throw new Error('must be an http(s) URL');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error('must be an http(s) URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('must be an http(s) URL');
  },
});

convict.addFormat({
  name: 'int-list',
  validate(value: unknown) {
    if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new Error('must be a list of whole numbers');
    }
  },
  coerce(value: string) {
    return value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean)
      .map(Number);
  },
});

convict.addFormat({
  name: 'string-list',
  validate(value: unknown) {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) {
      throw new Error('must be a list of non-empty strings');
    }
  },
  coerce(value: string) {
    return value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  },
});

convict.addFormat({
  name: 'base64-32-bytes',
  validate(value: unknown) {
    if (typeof value !== 'string' || Buffer.from(value, 'base64').length !== 32) {
      throw new Error('must be 32 random bytes, base64-encoded (openssl rand -base64 32)');
    }
  },
});

// A Redis address as `host:port`, IPv6 hosts in brackets (`[::1]:26379`).
const REDIS_ADDRESS = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
function isRedisAddress(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const port = Number(REDIS_ADDRESS.exec(value)?.[1]);
  return port >= 1 && port <= 65535;
}
const commaList = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

convict.addFormat({
  name: 'redis-url',
  validate(value: unknown) {
    // The URL may hold a password: the message never repeats it.
    if (typeof value !== 'string' || !/^rediss?:\/\/[^\s]+$/.test(value)) {
      throw new Error('must be a redis:// or rediss:// URL');
    }
  },
});

convict.addFormat({
  name: 'redis-address-list',
  validate(value: unknown) {
    if (!Array.isArray(value) || !value.every(isRedisAddress)) {
      throw new Error('must be a comma-separated list of host:port (IPv6 as [address]:port)');
    }
  },
  coerce: commaList,
});

convict.addFormat({
  name: 'redis-nat-map',
  validate(value: unknown) {
    const ok =
      Array.isArray(value) &&
      value.every((entry) => {
        const [from, to, extra] = typeof entry === 'string' ? entry.split('=') : [];
        return extra === undefined && isRedisAddress(from) && isRedisAddress(to);
      });
    if (!ok) throw new Error('must be a comma-separated list of announced-host:port=reachable-host:port');
  },
  coerce: commaList,
});

// Pacing rates divide time: zero or a negative rate would never refill a bucket.
convict.addFormat({
  name: 'positive-number',
  coerce: (value: unknown) => (typeof value === 'string' ? Number(value) : value),
  validate(value: unknown) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new Error('must be a number above 0');
    }
  },
});

function nullableNat(doc: string, env: string) {
  return { doc, format: 'nat', default: null as number | null, nullable: true, env };
}

export const configSchema = {
  role: {
    doc: 'What this process runs: "all" (API and worker), "api" (webhooks, secure links, health) or "worker" (the reset queue).',
    format: ['all', 'api', 'worker'],
    default: 'all',
    env: 'RESETDESK_ROLE',
    arg: 'role',
  },
  log: {
    level: {
      doc: 'Log level (pino): fatal, error, warn, info, debug, trace or silent.',
      format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
      env: 'LOG_LEVEL',
    },
  },
  server: {
    host: { doc: 'Address the HTTP server listens on.', format: String, default: '0.0.0.0', env: 'HOST' },
    port: { doc: 'Port the HTTP server listens on.', format: 'port', default: 8080, env: 'PORT' },
    publicBaseUrl: {
      doc: 'The public https origin managers reach secure links at, e.g. https://reset.example-msp.com. Links in ticket notes are built from it, never from a request header.',
      format: 'http-url',
      default: null as string | null,
      nullable: true,
      env: 'PUBLIC_BASE_URL',
    },
    bodyLimitBytes: {
      doc: 'Largest webhook body accepted, in bytes; larger bodies get 413 and change nothing.',
      format: 'nat',
      default: 262144,
      env: 'BODY_LIMIT_BYTES',
    },
    trustProxy: {
      doc: 'Express "trust proxy" setting: the number of reverse proxies in front of the service (0 when none). Used for client addresses in logs and rate limits.',
      format: 'nat',
      default: 0,
      env: 'TRUST_PROXY_HOPS',
    },
    shutdownTimeoutMs: {
      doc: 'On SIGTERM, how long to wait for running jobs and open requests before exiting anyway.',
      format: 'nat',
      default: 25000,
      env: 'SHUTDOWN_TIMEOUT_MS',
    },
  },
  redis: {
    mode: {
      doc: 'Redis topology: "standalone" (redis.url), "sentinel" (a master found through Redis Sentinel) or "cluster" (Redis Cluster). A setting of another topology stops the start.',
      format: ['standalone', 'sentinel', 'cluster'],
      default: 'standalone',
      env: 'REDIS_MODE',
    },
    url: {
      doc: 'Standalone only: the Redis URL (redis:// or rediss:// for TLS; may hold user and password). Unset: redis://127.0.0.1:6379. Redis 6.2+, maxmemory-policy noeviction, AOF on.',
      format: 'redis-url',
      default: null as string | null,
      nullable: true,
      env: 'REDIS_URL',
      sensitive: true,
    },
    username: {
      doc: 'ACL user of the Redis data nodes (Sentinel: the master and replicas; Cluster: every node). Standalone: in redis.url or here.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'REDIS_USERNAME',
    },
    password: {
      doc: 'Password of the Redis data nodes (requirepass or the ACL user). Standalone: in redis.url or here, not both.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'REDIS_PASSWORD',
      sensitive: true,
    },
    tls: {
      doc: 'Sentinel and Cluster: TLS to the data nodes. Standalone uses a rediss:// URL instead.',
      format: Boolean,
      default: false,
      env: 'REDIS_TLS',
    },
    tlsCaPath: {
      doc: 'PEM file of the certificate authority that signs the Redis (and sentinel) TLS certificates, when not a public one. Only with TLS on.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'REDIS_TLS_CA_PATH',
    },
    sentinels: {
      doc: 'Sentinel only: sentinels to ask for the master, as host:port,host:port (a few of them suffice).',
      format: 'redis-address-list',
      default: [] as string[],
      env: 'REDIS_SENTINELS',
    },
    sentinelMasterName: {
      doc: 'Sentinel only: the master name the sentinels monitor ("sentinel monitor <name> ...").',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'REDIS_SENTINEL_MASTER_NAME',
    },
    sentinelUsername: {
      doc: 'Sentinel only: ACL user of the sentinels themselves, when they require one.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'REDIS_SENTINEL_USERNAME',
    },
    sentinelPassword: {
      doc: 'Sentinel only: password of the sentinels themselves (sentinel requirepass), separate from redis.password.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'REDIS_SENTINEL_PASSWORD',
      sensitive: true,
    },
    sentinelTls: {
      doc: 'Sentinel only: TLS to the sentinels (redis.tls covers the data nodes).',
      format: Boolean,
      default: false,
      env: 'REDIS_SENTINEL_TLS',
    },
    clusterNodes: {
      doc: 'Cluster only: seed nodes as host:port,host:port; the rest of the cluster is discovered from them.',
      format: 'redis-address-list',
      default: [] as string[],
      env: 'REDIS_CLUSTER_NODES',
    },
    natMap: {
      doc: 'Sentinel and Cluster: addresses the nodes announce mapped to addresses this service can reach (NAT, container port mapping), as announced-host:port=reachable-host:port,...',
      format: 'redis-nat-map',
      default: [] as string[],
      env: 'REDIS_NAT_MAP',
    },
    waitReplicas: {
      doc: 'Replicas that must hold a write the service relies on (an accepted webhook, a reset step) before it goes on (Redis WAIT, 1 s; else 503 or a retry). Unset: 1 on Sentinel, 0 otherwise.',
      format: 'nat',
      default: null as number | null,
      nullable: true,
      env: 'REDIS_WAIT_REPLICAS',
    },
    keyPrefix: {
      doc: 'Prefix of every Redis key the service writes (queues, ledger, links, pacing). On Redis Cluster it must hold a hash tag, e.g. {resetdesk}, so that all its keys share one slot.',
      format: String,
      default: 'resetdesk',
      env: 'REDIS_KEY_PREFIX',
    },
  },
  worker: {
    concurrency: {
      doc: 'Tickets one worker process works at the same time.',
      format: 'nat',
      default: 4,
      env: 'WORKER_CONCURRENCY',
    },
    attempts: {
      doc: 'How many times a ticket is tried when Graph or the PSA fail transiently (429, 5xx, timeouts) before it is handed to an engineer.',
      format: 'nat',
      default: 8,
      env: 'WORKER_ATTEMPTS',
    },
    backoffMs: {
      doc: 'First retry delay in ms; doubles each attempt. A Retry-After from Graph or the PSA takes precedence.',
      format: 'nat',
      default: 5000,
      env: 'WORKER_BACKOFF_MS',
    },
    jobRetentionDays: {
      doc: 'How long finished jobs are kept; duplicate webhooks for a ticket are recognised by its job for at least this long.',
      format: 'nat',
      default: 30,
      env: 'JOB_RETENTION_DAYS',
    },
  },
  graph: {
    baseUrl: {
      doc: 'Microsoft Graph root (national clouds: https://graph.microsoft.us, https://microsoftgraph.chinacloudapi.cn).',
      format: 'http-url',
      default: 'https://graph.microsoft.com',
      env: 'GRAPH_BASE_URL',
    },
    authorityHost: {
      doc: 'Entra ID authority host the tokens are requested from (https://login.microsoftonline.us for US Gov).',
      format: 'http-url',
      default: 'https://login.microsoftonline.com',
      env: 'GRAPH_AUTHORITY_HOST',
    },
    disableInstanceDiscovery: {
      doc: 'Skip Entra instance discovery (needed for private clouds and local simulators; leave false for Microsoft clouds).',
      format: Boolean,
      default: false,
      env: 'GRAPH_DISABLE_INSTANCE_DISCOVERY',
    },
    clientId: {
      doc: "Application (client) id of the MSP's multi-tenant Entra app registration.",
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'GRAPH_CLIENT_ID',
    },
    clientSecret: {
      doc: 'Client secret of the app registration. Leave unset when GRAPH_CERTIFICATE_PATH is used (recommended).',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'GRAPH_CLIENT_SECRET',
      sensitive: true,
    },
    certificatePath: {
      doc: 'Path to a PEM file holding the app registration certificate and its private key (recommended over a secret).',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'GRAPH_CERTIFICATE_PATH',
    },
    timeoutMs: {
      doc: 'Timeout of one Graph request in ms; a timeout is retried later.',
      format: 'nat',
      default: 15000,
      env: 'GRAPH_TIMEOUT_MS',
    },
    revokeSessions: {
      doc: "Revoke the staff member's sign-in sessions after a reset.",
      format: Boolean,
      default: true,
      env: 'GRAPH_REVOKE_SESSIONS',
    },
  },
  halopsa: {
    enabled: {
      doc: 'Accept HaloPSA webhooks and work HaloPSA tickets.',
      format: Boolean,
      default: true,
      env: 'HALOPSA_ENABLED',
    },
    resourceServerUrl: {
      doc: 'HaloPSA Resource Server URL from Configuration > Integrations > Halo API (e.g. https://acme.halopsa.com/api; /api is added when missing).',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'HALOPSA_RESOURCE_SERVER_URL',
    },
    authServerUrl: {
      doc: 'HaloPSA Authorisation Server URL (e.g. https://acme.halopsa.com/auth; /auth is added when missing).',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'HALOPSA_AUTH_SERVER_URL',
    },
    tenant: {
      doc: 'Halo-hosted tenant name, sent as ?tenant= on token requests; leave unset for self-hosted Halo.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'HALOPSA_TENANT',
    },
    clientId: {
      doc: 'Client id of the Halo API application (authentication method "Client ID and Secret (Services)").',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'HALOPSA_CLIENT_ID',
    },
    clientSecret: {
      doc: 'Client secret of the Halo API application.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'HALOPSA_CLIENT_SECRET',
      sensitive: true,
    },
    scope: { doc: 'OAuth scope requested from Halo.', format: String, default: 'all', env: 'HALOPSA_SCOPE' },
    timeoutMs: {
      doc: 'Timeout of one HaloPSA request in ms; a timeout is retried later.',
      format: 'nat',
      default: 15000,
      env: 'HALOPSA_TIMEOUT_MS',
    },
    webhookUsername: {
      doc: 'Username of the Basic authentication configured on the Halo webhook.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'HALOPSA_WEBHOOK_USERNAME',
    },
    webhookPassword: {
      doc: 'Password of the Basic authentication configured on the Halo webhook (a long random value).',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'HALOPSA_WEBHOOK_PASSWORD',
      sensitive: true,
    },
    resetTicketTypeIds: {
      doc: 'Halo ticket type ids of the "Password / MFA reset" form; tickets of other types are left alone.',
      format: 'int-list',
      default: [] as number[],
      env: 'HALOPSA_RESET_TICKET_TYPE_IDS',
    },
    targetField: {
      doc: 'Name of the Halo custom field holding the staff member to reset (UPN or email).',
      format: String,
      default: 'CFResetTarget',
      env: 'HALOPSA_TARGET_FIELD',
    },
    resetPasswordField: {
      doc: 'Name of the Halo custom field "reset password" (yes/no; both resets when absent).',
      format: String,
      default: 'CFResetPassword',
      env: 'HALOPSA_RESET_PASSWORD_FIELD',
    },
    resetMfaField: {
      doc: 'Name of the Halo custom field "remove all MFA devices" (yes/no; both resets when absent).',
      format: String,
      default: 'CFResetMFA',
      env: 'HALOPSA_RESET_MFA_FIELD',
    },
    customerNoteOutcomeId: {
      ...nullableNat(
        'Halo outcome id of the customer-visible action that emails the contact on file (an outcome is mandatory on every action).',
        'HALOPSA_CUSTOMER_NOTE_OUTCOME_ID',
      ),
    },
    internalNoteOutcomeId: {
      doc: 'Halo outcome id of the internal (private) note action.',
      format: 'nat',
      default: 7,
      env: 'HALOPSA_INTERNAL_NOTE_OUTCOME_ID',
    },
    awaitingConfirmationStatusId: nullableNat(
      "Halo status id set once the secure link is on the ticket (waiting for the customer's confirmation).",
      'HALOPSA_AWAITING_CONFIRMATION_STATUS_ID',
    ),
    handoffTeamId: nullableNat(
      'Halo team id of the engineers who pick up hand-offs.',
      'HALOPSA_HANDOFF_TEAM_ID',
    ),
    handoffTeamName: {
      doc: 'Halo team name of the engineers who pick up hand-offs (sent beside the id).',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'HALOPSA_HANDOFF_TEAM_NAME',
    },
    handoffStatusId: nullableNat(
      'Halo status id set when a ticket is handed to the engineers.',
      'HALOPSA_HANDOFF_STATUS_ID',
    ),
    attestationField: {
      doc: 'Name of the Halo field "I have spoken to this person" (yes/no); needed when a customer requires attestation.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'HALOPSA_ATTESTATION_FIELD',
    },
    emailSources: {
      doc: 'Halo ticket source names or ids that mean "created from an email" (replaces the built-in names).',
      format: 'string-list',
      default: [] as string[],
      env: 'HALOPSA_EMAIL_SOURCES',
    },
    portalSources: {
      doc: 'Halo ticket source names or ids that mean "filed in the customer portal".',
      format: 'string-list',
      default: [] as string[],
      env: 'HALOPSA_PORTAL_SOURCES',
    },
    agentSources: {
      doc: 'Halo ticket source names or ids that mean "logged by an engineer" (phone call).',
      format: 'string-list',
      default: [] as string[],
      env: 'HALOPSA_AGENT_SOURCES',
    },
    retryStatusId: nullableNat(
      'Halo status id an engineer sets to send a handed-off ticket back to resetdesk (worked again from the start).',
      'HALOPSA_RETRY_STATUS_ID',
    ),
  },
  connectwise: {
    enabled: {
      doc: 'Accept ConnectWise PSA callbacks and work ConnectWise tickets.',
      format: Boolean,
      default: false,
      env: 'CONNECTWISE_ENABLED',
    },
    siteUrl: {
      doc: 'ConnectWise API site, e.g. https://api-na.myconnectwise.net (cloud sites need the api- prefix).',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'CONNECTWISE_SITE_URL',
    },
    codebase: {
      doc: 'ConnectWise codebase path (GET https://<site>/login/companyinfo/<companyId> shows it), e.g. v4_6_release/.',
      format: String,
      default: 'v4_6_release/',
      env: 'CONNECTWISE_CODEBASE',
    },
    companyId: {
      doc: 'The ConnectWise login company id; callbacks from another company are refused.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'CONNECTWISE_COMPANY_ID',
    },
    publicKey: {
      doc: 'Public key of the API member.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'CONNECTWISE_PUBLIC_KEY',
    },
    privateKey: {
      doc: 'Private key of the API member.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'CONNECTWISE_PRIVATE_KEY',
      sensitive: true,
    },
    clientId: {
      doc: 'ConnectWise developer clientId (GUID), sent on every API call.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'CONNECTWISE_CLIENT_ID',
    },
    apiMemberIdentifier: {
      doc: "The API member's identifier: callbacks caused by the service's own updates (MemberId) are ignored.",
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'CONNECTWISE_API_MEMBER',
    },
    timeoutMs: {
      doc: 'Timeout of one ConnectWise request in ms; a timeout is retried later.',
      format: 'nat',
      default: 15000,
      env: 'CONNECTWISE_TIMEOUT_MS',
    },
    keyUrlAllowedOrigins: {
      doc: 'Origins the callback signing key (Metadata.key_url) may be fetched from; https://*.myconnectwise.net covers ConnectWise cloud. Add an on-premises origin exactly (https://cw.example.com).',
      format: 'string-list',
      default: ['https://*.myconnectwise.net'],
      env: 'CONNECTWISE_KEY_URL_ALLOWED_ORIGINS',
    },
    resetBoardIds: {
      doc: 'Service board ids whose tickets can be reset requests.',
      format: 'int-list',
      default: [] as number[],
      env: 'CONNECTWISE_RESET_BOARD_IDS',
    },
    resetTypeNames: {
      doc: 'Ticket type names that mark a reset request on those boards (empty: any type).',
      format: 'string-list',
      default: [] as string[],
      env: 'CONNECTWISE_RESET_TYPE_NAMES',
    },
    resetSubTypeNames: {
      doc: 'Ticket subtype names that mark a reset request (empty: any subtype).',
      format: 'string-list',
      default: [] as string[],
      env: 'CONNECTWISE_RESET_SUBTYPE_NAMES',
    },
    targetField: {
      doc: 'Caption of the ConnectWise custom field holding the staff member to reset (UPN or email).',
      format: String,
      default: 'Reset Target',
      env: 'CONNECTWISE_TARGET_FIELD',
    },
    resetPasswordField: {
      doc: 'Caption of the custom field "reset password" (yes/no; both resets when absent).',
      format: String,
      default: 'Reset Password',
      env: 'CONNECTWISE_RESET_PASSWORD_FIELD',
    },
    resetMfaField: {
      doc: 'Caption of the custom field "remove all MFA devices" (yes/no; both resets when absent).',
      format: String,
      default: 'Reset MFA',
      env: 'CONNECTWISE_RESET_MFA_FIELD',
    },
    awaitingConfirmationStatusId: nullableNat(
      'ConnectWise status id (valid on the reset board) set once the secure link is on the ticket.',
      'CONNECTWISE_AWAITING_CONFIRMATION_STATUS_ID',
    ),
    handoffBoardId: nullableNat(
      'ConnectWise board id the engineers work hand-offs on.',
      'CONNECTWISE_HANDOFF_BOARD_ID',
    ),
    handoffStatusId: nullableNat(
      'ConnectWise status id set on hand-off; must be valid on the hand-off board.',
      'CONNECTWISE_HANDOFF_STATUS_ID',
    ),
    handoffTeamId: nullableNat('ConnectWise team id set on hand-off.', 'CONNECTWISE_HANDOFF_TEAM_ID'),
    attestationField: {
      doc: 'Name of the ConnectWise field "I have spoken to this person" (yes/no); needed when a customer requires attestation.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'CONNECTWISE_ATTESTATION_FIELD',
    },
    emailSources: {
      doc: 'ConnectWise ticket source names or ids that mean "created from an email" (replaces the built-in names).',
      format: 'string-list',
      default: [] as string[],
      env: 'CONNECTWISE_EMAIL_SOURCES',
    },
    portalSources: {
      doc: 'ConnectWise ticket source names or ids that mean "filed in the customer portal".',
      format: 'string-list',
      default: [] as string[],
      env: 'CONNECTWISE_PORTAL_SOURCES',
    },
    agentSources: {
      doc: 'ConnectWise ticket source names or ids that mean "logged by an engineer" (phone call).',
      format: 'string-list',
      default: [] as string[],
      env: 'CONNECTWISE_AGENT_SOURCES',
    },
    retryStatusId: nullableNat(
      'ConnectWise status id an engineer sets to send a handed-off ticket back to resetdesk.',
      'CONNECTWISE_RETRY_STATUS_ID',
    ),
    handoffOwnerIdentifier: {
      doc: 'ConnectWise member identifier who owns handed-off tickets (optional).',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'CONNECTWISE_HANDOFF_OWNER',
    },
  },
  autotask: {
    enabled: {
      doc: 'Accept Autotask webhooks and work Autotask tickets.',
      format: Boolean,
      default: false,
      env: 'AUTOTASK_ENABLED',
    },
    baseUrl: {
      doc: 'Autotask REST base URL of your zone, e.g. https://webservices5.autotask.net/atservicesrest.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'AUTOTASK_BASE_URL',
    },
    username: {
      doc: 'UserName of the API-only user.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'AUTOTASK_USERNAME',
    },
    secret: {
      doc: 'Secret of the API-only user.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'AUTOTASK_SECRET',
      sensitive: true,
    },
    integrationCode: {
      doc: 'ApiIntegrationCode (the tracking identifier of the API user).',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'AUTOTASK_INTEGRATION_CODE',
      sensitive: true,
    },
    webhookSecretKey: {
      doc: "The ticket webhook's SecretKey; X-Hook-Signature is checked against it.",
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'AUTOTASK_WEBHOOK_SECRET_KEY',
      sensitive: true,
    },
    timeoutMs: {
      doc: 'Timeout of one Autotask request in ms; a timeout is retried later.',
      format: 'nat',
      default: 15000,
      env: 'AUTOTASK_TIMEOUT_MS',
    },
    resetQueueIds: {
      doc: 'Autotask queue ids whose tickets can be reset requests.',
      format: 'int-list',
      default: [] as number[],
      env: 'AUTOTASK_RESET_QUEUE_IDS',
    },
    resetIssueTypeIds: {
      doc: 'Issue type ids that mark a reset request in those queues (empty: any).',
      format: 'int-list',
      default: [] as number[],
      env: 'AUTOTASK_RESET_ISSUE_TYPE_IDS',
    },
    resetSubIssueTypeIds: {
      doc: 'Sub-issue type ids that mark a reset request (empty: any).',
      format: 'int-list',
      default: [] as number[],
      env: 'AUTOTASK_RESET_SUB_ISSUE_TYPE_IDS',
    },
    targetField: {
      doc: 'Name of the ticket user-defined field holding the staff member to reset.',
      format: String,
      default: 'Reset Target',
      env: 'AUTOTASK_TARGET_FIELD',
    },
    resetPasswordField: {
      doc: 'Name of the ticket UDF "reset password" (yes/no; both resets when absent).',
      format: String,
      default: 'Reset Password',
      env: 'AUTOTASK_RESET_PASSWORD_FIELD',
    },
    resetMfaField: {
      doc: 'Name of the ticket UDF "remove all MFA devices" (yes/no; both resets when absent).',
      format: String,
      default: 'Reset MFA',
      env: 'AUTOTASK_RESET_MFA_FIELD',
    },
    noteTypeId: {
      doc: 'Autotask note type id of the notes the service adds.',
      format: 'nat',
      default: 1,
      env: 'AUTOTASK_NOTE_TYPE_ID',
    },
    customerNotePublishId: {
      doc: 'Publish picklist id of customer-visible notes (the one your notification rules email to the contact).',
      format: 'nat',
      default: 1,
      env: 'AUTOTASK_CUSTOMER_NOTE_PUBLISH_ID',
    },
    internalNotePublishId: {
      doc: 'Publish picklist id of internal-only notes.',
      format: 'nat',
      default: 2,
      env: 'AUTOTASK_INTERNAL_NOTE_PUBLISH_ID',
    },
    noteTitle: {
      doc: 'Title of the notes the service adds.',
      format: String,
      default: 'Password / MFA reset',
      env: 'AUTOTASK_NOTE_TITLE',
    },
    awaitingConfirmationStatusId: nullableNat(
      'Autotask status id set once the secure link is on the ticket.',
      'AUTOTASK_AWAITING_CONFIRMATION_STATUS_ID',
    ),
    handoffQueueId: nullableNat(
      'Autotask queue id of the engineers who pick up hand-offs.',
      'AUTOTASK_HANDOFF_QUEUE_ID',
    ),
    handoffStatusId: nullableNat('Autotask status id set on hand-off.', 'AUTOTASK_HANDOFF_STATUS_ID'),
    attestationField: {
      doc: 'Name of the Autotask ticket UDF "I have spoken to this person" (yes/no); needed when a customer requires attestation.',
      format: String,
      default: null as string | null,
      nullable: true,
      env: 'AUTOTASK_ATTESTATION_FIELD',
    },
    sourceAgentIds: {
      doc: 'Ticket source picklist ids that mean "logged by an engineer".',
      format: 'int-list',
      default: [] as number[],
      env: 'AUTOTASK_SOURCE_AGENT_IDS',
    },
    retryStatusId: nullableNat(
      'Autotask status id an engineer sets to send a handed-off ticket back to resetdesk.',
      'AUTOTASK_RETRY_STATUS_ID',
    ),
    sourceEmailIds: {
      doc: 'Ticket source picklist ids that mean "email" (email-to-ticket).',
      format: 'int-list',
      default: [] as number[],
      env: 'AUTOTASK_SOURCE_EMAIL_IDS',
    },
    sourcePortalIds: {
      doc: 'Ticket source picklist ids that mean "client portal".',
      format: 'int-list',
      default: [] as number[],
      env: 'AUTOTASK_SOURCE_PORTAL_IDS',
    },
  },
  secureLink: {
    serverKey: {
      doc: 'Server half of the secure-link encryption key: 32 random bytes, base64 (openssl rand -base64 32). Never stored in Redis.',
      format: 'base64-32-bytes',
      default: null as string | null,
      nullable: true,
      env: 'SECURE_LINK_SERVER_KEY',
      sensitive: true,
    },
    ttlHours: {
      doc: 'How long a secure link lives before it expires unviewed (hours). Per customer: secureLinkTtlHours.',
      format: 'nat',
      default: 24,
      env: 'SECURE_LINK_TTL_HOURS',
    },
    maxViews: {
      doc: 'How many times a secure link can be opened (revealed). Per customer: secureLinkMaxViews.',
      format: 'nat',
      default: 2,
      env: 'SECURE_LINK_MAX_VIEWS',
    },
    failedLookupsPerWindow: {
      doc: 'Unknown or invalid secure-link tokens one client address may try per window before it gets 429 (token guessing).',
      format: 'nat',
      default: 20,
      env: 'SECURE_LINK_FAILED_LOOKUPS',
    },
    failedLookupWindowSeconds: {
      doc: 'The window of secureLink.failedLookupsPerWindow, in seconds.',
      format: 'nat',
      default: 600,
      env: 'SECURE_LINK_FAILED_LOOKUP_WINDOW_SECONDS',
    },
    mspName: {
      doc: 'The MSP name shown on secure-link pages and in ticket notes.',
      format: String,
      default: 'your IT support team',
      env: 'MSP_NAME',
    },
  },
  pacing: {
    enabled: {
      doc: 'Pace Graph and PSA calls through token buckets in Redis shared by every worker, so bursts stay under the outside rate limits; a 429 pauses only that tenant or PSA.',
      format: Boolean,
      default: true,
      env: 'PACING_ENABLED',
    },
    graphRatePerSecond: {
      doc: 'Graph requests per second per customer tenant (sustained).',
      format: 'positive-number',
      default: 4,
      env: 'PACING_GRAPH_RATE',
    },
    graphBurst: {
      doc: 'Graph requests one customer tenant may make at once before the rate applies.',
      format: 'positive-number',
      default: 8,
      env: 'PACING_GRAPH_BURST',
    },
    halopsaRatePerSecond: {
      doc: 'HaloPSA requests per second (hosted Halo allows about 300 per 5 minutes).',
      format: 'positive-number',
      default: 0.9,
      env: 'PACING_HALOPSA_RATE',
    },
    connectwiseRatePerSecond: {
      doc: 'ConnectWise PSA requests per second (throttling is expected above about 1,000 per minute).',
      format: 'positive-number',
      default: 10,
      env: 'PACING_CONNECTWISE_RATE',
    },
    autotaskRatePerSecond: {
      doc: 'Autotask requests per second (10,000 per hour per database).',
      format: 'positive-number',
      default: 2.5,
      env: 'PACING_AUTOTASK_RATE',
    },
  },
  metrics: {
    enabled: {
      doc: 'Serve Prometheus metrics at GET /metrics (keep it behind your proxy allow-list).',
      format: Boolean,
      default: true,
      env: 'METRICS_ENABLED',
    },
    port: {
      doc: 'A separate port for GET /metrics in a worker-only process (0: none). Job and outside-call figures live in the process that runs the jobs.',
      format: 'port',
      default: 0,
      env: 'METRICS_PORT',
    },
  },
  policy: {
    doc: 'The default policy for every customer: who may ask, protected users, attestation, email requests, rate limits (see docs/policy.md). A customer overrides any part with its own "policy" object.',
    format: 'policy',
    default: DEFAULT_POLICY as unknown,
    env: 'RESETDESK_POLICY_JSON',
  },
  customers: {
    doc: 'The customers: PSA customer id to Entra tenant id, with per-customer settings (see docs/configuration.md#customers). Set in the JSON config file.',
    format: 'customer-list',
    default: [] as unknown[],
    env: 'RESETDESK_CUSTOMERS_JSON',
  },
};

export function createConfig(options: { env?: NodeJS.ProcessEnv; args?: string[] } = {}) {
  return convict(configSchema, { env: options.env, args: options.args });
}

export type RawConfig = ReturnType<ReturnType<typeof createConfig>['getProperties']>;
