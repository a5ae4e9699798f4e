import { configSchema } from '../../config/config-schema.js';
import type { PsaKind } from '../domain/ports.js';

/** A token bucket: `ratePerSecond` sustained, up to `burst` at once. */
export interface BucketLimit {
  ratePerSecond: number;
  burst: number;
  /**
   * Tokens a whole ticket usually needs from this bucket. A ticket's first call on the key reserves this
   * many in one Redis step, once the bucket holds half of it (or half the burst, when smaller; never less
   * than `maxInlineWaitMs` can cover); its calls then spend them without further Redis
   * round trips, each waiting in-process for its turn at `ratePerSecond`, so a started ticket finishes
   * instead of being parked half-way. Tokens left unspent go back when the job stops; a ticket that needs
   * more takes them call by call. Parked tickets wake `ticketCost / ratePerSecond` apart. Cut to what
   * `maxInlineWaitMs` can cover from a full bucket.
   */
  ticketCost: number;
}

/**
 * How fast resetdesk calls outside systems. One bucket per customer tenant for Graph (`graph:<tenantId>`) and
 * one per PSA (`psa:<kind>`), kept in Redis so every worker process shares them.
 *
 * Basis (see Microsoft Graph throttling docs and public PSA reports):
 * - Graph, identity limits per app+tenant: 3,500 RU/10 s for small tenants and writes 3,000 per 2.5 min
 *   (20/s); auth-method calls may fall under a 5 req/10 s per app per tenant limit (UNCONFIRMED). A ticket
 *   makes about 12 Graph requests, 3 of them writes. 4 requests/s per tenant (burst 8) keeps well inside the
 *   confirmed limits and makes a 429 on the unconfirmed one short-lived; a tenant still resets ~30 staff a
 *   minute.
 * - HaloPSA hosted: "300 requests per rolling 5 minutes" (1/s), 450/5 min reported elsewhere: 0.9/s with a
 *   burst of 10 never exceeds 300 in any 5-minute window (270 + 10).
 * - ConnectWise: throttling expected above ~1000 requests/min: 10/s, burst 20.
 * - Autotask: 10,000 requests/hour per database (Autotask's published API threshold; from Autotask's docs):
 *   2.5/s, burst 10.
 */
export interface PacingOptions {
  enabled: boolean;
  /** Per customer tenant, for every Directory call. */
  graph: BucketLimit;
  /** Per PSA (one instance per kind), for every PsaAdapter call. */
  psa: Record<PsaKind, BucketLimit>;
  /**
   * Tokens one call of a method takes, by `<system>.<method>` (system: `graph` or the PSA kind) or by method
   * name for every system: a call making several HTTP requests costs more. Methods not listed cost 1.
   */
  costs: Record<string, number>;
  /**
   * Longest a started ticket waits in-process for its next token; longer and the job is delayed instead.
   * Also bounds how far ahead a ticket's reservation may run (see `ticketCost`).
   */
  maxInlineWaitMs: number;
  /** Pause applied after a 429 that carries no Retry-After. */
  defaultPauseMs: number;
  /** Longest pause a Retry-After can impose (a broken header must not park a tenant for hours). */
  maxPauseMs: number;
}

/** The pacing section of the configuration (rates and the Graph burst are configured; the rest is fixed). */
export interface PacingSettings {
  enabled: boolean;
  graphRatePerSecond: number;
  graphBurst: number;
  halopsaRatePerSecond: number;
  connectwiseRatePerSecond: number;
  autotaskRatePerSecond: number;
}

/**
 * The pacing options of a configuration. Rates come from the configuration (whose schema holds their
 * defaults); bursts, ticket costs and pauses are measured properties of the outside systems, fixed here.
 */
export function pacingFromConfig(settings: PacingSettings): PacingOptions {
  return {
    enabled: settings.enabled,
    // A password + MFA ticket makes about 12 Graph requests and 4 PSA requests (measured by `npm run bench`).
    graph: { ratePerSecond: settings.graphRatePerSecond, burst: settings.graphBurst, ticketCost: 12 },
    psa: {
      halopsa: { ratePerSecond: settings.halopsaRatePerSecond, burst: 10, ticketCost: 4 },
      connectwise: { ratePerSecond: settings.connectwiseRatePerSecond, burst: 20, ticketCost: 5 },
      autotask: { ratePerSecond: settings.autotaskRatePerSecond, burst: 10, ticketCost: 4 },
    },
    // Graph requests per call of the Graph adapter: removeMfaMethods lists then deletes (usually one method);
    // getPrivileges reads roles, role-assignable groups, the user's object id and PIM eligibility;
    // getManagerChain walks 2 levels; readSignInState reads the user, the methods and the sign-in activity
    // (the last two may count against the reports limit of 5 per 10 s, unconfirmed, so a watch is paced
    // like any call); issueTemporaryAccessPass makes one request (two on the rare pass it must delete
    // again); notificationAddresses, removeTemporaryAccessPass and blockSignIn make one. A cost below the
    // real count lets calls outrun the tenant's limit. Every PSA adapter's getTicket reads the ticket and
    // its requester; ConnectWise also reads the notes.
    costs: {
      removeMfaMethods: 2,
      getPrivileges: 4,
      getManagerChain: 2,
      listReports: 2,
      readSignInState: 3,
      notificationAddresses: 1,
      issueTemporaryAccessPass: 1,
      removeTemporaryAccessPass: 1,
      blockSignIn: 1,
      getTicket: 2,
      'connectwise.getTicket': 3,
    },
    maxInlineWaitMs: 5_000,
    defaultPauseMs: 30_000,
    maxPauseMs: 5 * 60_000,
  };
}

const schemaDefaults = Object.fromEntries(
  Object.entries(configSchema.pacing).map(([key, leaf]) => [key, leaf.default]),
) as unknown as PacingSettings;

/** The pacing of the configuration's defaults (tests and the benchmark start from it). */
export const DEFAULT_PACING: PacingOptions = pacingFromConfig(schemaDefaults);

/** Defaults with some values replaced (nested limits merged per key). */
export function pacingOptions(overrides: DeepPartial<PacingOptions> = {}): PacingOptions {
  return {
    ...DEFAULT_PACING,
    ...(overrides as Partial<PacingOptions>),
    graph: { ...DEFAULT_PACING.graph, ...overrides.graph },
    psa: {
      halopsa: { ...DEFAULT_PACING.psa.halopsa, ...overrides.psa?.halopsa },
      connectwise: { ...DEFAULT_PACING.psa.connectwise, ...overrides.psa?.connectwise },
      autotask: { ...DEFAULT_PACING.psa.autotask, ...overrides.psa?.autotask },
    },
    costs: { ...DEFAULT_PACING.costs, ...(overrides.costs as Record<string, number> | undefined) },
  };
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
