/** The PSA as the use case sees it: the facts of a ticket, notes, and where a ticket goes next. */

/** Every PSA the service can talk to: the one list (an integration per kind lives in integrations/<kind>/). */
export const PSA_KINDS = ['halopsa', 'connectwise', 'autotask'] as const;

export type PsaKind = (typeof PSA_KINDS)[number];

/** True for the name of a PSA the service knows: for values read back from Redis, job data or a link. */
export function isPsaKind(value: unknown): value is PsaKind {
  return (PSA_KINDS as readonly unknown[]).includes(value);
}

/** How the request reached the PSA. Decided by the adapter from the ticket's own source field. */
export type RequestChannel = 'portal' | 'email' | 'agent' | 'unknown';

/** The facts the service needs from a ticket, read through the PSA API (never from a webhook body). */
export interface ResetTicket {
  ticketId: string;
  /** The PSA's own id of the customer (Halo client id, ConnectWise company id, Autotask company id). */
  psaCustomerId: string;
  summary: string;
  /** True when the ticket is of the configured reset type. Nothing else about the ticket is acted on otherwise. */
  isResetRequest: boolean;
  channel: RequestChannel;
  /** The ticket's contact on file. `email` is the address the PSA holds for the contact, not one from the request. */
  requester: { contactId?: string; name?: string; email?: string };
  /** The staff member to reset, as typed in the form (UPN or email address); undefined when the field is empty. */
  targetIdentifier?: string;
  /** Whether to reset the password / remove MFA. Both true when the form carries neither field. */
  resetPassword: boolean;
  resetMfa: boolean;
  /**
   * The free text of the request (the email body for email-to-ticket, the ticket details otherwise), for
   * parsing what was asked. Never used to decide who asks or where anything is sent.
   */
  details?: string;
  /** For tickets created from an email: the addresses the PSA recorded on that message. */
  emailOrigin?: { from?: string; replyTo?: string };
  /** The form's "I have spoken to this person" field; undefined when the form has no such field. */
  attested?: boolean;
  /** The ticket's current status id in the PSA (as a string), e.g. to recognise "send back to resetdesk". */
  statusId?: string;
}

export type NoteVisibility = 'customer' | 'internal';

export interface TicketNote {
  /** Plain text; lines separated by "\n". Adapters render it in the PSA's format. Never holds a secret. */
  text: string;
  /** `customer`: visible to the contact and emailed to the contact on file. `internal`: engineers only. */
  visibility: NoteVisibility;
  /**
   * A short reference that appears in `text`. Lets a retry find out whether an earlier attempt to add this
   * very note reached the PSA before its answer was lost (see `PsaAdapter.hasNoteWithMarker`).
   */
  marker: string;
}

/**
 * Where a ticket should go next, in the service's words; each adapter maps it to configured ids.
 * `resolved`: the staff member is back in and nothing is left to do.
 */
export type TicketDisposition = 'awaiting-confirmation' | 'engineers' | 'resolved';

/** What the domain knows that a move may need besides the PSA's own configuration. */
export interface MoveOptions {
  /**
   * For `resolved`: the customer's own resolved status (`CustomerSettings.resolvedStatusId`), which wins over the
   * PSA's configured one. Ignored for the other dispositions.
   */
  resolvedStatusId?: string;
}

/** Who wrote a reply or note, as far as the PSA tells: the ticket's contact (or another end user), an engineer. */
export type ActivityAuthor = 'contact' | 'engineer' | 'unknown';

/** One reply or note by someone other than the service: who and when, never its text. */
export interface TicketReply {
  /** When the PSA says it was written. */
  at: Date;
  by: ActivityAuthor;
  /** The name the PSA shows for its author, when it gives one. */
  author?: string;
}

/**
 * What happened on a ticket since a time, by anyone but the service. An answer the adapter cannot read is an
 * error (`PsaError`, or `TransientError` for an outage), never an empty activity.
 */
export interface TicketActivity {
  /** A reply or note since `since` by the contact, an engineer, or anyone the PSA cannot name. */
  replied: boolean;
  /**
   * The ticket's status is no longer the one the service set (`serviceStatusId`), or the ticket is gone. False
   * when no `serviceStatusId` was given (the current status is still reported).
   */
  statusChanged: boolean;
  /** The ticket's current status id, as text; undefined when the ticket is gone. */
  currentStatusId?: string;
  /** False when the PSA no longer knows the ticket (deleted or merged); `statusChanged` is then true. */
  ticketFound: boolean;
  /** The replies and notes that make `replied` true, oldest first. */
  replies: TicketReply[];
}

export interface PsaAdapter {
  readonly kind: PsaKind;
  /** Reads the ticket and its contact on file. Returns null when the PSA does not know the ticket. */
  getTicket(ticketId: string): Promise<ResetTicket | null>;
  addNote(ticketId: string, note: TicketNote): Promise<void>;
  /** True when a note containing `marker` is already on the ticket. */
  hasNoteWithMarker(ticketId: string, marker: string): Promise<boolean>;
  /**
   * Moves the ticket: sets the configured status and, for `engineers`, the configured team. For `resolved`, the
   * status is `options.resolvedStatusId` when given, else the PSA's configured resolved status; with neither,
   * the ticket is left as is (and the adapter logs it).
   */
  moveTicket(ticketId: string, disposition: TicketDisposition, options?: MoveOptions): Promise<void>;
  /**
   * Whether anyone but the service touched the ticket at or after `since`: a reply or note by the contact or an
   * engineer (the service's own notes, recognised by the PSA account it writes with and by their markers, do
   * not count), and whether the status is still `serviceStatusId`, the status the service set. Read-only.
   */
  activitySince(ticketId: string, since: Date, serviceStatusId?: string): Promise<TicketActivity>;
}
