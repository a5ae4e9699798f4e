import type { ConfirmationBinding, DirectoryUser, ResetTicket } from '../ports.js';
import { confirmationRequestNote, type RequestSummary } from '../ticket-notes.js';
import type { ResetUseCaseDeps } from './reset-deps.js';
import type { ResetOutcome, StagedContext } from './reset-journal.js';
import type { TicketWriter } from './ticket-writer.js';
import { auditDecision, conclude } from './verdicts.js';

/** Who asks for whom, as the confirmation page asks it. */
export interface ConfirmationQuestion {
  ticket: ResetTicket;
  request: RequestSummary;
  requester: DirectoryUser;
  target: DirectoryUser;
  ttlMinutes: number;
}

/**
 * Email (and unclassified) requests wait for the manager's confirmation through a link the PSA mails to the
 * address on file. The confirmation is bound to who asks, for whom and what, and used once: a "yes" to
 * another question (the ticket changed after it was asked) is never a reset. Returns an outcome while the
 * request must not go on; undefined once this very request is confirmed.
 */
export async function awaitConfirmation(
  ctx: StagedContext,
  writer: TicketWriter,
  deps: ResetUseCaseDeps,
  question: ConfirmationQuestion,
): Promise<ResetOutcome | undefined> {
  const { ticket, request, requester, target, ttlMinutes } = question;
  const mspName = deps.settings.mspName;
  const binding: ConfirmationBinding = {
    requesterId: requester.id,
    targetId: target.id,
    resetPassword: request.resetPassword,
    resetMfa: request.resetMfa,
  };
  const status = await deps.confirmations.check(ctx.psa, ctx.ticketId, binding);
  switch (status) {
    case 'confirmed':
      auditDecision(ctx, ticket, request, {
        kind: 'proceed',
        reason: 'confirmation-received',
        evidence: ['The manager confirmed through the link.'],
        target,
      });
      return undefined;
    case 'confirmed-other':
      return conclude(ctx, writer, mspName, ticket, request, {
        kind: 'hand-off',
        code: 'confirmation-mismatch',
        target,
        facts: [
          'The manager confirmed a different request from the one the ticket now holds: the ticket (or the contact on file) changed after the confirmation was asked for.',
          `The ticket now asks: ${describeAsk(request)} for ${target.displayName} <${target.userPrincipalName}>, requested by <${requester.userPrincipalName}>.`,
          'The confirmation is used up; nothing was reset.',
        ],
      });
    case 'denied':
      await writer.publish('confirmation.denied', { outcome: 'confirmation-denied' }, target);
      return conclude(ctx, writer, mspName, ticket, request, {
        kind: 'hand-off',
        code: 'confirmation-denied',
        target,
        facts: [
          'ALERT: the contact on file answered "this wasn\'t me" to the confirmation link. The email may be an attempt to take over this account.',
        ],
      });
    case 'expired':
      return conclude(ctx, writer, mspName, ticket, request, {
        kind: 'hand-off',
        code: 'confirmation-expired',
        target,
        facts: [`No answer to the confirmation link within ${ttlMinutes} minutes.`],
      });
    case 'none': {
      const link = await deps.confirmations.request({
        psa: ctx.psa,
        ticketId: ctx.ticketId,
        correlationId: ctx.correlationId,
        binding,
        target,
        requester: { userPrincipalName: requester.userPrincipalName },
        ttlMinutes,
      });
      await writer.askAgain(
        confirmationRequestNote({
          request,
          target,
          url: link.url,
          expiresAt: link.expiresAt,
          mspName,
          marker: writer.marker('confirm'),
        }),
      );
      auditDecision(ctx, ticket, request, {
        kind: 'await-confirmation',
        reason: 'awaiting-confirmation',
        evidence: ['Confirmation link sent to the address on file.'],
        target,
      });
      break;
    }
    case 'pending':
      break;
  }
  return { code: 'awaiting-confirmation', handedOff: false, delivered: false, waiting: true };
}

function describeAsk(request: RequestSummary): string {
  if (request.resetPassword && request.resetMfa) return 'a password and MFA reset';
  return request.resetPassword ? 'a password reset' : 'an MFA reset';
}
