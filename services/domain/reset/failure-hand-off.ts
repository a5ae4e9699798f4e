import type { OutcomeCode } from '../outcome-codes.js';
import type { ResetUseCaseDeps } from './reset-deps.js';
import {
  ledgerEntryOf,
  staged,
  type ResetOutcome,
  type ResetProgress,
  type ResetRequestContext,
  type StagedContext,
} from './reset-journal.js';
import { queueStaffNotice } from './staff-notice-step.js';
import { TicketWriter } from './ticket-writer.js';
import { deliverOnce, deliveryNoteOf } from './write-back.js';

/**
 * The last word on a ticket whose job could not finish: retries exhausted, an unexpected error, a worker
 * that kept stopping, or a job lost from Redis (`job-lost`: what was done is unknown). The worker repeats
 * this until it lands (the PSA may still be down); every step is journaled, so a repeat writes nothing
 * twice and never resets anything.
 *
 * A password already set is never left without its owner: while its link has time left, the delivery note
 * is written late, then the engineers are told. A link that cannot be delivered (expired, or a password
 * change whose outcome is unknown) is destroyed only once the hand-off note saying so is on the ticket.
 */
export async function handOffAfterFailure(
  deps: ResetUseCaseDeps,
  request: ResetRequestContext,
  code: OutcomeCode,
  detail: string,
): Promise<ResetOutcome> {
  const ctx = staged(request);
  const writer = new TicketWriter(ctx, deps.psa(ctx.psa), deps.events);
  const before = ctx.journal.progress;
  const decision = before.decision;
  const passwordDone = before.password?.status === 'done';
  const expiresAt = before.password?.expiresAt ? Date.parse(before.password.expiresAt) : 0;
  const deliveredBefore = before.customerNote === 'done';
  if (
    passwordDone &&
    decision &&
    !deliveredBefore &&
    before.password?.sealedToken &&
    expiresAt - Date.now() > LATE_DELIVERY_MIN_LIFE_MS
  ) {
    const maxViews = before.password.maxViews ?? deps.settings.linkMaxViews;
    await deliverOnce(ctx, writer, deliveryNoteOf(ctx, writer, deps, decision, maxViews));
    ctx.logger.warn({ event: 'reset.delivered-late' }, 'secure link written to the ticket after the failure');
  }
  if (decision) await queueStaffNotice(ctx, deps, decision);

  const progress = ctx.journal.progress;
  const delivered = progress.customerNote === 'done' && (passwordDone || Boolean(progress.mfa));
  const linkDelivered = passwordDone && progress.customerNote === 'done';
  const undeliveredLink = progress.customerNote !== 'done' ? progress.password?.sealedToken : undefined;
  const state = failureState(code, progress, linkDelivered, deliveredBefore);
  const passLine = await withdrawUndeliveredPass(deps, ctx);
  const outcome = await writer.handOff(
    {
      reason: code,
      request: decision?.request ?? {
        channel: 'unknown',
        targetLabel: '(not read)',
        resetPassword: false,
        resetMfa: false,
      },
      target: decision?.target,
      mfaResults: progress.mfa?.results,
      passwordReset: linkDelivered,
      passwordUndelivered: state.passwordUndelivered === true,
      changesUnknown: code === 'job-lost',
      sessionsRevoked: progress.sessionsRevoked,
      notDone: [state.notDone, ...(passLine ? [passLine] : [])],
      facts: [`Last error: ${detail}`, `Correlation id: ${ctx.correlationId}`],
      nextStep: state.nextStep,
    },
    delivered,
  );
  if (undeliveredLink) {
    // The hand-off note above says this link is destroyed: only now is it.
    await deps.links.destroy(deps.sealer.open(undeliveredLink));
    await ctx.journal.save({ password: { ...progress.password!, sealedToken: undefined } });
  }
  await deps.ledger.record(ctx.psa, ctx.ticketId, ledgerEntryOf(ctx.journal.progress, outcome));
  return outcome;
}

/**
 * A Temporary Access Pass whose link never reached the ticket helps nobody and must not stay on the account:
 * it is removed (its pass-only link destroyed), and the engineers are told; or told to remove it when Graph
 * would not. Undefined when there is no such pass.
 */
async function withdrawUndeliveredPass(
  deps: ResetUseCaseDeps,
  ctx: StagedContext,
): Promise<string | undefined> {
  const { pass, decision, customerNote } = ctx.journal.progress;
  if (!pass || customerNote === 'done') return undefined;
  if (pass.sealedToken) await deps.links.destroy(deps.sealer.open(pass.sealedToken)).catch(() => undefined);
  try {
    if (!decision) throw new Error('the target is not known');
    await deps.directories
      .forTenant(decision.tenantId)
      .removeTemporaryAccessPass(decision.target.id, pass.id);
    await ctx.journal.save({ pass: undefined });
    return 'A Temporary Access Pass issued for this reset never reached the ticket; it was removed again.';
  } catch {
    return `A Temporary Access Pass (method id ${pass.id}) issued for this reset never reached the ticket and could not be removed: delete it in the Entra admin center (the user's Authentication methods).`;
  }
}

/** A link delivered late must leave the manager time to use it; one closer to its expiry is not sent. */
const LATE_DELIVERY_MIN_LIFE_MS = 10 * 60_000;

/** What the hand-off after a failure tells the engineers about the account and the link, and what to do. */
function failureState(
  code: OutcomeCode,
  progress: ResetProgress,
  linkDelivered: boolean,
  deliveredBefore: boolean,
): {
  notDone: string;
  nextStep: string;
  /** Set only when the password was reset but never delivered. */
  passwordUndelivered?: true;
} {
  const byHand = 'Reset the password by hand and deliver it to the requester by the secure route.';
  if (code === 'job-lost') {
    return {
      notDone:
        "resetdesk lost its record of this ticket's work after the work on the account had begun: MFA methods may have been removed and a temporary password may have been set. No secure link from that work reached this ticket unless a customer-visible note with one is above.",
      nextStep:
        'Check the account in the Entra admin center (authentication methods, last password change), then finish the reset by hand.',
    };
  }
  if (linkDelivered && !deliveredBefore) {
    return {
      notDone:
        'The work did not finish normally (see the last error below); the secure link with the temporary password was written to the ticket late, after the failure.',
      nextStep: 'Check that the requester has the link, and finish anything the "Done" list leaves out.',
    };
  }
  if (linkDelivered) {
    return {
      notDone: 'The work stopped after the secure link was written to the ticket; see "Done".',
      nextStep: 'The requester has the link. Check the service logs for the correlation id.',
    };
  }
  if (progress.password?.status === 'done') {
    return {
      notDone:
        'The password WAS reset, but its secure link ran out of time before it could be written to the ticket and is destroyed: the staff member cannot sign in until an engineer resets the password again.',
      nextStep: byHand,
      passwordUndelivered: true,
    };
  }
  if (progress.password?.status === 'started') {
    return {
      notDone:
        'A temporary password was sent to Microsoft, but whether it was set is unknown (the answer was lost). Its secure link never reached this ticket and is destroyed: if the password was set, the staff member cannot sign in until an engineer resets it again.',
      nextStep: byHand,
    };
  }
  return {
    notDone: 'The work stopped before it was complete; see "Done" for what changed.',
    nextStep: 'Check the service logs for the correlation id, then finish the reset by hand.',
  };
}
