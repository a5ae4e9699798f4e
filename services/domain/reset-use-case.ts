import { createHash } from 'node:crypto';
import { DirectoryError, SecureLinkStoreError, isTransient } from './errors.js';
import type { OutcomeCode } from './outcome-codes.js';
import { evaluateResetRequest, type PolicyVerdict } from './reset-policy.js';
import { readEmailedRequest } from './email-request-step.js';
import type {
  CustomerDirectory,
  CustomerSettings,
  Logger,
  ConfirmationBinding,
  ConfirmationGate,
  RequestRateLimiter,
  TicketLedger,
  Directory,
  DirectoryFactory,
  DirectoryUser,
  MfaMethodResult,
  PsaAdapter,
  PsaKind,
  ResetTicket,
  SecureLinkStore,
  TicketNote,
} from './ports.js';
import {
  askRequesterNote,
  confirmationRequestNote,
  refusalNote,
  deliveryNote,
  handOffNote,
  partialHandOffCustomerNote,
  type RequestSummary,
} from './ticket-notes.js';
import { generateTemporaryPassword } from './temporary-password.js';

/**
 * What a ticket's job has done so far, saved after every side effect (in the job's data) so that a retry
 * resumes after the last completed step and never resets twice. Holds no secret: the secure-link token is
 * kept sealed with the server key (see TokenSealer) and dropped once the delivery note is on the ticket.
 */
export interface ResetProgress {
  decision?: {
    requester: { name?: string; email?: string };
    target: DirectoryUser;
    tenantId: string;
    customerName: string;
    request: RequestSummary;
  };
  mfa?: { results: MfaMethodResult[] };
  password?: {
    status: 'started' | 'done';
    sealedToken?: string;
    expiresAt?: string;
    /** How often the link may be opened (the customer's setting when it was made), for a late delivery. */
    maxViews?: number;
  };
  sessionsRevoked?: boolean;
  customerNote?: 'started' | 'done';
  handOffNote?: 'started' | 'done';
  moved?: boolean;
  /** Which round of work this is: the first, or one an engineer asked for by sending the ticket back. */
  round?: 'first' | 'engineer-retry';
  /** What an earlier round already did (engineer retry): never done again. */
  carried?: { mfaRemoved?: boolean; passwordReset?: boolean; sessionsRevoked?: boolean };
  /** The request was counted against the requester's and the customer's budgets (once per ticket). */
  budgetTaken?: boolean;
}

export interface ResetJournal {
  readonly progress: ResetProgress;
  save(patch: Partial<ResetProgress>): Promise<void>;
}

export interface ResetRequestContext {
  psa: PsaKind;
  ticketId: string;
  correlationId: string;
  journal: ResetJournal;
  logger: Logger;
}

export interface ResetOutcome {
  code: OutcomeCode;
  handedOff: boolean;
  delivered: boolean;
  /** Not final: the ticket waits for the requester (an answer, a confirmation); a later delivery goes on. */
  waiting?: boolean;
}

/**
 * The job's journal with one addition: `stage` records a step that guards no side effect of its own (nothing
 * happens between it and the next save), so it is written with the next `save` instead of on its own Redis
 * round trip. Reads see staged steps at once. Every save that guards a side effect stays a `save`, before or
 * after that effect; `flush` writes whatever is staged.
 */
class StagingJournal implements ResetJournal {
  private staged: Partial<ResetProgress> | undefined;

  constructor(private readonly inner: ResetJournal) {}

  get progress(): ResetProgress {
    return this.staged ? { ...this.inner.progress, ...this.staged } : this.inner.progress;
  }

  stage(patch: Partial<ResetProgress>): void {
    this.staged = { ...this.staged, ...patch };
  }

  async save(patch: Partial<ResetProgress>): Promise<void> {
    const staged = this.staged;
    this.staged = undefined;
    await this.inner.save(staged ? { ...staged, ...patch } : patch);
  }

  async flush(): Promise<void> {
    if (this.staged) await this.save({});
  }
}

type StagedContext = ResetRequestContext & { journal: StagingJournal };

/** A temporary password behind its stored secure link, not yet set in the tenant. */
interface PreparedPassword {
  password: string;
  token: string;
  sealedToken: string;
  expiresAt: Date;
  maxViews: number;
}

/** Why the password part stopped without a reset. */
interface PasswordRefusal {
  code: OutcomeCode;
  notDone: string[];
  facts: string[];
}

/** Outcomes that leave no record: the ticket may become a reset ticket later, or was never ours. */
const IGNORED = new Set<OutcomeCode>(['not-a-reset-ticket', 'unknown-ticket', 'already-handled']);

/** Seals a link token for storage in job data; only a process holding the server key can open it. */
export interface TokenSealer {
  seal(token: string): string;
  open(sealed: string): string;
}

