import type { ResetPolicy } from './ports.js';
import {
  NOT_A_REQUEST_REASONS as NOT_A_REQUEST,
  readEmailRequest,
  UNCLEAR_REASONS,
  type CandidatePerson,
  type EmailReading,
  type NotARequestReason,
} from './email-request/email-request-reader.js';
import type { Directory, DirectoryUser, ResetTicket } from './ports.js';
import { isApprover, resolveRequester, type PolicyVerdict } from './reset-policy.js';

/** What an emailed request asks, once read: a target address and the resets, as a form would carry them. */
export type EmailedRequest = Pick<ResetTicket, 'targetIdentifier' | 'resetPassword' | 'resetMfa'>;

type Refusal = Exclude<PolicyVerdict, { kind: 'proceed' }>;

/**
 * The short customer-visible answer to an email that asks for no reset now, by reason; reasons left out
 * get none (an automatic message is never answered; the rest only need an engineer's eye). Every one of
 * them also goes to an engineer, and nothing is reset.
 */
const NOT_A_REQUEST_ANSWERS: Partial<Record<NotARequestReason, string>> = {
  [NOT_A_REQUEST.futureDate]:
    'Nothing has been reset yet: please ask again on the day the reset is needed, so the temporary password is fresh.',
  [NOT_A_REQUEST.conditional]: 'Nothing has been reset: please reply when the reset is needed.',
  [NOT_A_REQUEST.otherSystem]:
    'We reset Microsoft 365 accounts here. Our team will look at the sign-in problem with the other system and reply.',
  [NOT_A_REQUEST.currentPassword]:
    "Nobody, us included, can see or send anyone's current password. If the staff member cannot sign in, ask us to reset their password.",
  [NOT_A_REQUEST.chosenPassword]:
    'For security we never set a password someone has chosen: a reset gives the staff member a temporary password they change at their first sign-in.',
  [NOT_A_REQUEST.forwardWithoutApproval]:
    "A reset must be asked for or approved by the staff member's manager: nothing has been reset. Please say on this ticket whether you approve it.",
  [NOT_A_REQUEST.subjectOnly]:
    'Please tell us whose account needs resetting (their full name or work email address) and whether it is the password, MFA or both.',
};

/** Most users an approver's tenant may hold for its email to be read against all of them. */
const MAX_TENANT_CANDIDATES = 20_000;

/**
 * An email request (or a ticket from a source no list classifies) is trusted only as far as the PSA's own
 * records go: the sender must be the contact's address on file (and a Reply-To, when recorded, the same).
 * Then the email is read against the people this requester may ask for (their reports down the manager
 * chain, or the whole tenant for an approver): a reset now, for exactly one of them, or no reset at all.
 * The manager confirms whatever is read before anything is reset.
 */
export async function readEmailedRequest(
  ticket: ResetTicket,
  policy: ResetPolicy,
  directory: Directory,
): Promise<{ request: EmailedRequest } | { verdict: Refusal }> {
  const unclassified = ticket.channel === 'unknown';
  const channelFact = unclassified
    ? "The ticket's source matches no configured channel, so it is checked as an email request."
    : 'The request arrived by email.';
  if (!policy.allowEmailRequests) {
    return { verdict: { kind: 'hand-off', code: 'email-requests-disabled', facts: [channelFact] } };
  }
  const onFile = ticket.requester.email?.trim().toLowerCase();
  const from = ticket.emailOrigin?.from?.trim().toLowerCase();
  const replyTo = ticket.emailOrigin?.replyTo?.trim().toLowerCase();
  if (!onFile) {
    return {
      verdict: {
        kind: 'hand-off',
        code: 'requester-missing',
        facts: [channelFact, 'The ticket has no contact on file.'],
      },
    };
  }
  if (!from || from !== onFile || (replyTo && replyTo !== from)) {
    return {
      verdict: {
        kind: 'hand-off',
        code: 'email-sender-not-on-file',
        facts: [
          channelFact,
          `Contact's address on file: <${onFile}>.`,
          `Email From: ${from ? `<${from}>` : '(not recorded by the PSA)'}${replyTo ? `, Reply-To: <${replyTo}>` : ''}.`,
        ],
      },
    };
  }
  // A form's own fields say whom and what; the manager still confirms them.
  if (unclassified && ticket.targetIdentifier) return { request: ticket };

  const found = await resolveRequester(onFile, directory);
  if (found.kind !== 'found') return { verdict: found };
  const { requester } = found;
  const approver = await isApprover(requester, directory, policy);
  const people = approver
    ? await directory.listMembers(MAX_TENANT_CANDIDATES)
    : await directory.listReports(requester.id, policy.managerChainDepth);
  if (people.length === 0) {
    return {
      verdict: {
        kind: 'hand-off',
        code: 'requester-not-manager',
        requester,
        facts: [
          channelFact,
          `Nobody reports to the requester <${requester.userPrincipalName}> in Entra (${policy.managerChainDepth} level(s) checked), and they are not an approver: they may not ask for anyone.`,
        ],
      },
    };
  }
  const reading = readEmailRequest(
    { subject: ticket.summary, body: ticket.details ?? '' },
    people.map(candidateOf),
    { displayName: requester.displayName, email: onFile },
  );
  return fromReading(reading, channelFact);
}

function candidateOf(user: DirectoryUser): CandidatePerson {
  return {
    id: user.id,
    displayName: user.displayName,
    userPrincipalName: user.userPrincipalName,
    ...(user.givenName ? { givenName: user.givenName } : {}),
    ...(user.surname ? { surname: user.surname } : {}),
    ...(user.mail ? { mail: user.mail } : {}),
    ...(user.department ? { department: user.department } : {}),
    ...(user.jobTitle ? { jobTitle: user.jobTitle } : {}),
  };
}

/** What the service does with a reading: a request goes on (to the policy and the confirmation); else why not. */
function fromReading(
  reading: EmailReading,
  channelFact: string,
): { request: EmailedRequest } | { verdict: Refusal } {
  const evidence = reading.evidence.map((line) => `Read: ${line}`);
  switch (reading.kind) {
    case 'reset-request':
      return {
        request: {
          // The reader grounded the name in the directory: its account is the target, looked up again by
          // address so the policy checks it like any other.
          targetIdentifier: reading.target.userPrincipalName,
          resetPassword: reading.resetPassword,
          resetMfa: reading.resetMfa,
        },
      };
    case 'several-people':
      return {
        verdict: {
          kind: 'hand-off',
          code: 'request-several-people',
          facts: [
            channelFact,
            `The email asks for ${reading.targets.length} people: ${reading.targets.map((t) => t.displayName).join(', ')}.`,
            ...evidence,
          ],
        },
      };
    case 'not-a-request': {
      const facts = [channelFact, `The email does not ask for a reset now (${reading.reason}).`, ...evidence];
      const answer = NOT_A_REQUEST_ANSWERS[reading.reason];
      return {
        verdict: answer
          ? { kind: 'refuse', code: 'not-a-reset-request', customerMessage: answer, facts }
          : { kind: 'hand-off', code: 'not-a-reset-request', facts },
      };
    }
    case 'unclear':
      return {
        verdict: {
          kind: 'hand-off',
          code: reading.reason === UNCLEAR_REASONS.selfRequest ? 'self-request' : 'request-unclear',
          facts: [channelFact, `The email could not be read safely (${reading.reason}).`, ...evidence],
        },
      };
  }
}
