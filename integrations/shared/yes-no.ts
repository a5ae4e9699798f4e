import type { Logger } from '../../services/logging/logger.js';

/**
 * Reading the yes/no answers of a reset form (custom fields in HaloPSA and ConnectWise, user-defined fields in
 * Autotask). Each adapter picks the raw value out of its own field shape and decides what an empty answer means;
 * the accepted spellings are the same everywhere, so a form reads the same whichever PSA it lives in.
 */

/** A yes/no answer, or `'unrecognised'` for a value that reads as neither (never consent to reset). */
export type YesNo = boolean | 'unrecognised';

const YES = new Set(['true', '1', 'yes', 'y']);
const NO = new Set(['false', '0', 'no', 'n']);

/** How to read one yes/no value. */
export interface YesNoOptions {
  /**
   * The answer for an absent value (`undefined`, `null`, or a string of only whitespace). A reset flag defaults to
   * `true` (the procedure resets both unless the form says otherwise); an attestation, or a ConnectWise Checkbox
   * (left without a value when unticked), defaults to `false`.
   */
  whenEmpty: boolean;
}

/**
 * Reads a yes/no value: booleans, the numbers 1/0, and true/false, yes/no, y/n, 1/0 as text in any case with
 * surrounding space. Absent or empty values give `options.whenEmpty`; anything else is `'unrecognised'`.
 */
export function parseYesNoValue(value: unknown, options: YesNoOptions): YesNo {
  if (value === undefined || value === null) return options.whenEmpty;
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string' && typeof value !== 'number') return 'unrecognised';
  const text = String(value).trim().toLowerCase();
  if (text === '') return options.whenEmpty;
  if (YES.has(text)) return true;
  if (NO.has(text)) return false;
  return 'unrecognised';
}

/**
 * At most 40 characters of an unreadable field value, for a log line: enough to see what the form held, too
 * little to carry a whole free-text answer into the logs.
 */
export function describeFieldValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return (text ?? '').slice(0, 40);
}

/**
 * A yes/no field's final answer: an unreadable value is never taken as "yes" (reset this, I have spoken to
 * this person). The caller is told (to log which field held what) and the answer is `false`.
 */
export function answerOrNo(parsed: YesNo, onUnrecognised: () => void): boolean {
  if (parsed !== 'unrecognised') return parsed;
  onUnrecognised();
  return false;
}

/** How one PSA finds, reads and describes a form field. */
export interface FormFieldReader<Field> {
  find: (name: string) => Field | undefined;
  parse: (field: Field | undefined) => YesNo;
  describe: (field: Field | undefined) => string;
}

/**
 * A yes/no field's answer as {@link answerOrNo} gives it; an unreadable value is logged as a warning naming the
 * ticket and the field (`fieldLabel`, e.g. "a reset custom field") with at most 40 characters of its value.
 */
export function yesNoFieldAnswer<Field>(
  name: string,
  reader: FormFieldReader<Field>,
  warning: { log: Pick<Logger, 'warn'>; ticketId: string; fieldLabel: string },
): boolean {
  const field = reader.find(name);
  return answerOrNo(reader.parse(field), () =>
    warning.log.warn(
      { ticketId: warning.ticketId, field: name, value: reader.describe(field) },
      `unrecognised yes/no value in ${warning.fieldLabel}; treating it as "no"`,
    ),
  );
}

/**
 * The form's optional attestation ("I have spoken to this person"): undefined when no field is configured, else
 * the field's answer as {@link yesNoFieldAnswer} gives it (`fieldKind`, e.g. "custom field").
 */
export function attestationAnswer<Field>(
  configured: string | undefined,
  reader: FormFieldReader<Field>,
  warning: { log: Pick<Logger, 'warn'>; ticketId: string; fieldKind: string },
): boolean | undefined {
  if (configured === undefined || configured.trim() === '') return undefined;
  const { log, ticketId, fieldKind } = warning;
  return yesNoFieldAnswer(configured, reader, { log, ticketId, fieldLabel: `the attestation ${fieldKind}` });
}
