import { createHash } from 'node:crypto';
import { DirectoryError, isTransient, errorWithReasonMessage } from '../errors.js';
import type {
  CustomerDirectory,
  DirectoryFactory,
  DisavowOutcome,
  DisavowReport,
  Logger,
  PsaAdapter,
  PsaKind,
} from '../ports.js';
import { disavowNote } from './notice-notes.js';
import { addNoteOnce, type JobJournal } from './notify-staff.js';

/**
 * The staff member pressed "This wasn't me" in the notice of their reset: contain and hand over.
 *
 * 1. revoke the account's sign-in sessions (whoever holds the temporary password is signed out);
 * 2. block sign-in when the customer's `blockSignInOnDisavow` is on (not possible in the cloud for an account
 *    synchronised from on-premises AD: the note says so);
 * 3. an internal note, "possible account takeover", with what was done and what was not;
 * 4. the ticket to the engineers.
 *
 * Runs as a queued job: transient Graph or PSA failures are retried; on the job's last attempt a Graph step
 * that still fails is reported as not done rather than holding back the hand-off. The account acted on is the
 * one the link was bound to, and only while the customer is still mapped to that tenant (fail closed).
 */

/** What a disavow job has done; saved after every side effect. */
export interface DisavowProgress {
  sessions?: DisavowOutcome['sessions'];
  signIn?: DisavowOutcome['signIn'];
  problems?: string[];
  note?: 'started' | 'done';
  moved?: boolean;
}

export interface DisavowDeps {
  psa: (kind: PsaKind) => PsaAdapter;
  directories: DirectoryFactory;
  customers: CustomerDirectory;
}

export interface DisavowRun {
  report: DisavowReport;
  journal: JobJournal<DisavowProgress>;
  logger: Logger;
  lastAttempt: boolean;
}

export function disavowMarker(ref: string): string {
  const digest = createHash('sha256').update(`disavow:${ref}`).digest('hex').slice(0, 8).toUpperCase();
  return `RD-X-${digest}`;
}

export async function handleDisavow(deps: DisavowDeps, run: DisavowRun): Promise<DisavowOutcome> {
  const { report, journal, logger } = run;
  const customer = deps.customers.find(report.psa, report.customerId);
  const sameTenant = customer?.tenantId.toLowerCase() === report.tenantId.toLowerCase();
  const directory = deps.directories.forTenant(report.tenantId);
  const problems = [...(journal.progress.problems ?? [])];

  if (!customer || !sameTenant) {
    if (!journal.progress.sessions) {
      problems.push(
        `The customer (PSA id ${report.customerId}) is no longer mapped to tenant ${report.tenantId}: nothing was changed in the tenant.`,
      );
      await journal.save({ sessions: 'not-attempted', signIn: 'not-attempted', problems });
    }
  }

  if (!journal.progress.sessions) {
    try {
      await directory.revokeSignInSessions(report.userId);
      await journal.save({ sessions: 'revoked' });
    } catch (err) {
      if (isTransient(err) && !run.lastAttempt) throw err;
      problems.push(`Revoking sign-in sessions failed: ${errorWithReasonMessage(err)}`);
      await journal.save({ sessions: 'failed', problems });
    }
  }

  if (!journal.progress.signIn) {
    if (!customer?.blockSignInOnDisavow) {
      await journal.save({ signIn: 'not-configured' });
    } else {
      try {
        await directory.blockSignIn(report.userId);
        await journal.save({ signIn: 'blocked' });
      } catch (err) {
        if (err instanceof DirectoryError && err.reason === 'synced-object') {
          await journal.save({ signIn: 'synced-user' });
        } else {
          if (isTransient(err) && !run.lastAttempt) throw err;
          problems.push(`Blocking sign-in failed: ${errorWithReasonMessage(err)}`);
          await journal.save({ signIn: 'failed', problems });
        }
      }
    }
  }

  const { sessions, signIn } = journal.progress as Required<Pick<DisavowProgress, 'sessions' | 'signIn'>>;
  const psa = deps.psa(report.psa);
  await addNoteOnce(
    psa,
    report.ticketId,
    disavowNote({
      ref: report.ref,
      reportedAt: new Date(report.reportedAt),
      ip: report.ip,
      userAgent: report.userAgent,
      userId: report.userId,
      tenantId: report.tenantId,
      sessions,
      signIn,
      problems: journal.progress.problems ?? [],
      marker: disavowMarker(report.ref),
    }),
    journal,
    'note',
  );
  if (!journal.progress.moved) {
    await psa.moveTicket(report.ticketId, 'engineers');
    await journal.save({ moved: true });
  }
  logger.warn(
    { event: 'notice.disavowed', outcome: 'staff-disavowed', sessions, signIn },
    'the staff member did not expect the reset; ticket handed to the engineers',
  );
  return {
    code: 'staff-disavowed',
    ref: report.ref,
    psa: report.psa,
    ticketId: report.ticketId,
    tenantId: report.tenantId,
    userId: report.userId,
    sessions,
    signIn,
    handedOff: true,
  };
}
