import { DirectoryError, isTransient } from '../errors.js';
import { nextStepFor, type OutcomeCode } from '../outcome-codes.js';
import type { CustomerSettings, Directory } from '../ports.js';
import { PasswordStep, type PasswordRefusal, type PreparedPassword } from './password-step.js';
import type { ResetUseCaseDeps } from './reset-deps.js';
import type { ResetOutcome, ResetProgress, StagedContext } from './reset-journal.js';
import type { TicketWriter } from './ticket-writer.js';
import { deliverOnce, deliveryNoteOf, writeBack } from './write-back.js';

type Decision = NonNullable<ResetProgress['decision']>;

/**
 * The changes to the account, in the order that keeps a failure harmless: the link that will carry the
 * password is stored before any Graph write (a store that cannot take it leaves MFA untouched too), then MFA
 * methods are removed, the password set, and sign-in sessions revoked. What an earlier round did (an
 * engineer sent the ticket back) is never done again. Then the ticket is written back.
 */
export async function changeAccount(
  ctx: StagedContext,
  writer: TicketWriter,
  deps: ResetUseCaseDeps,
  customer: CustomerSettings,
  decision: Decision,
): Promise<ResetOutcome> {
  const { target, request } = decision;
  const directory = deps.directories.forTenant(decision.tenantId);
  const { journal } = ctx;
  const maxViews = customer.secureLinkMaxViews ?? deps.settings.linkMaxViews;
  const password = new PasswordStep(ctx, deps, customer);
  const wantsPassword =
    request.resetPassword &&
    !target.onPremisesSyncEnabled &&
    journal.progress.password?.status !== 'done' &&
    !journal.progress.carried?.passwordReset;
  const refused = (refusal: PasswordRefusal) =>
    writer.handOff({
      reason: refusal.code,
      request,
      target,
      mfaResults: journal.progress.mfa?.results,
      notDone: ['Password not reset.', ...refusal.notDone],
      facts: refusal.facts,
      nextStep: nextStepFor(refusal.code),
    });

  try {
    let prepared: PreparedPassword | undefined;
    if (wantsPassword && !(await password.confirmEarlierSet(directory, target))) {
      const stored = await password.storeLink(target);
      if ('code' in stored) return refused(stored);
      prepared = stored;
    }
    if (request.resetMfa && !journal.progress.mfa && !journal.progress.carried?.mfaRemoved) {
      await removeMfa(ctx, directory, target.id);
    }
    if (prepared) {
      const refusal = await password.set(directory, target, prepared);
      if (refusal) return refused(refusal);
    }
    const anythingChanged = Boolean(journal.progress.mfa) || journal.progress.password?.status === 'done';
    if (deps.settings.revokeSessions && anythingChanged && !journal.progress.sessionsRevoked) {
      await directory.revokeSignInSessions(target.id);
      // Written with the customer note's "started" (the next save; no side effect in between).
      journal.stage({ sessionsRevoked: true });
    }
  } catch (err) {
    if (isTransient(err) || !(err instanceof DirectoryError)) throw err;
    return refusedByGraph(ctx, writer, deps, decision, maxViews, err);
  }
  return writeBack(ctx, writer, deps, decision, { maxViews, customer });
}

async function removeMfa(ctx: StagedContext, directory: Directory, userId: string): Promise<void> {
  const results = await directory.removeMfaMethods(userId);
  await ctx.journal.save({ mfa: { results } });
  ctx.logger.info(
    {
      event: 'reset.mfa',
      removed: results.filter((r) => r.outcome === 'removed').length,
      failed: results.filter((r) => r.outcome === 'failed').length,
    },
    'MFA methods removed',
  );
}

/**
 * Graph refused a step. A password already set still reaches the manager (its link is written to the ticket
 * first: a set password never sits unseen), and the engineers are told exactly what was done.
 */
async function refusedByGraph(
  ctx: StagedContext,
  writer: TicketWriter,
  deps: ResetUseCaseDeps,
  decision: Decision,
  maxViews: number,
  err: DirectoryError,
): Promise<ResetOutcome> {
  const { journal } = ctx;
  const passwordDone = journal.progress.password?.status === 'done';
  if (passwordDone) await deliverOnce(ctx, writer, deliveryNoteOf(ctx, writer, deps, decision, maxViews));
  const code: OutcomeCode =
    err.reason === 'insufficient-privileges'
      ? 'insufficient-privileges'
      : err.reason === 'synced-object'
        ? 'synced-user-password'
        : 'directory-unavailable';
  return writer.handOff(
    {
      reason: code,
      request: decision.request,
      target: decision.target,
      mfaResults: journal.progress.mfa?.results,
      passwordReset: passwordDone,
      notDone: ['The reset stopped at the step Graph refused.'],
      facts: [`Graph answered: ${err.message}`],
      nextStep: nextStepFor(code),
    },
    passwordDone,
  );
}
