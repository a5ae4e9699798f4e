import { checksOf, describeFailure, type CheckResult } from '../../services/doctor/doctor-check.js';

/**
 * A PSA doctor's whole answer when the PSA refuses its credentials: one failed `credentials` check, since
 * nothing else can be looked up without them. `detail` comes before the reason (e.g. "refused", "no token");
 * `fix` says which settings to check.
 */
export function credentialsRefused(
  subject: string,
  err: unknown,
  wording: { detail: string; fix: string },
): CheckResult[] {
  return [checksOf(subject).fail('credentials', `${wording.detail}: ${describeFailure(err)}`, wording.fix)];
}
