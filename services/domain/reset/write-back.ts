import { nextStepFor, type OutcomeCode } from '../outcome-codes.js';
import type { CustomerSettings, DeliveredReset, TicketNote } from '../ports.js';
import { deliveryNote, partialHandOffCustomerNote } from '../ticket-notes.js';
import type { ResetUseCaseDeps } from './reset-deps.js';
import type { ResetOutcome, ResetProgress, StagedContext } from './reset-journal.js';
import { queueStaffNotice } from './staff-notice-step.js';
import type { TicketWriter } from './ticket-writer.js';

type Decision = NonNullable<ResetProgress['decision']>;

/** The customer-visible delivery note of what the journal says was done, with the link when there is one. */
export function deliveryNoteOf(
  ctx: StagedContext,
  writer: TicketWriter,
  deps: ResetUseCaseDeps,
  decision: Decision,
  maxViews: number,
): TicketNote {
  const { password, mfa, sessionsRevoked, pass, passUnavailable } = ctx.journal.progress;
  const passwordDone = password?.status === 'done';
  // A pass alone has its own link; with a password it sits behind the password's link.
  const passAlone = !passwordDone && pass?.sealedToken ? pass : undefined;
  const sealedToken = passwordDone ? password.sealedToken : passAlone?.sealedToken;
  const linkExpiresAt = passwordDone ? password.expiresAt : passAlone?.linkExpiresAt;
  return deliveryNote({
    request: decision.request,
    target: decision.target,
    linkUrl: sealedToken ? deps.links.urlFor(deps.sealer.open(sealedToken)) : undefined,
    linkExpiresAt: linkExpiresAt ? new Date(linkExpiresAt) : undefined,
    maxViews: passAlone?.maxViews ?? maxViews,
    passExpiresAt: pass && (passwordDone || passAlone) ? new Date(pass.expiresAt) : undefined,
    passUnavailable: Boolean(passUnavailable),
    passwordReset: passwordDone,
    mfaRemoved: Boolean(mfa),
    mfaIncomplete: mfa?.results.some((m) => m.outcome === 'failed') ?? false,
    sessionsRevoked: Boolean(sessionsRevoked),
    mspName: deps.settings.mspName,
    staffNoticesOff: deps.staffNotices === undefined,
    marker: writer.marker('delivery'),
  });
}

/**
 * Writes the delivery note (once), dropping the link's sealed token from the journal in the same save that
 * records the note as written: after that, the job holds nothing that opens the link.
 */
export async function deliverOnce(ctx: StagedContext, writer: TicketWriter, note: TicketNote): Promise<void> {
  const { journal } = ctx;
  const dropToken = (): Partial<ResetProgress> | undefined => {
    const { password, pass } = journal.progress;
    const patch: Partial<ResetProgress> = {
      ...(password?.sealedToken ? { password: { ...password, sealedToken: undefined } } : {}),
      ...(pass?.sealedToken ? { pass: { ...pass, sealedToken: undefined } } : {}),
    };
    return Object.keys(patch).length > 0 ? patch : undefined;
  };
  await writer.addNoteOnce(note, 'customerNote', dropToken);
  const left = dropToken();
  if (left) await journal.save(left);
}

/**
 * Writes back what was done: the secure link (or what an MFA-only reset did) for the manager, and for what
 * could not be done (a password mastered on-premises, MFA methods that would not go) the engineers.
 */
export async function writeBack(
  ctx: StagedContext,
  writer: TicketWriter,
  deps: ResetUseCaseDeps,
  decision: Decision,
  { maxViews, customer }: { maxViews: number; customer: CustomerSettings },
): Promise<ResetOutcome> {
  const { journal } = ctx;
  const { request, target } = decision;
  const mfaResults = journal.progress.mfa?.results;
  const mfaFailed = mfaResults?.filter((m) => m.outcome === 'failed') ?? [];
  const passwordDone = journal.progress.password?.status === 'done';
  const needsPasswordHandOff = request.resetPassword && target.onPremisesSyncEnabled;

  const customerNote: TicketNote | undefined =
    passwordDone || (mfaResults && (!needsPasswordHandOff || journal.progress.pass?.sealedToken))
      ? deliveryNoteOf(ctx, writer, deps, decision, maxViews)
      : needsPasswordHandOff
        ? partialHandOffCustomerNote({
            request,
            target,
            mfaRemoved: Boolean(mfaResults),
            mfaIncomplete: mfaFailed.length > 0,
            mspName: deps.settings.mspName,
            marker: writer.marker('delivery'),
          })
        : undefined;
  if (customerNote) await deliverOnce(ctx, writer, customerNote);
  await journal.flush();
  await queueStaffNotice(ctx, deps, decision);

  const handOffCode: OutcomeCode | undefined = needsPasswordHandOff
    ? 'synced-user-password'
    : mfaFailed.length > 0
      ? 'mfa-partially-removed'
      : undefined;
  if (handOffCode) {
    return writer.handOff(
      {
        reason: handOffCode,
        request,
        target,
        mfaResults,
        passwordReset: passwordDone,
        sessionsRevoked: journal.progress.sessionsRevoked,
        notDone: [
          ...(handOffCode === 'synced-user-password'
            ? [
                'Password not reset: the account is mastered in on-premises AD and Graph cannot reset it app-only.',
              ]
            : []),
          ...mfaFailed.map((m) => `MFA method ${m.kind} (${m.id}) still registered.`),
        ],
        facts: [],
        nextStep: nextStepFor(handOffCode),
      },
      true,
    );
  }

  await writer.moveOnce('awaiting-confirmation');
  await startAftercare(ctx, deps, decision, customer);
  const code: OutcomeCode = passwordDone ? 'reset-delivered' : 'mfa-reset-done';
  ctx.logger.info({ event: 'reset.delivered', outcome: code }, 'ticket written back');
  await writer.publish('reset.delivered', { outcome: code, delivered: true }, target);
  return { code, handedOff: false, delivered: true };
}

/** Starts the follow-up of a delivered reset once per round: the watch until the staff member is back in. */
async function startAftercare(
  ctx: StagedContext,
  deps: ResetUseCaseDeps,
  decision: Decision,
  customer: CustomerSettings,
): Promise<void> {
  const { journal } = ctx;
  if (!deps.aftercare || journal.progress.aftercareStarted) return;
  const { target } = decision;
  const reset: DeliveredReset = {
    psa: ctx.psa,
    ticketId: ctx.ticketId,
    correlationId: ctx.correlationId,
    tenantId: decision.tenantId,
    customerName: decision.customerName,
    ...(customer.resolvedStatusId ? { resolvedStatusId: customer.resolvedStatusId } : {}),
    target: { id: target.id, displayName: target.displayName, userPrincipalName: target.userPrincipalName },
    ...(decision.requester.name ? { requesterName: decision.requester.name } : {}),
    resetAt: decision.decidedAt ?? new Date().toISOString(),
    passwordReset: journal.progress.password?.status === 'done',
    mfaRemoved: Boolean(journal.progress.mfa),
    passIssued: Boolean(journal.progress.pass),
  };
  await deps.aftercare.start(reset);
  await journal.save({ aftercareStarted: true });
}
