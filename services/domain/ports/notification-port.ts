/** Notices to the staff member, from a mailbox of the MSP's own tenant. */

/**
 * A plain notice to a staff member. Never holds a password, a pass, or a link that reveals one; a one-time
 * "this wasn't me" link (which can only contain the account) may be in it.
 */
export interface NotificationMessage {
  /** The recipients, each a plain email address (at most 10). */
  to: string[];
  /** One line, no control characters, at most 255 characters. */
  subject: string;
  /** The plain-text body; sent when `html` is not given. */
  text: string;
  /** An HTML body; sent instead of `text` when given (a JSON message carries one body). */
  html?: string;
}

/**
 * Sends notices from a mailbox of the MSP's own tenant (never a customer's). Resolves when the mail service
 * accepted the message, which is not delivery. Throws `TransientError` for throttling and outages and
 * `NotificationError` for permanent refusals, with a reason that says what to fix.
 */
export interface NotificationMailer {
  send(message: NotificationMessage): Promise<void>;
}
