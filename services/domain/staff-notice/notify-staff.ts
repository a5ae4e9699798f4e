import { createHash } from 'node:crypto';
import { errorWithReasonMessage, isTransient, NotificationError } from '../errors.js';
import type {
  DirectoryFactory,
  DisavowLinkIssuer,
  Logger,
  NotificationAddresses,
  NotificationMailer,
  PsaAdapter,
  PsaKind,
  StaffNoticeRequest,
  TicketNote,
} from '../ports.js';
import { noticeRecipients, staffNoticeMessage } from './notice-message.js';
import {
  noNoticeCustomerNote,
  noNoticeInternalNote,
  noticeRefusedInternalNote,
  type NoNoticeReason,
} from './notice-notes.js';

/**
 * Telling the staff member their password or MFA was reset, after the reset was delivered. Runs as its own
 * job, apart from the reset: nothing here can hold up or undo a reset. The notice goes only to the
 * independent addresses the directory gives (never the reset mailbox); where there is none, or notices are
 * off, or the addresses cannot be read, the manager is told on the ticket that no notice could be sent. A
 * permanent refusal of the mail service becomes an internal note for the engineers.
 *
 * Every step is journaled in the job, so a retry sends the notice at most once and writes each note once.
 */

/** A job's own record of what it did, saved after every side effect. */
export interface JobJournal<P> {
  readonly progress: P;
  save(patch: Partial<P>): Promise<void>;
}

/** What a notice job has done. Nothing secret: the link is kept by its non-secret reference only. */
export interface NoticeProgress {
  /** The "this wasn't me" link of the last send (removed again when the notice is refused). */
  linkRef?: string;
  result?: 'sent' | NoNoticeReason | 'mail-refused';
  /** Why, in words for the engineers' note (never a secret). */
  detail?: string;
  excluded?: NotificationAddresses['excluded'];
  recipients?: number;
  customerNote?: 'started' | 'done';
  internalNote?: 'started' | 'done';
}

export interface StaffNoticeDeps {
  psa: (kind: PsaKind) => PsaAdapter;
  directories: DirectoryFactory;
  /** Undefined when notices are off (`notify.enabled`): the manager is told none was sent. */
  mailer?: NotificationMailer;
  links: DisavowLinkIssuer;
  mspName: string;
}

export interface StaffNoticeRun {
  request: StaffNoticeRequest;
  journal: JobJournal<NoticeProgress>;
  logger: Logger;
  /** The job's last attempt: a mail service still failing transiently is then treated as a refusal. */
  lastAttempt: boolean;
}

export type StaffNoticeResult =
  { status: 'sent'; recipients: number } | { status: 'not-sent'; reason: NoNoticeReason | 'mail-refused' };

/** A short stable reference for a note of this notice (kind: `C` customer, `I` internal). */
export function noticeMarker(request: StaffNoticeRequest, kind: 'C' | 'I'): string {
  const digest = createHash('sha256')
    .update(`${request.psa}:${request.ticketId}:notice:${request.resetAt}:${kind}`)
    .digest('hex')
    .slice(0, 8)
    .toUpperCase();
  return `RD-N${kind}-${digest}`;
}

/**
 * Adds a note at most once across retries: journaled as started before the PSA call, and a retry that finds
 * it started asks the PSA whether the note (its marker) arrived before the answer was lost.
 */
export async function addNoteOnce<K extends string>(
  psa: PsaAdapter,
  ticketId: string,
  note: TicketNote,
  journal: JobJournal<Partial<Record<K, 'started' | 'done'>>>,
  step: K,
): Promise<void> {
  const state = journal.progress[step];
  if (state === 'done') return;
  const patch = (value: 'started' | 'done') => ({ [step]: value }) as Partial<Record<K, 'started' | 'done'>>;
  if (state === 'started' && (await psa.hasNoteWithMarker(ticketId, note.marker))) {
    await journal.save(patch('done'));
    return;
  }
  await journal.save(patch('started'));
  await psa.addNote(ticketId, note);
  await journal.save(patch('done'));
}

