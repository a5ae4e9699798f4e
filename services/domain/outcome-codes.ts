/**
 * The stable codes of everything a ticket can end with. They appear in ticket notes, logs and metrics, and
 * each one is documented in docs/outcome-codes.md (a test checks both directions). Never rename a code:
 * add a new one.
 */
export const OUTCOME_CODES = {
  'reset-delivered': 'The reset was done and the secure link is on the ticket.',
  'mfa-reset-done': 'Only MFA was asked for; every MFA method was removed and the ticket says so.',
  'not-a-reset-ticket': 'The ticket is not of the configured reset type; nothing was done.',
  'unknown-ticket': 'The PSA does not know the ticket id from the webhook; nothing was done.',
  'already-handled': 'The ticket was worked before; a later delivery changed nothing.',
  'nothing-requested': 'The form asked for neither a password reset nor an MFA reset.',
  'unknown-customer': "The ticket's customer is not mapped to an Entra tenant in the configuration.",
  'requester-missing': 'The ticket has no contact on file with an email address.',
  'requester-not-found': "The contact's address on file matches no user in the customer's tenant.",
  'requester-ambiguous': "The contact's address on file matches more than one user in the tenant.",
  'target-missing': 'The ticket does not say which staff member to reset.',
  'target-not-found': "The staff member given on the ticket matches no user in the customer's tenant.",
  'target-ambiguous': 'The staff member given on the ticket matches more than one user.',
  'target-disabled': "The staff member's account is disabled in Entra.",
  'target-protected': "The staff member is on the customer's protected list.",
  'target-privileged':
    'The staff member holds an admin role (active or PIM-eligible) or is in a role-assignable group.',
  'target-privileges-unknown':
    "The staff member's PIM eligibility could not be read: the app may not read it, or the tenant has no PIM licence and the policy requires the check.",
  'attestation-missing':
    'The customer requires "I have spoken to this person" and the form does not carry it; the requester was asked.',
  'awaiting-confirmation':
    'An email request waits for the manager to confirm it through the link sent to their address on file.',
  'confirmation-denied':
    'The manager answered "this wasn\'t me" to the confirmation link: nothing was reset and the engineers were alerted.',
  'confirmation-expired': 'The manager did not confirm the email request in time.',
  'confirmation-mismatch':
    'The manager confirmed a different request from the one the ticket now holds (it changed after the question was sent): nothing was reset.',
  'channel-unknown':
    "The ticket's source matches no configured channel and the customer's policy sends such tickets to an engineer.",
  'email-sender-not-on-file': "The email's sender (or its Reply-To) is not the contact's address on file.",
  'email-requests-disabled': 'The customer does not accept reset requests by email.',
  'request-unclear': 'The email does not say clearly whose account to reset or what to reset.',
  'request-several-people': 'The email asks for resets for more than one person: an engineer handles it.',
  'not-a-reset-request':
    'The email does not ask for a reset now (an automatic reply, thanks, a status chase, a future date, another system…).',
  'rate-limited-requester': 'The requester asked for more resets than the policy allows in the window.',
  'rate-limited-customer': 'The customer asked for more resets than the policy allows in the window.',
  'self-request': 'The requester asked to reset their own account through the manager flow.',
  'requester-not-manager': "The requester is not the staff member's manager in Entra.",
  'synced-user-password':
    'The staff member is synchronised from on-premises AD: the password must be reset there.',
  'insufficient-privileges':
    'The tenant refused the change (the app lacks a role, or the target is privileged).',
  'password-rejected': "The tenant's password policy refused every temporary password drawn.",
  'mfa-partially-removed': 'Some MFA methods could not be removed; an engineer must remove the rest.',
  'secure-link-unavailable':
    'The secure-link store refused the link (Redis answered no, e.g. out of memory), so no password was set or sent.',
  'directory-unavailable': "The customer's tenant could not be reached with the app's credentials.",
  'retries-exhausted': 'Graph or the PSA kept failing transiently; the ticket went to an engineer.',
  'job-lost':
    "The ticket's job vanished from Redis after its work on the account had begun; an engineer checks what was done.",
  'automation-error':
    "An unexpected error stopped the work, or its worker kept stopping; the logs hold the details under the ticket's correlation id.",
} as const;

export type OutcomeCode = keyof typeof OUTCOME_CODES;

export function describeOutcome(code: OutcomeCode): string {
  return OUTCOME_CODES[code];
}
