import type { ResetTicket } from '../../services/domain/ports.js';
import type { Logger } from '../../services/logging/logger.js';
import { attestationAnswer, yesNoFieldAnswer, type YesNo } from './yes-no.js';

/**
 * What the PSA adapters share when they turn a ticket they read into the domain's `ResetTicket`: reading the
 * reset form, and leaving out what the ticket does not say.
 */

/** The reset form's fields by the names configured for the PSA. */
export interface ResetFormFields {
  target: string;
  resetPassword: string;
  resetMfa: string;
  /** The form's yes/no "I have spoken to this person" field; unset, `attested` is undefined. */
  attestation?: string;
}

/** How one PSA finds a form field and reads it: as yes/no (a reset flag, the attestation) or as text. */
export interface ResetFormReader<Field> {
  find: (name: string) => Field | undefined;
  parseFlag: (field: Field | undefined) => YesNo;
  parseAttestation: (field: Field | undefined) => YesNo;
  text: (field: Field | undefined) => string | undefined;
  /** At most 40 characters of the field's value, for a warning about an unreadable answer. */
  describe: (field: Field | undefined) => string;
}

/** The reset form's answers as the domain's ticket carries them. */
export type ResetFormAnswers = Pick<
  ResetTicket,
  'targetIdentifier' | 'resetPassword' | 'resetMfa' | 'attested'
>;

/**
 * A ticket's reset form: the target as text, the two reset flags and, when a field is configured for it, the
 * attestation (`attested` is left out otherwise). An unreadable yes/no answer counts as "no" and is logged as a
 * warning naming the ticket and the field, of the kind `fieldKind` (e.g. "custom field").
 */
export function resetFormAnswers<Field>(
  fields: ResetFormFields,
  reader: ResetFormReader<Field>,
  warning: { log: Pick<Logger, 'warn'>; ticketId: string; fieldKind: string },
): ResetFormAnswers {
  const { find, describe } = reader;
  const attested = attestationAnswer(
    fields.attestation,
    { find, parse: reader.parseAttestation, describe },
    warning,
  );
  const { log, ticketId } = warning;
  const flag = (name: string) =>
    yesNoFieldAnswer(
      name,
      { find, parse: reader.parseFlag, describe },
      { log, ticketId, fieldLabel: `a reset ${warning.fieldKind}` },
    );
  return {
    targetIdentifier: reader.text(find(fields.target)),
    resetPassword: flag(fields.resetPassword),
    resetMfa: flag(fields.resetMfa),
    ...(attested !== undefined ? { attested } : {}),
  };
}

/** The parts of a `ResetTicket` the domain may do without. */
type OptionalParts = Pick<ResetTicket, 'details' | 'emailOrigin' | 'statusId'>;

/**
 * The domain's ticket from what an adapter read. A summary that is not text is `''`; an optional part the adapter
 * did not find (`details`, `emailOrigin`, `statusId`) is left out, not set to undefined.
 */
export function resetTicketOf(
  read: Omit<ResetTicket, 'summary' | keyof OptionalParts> & { summary: unknown } & OptionalParts,
): ResetTicket {
  const { summary, details, emailOrigin, statusId, ...rest } = read;
  return {
    ...rest,
    summary: typeof summary === 'string' ? summary : '',
    ...(details !== undefined ? { details } : {}),
    ...(emailOrigin !== undefined ? { emailOrigin } : {}),
    ...(statusId !== undefined ? { statusId } : {}),
  };
}
