import { readEmailedRequest } from '../email-request-step.js';
import { nextStepFor } from '../outcome-codes.js';
import type { CustomerSettings, ResetPolicy, ResetTicket } from '../ports.js';
import { evaluateResetRequest } from '../reset-policy.js';
import type { RequestSummary } from '../ticket-notes.js';
import { awaitConfirmation } from './confirmation-step.js';
import type { ResetUseCaseDeps } from './reset-deps.js';
import type { ResetOutcome, ResetProgress, StagedContext } from './reset-journal.js';
import type { TicketWriter } from './ticket-writer.js';
import { concludeDryRun } from './dry-run-step.js';
import { auditDecision, conclude, type StopVerdict } from './verdicts.js';

type Decision = NonNullable<ResetProgress['decision']>;

/**
 * Who asks, for whom, and what, decided the way the MSP's engineers decide it: the request as the channel
 * it came by can be trusted (a form, or an email read against the requester's people), then the policy
 * (the requester may ask for this person, who may be reset automatically), then the budgets, and for an
 * email the manager's confirmation. Returns the decision, or the outcome that stops the reset.
 *
 * In a dry run (`dryRun`) every check runs the same, but whatever is decided ends in one internal note
 * (dry-run-step.ts): no question to the requester, no refusal the customer sees, no confirmation asked of
 * the manager, and no decision that would go on to change the account.
 */
export async function decide(
  ctx: StagedContext,
  writer: TicketWriter,
  deps: ResetUseCaseDeps,
  ticket: ResetTicket,
  customer: CustomerSettings,
  policy: ResetPolicy,
  dryRun = false,
): Promise<Decision | ResetOutcome> {
  const stop = (request: RequestSummary, verdict: StopVerdict) => {
    if (!dryRun) return conclude(ctx, writer, deps.settings.mspName, ticket, request, verdict);
    auditDecision(ctx, ticket, request, {
      kind: `dry-run ${verdict.kind}`,
      reason: verdict.code,
      evidence: verdict.facts,
      target: verdict.target,
    });
    return concludeDryRun(
      ctx,
      writer,
      verdict.kind === 'ask-requester'
        ? { would: 'ask', code: verdict.code, question: verdict.question }
        : { would: 'hand-off', code: verdict.code },
      { request, target: verdict.target, facts: verdict.facts },
    );
  };
  // A ticket whose source matches no configured channel may have been an email: it gets the email checks
  // (sender on file, the manager's confirmation), or goes to an engineer, as the customer chose.
  if (ticket.channel === 'unknown' && policy.unclassifiedRequests === 'hand-off') {
    return stop(summarise(ticket, ticket), {
      kind: 'hand-off',
      code: 'channel-unknown',
      facts: ["The ticket's source matches none of the configured ticket-source lists."],
    });
  }
  const verifyAsEmail = ticket.channel === 'email' || ticket.channel === 'unknown';
  const directory = deps.directories.forTenant(customer.tenantId);
  const asked = verifyAsEmail ? await readEmailedRequest(ticket, policy, directory) : { request: ticket };
  if ('verdict' in asked) return stop(summarise(ticket, ticket), asked.verdict);
  const request = summarise(ticket, asked.request);
  if (!request.resetPassword && !request.resetMfa) {
    if (dryRun) {
      return concludeDryRun(
        ctx,
        writer,
        { would: 'hand-off', code: 'nothing-requested' },
        { request, facts: [] },
      );
    }
    return writer.handOff({
      reason: 'nothing-requested',
      request,
      notDone: ['Nothing was reset: the request asked for neither a password nor an MFA reset.'],
      facts: [],
      nextStep: nextStepFor('nothing-requested'),
    });
  }

  const verdict = await evaluateResetRequest(
    {
      requesterEmail: ticket.requester.email,
      targetIdentifier: asked.request.targetIdentifier,
      channel: ticket.channel,
      attested: ticket.attested,
    },
    directory,
    policy,
  );
  if (verdict.kind !== 'proceed') return stop(request, verdict);
  auditDecision(ctx, ticket, request, {
    kind: dryRun ? 'dry-run proceed' : 'proceed',
    reason: verdict.entitlement,
    evidence: verdict.evidence,
    target: verdict.target,
  });

  if (!ctx.journal.progress.budgetTaken) {
    const budget = await deps.rateLimiter.take(
      customer.name,
      verdict.requester.userPrincipalName,
      { requester: policy.requesterLimit, customer: policy.customerLimit },
      `${ctx.psa}:${ctx.ticketId}`,
    );
    if (budget !== 'ok') {
      const limit = budget === 'requester' ? policy.requesterLimit : policy.customerLimit;
      return stop(request, {
        kind: 'hand-off',
        code: budget === 'requester' ? 'rate-limited-requester' : 'rate-limited-customer',
        target: verdict.target,
        facts: [`More than ${limit.count} resets in ${limit.windowMinutes} minutes for this ${budget}.`],
      });
    }
    // Requests that wait for a confirmation go on to its side effects: the take is recorded before them.
    // Other requests record it with the decision just after (nothing happens in between).
    if (verifyAsEmail) await ctx.journal.save({ budgetTaken: true });
    else ctx.journal.stage({ budgetTaken: true });
  }

  if (dryRun) {
    return concludeDryRun(
      ctx,
      writer,
      {
        would: 'reset',
        targetName: verdict.target.displayName,
        reasons: `the requester is their ${verdict.entitlement} and every check passed`,
        confirmationAskedOf: verifyAsEmail ? (ticket.requester.email ?? '(no address)') : undefined,
      },
      { request, target: verdict.target, facts: verdict.evidence },
    );
  }
  if (verifyAsEmail) {
    const waiting = await awaitConfirmation(ctx, writer, deps, {
      ticket,
      request,
      requester: verdict.requester,
      target: verdict.target,
      ttlMinutes: policy.confirmationTtlMinutes,
    });
    if (waiting) return waiting;
  }
  return {
    requester: { name: ticket.requester.name, email: ticket.requester.email },
    target: verdict.target,
    tenantId: customer.tenantId,
    customerName: customer.name,
    customerId: customer.psaCustomerId,
    request,
  };
}

/** What the ticket asks, in the words of the notes. */
export function summarise(
  ticket: ResetTicket,
  asked: Pick<ResetTicket, 'targetIdentifier' | 'resetPassword' | 'resetMfa'>,
): RequestSummary {
  return {
    requesterName: ticket.requester.name,
    requesterEmail: ticket.requester.email,
    channel: ticket.channel,
    targetLabel: asked.targetIdentifier ?? '(not given)',
    resetPassword: asked.resetPassword,
    resetMfa: asked.resetMfa,
  };
}
