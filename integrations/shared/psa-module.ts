import { ConfigError, type AppConfig } from '../../config/load-config.js';
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

/** The reset form's fields, named alike in every PSA's configuration section. */
export function resetFormFields(section: {
  targetField: string;
  resetPasswordField: string;
  resetMfaField: string;
  attestationField?: string;
}): { target: string; resetPassword: string; resetMfa: string; attestation?: string } {
  return {
    target: section.targetField,
    resetPassword: section.resetPasswordField,
    resetMfa: section.resetMfaField,
    attestation: section.attestationField,
  };
}