/** Sends the notice for one delivered reset, or tells the ticket why none went. */
export async function notifyStaff(deps: StaffNoticeDeps, run: StaffNoticeRun): Promise<StaffNoticeResult> {
  const { request, journal, logger } = run;
  if (!journal.progress.result) await decideAndSend(deps, run);
  const { result, detail, excluded, recipients } = journal.progress;
  const psa = deps.psa(request.psa);
  if (result === 'sent') {
    logger.info({ event: 'notice.sent', recipients }, 'staff member told of the reset');
    return { status: 'sent', recipients: recipients ?? 0 };
  }
  if (result === 'mail-refused') {
    await addNoteOnce(
      psa,
      request.ticketId,
      noticeRefusedInternalNote({ detail: detail ?? 'unknown', marker: noticeMarker(request, 'I') }),
      journal,
      'internalNote',
    );
    logger.error({ event: 'notice.refused', detail }, 'the notice to the staff member was refused');
    return { status: 'not-sent', reason: 'mail-refused' };
  }
  const reason = result as NoNoticeReason;
  await addNoteOnce(
    psa,
    request.ticketId,
    noNoticeCustomerNote({
      requesterName: request.requesterName,
      staffName: request.staffName,
      passwordReset: request.passwordReset,
      mfaReset: request.mfaReset,
      reason,
      mspName: deps.mspName,
      marker: noticeMarker(request, 'C'),
    }),
    journal,
    'customerNote',
  );
  if (reason !== 'disabled') {
    await addNoteOnce(
      psa,
      request.ticketId,
      noNoticeInternalNote({
        reason,
        excluded: excluded ?? [],
        detail,
        mspName: deps.mspName,
        marker: noticeMarker(request, 'I'),
      }),
      journal,
      'internalNote',
    );
  }
  logger.warn(
    { event: 'notice.not-sent', reason },
    'no independent notice could be sent; the manager is told',
  );
  return { status: 'not-sent', reason };
}

async function decideAndSend(deps: StaffNoticeDeps, run: StaffNoticeRun): Promise<void> {
  const { request, journal } = run;
  if (!deps.mailer) {
    await journal.save({ result: 'disabled' });
    return;
  }
  let addresses: NotificationAddresses;
  try {
    addresses = await deps.directories.forTenant(request.tenantId).notificationAddresses(request.userId);
  } catch (err) {
    if (isTransient(err) && !run.lastAttempt) throw err;
    await journal.save({ result: 'addresses-unreadable', detail: errorWithReasonMessage(err) });
    return;
  }
  const to = noticeRecipients(addresses, request.resetMailboxes);
  if (to.length === 0) {
    await journal.save({ result: 'no-address', excluded: addresses.excluded });
    return;
  }

  // A link made by an earlier attempt is left alone: a notice whose answer was lost (a timeout) may have
  // been sent with it, and the staff member's "this wasn't me" must work. It expires unused otherwise.
  const link = await deps.links.create({
    psa: request.psa,
    ticketId: request.ticketId,
    correlationId: request.correlationId,
    customerId: request.customerId,
    tenantId: request.tenantId,
    userId: request.userId,
  });
  await journal.save({ linkRef: link.ref });
  const message = staffNoticeMessage(to, {
    staffName: request.staffName,
    staffSignInName: request.staffSignInName,
    passwordReset: request.passwordReset,
    mfaReset: request.mfaReset,
    resetAt: new Date(request.resetAt),
    requesterName: request.requesterName,
    mspName: deps.mspName,
    disavowUrl: link.url,
    disavowExpiresAt: link.expiresAt,
  });
  try {
    await deps.mailer.send(message);
  } catch (err) {
    const refused = err instanceof NotificationError || (isTransient(err) && run.lastAttempt);
    if (!refused) throw err;
    await deps.links.destroy(link.ref);
    await journal.save({ linkRef: undefined, result: 'mail-refused', detail: errorWithReasonMessage(err) });
    return;
  }
  await journal.save({ result: 'sent', recipients: to.length });
}
