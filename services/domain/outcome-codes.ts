/**
 * The stable codes of everything a ticket can end with: what each means, and for a hand-off the next step
 * the engineer's note gives. They appear in ticket notes, logs, events and metrics, and each one is
 * documented in docs/outcome-codes.md (a test checks both directions). Never rename a code: add a new one.
 */
export const OUTCOME_CODES = {
  'reset-delivered': { meaning: 'The reset was done and the secure link is on the ticket.' },
  'mfa-reset-done': {
    meaning: 'Only MFA was asked for; every MFA method was removed and the ticket says so.',
  },
  'not-a-reset-ticket': { meaning: 'The ticket is not of the configured reset type; nothing was done.' },
  'unknown-ticket': { meaning: 'The PSA does not know the ticket id from the webhook; nothing was done.' },
  'already-handled': { meaning: 'The ticket was worked before; a later delivery changed nothing.' },
  'customer-off': {
    meaning:
      'The customer\'s roll-out mode is "off": resetdesk leaves its tickets alone (no note, no move); a later delivery is worked again once the customer is switched on.',
  },
  'dry-run': {
    meaning:
      'The customer is in dry run: the request was decided as usual but nothing was changed in the tenant, no link was made and nothing was written that the customer sees; an internal note says what would have been done.',
    nextStep:
      'Work the ticket by hand as usual. Compare what the dry-run note says resetdesk would have done with what you did; switch the customer to "on" once the dry runs read right.',
  },
  'nothing-requested': {
    meaning: 'The form asked for neither a password reset nor an MFA reset.',
    nextStep: 'Ask the requester what they need.',
  },
  'unknown-customer': {
    meaning: "The ticket's customer is not mapped to an Entra tenant in the configuration.",
    nextStep:
      'Add the customer (PSA customer id → Entra tenant id) to the configuration, or do the reset by hand.',
  },
  'requester-missing': {
    meaning: 'The ticket has no contact on file with an email address.',
    nextStep:
      "Check the ticket's contact and their address on file; confirm the request by a known phone number before any reset.",
  },
  'requester-not-found': {
    meaning: "The contact's address on file matches no user in the customer's tenant.",
    nextStep:
      "Check the ticket's contact and their address on file; confirm the request by a known phone number before any reset.",
  },
  'requester-ambiguous': {
    meaning: "The contact's address on file matches more than one user in the tenant.",
    nextStep:
      "Check the ticket's contact and their address on file; confirm the request by a known phone number before any reset.",
  },
  'target-missing': {
    meaning: 'The ticket does not say which staff member to reset.',
    nextStep:
      'Ask the requester which staff member they mean (full email address) and do the reset once confirmed.',
  },
  'target-not-found': {
    meaning: "The staff member given on the ticket matches no user in the customer's tenant.",
    nextStep:
      'Ask the requester which staff member they mean (full email address) and do the reset once confirmed.',
  },
  'target-ambiguous': {
    meaning: 'The staff member given on the ticket matches more than one user.',
    nextStep:
      'Ask the requester which staff member they mean (full email address) and do the reset once confirmed.',
  },
  'target-disabled': {
    meaning: "The staff member's account is disabled in Entra.",
    nextStep:
      'Find out why the account is disabled before anything else; do not re-enable it on this request alone.',
  },
  'target-protected': {
    meaning: "The staff member is on the customer's protected list.",
    nextStep:
      'Verify the request with the requester and the account owner by a known phone number; privileged and protected accounts are reset by an engineer with the right role, never automatically.',
  },
  'target-privileged': {
    meaning:
      'The staff member holds an admin role (active or PIM-eligible) or is in a role-assignable group.',
    nextStep:
      'Verify the request with the requester and the account owner by a known phone number; privileged and protected accounts are reset by an engineer with the right role, never automatically.',
  },
  'target-privileges-unknown': {
    meaning:
      "The staff member's PIM eligibility could not be read: the app may not read it, or the tenant has no PIM licence and the policy requires the check.",
    nextStep:
      'Verify the request with the requester and the account owner by a known phone number; privileged and protected accounts are reset by an engineer with the right role, never automatically.',
  },
  'attestation-missing': {
    meaning:
      'The customer requires "I have spoken to this person" and the form does not carry it; the requester was asked.',
  },
  'awaiting-confirmation': {
    meaning:
      'An email request waits for the manager to confirm it through the link sent to their address on file.',
  },
  'confirmation-denied': {
    meaning:
      'The manager answered "this wasn\'t me" to the confirmation link: nothing was reset and the engineers were alerted.',
    nextStep:
      'Treat as an attempted account takeover: check the mailbox rules and sign-ins of the contact and the target, and tell the customer.',
  },
  'confirmation-expired': {
    meaning: 'The manager did not confirm the email request in time.',
    nextStep:
      'Call the requester at their known number to confirm the request, then reset by hand or send the ticket back to resetdesk.',
  },
  'confirmation-mismatch': {
    meaning:
      'The manager confirmed a different request from the one the ticket now holds (it changed after the question was sent): nothing was reset.',
    nextStep:
      'Treat as suspicious: call the requester at their known number and confirm who should be reset and what, then reset by hand or send the ticket back to resetdesk (it asks again).',
  },
  'channel-unknown': {
    meaning:
      "The ticket's source matches no configured channel and the customer's policy sends such tickets to an engineer.",
    nextStep:
      "Read the request and confirm it with the requester at their known number; add the ticket's source to the PSA's source lists in the resetdesk configuration.",
  },
  'email-sender-not-on-file': {
    meaning: "The email's sender (or its Reply-To) is not the contact's address on file.",
    nextStep:
      "Treat as suspicious: call the contact on file at their known number before anything else; do not reply to the email's sender.",
  },
  'email-requests-disabled': {
    meaning: 'The customer does not accept reset requests by email.',
    nextStep: 'Read the request and confirm it with the requester at their known number.',
  },
  'request-unclear': {
    meaning: 'The email does not say clearly whose account to reset or what to reset.',
    nextStep: 'Read the request and confirm it with the requester at their known number.',
  },
  'request-several-people': {
    meaning: 'The email asks for resets for more than one person: an engineer handles it.',
    nextStep:
      'Confirm with the requester at their known number who needs what, then reset each person by hand (or file one ticket per person).',
  },
  'not-a-reset-request': {
    meaning:
      'The email does not ask for a reset now (an automatic reply, thanks, a status chase, a future date, another system\u2026).',
    nextStep:
      'Read the email: if it needs an answer, reply; if it is a reset request after all, confirm it with the requester at their known number.',
  },
  'rate-limited-requester': {
    meaning: 'The requester asked for more resets than the policy allows in the window.',
    nextStep:
      'Unusual volume: confirm with the customer that these resets are expected (an incident?) before working them.',
  },
  'rate-limited-customer': {
    meaning: 'The customer asked for more resets than the policy allows in the window.',
    nextStep:
      'Unusual volume: confirm with the customer that these resets are expected (an incident?) before working them.',
  },
  'self-request': {
    meaning: 'The requester asked to reset their own account through the manager flow.',
    nextStep: 'Point the person to their manager; self-service resets go through the normal verified route.',
  },
  'requester-not-manager': {
    meaning: "The requester is not the staff member's manager in Entra.",
    nextStep:
      "Confirm with the requester by a known phone number whether they manage the staff member; if Entra's manager attribute is wrong, fix it and do the reset by hand.",
  },
  'synced-user-password': {
    meaning: 'The staff member is synchronised from on-premises AD: the password must be reset there.',
    nextStep:
      'Reset the password in on-premises AD (or with writeback), set "must change at next logon", and give it to the requester by the secure route.',
  },
  'insufficient-privileges': {
    meaning: 'The tenant refused the change (the app lacks a role, or the target is privileged).',
    nextStep:
      "Check the app's User Administrator role in this tenant and whether the target holds an admin role; privileged accounts are reset by an engineer.",
  },
  'password-rejected': {
    meaning: "The tenant's password policy refused every temporary password drawn.",
    nextStep: 'Reset by hand with a password that meets the tenant policy.',
  },
  'mfa-partially-removed': {
    meaning: 'Some MFA methods could not be removed; an engineer must remove the rest.',
    nextStep:
      'Remove the remaining MFA methods in the Entra admin center (Authentication methods), then tell the requester.',
  },
  'staff-disavowed': {
    meaning:
      'The staff member answered the notice of their reset with "This wasn\'t me": a possible account takeover.',
    nextStep:
      'Call the staff member on a number you already hold; check the sign-in logs and the requester; if it was not them, keep sign-in blocked, reset the password and MFA again yourself, and find out how the request was made.',
  },
  'tap-not-allowed': {
    meaning:
      "The tenant's Temporary Access Pass policy refused a pass for the staff member, and the customer's setting says to hand off: the MFA methods were removed, no pass was issued and no password was set.",
    nextStep:
      'Allow the Temporary Access Pass method for this user in Entra (Protection > Authentication methods > Policies), or help the staff member register MFA by phone; then set the password by hand or send the ticket back.',
  },
  'tap-unavailable-registration-open': {
    meaning:
      "The tenant's Temporary Access Pass policy refused a pass; as the customer's setting allows, the reset went on without one and MFA registration is open at the staff member's next sign-in.",
  },
  'secure-link-unavailable': {
    meaning:
      'The secure-link store refused the link (Redis answered no, e.g. out of memory), so no password was set or sent.',
    nextStep: 'Check Redis; then reset by hand or send the ticket back to resetdesk.',
  },
  'directory-unavailable': {
    meaning: "The customer's tenant could not be reached with the app's credentials.",
  },
  'retries-exhausted': {
    meaning: 'Graph or the PSA kept failing transiently; the ticket went to an engineer.',
  },
  'job-lost': {
    meaning:
      "The ticket's job vanished from Redis after its work on the account had begun; an engineer checks what was done.",
  },
  'automation-error': {
    meaning:
      "An unexpected error stopped the work, or its worker kept stopping; the logs hold the details under the ticket's correlation id.",
  },
  'back-in': {
    meaning:
      'After the reset the staff member set a password of their own and, when MFA was reset, registered a second factor again; the ticket was resolved.',
  },
  'not-back-in': {
    meaning:
      'The watch window passed without the staff member seen back in; the engineers were told what was and was not seen.',
    nextStep:
      'Call the staff member (or the requester): check they can sign in, have set their own password and registered MFA again; the note says what Graph showed.',
  },
  'watch-stopped': {
    meaning:
      'A reply on the ticket, or a status change by someone else, stopped the watch after the reset; the ticket is left as it is.',
  },
  'watch-unreadable': {
    meaning:
      "The staff member's sign-in state could not be read after the reset (the account is gone, or the app may not read it); the watch ended.",
    nextStep:
      'Check the account in the Entra admin center and confirm with the staff member that they are back in.',
  },
} as const satisfies Record<string, { meaning: string; nextStep?: string }>;

export type OutcomeCode = keyof typeof OUTCOME_CODES;

/** The step for the engineers when the table names none: look at the ticket. */
const REVIEW_BY_HAND = 'Review the ticket and do the reset by hand if it is legitimate.';

export function describeOutcome(code: OutcomeCode): string {
  return OUTCOME_CODES[code].meaning;
}

/** What an engineer should do next with a ticket that ended with this code. */
export function nextStepFor(code: OutcomeCode): string {
  const outcome = OUTCOME_CODES[code];
  return 'nextStep' in outcome ? outcome.nextStep : REVIEW_BY_HAND;
}
