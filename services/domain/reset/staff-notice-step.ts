import type { ResetUseCaseDeps } from './reset-deps.js';
import type { ResetProgress, StagedContext } from './reset-journal.js';

type Decision = NonNullable<ResetProgress['decision']>;

/**
 * After the reset reached the ticket: queue the notice to the staff member (services/domain/staff-notice/).
 * Once per reset: the time is journaled before the notice is queued, and the queue makes one job of a
 * psa, ticket and time, so a retried write-back queues nothing new. Only queued here, never sent: a mail
 * outage cannot hold up or undo the reset. Nothing to tell when nothing was reset. With notices off
 * (`staffNotices` absent) the delivery note tells the manager instead (see `noticeOffLines`).
 */
export async function queueStaffNotice(
  ctx: StagedContext,
  deps: ResetUseCaseDeps,
  decision: Decision,
): Promise<void> {
  const { progress } = ctx.journal;
  const scheduler = deps.staffNotices;
  const passwordReset = progress.password?.status === 'done';
  const mfaReset = Boolean(progress.mfa);
  if (!scheduler || progress.customerNote !== 'done' || (!passwordReset && !mfaReset)) return;
  if (progress.staffNotice?.queued) return;
  const at = progress.staffNotice?.at ?? new Date().toISOString();
  if (!progress.staffNotice) await ctx.journal.save({ staffNotice: { at } });
  const { target, requester } = decision;
  await scheduler.schedule({
    psa: ctx.psa,
    ticketId: ctx.ticketId,
    correlationId: ctx.correlationId,
    customerId: decision.customerId ?? '',
    tenantId: decision.tenantId,
    userId: target.id,
    staffName: target.displayName,
    staffSignInName: target.userPrincipalName,
    resetMailboxes: [
      ...new Set(
        [target.userPrincipalName, ...(target.mail ? [target.mail] : [])].map((a) => a.toLowerCase()),
      ),
    ],
    requesterName: requester.name ?? decision.request.requesterName,
    passwordReset,
    mfaReset,
    resetAt: at,
  });
  await ctx.journal.save({ staffNotice: { at, queued: true } });
  ctx.logger.info({ event: 'notice.queued' }, 'notice to the staff member queued');
}
