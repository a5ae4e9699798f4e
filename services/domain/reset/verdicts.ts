import { nextStepFor } from '../outcome-codes.js';
import type { DirectoryUser, ResetTicket } from '../ports.js';
import type { PolicyVerdict } from '../reset-policy.js';
import { askRequesterNote, refusalNote, type RequestSummary } from '../ticket-notes.js';
import type { ResetOutcome, StagedContext } from './reset-journal.js';
import type { TicketWriter } from './ticket-writer.js';

/** A verdict that stops the reset: ask the requester, refuse, or hand off. */
export type StopVerdict = Exclude<PolicyVerdict, { kind: 'proceed' }>;

/** One structured audit event per decision: who asked, how, for whom, what was decided and why. No secrets. */
export function auditDecision(
  ctx: StagedContext,
  ticket: ResetTicket,
  request: RequestSummary,
  decision: { kind: string; reason: string; evidence: string[]; target?: DirectoryUser },
): void {
  ctx.logger.info(
    {
      event: 'audit.decision',
      psa: ctx.psa,
      ticketId: ctx.ticketId,
      requester: ticket.requester.email,
      channel: ticket.channel,
      target: decision.target?.userPrincipalName ?? request.targetLabel,
      // Not `password`: the log redaction blanks any field of that name.
      asked: { passwordReset: request.resetPassword, mfaReset: request.resetMfa },
      decision: decision.kind,
      reason: decision.reason,
      evidence: decision.evidence,
    },
    `decision: ${decision.kind} (${decision.reason})`,
  );
}

/** Carries out a verdict that stops the reset, on the ticket, and audits it. */
export async function conclude(
  ctx: StagedContext,
  writer: TicketWriter,
  mspName: string,
  ticket: ResetTicket,
  request: RequestSummary,
  verdict: StopVerdict,
): Promise<ResetOutcome> {
  auditDecision(ctx, ticket, request, {
    kind: verdict.kind,
    reason: verdict.code,
    evidence: verdict.facts,
    target: verdict.target,
  });
  if (verdict.kind === 'ask-requester') {
    // The same question is asked once: echoes of our own note must not repeat it.
    await writer.askOnce(
      askRequesterNote({
        request,
        question: verdict.question,
        mspName,
        marker: writer.marker('ask', `${verdict.code}:${verdict.question}`),
      }),
    );
    return { code: verdict.code, handedOff: false, delivered: false, waiting: true };
  }
  if (verdict.kind === 'refuse') {
    await writer.addNoteOnce(
      refusalNote({ request, message: verdict.customerMessage, mspName, marker: writer.marker('refuse') }),
      'customerNote',
    );
  }
  return writer.handOff({
    reason: verdict.code,
    request,
    target: verdict.target,
    mfaResults: ctx.journal.progress.mfa?.results,
    notDone: ['Nothing was reset.'],
    facts: verdict.facts,
    nextStep: nextStepFor(verdict.code),
  });
}
