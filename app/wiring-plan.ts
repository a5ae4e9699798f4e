import {
  ConfigError,
  enabledConsoleSection,
  enabledNotifySection,
  type AppConfig,
} from '../config/load-config.js';
import { autotaskModule } from '../integrations/autotask/index.js';
import { connectwiseModule } from '../integrations/connectwise/index.js';
import { halopsaModule } from '../integrations/halopsa/index.js';
import type { GraphOptions } from '../integrations/graph/graph-credential.js';
import { isPlainEmailAddress } from '../integrations/shared/mail-addresses.js';
import type { PlannedPsa, PsaModule } from '../integrations/shared/psa-module.js';
import type { CustomerDirectory } from '../config/customer-settings.js';
import type { PsaSectionName } from '../config/psa-sections.js';
import type { RedisSettings } from '../config/redis-settings.js';
import type { WatchSettings } from '../services/domain/aftercare/back-in-watch.js';
import { OUTCOME_EVENT_TYPES, type OutcomeEventType, type PsaKind } from '../services/domain/ports.js';
import { endpointIdOf, type EventEndpoint } from '../services/events/event-sender.js';
import { envOf } from '../config/config-keys.js';
import { pacingFromConfig, type PacingOptions } from '../services/pacing/pacing-options.js';
import { passwordFloorProblem } from '../services/domain/temporary-password.js';

/** Every PSA the service can talk to. Adding one is a folder in integrations/ and a line here. */
export const PSA_MODULES: readonly PsaModule[] = [halopsaModule, connectwiseModule, autotaskModule];

/** The configuration's PSA sections and the domain's PSA kinds are the same names (a compile error otherwise). */
const samePsaNames: [PsaSectionName, PsaKind] extends [PsaKind, PsaSectionName] ? true : never = true;
void samePsaNames;

/**
 * What every part of the service is built with, taken from the configuration in one place: the composition
 * root builds from this plan only, never from the configuration itself. A test sets every configuration key
 * to another value and checks the plan changes, so a key nothing uses fails it.
 */
export interface WiringPlan {
  roles: { name: 'all' | 'api' | 'worker'; api: boolean; worker: boolean };
  log: { level: string };
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    trustProxy: number;
    shutdownTimeoutMs: number;
  };
  redis: RedisSettings;
  queue: { attempts: number; retentionDays: number };
  worker: {
    concurrency: number;
    backoffMs: number;
    lockDurationMs: number;
    stalledIntervalMs: number;
    maxStalledCount: number;
    sweepIntervalMs: number;
  };
  graph: GraphOptions;
  psas: PlannedPsa[];
  links: {
    /** The current server key (new links) and the older ones that still open what was made under them. */
    serverKey: Buffer;
    previousServerKeys: Buffer[];
    publicBaseUrl: string;
    mspName: string;
    ttlHours: number;
    maxViews: number;
    failedLookups: number;
    failedLookupWindowSeconds: number;
  };
  reset: {
    revokeSessions: boolean;
    retryStatusIds: Partial<Record<PsaKind, string>>;
    /** The Graph timeout plus the time Graph may still take to apply a write whose answer never came. */
    earlierWriteSettleMs: number;
  };
  /** Undefined when pacing is off. */
  pacing?: PacingOptions;
  /**
   * Notices to staff members from the MSP's own tenant, sent with `graph`'s app (a token for `tenantId`);
   * undefined when notices are off.
   */
  notify?: { tenantId: string; senderMailbox: string; disavowLinkTtlHours: number };
  /** Watching delivered resets until the staff member is back in; undefined when off. */
  watch?: WatchSettings & { concurrency: number };
  metrics: { enabled: boolean; port: number; bearerToken?: string };
  /** Outcome events: the endpoints (none: nothing is published) and the retries of each post. */
  events: { endpoints: EventEndpoint[]; attempts: number; backoffMs: number };
  /** The operator console (services/console); undefined when it is off. */
  console?: {
    path: string;
    sessionHours: number;
    issuer: string;
    clientId: string;
    clientSecret: string;
    /** Lower case: compared with the ID token's `groups` claim. */
    allowedGroupId: string;
  };
  customers: CustomerDirectory;
  /** Where the customers are loaded from again while the service runs (app/customer-reload.ts). */
  customerReload: { file?: string; load(): CustomerDirectory };
}

/** How long Microsoft may still apply a write after the client gave up waiting for its answer. */
const LATE_WRITE_MARGIN_MS = 2000;

