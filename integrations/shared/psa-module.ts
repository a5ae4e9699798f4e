import { envOf } from '../../config/config-keys.js';
import {
  ConfigError,
  enabledPsaSection,
  type AppConfig,
  type EnabledPsaSection,
} from '../../config/load-config.js';
import type { PsaAdapter, PsaKind } from '../../services/domain/ports.js';
import type { WebhookReceiver } from '../../services/intake/webhook-intake-route.js';
import type { Logger } from '../../services/logging/logger.js';
import type { PsaDoctor } from '../../services/doctor/doctor-check.js';

/** What every PSA's plan says beyond its own adapter and webhook options. */
export interface PsaPlanCommon {
  /** The PSA status id (as text) an engineer sets to send a handed-off ticket back; undefined when unset. */
  retryStatusId?: string;
  /**
   * Configuration keys of this PSA's ticket-source lists that are all empty (for the start-up warning):
   * tickets from sources nothing classifies count as `unknown` and get the email path's checks.
   */
  unclassifiedSourcesHint?: string;
  /**
   * The configuration key of this PSA's resolved status when it is unset (for the start-up warning): a ticket
   * whose staff member is back in then gets its note but stays where it is, unless its customer names one.
   */
  unsetResolvedStatusKey?: string;
}

/** One enabled PSA, planned from its configuration section: plain options, and how to build it from them. */
export interface PlannedPsa<P extends PsaPlanCommon = PsaPlanCommon> {
  kind: PsaKind;
  /** Every option the adapter and the webhook receiver get, as plain data (compared by tests). */
  plan: P;
  build(logger: Logger): { adapter: PsaAdapter; receiver: WebhookReceiver };
  /**
   * The checks `resetdesk doctor` runs against this PSA (integrations/<psa>/<psa>-doctor.ts): the credentials
   * work, and every id the plan names (ticket types, boards, queues, statuses, teams, outcomes) exists.
   */
  doctor: PsaDoctor;
}

/**
 * A PSA integration as the service sees it: one module per PSA (`integrations/<psa>/index.ts`), which reads
 * its own configuration section. Adding a PSA is one folder and one line in the service's module list.
 */
export interface PsaModule {
  kind: PsaKind;
  /** The PSA's plan when it is enabled, else undefined. Pure: no I/O; throws ConfigError on bad values. */
  planFrom(config: AppConfig): PlannedPsa | undefined;
}

/** A PSA status id as the use case compares it (the PSAs' ids are numbers, tickets carry them as text). */
export const statusText = (id: number | undefined): string | undefined =>
  id === undefined ? undefined : String(id);

/**
 * The adapter's own start-up check of its options, as a configuration error naming the PSA's section: the
 * process stops at start (exit 78) instead of at the first ticket.
 */
export function checkAdapterOptions<O>(section: string, options: O, check: (options: O) => void): O {
  try {
    check(options);
  } catch (err) {
    throw new ConfigError(`${section}: ${(err as Error).message}`);
  }
  return options;
}

/** The reset form's fields as every PSA's configuration section names them. */
export interface ResetFormSection {
  targetField: string;
  resetPasswordField: string;
  resetMfaField: string;
  attestationField?: string;
}

/** The reset form's fields, named alike in every PSA's configuration section. */
export function resetFormFields(section: ResetFormSection): {
  target: string;
  resetPassword: string;
  resetMfa: string;
  attestation?: string;
} {
  return {
    target: section.targetField,
    resetPassword: section.resetPasswordField,
    resetMfa: section.resetMfaField,
    attestation: section.attestationField,
  };
}

/**
 * The plan parts every PSA reads alike from its section: the retry status as text, and for the start-up warnings
 * the resolved status's setting when it is unset, and the ticket-source settings (`sourceLists`, keys of the
 * section) when every one of them is empty.
 */
export function commonPlanParts<K extends string>(
  psa: PsaKind,
  section: { retryStatusId?: number; resolvedStatusId?: number | null } & Record<K, readonly unknown[]>,
  sourceLists: readonly K[],
): Pick<PsaPlanCommon, 'retryStatusId' | 'unsetResolvedStatusKey' | 'unclassifiedSourcesHint'> {
  const resolvedKey = `${psa}.resolvedStatusId`;
  const unclassified = sourceLists.every((key) => section[key].length === 0);
  return {
    retryStatusId: statusText(section.retryStatusId),
    unsetResolvedStatusKey:
      section.resolvedStatusId == null ? `${resolvedKey} (${envOf(resolvedKey)})` : undefined,
    unclassifiedSourcesHint: unclassified ? sourceLists.map((key) => `${psa}.${key}`).join(', ') : undefined,
  };
}

/**
 * The adapter's options from its section: the settings it takes under their section names (`named`: the
 * connection, which tickets are reset requests), the reset form's fields, and what only this PSA reads (`own`,
 * last), put through the adapter's own start-up check ({@link checkAdapterOptions}).
 */
export function adapterOptions<S extends ResetFormSection, K extends keyof S, O extends object>(
  psa: PsaKind,
  section: S,
  named: readonly K[],
  check: (options: Pick<S, K> & { fields: ReturnType<typeof resetFormFields> } & O) => void,
  own: O,
): Pick<S, K> & { fields: ReturnType<typeof resetFormFields> } & O {
  const settings = {} as Pick<S, K>;
  for (const key of named) settings[key] = section[key];
  return checkAdapterOptions(psa, { ...settings, fields: resetFormFields(section), ...own }, check);
}

/** A PSA module whose plan is made from its configuration section, when that PSA is enabled. */
export function psaModule<K extends PsaKind>(
  kind: K,
  planFrom: (section: EnabledPsaSection<K>) => PlannedPsa,
): PsaModule {
  return {
    kind,
    planFrom(config) {
      const section = enabledPsaSection(config, kind);
      return section ? planFrom(section) : undefined;
    },
  };
}

/**
 * One enabled PSA from its plan: `build` gives the adapter a logger bound to the PSA (`psa: kind`), then makes
 * the webhook receiver.
 */
export function plannedPsa<P extends PsaPlanCommon>(
  kind: PsaKind,
  plan: P,
  parts: {
    adapter: (logger: Logger) => PsaAdapter;
    receiver: () => WebhookReceiver;
    doctor: PsaDoctor;
  },
): PlannedPsa<P> {
  return {
    kind,
    plan,
    build(logger) {
      return { adapter: parts.adapter(logger.child({ psa: kind })), receiver: parts.receiver() };
    },
    doctor: parts.doctor,
  };
}