export interface ResetUseCaseDeps {
  psa: (kind: PsaKind) => PsaAdapter;
  directories: DirectoryFactory;
  links: SecureLinkStore;
  sealer: TokenSealer;
  customers: CustomerDirectory;
  ledger: TicketLedger;
  rateLimiter: RequestRateLimiter;
  confirmations: ConfirmationGate;
  settings: {
    /** Per PSA, the status id an engineer sets to send a handed-off ticket back (engineer retry). */
    retryStatusIds?: Partial<Record<PsaKind, string>>;
    mspName: string;
    linkTtlHours: number;
    linkMaxViews: number;
    revokeSessions: boolean;
    /** How many temporary passwords to draw when the tenant rejects one for complexity. */
    passwordDraws?: number;
  };
  newPassword?: () => string;
}

/**
 * The reset desk's procedure for one ticket, in the order the MSP's engineers follow it by hand:
 * read the ticket → resolve who asks and for whom → check the requester may ask → reset MFA and/or the
 * password → put the password behind a secure link → write the link back, or hand off to an engineer.
 *
 * Every decision returns an outcome (never retried); only transient failures throw, and the job's journal
 * makes the retry resume where this attempt stopped.
 */
export class ResetUseCase {
  constructor(private readonly deps: ResetUseCaseDeps) {}

  /**
   * Works one ticket. Final outcomes (delivered, handed off, refused) are written to the ticket ledger, so a
   * later delivery of the same ticket changes nothing, unless an engineer sends a handed-off ticket back.
   */
  async handle(request: ResetRequestContext): Promise<ResetOutcome> {
    const journal = new StagingJournal(request.journal);
    const ctx: StagedContext = { ...request, journal };
    const outcome = await this.work(ctx);
    await journal.flush();
    if (!outcome.waiting && !IGNORED.has(outcome.code)) {
      const p = ctx.journal.progress;
      await this.deps.ledger.record(ctx.psa, ctx.ticketId, {
        outcome: outcome.code,
        handedOff: outcome.handedOff,
        finishedAt: new Date().toISOString(),
        done: {
          mfaRemoved: Boolean(p.mfa) || p.carried?.mfaRemoved,
          passwordReset: p.password?.status === 'done' || p.carried?.passwordReset,
          sessionsRevoked: Boolean(p.sessionsRevoked) || p.carried?.sessionsRevoked,
        },
      });
    }
    return outcome;
  }

