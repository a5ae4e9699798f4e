import type { OutcomeCode } from '../outcome-codes.js';
import { nextStepFor } from '../outcome-codes.js';
import type { LedgerEntry, ResetTicket } from '../ports.js';
import { changeAccount } from './account-changes.js';
import { decide, summarise } from './decide-step.js';
import { handOffAfterFailure } from './failure-hand-off.js';
import type { ResetUseCaseDeps } from './reset-deps.js';
import {
  ledgerEntryOf,
  staged,
  UNRECORDED_OUTCOMES,
  type ResetOutcome,
  type ResetRequestContext,
  type StagedContext,
} from './reset-journal.js';
import { TicketWriter } from './ticket-writer.js';

/**
 * The reset desk's procedure for one ticket, in the order the MSP's engineers follow it by hand:
 *
 * 1. read the ticket (the webhook only said which one);
 * 2. which round is this: the first, a later delivery of a finished ticket, or an engineer's retry;
 * 3. which customer, and so which tenant, policy and roll-out mode (off: left alone; dry run: decided, not done);
 * 4. decide: who asks, for whom, what, and whether they may (decide-step.ts);
 * 5. change the account: MFA, the password behind its secure link, sessions (account-changes.ts);
 * 6. write back: the link for the manager, or what an engineer must finish (write-back.ts).
 *
 * Every decision returns an outcome (never retried); only transient failures throw, and the job's journal
 * makes the retry resume where this attempt stopped. A job that cannot finish ends in `handOffAfterFailure`.
 */
export class ResetUseCase {
  constructor(private readonly deps: ResetUseCaseDeps) {}

  /**
   * Works one ticket. Final outcomes (delivered, handed off, refused) are written to the ticket ledger, so a
   * later delivery of the same ticket changes nothing, unless an engineer sends a handed-off ticket back.
   */
  async handle(request: ResetRequestContext): Promise<ResetOutcome> {
    const ctx = staged(request);
    const outcome = await this.work(ctx);
    await ctx.journal.flush();
    if (!outcome.waiting && !UNRECORDED_OUTCOMES.has(outcome.code)) {
      await this.deps.ledger.record(ctx.psa, ctx.ticketId, ledgerEntryOf(ctx.journal.progress, outcome));
    }
    return outcome;
  }

  /** The last word on a ticket whose job could not finish (see failure-hand-off.ts). */
  handOffAfterFailure(
    request: ResetRequestContext,
    code: OutcomeCode,
    detail: string,
  ): Promise<ResetOutcome> {
    return handOffAfterFailure(this.deps, request, code, detail);
  }

  private async work(ctx: StagedContext): Promise<ResetOutcome> {
    const psa = this.deps.psa(ctx.psa);
    const ticket = await psa.getTicket(ctx.ticketId);
    if (!ticket) return ignored(ctx, 'unknown-ticket');
    if (!ticket.isResetRequest) return ignored(ctx, 'not-a-reset-ticket');
    const customer = this.deps.customers.find(ctx.psa, ticket.psaCustomerId);
    const mode = customer ? this.deps.customers.modeFor(customer) : 'on';
    // A run that had decided before the customer was switched off finishes: its account changes may be
    // under way, and a set password must reach the manager.
    if (mode === 'off' && !ctx.journal.progress.decision) {
      ctx.logger.info(
        { event: 'reset.customer-off', outcome: 'customer-off', customer: customer?.name },
        'customer is switched off (mode "off"): ticket left alone',
      );
      return { code: 'customer-off', handedOff: false, delivered: false };
    }
    if (!(await this.beginRound(ctx, ticket))) return ignored(ctx, 'already-handled');

    const writer = new TicketWriter(ctx, psa, this.deps.events);
    if (customer) writer.knowCustomer(customer);
    if (!customer) {
      return writer.handOff({
        reason: 'unknown-customer',
        request: summarise(ticket, ticket),
        notDone: ['No reset: the customer is not mapped to a tenant.'],
        facts: [`PSA customer id ${ticket.psaCustomerId} is not in the resetdesk customer configuration.`],
        nextStep: nextStepFor('unknown-customer'),
      });
    }

    let decision = ctx.journal.progress.decision;
    if (!decision) {
      const decided = await decide(
        ctx,
        writer,
        this.deps,
        ticket,
        customer,
        this.deps.customers.policyFor(customer),
        mode === 'dry-run',
      );
      if ('code' in decided) return decided;
      decision = { ...decided, decidedAt: new Date().toISOString() };
      await ctx.journal.save({ decision });
    }
    return changeAccount(ctx, writer, this.deps, customer, decision);
  }

  /**
   * Which round this run belongs to. A ticket with a final outcome is done, unless an engineer handed it
   * back by setting the retry status: then it is worked again from the start, never repeating what is done
   * and never reusing an earlier round's confirmation. False when there is nothing to do.
   */
  private async beginRound(ctx: StagedContext, ticket: ResetTicket): Promise<boolean> {
    const { progress } = ctx.journal;
    if (progress.decision || progress.round) return true;
    const prior: LedgerEntry | undefined = await this.deps.ledger.get(ctx.psa, ctx.ticketId);
    if (!prior) {
      // Guards no side effect of its own: written with the next save (lost on a pacing park: harmless).
      ctx.journal.stage({ round: 'first' });
      return true;
    }
    const retryStatus = this.deps.settings.retryStatusIds?.[ctx.psa];
    if (!prior.handedOff || retryStatus === undefined || ticket.statusId !== retryStatus) return false;
    await this.deps.ledger.clear(ctx.psa, ctx.ticketId);
    await this.deps.confirmations.forget(ctx.psa, ctx.ticketId);
    await ctx.journal.save({ round: 'engineer-retry', carried: prior.done });
    ctx.logger.info(
      { event: 'audit.engineer-retry', previousOutcome: prior.outcome },
      'engineer sent the ticket back',
    );
    return true;
  }
}

function ignored(ctx: StagedContext, code: OutcomeCode): ResetOutcome {
  ctx.logger.info({ event: 'reset.ignored', outcome: code }, 'nothing to do for this ticket');
  return { code, handedOff: false, delivered: false };
}
