import type { NotificationMailer, NotificationMessage } from '../../services/domain/ports.js';
import { DirectoryError, NotificationError, TransientError } from '../../services/domain/errors.js';
import type { Logger } from '../../services/logging/logger.js';
import { classifyGraphError, type GraphErrorInfo, type GraphFailure } from './graph-errors.js';
import type { GraphOptions } from './graph-credential.js';
import { createGraphTransport, type CallResult, type GraphTransport } from './graph-transport.js';
import { isPlainEmailAddress } from '../shared/mail-addresses.js';
import { pathSegment } from './odata.js';

/**
 * Notices to staff members, sent from a mailbox of the MSP's own tenant with `POST /users/{sender}/sendMail`
 * (202 Accepted, no body: accepted, not delivered). The token is the app's, requested for the MSP's tenant,
 * never a customer's. The app needs the right to send as that one mailbox: Exchange Online's "Application
 * Mail.Send" role scoped to it (RBAC for Applications), or the Mail.Send application permission.
 */

export interface MailSenderOptions {
  /** The MSP's own Entra tenant, where the sender mailbox lives. */
  tenantId: string;
  /** UPN or primary address of the mailbox the notices come from. */
  senderMailbox: string;
}

/** Recipients one notice may have: the staff member's own few addresses, never a list. */
export const MAX_RECIPIENTS = 10;
const MAX_SUBJECT_LENGTH = 255;

export function createGraphMailSender(
  graph: GraphOptions,
  options: MailSenderOptions,
  logger: Logger,
): NotificationMailer {
  if (!isPlainEmailAddress(options.senderMailbox)) {
    throw new Error('The sender mailbox must be a plain email address');
  }
  const transport = createGraphTransport(
    graph,
    options.tenantId,
    logger.child({ tenantId: options.tenantId, component: 'graph-mail' }),
  );
  return new GraphMailSender(transport, options.senderMailbox);
}

export class GraphMailSender implements NotificationMailer {
  constructor(
    private readonly graph: GraphTransport,
    private readonly sender: string,
  ) {}

  async send(message: NotificationMessage): Promise<void> {
    const operation = 'send the notice';
    refuseMalformed(message, operation);
    let result: CallResult;
    try {
      result = await this.graph.call({
        operation,
        method: 'POST',
        path: `/users/${pathSegment(this.sender)}/sendMail`,
        body: sendMailBody(message),
      });
    } catch (err) {
      // The credential was refused for the MSP's tenant: the same fix as any refusal of ours, not a customer's.
      if (err instanceof DirectoryError && err.reason === 'auth-failed') {
        throw new NotificationError('auth-failed', err.message, { cause: err.cause });
      }
      throw err;
    }
    if (!result.ok) throw mailFailure(result.info, operation, this.sender);
    this.graph.logger.info({ op: operation, recipients: message.to.length }, 'notice accepted for delivery');
  }
}

/**
 * The sendMail request body. One body only (JSON messages carry one): the HTML when given, else the text.
 * Not saved to Sent Items: a notice may hold a one-time link, which should live in the recipient's mailbox
 * only.
 */
export function sendMailBody(message: NotificationMessage): unknown {
  return {
    message: {
      subject: message.subject,
      body:
        message.html !== undefined
          ? { contentType: 'HTML', content: message.html }
          : { contentType: 'Text', content: message.text },
      toRecipients: message.to.map((address) => ({ emailAddress: { address } })),
    },
    saveToSentItems: false,
  };
}

function refuseMalformed(message: NotificationMessage, operation: string): void {
  const refuse = (why: string): never => {
    throw new NotificationError('rejected', `Could not ${operation}: ${why}`);
  };
  if (message.to.length === 0) refuse('there is no recipient');
  if (message.to.length > MAX_RECIPIENTS) refuse(`more than ${MAX_RECIPIENTS} recipients`);
  if (!message.to.every(isPlainEmailAddress)) refuse('a recipient is not a plain email address');
  const subject = message.subject;
  if (subject.trim() === '' || subject.length > MAX_SUBJECT_LENGTH || /[\p{Cc}\u2028\u2029]/u.test(subject)) {
    refuse(`the subject must be one line of 1 to ${MAX_SUBJECT_LENGTH} characters`);
  }
  if (message.html === undefined && message.text.trim() === '') refuse('the message has no body');
}

/** Exchange's codes for a sender that is not a mailbox the service can use. */
const SENDER_NOT_FOUND_CODES = new Set([
  'ErrorInvalidUser',
  'MailboxNotEnabledForRESTAPI',
  'MailboxNotFound',
  'ResourceNotFound',
  'Request_ResourceNotFound',
]);

/**
 * A refused sendMail in the words of what to fix. Throttling and outages are transient; `ErrorAccessDenied`
 * (and any 403) says which grant is missing: an application access policy answers "Access to OData is
 * disabled", RBAC for Applications and a missing Mail.Send answer "Access is denied".
 */
export function mailFailure(
  info: GraphErrorInfo,
  operation: string,
  sender: string,
): TransientError | NotificationError {
  const cause: GraphFailure = { statusCode: info.statusCode, code: info.code, requestId: info.requestId };
  const status = ` (HTTP ${info.statusCode}${info.code ? ` ${info.code}` : ''})`;
  const graphSaid = info.message ? ` Graph said: ${info.message}` : '';
  const classification = classifyGraphError(info);
  if (classification.kind === 'transient') {
    const waitFor =
      info.retryAfterMs !== undefined ? `; retry after ${Math.ceil(info.retryAfterMs / 1000)}s` : '';
    return new TransientError(
      `Could not ${operation}: the mail service is busy or unavailable${status}${waitFor}.${graphSaid}`,
      info.retryAfterMs,
      { cause },
    );
  }
  if (info.statusCode === 401 || classification.reason === 'auth-failed') {
    return new NotificationError(
      'auth-failed',
      `Could not ${operation}: the app could not authenticate to the MSP's own tenant${status}.${graphSaid}`,
      { cause },
    );
  }
  if (info.code === 'ErrorAccessDenied' || info.statusCode === 403) {
    const fix = /access to odata is disabled/i.test(info.message ?? '')
      ? `an Exchange Online application access policy excludes ${sender}: add the mailbox to the policy's group, or move to RBAC for Applications`
      : `grant the app the Exchange Online role "Application Mail.Send" scoped to ${sender} (RBAC for Applications; check with Test-ServicePrincipalAuthorization), or the Mail.Send application permission`;
    return new NotificationError(
      'not-permitted',
      `Could not ${operation}: the app may not send as ${sender}: ${fix}${status}.${graphSaid}`,
      { cause },
    );
  }
  if (info.statusCode === 404 || (info.code !== undefined && SENDER_NOT_FOUND_CODES.has(info.code))) {
    return new NotificationError(
      'sender-not-found',
      `Could not ${operation}: ${sender} is not an Exchange Online mailbox of the MSP's tenant${status}.${graphSaid}`,
      { cause },
    );
  }
  return new NotificationError(
    'rejected',
    `Could not ${operation}: the mail service refused the message${status}.${graphSaid}`,
    { cause },
  );
}
