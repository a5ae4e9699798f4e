import { intBetween } from '../config-formats.js';

/**
 * The service-wide defaults of the Temporary Access Pass for MFA recovery. A customer's own
 * `temporaryAccessPass` object (config/customer-settings.ts) overrides any of them.
 */
export const temporaryAccessPassSchema = {
  enabled: {
    doc: 'Issue a Temporary Access Pass with every MFA reset and deliver it through the secure link beside the password (README, "Temporary Access Pass"). Per customer: temporaryAccessPass.enabled.',
    format: Boolean,
    default: false,
    env: 'TAP_ENABLED',
  },
  lifetimeMinutes: {
    doc: "How long a pass works, in minutes (Graph allows 10 to 43,200; the tenant's TAP policy may allow less). Per customer: temporaryAccessPass.lifetimeMinutes.",
    format: intBetween(10, 43200),
    default: 480,
    env: 'TAP_LIFETIME_MINUTES',
  },
  usableOnce: {
    doc: 'A pass works for one sign-in only. Per customer: temporaryAccessPass.usableOnce.',
    format: Boolean,
    default: true,
    env: 'TAP_USABLE_ONCE',
  },
  whenUnavailable: {
    doc: "When the tenant's TAP policy refuses a pass: hand-off (stop, MFA already removed, and hand the ticket to the engineers) or open-registration (go on without a pass; MFA registration is open at the next sign-in). Per customer: temporaryAccessPass.whenUnavailable.",
    format: ['hand-off', 'open-registration'],
    default: 'hand-off' as 'hand-off' | 'open-registration',
    env: 'TAP_WHEN_UNAVAILABLE',
  },
};
