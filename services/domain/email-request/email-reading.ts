/**
 * The public shapes of the email reader: the people a requester may ask for, the email, and what the reader
 * made of it. Reason codes are stable strings, safe to map to outcome codes and customer-visible answers.
 */

/** Someone the requester may ask for, as the directory knows them. */
export interface CandidatePerson {
  id: string;
  displayName: string;
  givenName?: string;
  surname?: string;
  userPrincipalName: string;
  mail?: string;
  department?: string;
  jobTitle?: string;
}

/** The email as the PSA recorded it: the body is plain text or HTML. */
export interface EmailInput {
  subject: string;
  body: string;
}

/** Who sent the email, when known: their own name and address are never a target. */
export interface EmailRequester {
  displayName?: string;
  email?: string;
}

/** Why an email asks for no reset now (`not-a-request`). */
export const NOT_A_REQUEST_REASONS = Object.freeze({
  /** An out-of-office or other automatic reply. */
  autoReply: 'auto-reply',
  /** A read receipt, delivery report or bounce. */
  receipt: 'receipt',
  /** Thanks, or word that the problem is solved. */
  thanks: 'thanks-or-resolved',
  /** A question about a request made earlier ("any update?"). */
  statusChase: 'status-chase',
  /** The reset is wanted later ("next Monday", "when she is back"). */
  futureDate: 'future-date',
  /** The password or MFA of another system (Salesforce, Xero, the Wi-Fi, …). */
  otherSystem: 'other-system',
  /** What was named is said to work ("her password is fine") and nothing else is asked. */
  nothingToReset: 'nothing-to-reset',
  /** Turning MFA off (or back on) is a policy change, not a reset. */
  disableMfa: 'disable-mfa',
  /** The person has left, or the writer wants into their mailbox: a different request, never a reset. */
  leaver: 'leaver-or-mailbox-access',
  /** Asks for someone's current password, which no one knows or sends. */
  currentPassword: 'current-password',
  /** The writer wants a password of their choosing set; the service never does that. */
  chosenPassword: 'chosen-password',
  /** The reset is wanted only if something happens ("if she still can't get in"). */
  conditional: 'conditional',
  /** The writer will confirm later ("let me check and get back to you", "hold off"). */
  pending: 'pending-confirmation',
  /** An earlier request is withdrawn ("ignore my last email, she remembered it"). */
  cancelled: 'cancelled',
  /** A question about how to do it, not a request to do it. */
  howTo: 'how-to-question',
  /** A forwarded message without the writer's own request or approval. */
  forwardWithoutApproval: 'forward-without-approval',
  /** Only the subject speaks of a reset; the body asks for nothing. */
  subjectOnly: 'subject-only',
  /** The email does not ask for a password or MFA reset. */
  noResetAsked: 'no-reset-asked',
  /** Nothing to read. */
  empty: 'empty',
} as const);
export type NotARequestReason = (typeof NOT_A_REQUEST_REASONS)[keyof typeof NOT_A_REQUEST_REASONS];

/** Why a reset request cannot be acted on safely without a person looking at it (`unclear`). */
export const UNCLEAR_REASONS = Object.freeze({
  /** No one the requester may ask for is named or meant. */
  noPerson: 'no-person-named',
  /** A name or address is given that is not among the people the requester may ask for. */
  notInList: 'person-not-in-list',
  /** A name fits more than one of those people. */
  ambiguousName: 'ambiguous-name',
  /** "She"/"they" could mean more than one person named earlier. */
  ambiguousReference: 'ambiguous-reference',
  /** The writer asks for their own account. */
  selfRequest: 'self-request',
  /** A group without names ("the whole team", "everyone in sales"). */
  group: 'group-request',
  /** The person is named as family, a supplier or a customer, not a member of staff. */
  notStaff: 'not-staff',
  /** A forwarded plea whose sender is not among the people the requester may ask for. */
  forwardedSenderUnknown: 'forwarded-sender-unknown',
  /** Says both "only the password" and "only MFA", or the like. */
  conflictingScope: 'conflicting-scope',
  /** The reader failed; nothing should be done on its word. */
  internal: 'internal-error',
} as const);
export type UnclearReason = (typeof UNCLEAR_REASONS)[keyof typeof UNCLEAR_REASONS];

/**
 * What an email asks for. Only `reset-request` names a single account to act on; `several-people` names
 * each of them (the caller asks or hands off); the other two never lead to a reset.
 * `evidence` holds short reasons for a hand-off note, never the email's text at length.
 */
export type EmailReading =
  | {
      kind: 'reset-request';
      target: CandidatePerson;
      resetPassword: boolean;
      resetMfa: boolean;
      evidence: string[];
    }
  | {
      kind: 'several-people';
      targets: CandidatePerson[];
      resetPassword: boolean;
      resetMfa: boolean;
      evidence: string[];
    }
  | { kind: 'not-a-request'; reason: NotARequestReason; evidence: string[] }
  | { kind: 'unclear'; reason: UnclearReason; evidence: string[] };
