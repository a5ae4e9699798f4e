import { envOf } from '../../config/config-keys.js';
import type { Logger } from '../logging/logger.js';
import { errorMessage } from '../domain/errors.js';

/**
 * One line of `resetdesk doctor`: what was checked, how it went and, when it did not go well, what to do.
 * Checks of outside systems live beside their integration (integrations/<system>/*-doctor.ts) and return
 * these; nothing in a check result may hold a secret (the runner also blanks every configured secret).
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** What the check is about: `redis`, `halopsa`, `tenant contoso`, `public URL`. */
  subject: string;
  /** The check itself: `version`, `ticket type 31`, `permission User.Read.All`. */
  check: string;
  status: CheckStatus;
  /** What was found, in a few words. */
  detail: string;
  /** What to do about it (for `fail` and `warn`). */
  fix?: string;
}

/** The checks of one enabled PSA, in the order they are printed (see PlannedPsa.doctor). */
export type PsaDoctor = (logger: Logger) => Promise<CheckResult[]>;

/** Builds the results of one subject. */
export function checksOf(subject: string) {
  return {
    ok: (check: string, detail: string): CheckResult => ({ subject, check, status: 'ok', detail }),
    fail: (check: string, detail: string, fix: string): CheckResult => ({
      subject,
      check,
      status: 'fail',
      detail,
      fix,
    }),
    warn: (check: string, detail: string, fix: string): CheckResult => ({
      subject,
      check,
      status: 'warn',
      detail,
      fix,
    }),
    skip: (check: string, detail: string): CheckResult => ({ subject, check, status: 'skip', detail }),
  };
}

/** `halopsa.handoffTeamId (HALOPSA_HANDOFF_TEAM_ID)`, for fixes that name the setting to change. */
export function setting(key: string): string {
  return `${key} (${envOf(key)})`;
}

/** A failure's message for a check line: one line, short, no stack. */
export function describeFailure(err: unknown): string {
  const message = errorMessage(err);
  const line = message.split('\n')[0] ?? '';
  return line.length > 240 ? `${line.slice(0, 237)}...` : line;
}

/**
 * Looks one configured id up in an outside system: ok when `find` returns the item's name, fail with `fix`
 * when it returns null (the id does not exist), fail with the error when the lookup itself fails.
 */
export async function lookUp(
  subject: string,
  check: string,
  key: string,
  find: () => Promise<string | null>,
  fix: string,
): Promise<CheckResult> {
  const c = checksOf(subject);
  try {
    const name = await find();
    if (name === null) return c.fail(check, `does not exist (${setting(key)})`, fix);
    return c.ok(check, name ? `"${name}"` : 'exists');
  } catch (err) {
    return c.fail(check, `could not be looked up: ${describeFailure(err)}`, fix);
  }
}
