import type { SimUserState } from './graph-simulator.js';
import { graphError, graphTime, HttpAnswer } from './graph-sim-http.js';

/**
 * The simulator's mail area: `POST /users/{sender}/sendMail` with a JSON message, as documented (user:
 * sendMail): 202 Accepted with no body; `saveToSentItems` optional (the docs' example sends it as the string
 * "false", so a boolean or "true"/"false" is accepted). The mailbox records what it accepted, and refuses an
 * app that may not send as it with 403 `ErrorAccessDenied`: "Access is denied. Check credentials and try
 * again." when neither Mail.Send nor an RBAC for Applications role covers it, "Access to OData is disabled."
 * when a legacy application access policy excludes it.
 */

/** Whether the app may send as a simulated mailbox. */
export type SimMailboxAccess = 'granted' | 'denied-by-rbac' | 'denied-by-access-policy';

/** A message a simulated mailbox accepted. */
export interface SimSentMail {
  /** The sender mailbox's UPN. */
  from: string;
  to: string[];
  subject: string;
  contentType: 'Text' | 'HTML';
  content: string;
  saveToSentItems: boolean;
  acceptedAt: string;
}

export const MAIL_MESSAGES = {
  accessDenied: 'Access is denied. Check credentials and try again.',
  accessPolicy: 'Access to OData is disabled.',
  noMailbox: 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
  /** Not documented verbatim. */
  invalidRecipients: "At least one recipient isn't valid.",
  /** Not documented verbatim. */
  invalidMessage: 'The message is not valid.',
} as const;

const TOP_LEVEL = new Set(['message', 'saveToSentItems']);
const MESSAGE_PROPERTIES = new Set(['subject', 'body', 'toRecipients', 'ccRecipients', 'bccRecipients']);

/** `POST /users/{sender}/sendMail`: validates, records into `outbox`, answers 202. */
export function sendMail(body: unknown, sender: SimUserState, outbox: SimSentMail[]): HttpAnswer {
  if (!sender.mailbox) return graphError(404, 'MailboxNotEnabledForRESTAPI', MAIL_MESSAGES.noMailbox);
  if (sender.mailbox === 'denied-by-rbac')
    return graphError(403, 'ErrorAccessDenied', MAIL_MESSAGES.accessDenied);
  if (sender.mailbox === 'denied-by-access-policy') {
    return graphError(403, 'ErrorAccessDenied', MAIL_MESSAGES.accessPolicy);
  }
  const invalid = (): HttpAnswer => graphError(400, 'ErrorInvalidRequest', MAIL_MESSAGES.invalidMessage);
  if (!body || typeof body !== 'object' || Array.isArray(body)) return invalid();
  const request = body as Record<string, unknown>;
  if (Object.keys(request).some((k) => !TOP_LEVEL.has(k))) return invalid();
  const save = request.saveToSentItems ?? true;
  if (![true, false, 'true', 'false'].includes(save as boolean | string)) return invalid();
  const message = request.message;
  if (!message || typeof message !== 'object' || Array.isArray(message)) return invalid();
  const m = message as Record<string, unknown>;
  if (Object.keys(m).some((k) => !MESSAGE_PROPERTIES.has(k))) return invalid();
  if (typeof m.subject !== 'string') return invalid();
  const content = m.body as Record<string, unknown> | undefined;
  const contentType =
    typeof content?.contentType === 'string' ? content.contentType.toLowerCase() : undefined;
  if (!content || typeof content.content !== 'string' || (contentType !== 'text' && contentType !== 'html')) {
    return invalid();
  }
  const to = m.toRecipients;
  if (!Array.isArray(to) || to.length === 0) {
    return graphError(400, 'ErrorInvalidRecipients', MAIL_MESSAGES.invalidRecipients);
  }
  const addresses = to.map(
    (r) => (r as { emailAddress?: { address?: unknown } } | null)?.emailAddress?.address,
  );
  if (!addresses.every((a): a is string => typeof a === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a))) {
    return graphError(400, 'ErrorInvalidRecipients', MAIL_MESSAGES.invalidRecipients);
  }
  outbox.push({
    from: sender.userPrincipalName,
    to: addresses,
    subject: m.subject,
    contentType: contentType === 'html' ? 'HTML' : 'Text',
    content: content.content,
    saveToSentItems: save === true || save === 'true',
    acceptedAt: graphTime(new Date()),
  });
  return new HttpAnswer(202);
}
