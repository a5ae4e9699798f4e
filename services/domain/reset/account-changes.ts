import { DirectoryError, isTransient } from '../errors.js';
import { nextStepFor, type OutcomeCode } from '../outcome-codes.js';
import type { CustomerSettings, Directory } from '../ports.js';
import { PassStep, passAlreadyInLink, passUnavailableNote } from './pass-step.js';
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
 *
 * With a Temporary Access Pass (the customer's setting, an MFA reset): MFA methods are removed first (the
 * removal would delete a pass issued before it), then the pass is issued, then the link holding the pass
 * (and the password) is stored, then the password set. A link that cannot be stored removes the pass again.
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
  const passwordLeft =
    request.resetPassword &&
    !target.onPremisesSyncEnabled &&
    journal.progress.password?.status !== 'done' &&
    !journal.progress.carried?.passwordReset;
  // Asked before anything else: a password an earlier run set (its record lost) is not set again, and its
  // link, which holds any pass issued with it, is the one delivered.
  const wantsPassword =
    passwordLeft && !(await new PasswordStep(ctx, deps, customer).confirmEarlierSet(directory, target));
  const passSettings = PassStep.settingsFor(customer);
  const wantsPass =
    passSettings !== undefined &&
    request.resetMfa &&
    !journal.progress.passUnavailable &&
    !passAlreadyInLink(journal.progress, wantsPassword);
  const pass = wantsPass ? new PassStep(ctx, deps, passSettings, directory, target) : undefined;
  let passIssued = false;
  const password = new PasswordStep(
    ctx,
    deps,
    customer,
    pass && {
      secrets: () => (passIssued ? pass.secretsForPasswordLink() : Promise.resolve([])),
      withdraw: () => pass.withdraw(),
    },
  );
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
    if (pass) {
      // An engineer retry after an earlier round removed MFA issues the pass without removing MFA again.
      if (!journal.progress.mfa && !journal.progress.carried?.mfaRemoved)
        await removeMfa(ctx, directory, target.id);
      const issued = await pass.issue();
      if (issued.status === 'not-allowed') {
        if (passSettings?.whenUnavailable !== 'open-registration')
          return passRefused(ctx, writer, decision, issued.detail);
        await writer.addNoteOnce(passUnavailableNote(writer, issued.detail), 'passNote');
        await journal.save({ passUnavailable: true });
        ctx.logger.warn({ event: 'reset.pass-unavailable' }, 'no Temporary Access Pass; registration open');
      } else {
        passIssued = true;
        if (!wantsPassword) {
          const refusal = await pass.storeAlone(customer);
          if (refusal) return refused(refusal);
        }
      }
    }
    if (wantsPassword) {
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

/** The tenant refused a pass and the customer hands off then: say exactly what was and was not done. */
function passRefused(
  ctx: StagedContext,
  writer: TicketWriter,
  decision: Decision,
  detail: string,
): Promise<ResetOutcome> {
  const { request, target } = decision;
  const mfa = ctx.journal.progress.mfa;
  return writer.handOff({
    reason: 'tap-not-allowed',
    request,
    target,
    mfaResults: mfa?.results,
    passwordReset: false,
    notDone: [
      'No Temporary Access Pass was issued.',
      ...(request.resetPassword
        ? ['Password not reset: the reset stopped before the password was set.']
        : []),
      'Nothing was sent to the requester.',
    ],
    facts: [
      mfa
        ? 'The MFA methods WERE removed: the staff member will be asked to register MFA at their next sign-in.'
        : 'The MFA methods were not removed.',
      `Graph answered: ${detail}`,
    ],
    nextStep: nextStepFor('tap-not-allowed'),
  });
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