  private async work(ctx: StagedContext): Promise<ResetOutcome> {
    const psa = this.deps.psa(ctx.psa);
    const ticket = await psa.getTicket(ctx.ticketId);
    if (!ticket) return this.decided(ctx, 'unknown-ticket');
    if (!ticket.isResetRequest) return this.decided(ctx, 'not-a-reset-ticket');

    if (!ctx.journal.progress.decision && !ctx.journal.progress.round) {
      const prior = await this.deps.ledger.get(ctx.psa, ctx.ticketId);
      if (prior) {
        const retryStatus = this.deps.settings.retryStatusIds?.[ctx.psa];
        if (!prior.handedOff || retryStatus === undefined || ticket.statusId !== retryStatus) {
          return this.decided(ctx, 'already-handled');
        }
        // An engineer sent the ticket back: work it again from the start, but never repeat what is done,
        // and never reuse an earlier round's confirmation.
        await this.deps.ledger.clear(ctx.psa, ctx.ticketId);
        await this.deps.confirmations.forget(ctx.psa, ctx.ticketId);
        await ctx.journal.save({ round: 'engineer-retry', carried: prior.done });
        ctx.logger.info(
          { event: 'audit.engineer-retry', previousOutcome: prior.outcome },
          'engineer sent the ticket back',
        );
      } else {
        // Guards no side effect of its own: written with the next save (lost on a pacing park: harmless).
        ctx.journal.stage({ round: 'first' });
      }
    }

    const customer = this.deps.customers.find(ctx.psa, ticket.psaCustomerId);
    if (!customer) {
      return this.handOff(ctx, psa, {
        reason: 'unknown-customer',
        request: summarise(ticket, ticket),
        notDone: ['No reset: the customer is not mapped to a tenant.'],
        facts: [`PSA customer id ${ticket.psaCustomerId} is not in the resetdesk customer configuration.`],
        nextStep:
          'Add the customer (PSA customer id → Entra tenant id) to the configuration, or do the reset by hand.',
      });
    }
    const policy = this.deps.customers.policyFor(customer);

    let decision = ctx.journal.progress.decision;
    if (!decision) {
      // A ticket whose source matches no configured channel may have been an email: it gets the email
      // checks (sender on file, the manager's confirmation), or goes to an engineer, as the customer chose.
      if (ticket.channel === 'unknown' && policy.unclassifiedRequests === 'hand-off') {
        return this.conclude(ctx, psa, ticket, summarise(ticket, ticket), {
          kind: 'hand-off',
          code: 'channel-unknown',
          facts: ["The ticket's source matches none of the configured ticket-source lists."],
        });
      }
      const verifyAsEmail = ticket.channel === 'email' || ticket.channel === 'unknown';
      const directory = this.deps.directories.forTenant(customer.tenantId);
      const asked = verifyAsEmail ? await readEmailedRequest(ticket, policy, directory) : { request: ticket };
      if ('verdict' in asked)
        return this.conclude(ctx, psa, ticket, summarise(ticket, ticket), asked.verdict);
      const request = summarise(ticket, asked.request);
      if (!request.resetPassword && !request.resetMfa) {
        return this.handOff(ctx, psa, {
          reason: 'nothing-requested',
          request,
          notDone: ['Nothing was reset: the request asked for neither a password nor an MFA reset.'],
          facts: [],
          nextStep: 'Ask the requester what they need.',
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
      if (verdict.kind !== 'proceed') return this.conclude(ctx, psa, ticket, request, verdict);
      this.audit(ctx, ticket, request, 'proceed', verdict.entitlement, verdict.evidence, verdict.target);

      if (!ctx.journal.progress.budgetTaken) {
        const budget = await this.deps.rateLimiter.take(
          customer.name,
          verdict.requester.userPrincipalName,
          { requester: policy.requesterLimit, customer: policy.customerLimit },
          `${ctx.psa}:${ctx.ticketId}`,
        );
        if (budget !== 'ok') {
          const limit = budget === 'requester' ? policy.requesterLimit : policy.customerLimit;
          return this.conclude(ctx, psa, ticket, request, {
            kind: 'hand-off',
            code: budget === 'requester' ? 'rate-limited-requester' : 'rate-limited-customer',
            target: verdict.target,
            facts: [`More than ${limit.count} resets in ${limit.windowMinutes} minutes for this ${budget}.`],
          });
        }
        // Requests that wait for a confirmation go on to its side effects: the take is recorded before them.
        // Other requests record it with the decision just below (nothing happens in between).
        if (verifyAsEmail) await ctx.journal.save({ budgetTaken: true });
        else ctx.journal.stage({ budgetTaken: true });
      }

      if (verifyAsEmail) {
        const waiting = await this.awaitConfirmation(
          ctx,
          psa,
          ticket,
          request,
          verdict.requester,
          verdict.target,
          policy.confirmationTtlMinutes,
        );
        if (waiting) return waiting;
      }

      decision = {
        requester: { name: ticket.requester.name, email: ticket.requester.email },
        target: verdict.target,
        tenantId: customer.tenantId,
        customerName: customer.name,
        request,
      };
      await ctx.journal.save({ decision });
    }
    return this.reset(ctx, psa, customer, decision);
  }

  /**
   * Email requests wait for the manager's confirmation through a link the PSA mails to the address on file.
   * The confirmation is bound to who asks, for whom and what, and used once: a "yes" to another question
   * (the ticket changed after it was asked) is never a reset. Returns an outcome while the request must not
   * go on; undefined once this very request is confirmed.
   */
  private async awaitConfirmation(
    ctx: StagedContext,
    psa: PsaAdapter,
    ticket: ResetTicket,
    request: RequestSummary,
    requester: DirectoryUser,
    target: DirectoryUser,
    ttlMinutes: number,
  ): Promise<ResetOutcome | undefined> {
    const binding: ConfirmationBinding = {
      requesterId: requester.id,
      targetId: target.id,
      resetPassword: request.resetPassword,
      resetMfa: request.resetMfa,
    };
    const status = await this.deps.confirmations.check(ctx.psa, ctx.ticketId, binding);
    if (status === 'confirmed-other') {
      return this.conclude(ctx, psa, ticket, request, {
        kind: 'hand-off',
        code: 'confirmation-mismatch',
        target,
        facts: [
          'The manager confirmed a different request from the one the ticket now holds: the ticket (or the contact on file) changed after the confirmation was asked for.',
          `The ticket now asks: ${describeAsk(request)} for ${target.displayName} <${target.userPrincipalName}>, requested by <${requester.userPrincipalName}>.`,
          'The confirmation is used up; nothing was reset.',
        ],
      });
    }
    if (status === 'confirmed') {
      this.audit(
        ctx,
        ticket,
        request,
        'proceed',
        'confirmation-received',
        ['The manager confirmed through the link.'],
        target,
      );
      return undefined;
    }
    if (status === 'denied') {
      return this.conclude(ctx, psa, ticket, request, {
        kind: 'hand-off',
        code: 'confirmation-denied',
        target,
        facts: [
          'ALERT: the contact on file answered "this wasn\'t me" to the confirmation link. The email may be an attempt to take over this account.',
        ],
      });
    }
    if (status === 'expired') {
      return this.conclude(ctx, psa, ticket, request, {
        kind: 'hand-off',
        code: 'confirmation-expired',
        target,
        facts: [`No answer to the confirmation link within ${ttlMinutes} minutes.`],
      });
    }
    if (status === 'none') {
      const link = await this.deps.confirmations.request({
        psa: ctx.psa,
        ticketId: ctx.ticketId,
        correlationId: ctx.correlationId,
        binding,
        targetDisplayName: target.displayName,
        ttlMinutes,
      });
      const note = confirmationRequestNote({
        request,
        target,
        url: link.url,
        expiresAt: link.expiresAt,
        mspName: this.deps.settings.mspName,
        marker: marker(ctx, 'confirm'),
      });
      await psa.addNote(ctx.ticketId, note);
      await psa.moveTicket(ctx.ticketId, 'awaiting-confirmation');
      this.audit(
        ctx,
        ticket,
        request,
        'await-confirmation',
        'awaiting-confirmation',
        ['Confirmation link sent to the address on file.'],
        target,
      );
    }
    return { code: 'awaiting-confirmation', handedOff: false, delivered: false, waiting: true };
  }

  /** Carries out a verdict that stops the reset: ask the requester, refuse, or hand off. */
  private async conclude(
    ctx: StagedContext,
    psa: PsaAdapter,
    ticket: ResetTicket,
    request: RequestSummary,
    verdict: Exclude<PolicyVerdict, { kind: 'proceed' }>,
  ): Promise<ResetOutcome> {
    this.audit(ctx, ticket, request, verdict.kind, verdict.code, verdict.facts, verdict.target);
    if (verdict.kind === 'ask-requester') {
      const note = askRequesterNote({
        request,
        question: verdict.question,
        mspName: this.deps.settings.mspName,
        marker: marker(ctx, `ask:${verdict.code}:${verdict.question}`),
      });
      // The same question is asked once: echoes of our own note must not repeat it.
      if (!(await psa.hasNoteWithMarker(ctx.ticketId, note.marker))) {
        await psa.addNote(ctx.ticketId, note);
        await psa.moveTicket(ctx.ticketId, 'awaiting-confirmation');
      }
      return { code: verdict.code, handedOff: false, delivered: false, waiting: true };
    }
    if (verdict.kind === 'refuse') {
      await this.addNoteOnce(
        ctx,
        psa,
        refusalNote({
          request,
          message: verdict.customerMessage,
          mspName: this.deps.settings.mspName,
          marker: marker(ctx, 'refuse'),
        }),
        'customerNote',
      );
    }
    return this.handOff(ctx, psa, {
      reason: verdict.code,
      request,
      target: verdict.target,
      mfaResults: ctx.journal.progress.mfa?.results,
      notDone: ['Nothing was reset.'],
      facts: verdict.facts,
      nextStep: nextStepFor(verdict.code),
    });
  }

  /** One structured audit event per decision: who asked, how, for whom, what was decided and why. No secrets. */
  private audit(
    ctx: StagedContext,
    ticket: ResetTicket,
    request: RequestSummary,
    decision: string,
    reason: string,
    evidence: string[],
    target?: DirectoryUser,
  ): void {
    ctx.logger.info(
      {
        event: 'audit.decision',
        psa: ctx.psa,
        ticketId: ctx.ticketId,
        requester: ticket.requester.email,
        channel: ticket.channel,
        target: target?.userPrincipalName ?? request.targetLabel,
        // Not `password`: the log redaction blanks any field of that name.
        asked: { passwordReset: request.resetPassword, mfaReset: request.resetMfa },
        decision,
        reason,
        evidence,
      },
      `decision: ${decision} (${reason})`,
    );
  }

  private async reset(
    ctx: StagedContext,
    psa: PsaAdapter,
    customer: CustomerSettings,
    decision: NonNullable<ResetProgress['decision']>,
  ): Promise<ResetOutcome> {
    const { target, request } = decision;
    const directory = this.deps.directories.forTenant(decision.tenantId);
    const journal = ctx.journal;
    const synced = target.onPremisesSyncEnabled;

    const wantsPassword =
      request.resetPassword &&
      !synced &&
      journal.progress.password?.status !== 'done' &&
      !journal.progress.carried?.passwordReset;
    const refused = (refusal: PasswordRefusal) =>
      this.handOff(ctx, psa, {
        reason: refusal.code,
        request,
        target,
        mfaResults: journal.progress.mfa?.results,
        notDone: ['Password not reset.', ...refusal.notDone],
        facts: refusal.facts,
        nextStep: nextStepFor(refusal.code),
      });

    try {
      // The link that will carry the password is stored before any Graph write: a store that cannot take
      // it leaves the account untouched (fail closed), MFA included.
      let prepared: PreparedPassword | undefined;
      if (wantsPassword) {
        const stored = await this.storePasswordLink(ctx, customer);
        if ('code' in stored) return refused(stored);
        prepared = stored;
      }
      // `carried`: an earlier round (before an engineer sent the ticket back) already did it; never again.
      if (request.resetMfa && !journal.progress.mfa && !journal.progress.carried?.mfaRemoved) {
        const results = await directory.removeMfaMethods(target.id);
        await journal.save({ mfa: { results } });
        ctx.logger.info(
          {
            event: 'reset.mfa',
            removed: results.filter((r) => r.outcome === 'removed').length,
            failed: results.filter((r) => r.outcome === 'failed').length,
          },
          'MFA methods removed',
        );
      }
      if (prepared) {
        const refusal = await this.setPassword(ctx, customer, directory, target, prepared);
        if (refusal) return refused(refusal);
      }
      const anythingChanged = Boolean(journal.progress.mfa) || journal.progress.password?.status === 'done';
      if (this.deps.settings.revokeSessions && anythingChanged && !journal.progress.sessionsRevoked) {
        await directory.revokeSignInSessions(target.id);
        // Written with the customer note's "started" (the next save; no side effect in between).
        journal.stage({ sessionsRevoked: true });
      }
    } catch (err) {
      if (isTransient(err)) throw err;
      if (err instanceof DirectoryError) {
        const code: OutcomeCode =
          err.reason === 'insufficient-privileges'
            ? 'insufficient-privileges'
            : err.reason === 'synced-object'
              ? 'synced-user-password'
              : 'directory-unavailable';
        return this.handOff(ctx, psa, {
          reason: code,
          request,
          target,
          mfaResults: journal.progress.mfa?.results,
          passwordReset: journal.progress.password?.status === 'done',
          notDone: ['The reset stopped at the step Graph refused.'],
          facts: [`Graph answered: ${err.message}`],
          nextStep: nextStepFor(code),
        });
      }
      throw err;
    }

    return this.writeBack(ctx, psa, customer, decision);
  }

  /**
   * Draws a temporary password and stores it behind a new secure link, recording the sealed link in the
   * journal (`started`: the tenant may or may not have the password yet). An earlier round's link that was
   * never confirmed set (a crash, a retry) is destroyed first: the staff member ends with exactly one
   * temporary password, the one delivered. The password itself stays in this process only.
   */
  private async storePasswordLink(
    ctx: StagedContext,
    customer: CustomerSettings,
  ): Promise<PreparedPassword | PasswordRefusal> {
    const { journal } = ctx;
    const earlier = journal.progress.password?.sealedToken;
    if (earlier) await this.deps.links.destroy(this.deps.sealer.open(earlier));
    const ttlHours = customer.secureLinkTtlHours ?? this.deps.settings.linkTtlHours;
    const maxViews = customer.secureLinkMaxViews ?? this.deps.settings.linkMaxViews;
    // Held in this scope and the caller's only: it goes to the encrypted store and to the tenant, nowhere else.
    const password = (this.deps.newPassword ?? generateTemporaryPassword)();
    let link;
    try {
      link = await this.deps.links.create(password, {
        ttlSeconds: ttlHours * 3600,
        maxViews,
        context: { psa: ctx.psa, ticketId: ctx.ticketId, correlationId: ctx.correlationId },
      });
    } catch (err) {
      if (err instanceof SecureLinkStoreError) {
        ctx.logger.error(
          { event: 'reset.link-store-failed', err: { message: err.message } },
          'secure link store failed',
        );
        return {
          code: 'secure-link-unavailable',
          notDone: [
            ctx.journal.progress.mfa
              ? 'No password was set or sent, because the secure link could not be stored.'
              : 'Nothing was changed in the tenant, because the secure link could not be stored.',
          ],
          facts: [],
        };
      }
      throw err;
    }
    const sealedToken = this.deps.sealer.seal(link.token);
    await journal.save({
      password: { status: 'started', sealedToken, expiresAt: link.expiresAt.toISOString(), maxViews },
    });
    return { password, token: link.token, sealedToken, expiresAt: link.expiresAt, maxViews };
  }

  /**
   * Sets the prepared password in the tenant (changed at next sign-in). When the tenant refuses it for
   * complexity, the link is destroyed and another password drawn, up to `passwordDraws`. Any other failure
   * destroys the link and is thrown (a transient one is retried from a new draw).
   */
  private async setPassword(
    ctx: StagedContext,
    customer: CustomerSettings,
    directory: Directory,
    target: DirectoryUser,
    first: PreparedPassword,
  ): Promise<PasswordRefusal | undefined> {
    const { journal } = ctx;
    const draws = this.deps.settings.passwordDraws ?? 3;
    let prepared: PreparedPassword | PasswordRefusal = first;
    for (let draw = 1; draw <= draws; draw++) {
      if ('code' in prepared) return prepared;
      const { password, token, sealedToken, expiresAt, maxViews } = prepared;
      try {
        await directory.resetPassword(target.id, password);
      } catch (err) {
        await this.deps.links.destroy(token).catch(() => undefined);
        if (err instanceof DirectoryError && err.reason === 'password-rejected') {
          ctx.logger.warn(
            { event: 'reset.password-rejected', draw },
            'tenant rejected the temporary password; drawing another',
          );
          await journal.save({ password: undefined });
          if (draw < draws) prepared = await this.storePasswordLink(ctx, customer);
          continue;
        }
        await journal.save({ password: undefined });
        throw err;
      }
      // The password is set: a journal that cannot record it throws, and leaves the link in place (a retry
      // that finds the step "started" draws again and destroys this link with its password).
      await journal.save({
        password: { status: 'done', sealedToken, expiresAt: expiresAt.toISOString(), maxViews },
      });
      ctx.logger.info({ event: 'reset.password', draw }, 'temporary password set');
      return undefined;
    }
    return {
      code: 'password-rejected',
      notDone: [`The tenant rejected ${draws} temporary passwords for complexity.`],
      facts: ["Check the tenant's custom banned-password list and password policy."],
    };
  }

  private async writeBack(
    ctx: StagedContext,
    psa: PsaAdapter,
    customer: CustomerSettings,
    decision: NonNullable<ResetProgress['decision']>,
  ): Promise<ResetOutcome> {
    const { journal } = ctx;
    const { request, target } = decision;
    const mfaResults = journal.progress.mfa?.results;
    const mfaFailed = mfaResults?.filter((m) => m.outcome === 'failed') ?? [];
    const passwordDone = journal.progress.password?.status === 'done';
    const needsPasswordHandOff = request.resetPassword && target.onPremisesSyncEnabled;
    const maxViews = customer.secureLinkMaxViews ?? this.deps.settings.linkMaxViews;

    const customerNote: TicketNote | undefined =
      passwordDone || (mfaResults && !needsPasswordHandOff)
        ? this.deliveryNoteOf(ctx, decision, maxViews)
        : needsPasswordHandOff
          ? partialHandOffCustomerNote({
              request,
              target,
              mfaRemoved: Boolean(mfaResults),
              mfaIncomplete: mfaFailed.length > 0,
              mspName: this.deps.settings.mspName,
              marker: marker(ctx, 'delivery'),
            })
          : undefined;

    if (customerNote) {
      // The link's sealed token is dropped in the same save that records the note as done.
      const dropToken = (): Partial<ResetProgress> | undefined =>
        journal.progress.password?.sealedToken
          ? { password: { ...journal.progress.password, sealedToken: undefined } }
          : undefined;
      await this.addNoteOnce(ctx, psa, customerNote, 'customerNote', dropToken);
      const left = dropToken();
      if (left) await journal.save(left);
    }
    await journal.flush();

    let handOffCode: OutcomeCode | undefined;
    if (needsPasswordHandOff) handOffCode = 'synced-user-password';
    else if (mfaFailed.length > 0) handOffCode = 'mfa-partially-removed';
    if (handOffCode) {
      return this.handOff(
        ctx,
        psa,
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

    if (!journal.progress.moved) {
      await psa.moveTicket(ctx.ticketId, 'awaiting-confirmation');
      await journal.save({ moved: true });
    }
    const code: OutcomeCode = passwordDone ? 'reset-delivered' : 'mfa-reset-done';
    ctx.logger.info({ event: 'reset.delivered', outcome: code }, 'ticket written back');
    return { code, handedOff: false, delivered: true };
  }

  /** The customer-visible delivery note of what the journal says was done, with the link when there is one. */
  private deliveryNoteOf(
    ctx: StagedContext,
    decision: NonNullable<ResetProgress['decision']>,
    maxViews: number,
  ): TicketNote {
    const { password, mfa, sessionsRevoked } = ctx.journal.progress;
    const passwordDone = password?.status === 'done';
    return deliveryNote({
      request: decision.request,
      target: decision.target,
      linkUrl:
        passwordDone && password.sealedToken
          ? this.deps.links.urlFor(this.deps.sealer.open(password.sealedToken))
          : undefined,
      linkExpiresAt: password?.expiresAt ? new Date(password.expiresAt) : undefined,
      maxViews,
      passwordReset: passwordDone,
      mfaRemoved: Boolean(mfa),
      mfaIncomplete: mfa?.results.some((m) => m.outcome === 'failed') ?? false,
      sessionsRevoked: Boolean(sessionsRevoked),
      mspName: this.deps.settings.mspName,
      marker: marker(ctx, 'delivery'),
    });
  }

  private async handOff(
    ctx: StagedContext,
    psa: PsaAdapter,
    facts: Omit<Parameters<typeof handOffNote>[0], 'marker'>,
    delivered = false,
  ): Promise<ResetOutcome> {
    const note = handOffNote({ ...facts, marker: marker(ctx, 'handoff') });
    await this.addNoteOnce(ctx, psa, note, 'handOffNote');
    await ctx.journal.flush();
    if (!ctx.journal.progress.moved) {
      await psa.moveTicket(ctx.ticketId, 'engineers');
      await ctx.journal.save({ moved: true });
    }
    ctx.logger.warn({ event: 'reset.handed-off', outcome: facts.reason }, 'ticket handed to the engineers');
    return { code: facts.reason, handedOff: true, delivered };
  }

  /**
   * Adds a note at most once: the journal says whether an earlier attempt started it, and if so the ticket
   * is searched for the note's marker before it is written again (the PSA may have stored it and lost the
   * answer).
   */
  private async addNoteOnce(
    ctx: StagedContext,
    psa: PsaAdapter,
    note: TicketNote,
    step: 'customerNote' | 'handOffNote',
    alsoWhenDone?: () => Partial<ResetProgress> | undefined,
  ): Promise<void> {
    const state = ctx.journal.progress[step];
    if (state === 'done') return;
    if (state === 'started' && (await psa.hasNoteWithMarker(ctx.ticketId, note.marker))) {
      await ctx.journal.save({ ...alsoWhenDone?.(), [step]: 'done' });
      return;
    }
    await ctx.journal.save({ [step]: 'started' });
    await psa.addNote(ctx.ticketId, note);
    await ctx.journal.save({ ...alsoWhenDone?.(), [step]: 'done' });
  }

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
  async handOffAfterFailure(
    request: ResetRequestContext,
    code: OutcomeCode,
    detail: string,
  ): Promise<ResetOutcome> {
    const ctx: StagedContext = { ...request, journal: new StagingJournal(request.journal) };
    const psa = this.deps.psa(ctx.psa);
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
      const maxViews = before.password.maxViews ?? this.deps.settings.linkMaxViews;
      await this.addNoteOnce(ctx, psa, this.deliveryNoteOf(ctx, decision, maxViews), 'customerNote', () => ({
        password: { ...ctx.journal.progress.password!, sealedToken: undefined },
      }));
      ctx.logger.warn(
        { event: 'reset.delivered-late' },
        'secure link written to the ticket after the failure',
      );
    }

    const progress = ctx.journal.progress;
    const delivered = progress.customerNote === 'done' && (passwordDone || Boolean(progress.mfa));
    const linkDelivered = passwordDone && progress.customerNote === 'done';
    const undeliveredLink = progress.customerNote !== 'done' ? progress.password?.sealedToken : undefined;
    const state = failureState(code, progress, linkDelivered, deliveredBefore);
    const outcome = await this.handOff(
      ctx,
      psa,
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
        passwordUndelivered: state.passwordUndelivered,
        changesUnknown: code === 'job-lost',
        sessionsRevoked: progress.sessionsRevoked,
        notDone: [state.notDone],
        facts: [`Last error: ${detail}`, `Correlation id: ${ctx.correlationId}`],
        nextStep: state.nextStep,
      },
      delivered,
    );
    if (undeliveredLink) {
      // The hand-off note above says this link is destroyed: only now is it.
      await this.deps.links.destroy(this.deps.sealer.open(undeliveredLink));
      await ctx.journal.save({ password: { ...progress.password!, sealedToken: undefined } });
    }
    await this.deps.ledger.record(ctx.psa, ctx.ticketId, {
      outcome: code,
      handedOff: true,
      finishedAt: new Date().toISOString(),
      // An engineer retry sets a new password unless this one reached the manager.
      done: {
        mfaRemoved: Boolean(progress.mfa),
        passwordReset: linkDelivered,
        sessionsRevoked: Boolean(progress.sessionsRevoked),
      },
    });
    return outcome;
  }

  private decided(ctx: StagedContext, code: OutcomeCode): ResetOutcome {
    ctx.logger.info({ event: 'reset.ignored', outcome: code }, 'nothing to do for this ticket');
    return { code, handedOff: false, delivered: false };
  }
}

function describeAsk(request: RequestSummary): string {
  if (request.resetPassword && request.resetMfa) return 'a password and MFA reset';
  return request.resetPassword ? 'a password reset' : 'an MFA reset';
}

function summarise(
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

/** A link delivered late must leave the manager time to use it; one closer to its expiry is not sent. */
const LATE_DELIVERY_MIN_LIFE_MS = 10 * 60_000;

/** What the hand-off after a failure tells the engineers about the account and the link, and what to do. */
function failureState(
  code: OutcomeCode,
  progress: ResetProgress,
  linkDelivered: boolean,
  deliveredBefore: boolean,
): { notDone: string; nextStep: string; passwordUndelivered: boolean } {
  const byHand = 'Reset the password by hand and deliver it to the requester by the secure route.';
  if (code === 'job-lost') {
    return {
      notDone:
        "resetdesk lost its record of this ticket's work after the work on the account had begun: MFA methods may have been removed and a temporary password may have been set. No secure link from that work reached this ticket unless a customer-visible note with one is above.",
      nextStep:
        'Check the account in the Entra admin center (authentication methods, last password change), then finish the reset by hand.',
      passwordUndelivered: false,
    };
  }
  if (linkDelivered && !deliveredBefore) {
    return {
      notDone:
        'The work did not finish normally (see the last error below); the secure link with the temporary password was written to the ticket late, after the failure.',
      nextStep: 'Check that the requester has the link, and finish anything the "Done" list leaves out.',
      passwordUndelivered: false,
    };
  }
  if (linkDelivered) {
    return {
      notDone: 'The work stopped after the secure link was written to the ticket; see "Done".',
      nextStep: 'The requester has the link. Check the service logs for the correlation id.',
      passwordUndelivered: false,
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
      passwordUndelivered: false,
    };
  }
  return {
    notDone: 'The work stopped before it was complete; see "Done" for what changed.',
    nextStep: 'Check the service logs for the correlation id, then finish the reset by hand.',
    passwordUndelivered: false,
  };
}

/** A short, stable reference per ticket and note kind: lets a retry recognise its own earlier note. */
function marker(ctx: ResetRequestContext, kind: string): string {
  const digest = createHash('sha256')
    .update(`${ctx.psa}:${ctx.ticketId}:${kind}`)
    .digest('hex')
    .slice(0, 8)
    .toUpperCase();
  const letter =
    kind === 'delivery'
      ? 'D'
      : kind === 'handoff'
        ? 'H'
        : kind === 'confirm'
          ? 'C'
          : kind === 'refuse'
            ? 'R'
            : 'Q';
  return `RD-${letter}-${digest}`;
}

function nextStepFor(code: OutcomeCode): string {
  switch (code) {
    case 'synced-user-password':
      return 'Reset the password in on-premises AD (or with writeback), set "must change at next logon", and give it to the requester by the secure route.';
    case 'requester-not-manager':
      return "Confirm with the requester by a known phone number whether they manage the staff member; if Entra's manager attribute is wrong, fix it and do the reset by hand.";
    case 'requester-not-found':
    case 'requester-ambiguous':
    case 'requester-missing':
      return "Check the ticket's contact and their address on file; confirm the request by a known phone number before any reset.";
    case 'target-not-found':
    case 'target-ambiguous':
    case 'target-missing':
      return 'Ask the requester which staff member they mean (full email address) and do the reset once confirmed.';
    case 'target-disabled':
      return 'Find out why the account is disabled before anything else; do not re-enable it on this request alone.';
    case 'self-request':
      return 'Point the person to their manager; self-service resets go through the normal verified route.';
    case 'insufficient-privileges':
      return "Check the app's User Administrator role in this tenant and whether the target holds an admin role; privileged accounts are reset by an engineer.";
    case 'mfa-partially-removed':
      return 'Remove the remaining MFA methods in the Entra admin center (Authentication methods), then tell the requester.';
    case 'secure-link-unavailable':
      return 'Check Redis; then reset by hand or send the ticket back to resetdesk.';
    case 'password-rejected':
      return 'Reset by hand with a password that meets the tenant policy.';
    case 'target-privileged':
    case 'target-protected':
    case 'target-privileges-unknown':
      return 'Verify the request with the requester and the account owner by a known phone number; privileged and protected accounts are reset by an engineer with the right role, never automatically.';
    case 'email-sender-not-on-file':
      return "Treat as suspicious: call the contact on file at their known number before anything else; do not reply to the email's sender.";
    case 'confirmation-denied':
      return 'Treat as an attempted account takeover: check the mailbox rules and sign-ins of the contact and the target, and tell the customer.';
    case 'confirmation-mismatch':
      return 'Treat as suspicious: call the requester at their known number and confirm who should be reset and what, then reset by hand or send the ticket back to resetdesk (it asks again).';
    case 'channel-unknown':
      return "Read the request and confirm it with the requester at their known number; add the ticket's source to the PSA's source lists in the resetdesk configuration.";
    case 'confirmation-expired':
      return 'Call the requester at their known number to confirm the request, then reset by hand or send the ticket back to resetdesk.';
    case 'request-several-people':
      return 'Confirm with the requester at their known number who needs what, then reset each person by hand (or file one ticket per person).';
    case 'not-a-reset-request':
      return 'Read the email: if it needs an answer, reply; if it is a reset request after all, confirm it with the requester at their known number.';
    case 'request-unclear':
    case 'email-requests-disabled':
      return 'Read the request and confirm it with the requester at their known number.';
    case 'rate-limited-requester':
    case 'rate-limited-customer':
      return 'Unusual volume: confirm with the customer that these resets are expected (an incident?) before working them.';
    default:
      return 'Review the ticket and do the reset by hand if it is legitimate.';
  }
}