/** The plan of a validated configuration (see `loadConfig`). Pure; throws ConfigError on bad values. */
export function planWiring(config: AppConfig): WiringPlan {
  const psas = PSA_MODULES.flatMap((module) => module.planFrom(config) ?? []);
  return {
    roles: { name: config.role, api: config.role !== 'worker', worker: config.role !== 'api' },
    log: { level: config.log.level },
    http: {
      host: config.server.host,
      port: config.server.port,
      bodyLimitBytes: config.server.bodyLimitBytes,
      trustProxy: config.server.trustProxy,
      shutdownTimeoutMs: config.server.shutdownTimeoutMs,
    },
    redis: config.redis,
    queue: { attempts: config.worker.attempts, retentionDays: config.worker.jobRetentionDays },
    worker: {
      concurrency: config.worker.concurrency,
      backoffMs: config.worker.backoffMs,
      lockDurationMs: config.worker.lockDurationMs,
      stalledIntervalMs: config.worker.stalledIntervalMs,
      maxStalledCount: config.worker.maxStalledCount,
      sweepIntervalMs: config.worker.sweepIntervalMs,
    },
    graph: {
      baseUrl: config.graph.baseUrl,
      authorityHost: config.graph.authorityHost,
      clientId: config.graph.clientId,
      clientSecret: config.graph.clientSecret,
      certificatePath: config.graph.certificatePath,
      timeoutMs: config.graph.timeoutMs,
      disableInstanceDiscovery: config.graph.disableInstanceDiscovery,
    },
    psas,
    links: {
      serverKey: config.secureLink.serverKey,
      previousServerKeys: config.secureLink.previousKeys,
      publicBaseUrl: config.server.publicBaseUrl,
      mspName: config.secureLink.mspName,
      ttlHours: config.secureLink.ttlHours,
      maxViews: config.secureLink.maxViews,
      failedLookups: config.secureLink.failedLookupsPerWindow,
      failedLookupWindowSeconds: config.secureLink.failedLookupWindowSeconds,
    },
    reset: {
      revokeSessions: config.graph.revokeSessions,
      retryStatusIds: Object.fromEntries(psas.map((p) => [p.kind, p.plan.retryStatusId])),
      earlierWriteSettleMs: config.graph.timeoutMs + LATE_WRITE_MARGIN_MS,
    },
    pacing: config.pacing.enabled ? pacingFromConfig(config.pacing) : undefined,
    notify: notifyPlan(config),
    watch: config.watch.enabled
      ? {
          windowHours: config.watch.windowHours,
          firstCheckMinutes: config.watch.firstCheckMinutes,
          maxIntervalMinutes: config.watch.maxIntervalMinutes,
          concurrency: config.watch.concurrency,
        }
      : undefined,
    metrics: {
      enabled: config.metrics.enabled,
      port: config.metrics.port,
      bearerToken: config.metrics.bearerToken,
    },
    events: {
      endpoints: config.events.endpoints.map((e, index) => ({
        id: endpointIdOf(e.url),
        url: e.url,
        format: e.format,
        ...(e.secret ? { secret: e.secret } : {}),
        types: e.types ? eventTypesOf(e.types, index) : OUTCOME_EVENT_TYPES,
      })),
      attempts: config.events.attempts,
      backoffMs: config.events.backoffMs,
    },
    console: consolePlan(config),
    customers: checkedCustomerDirectory(config),
    customerReload: {
      file: config.source.file,
      load: () => checkedCustomerDirectory(config.source.reload()),
    },
  };
}

function consolePlan(config: AppConfig): WiringPlan['console'] {
  const section = enabledConsoleSection(config);
  if (!section) return undefined;
  return {
    path: section.path,
    sessionHours: section.sessionHours,
    issuer: section.issuer,
    clientId: section.clientId,
    clientSecret: section.clientSecret,
    allowedGroupId: section.allowedGroupId.toLowerCase(),
  };
}

/**
 * The configuration's customers, once every temporary password format they can draw (the service-wide one,
 * and each customer's merged with it) is known to meet the tenant floor, the generator's own rule
 * (services/domain/temporary-password.ts). Throws ConfigError naming the key otherwise.
 */
export function checkedCustomerDirectory(
  config: Pick<AppConfig, 'passwordFormat' | 'customers' | 'customerDirectory'>,
): CustomerDirectory {
  const problem = passwordFloorProblem(config.passwordFormat);
  if (problem) {
    const keys = ['words', 'separators', 'digits'].map(
      (k) => `passwordFormat.${k} (${envOf(`passwordFormat.${k}`)})`,
    );
    throw new ConfigError(`passwordFormat: ${problem} (${keys.join(', ')})`);
  }
  config.customers.forEach((customer, index) => {
    if (!customer.passwordFormat) return;
    const merged = passwordFloorProblem(config.customerDirectory.passwordFormatFor(customer));
    if (merged) {
      throw new ConfigError(
        `customers[${index}].passwordFormat: customer "${customer.name}" (with the service-wide passwordFormat for what it leaves out): ${merged}`,
      );
    }
  });
  return config.customerDirectory;
}

function notifyPlan(config: AppConfig): WiringPlan['notify'] {
  const notify = enabledNotifySection(config);
  if (!notify) return undefined;
  if (!isPlainEmailAddress(notify.senderMailbox)) {
    throw new ConfigError(
      'notify.senderMailbox (NOTIFY_SENDER_MAILBOX): must be a plain email address, e.g. notices@example-msp.com',
    );
  }
  return {
    tenantId: notify.mspTenantId,
    senderMailbox: notify.senderMailbox,
    disavowLinkTtlHours: notify.disavowLinkTtlHours,
  };
}

/** Start-up warnings about settings that work but leave the service more cautious than the MSP expects. */
export function planWarnings(plan: WiringPlan): string[] {
  return plan.psas.flatMap((p) => [
    ...(p.plan.unclassifiedSourcesHint
      ? [
          `${p.kind}: no ticket source lists are configured (${p.plan.unclassifiedSourcesHint}): a ticket whose source matches none of them is unclassified and gets the email checks (the sender must be the contact on file, and the manager must confirm).`,
        ]
      : []),
    ...(plan.watch && p.plan.unsetResolvedStatusKey
      ? [
          `${p.kind}: no resolved status is configured (${p.plan.unsetResolvedStatusKey}): when the staff member is back in, the ticket gets its note but stays where it is, unless its customer sets resolvedStatusId.`,
        ]
      : []),
  ]);
}

/** An endpoint's subscribed types, each one of the domain's event types; ConfigError naming the entry otherwise. */
function eventTypesOf(names: readonly string[], endpoint: number): OutcomeEventType[] {
  const known: readonly string[] = OUTCOME_EVENT_TYPES;
  return names.map((name, i) => {
    if (!known.includes(name)) {
      throw new ConfigError(
        `events.endpoints[${endpoint}].types[${i}]: must each be one of ${OUTCOME_EVENT_TYPES.join(', ')}`,
      );
    }
    return name as OutcomeEventType;
  });
}
