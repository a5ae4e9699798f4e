import { createHash } from 'node:crypto';
import type { CustomerDirectory, CustomerSettings } from '../../config/customer-settings.js';
import type { Logger } from '../logging/logger.js';
import { DirectoryError, SecureLinkStoreError, isTransient } from './errors.js';
import type { OutcomeCode } from './outcome-codes.js';
import type {
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
  password?: { status: 'started' | 'done'; sealedToken?: string; expiresAt?: string };
  sessionsRevoked?: boolean;
  customerNote?: 'started' | 'done';
  handOffNote?: 'started' | 'done';
  moved?: boolean;
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
}

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
  settings: {
    mspName: string;
    linkTtlHours: number;
    linkMaxViews: number;
    revokeSessions: boolean;
    /** How many temporary passwords to draw when the tenant rejects one for complexity. */
    passwordDraws?: number;
  };
  newPassword?: () => string;
}

type Parties =
  | { requester: DirectoryUser; target: DirectoryUser }
  | { refusal: OutcomeCode; facts: string[]; target?: DirectoryUser };

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

  async handle(ctx: ResetRequestContext): Promise<ResetOutcome> {
    const psa = this.deps.psa(ctx.psa);
    const ticket = await psa.getTicket(ctx.ticketId);
    if (!ticket) return this.decided(ctx, 'unknown-ticket');
    if (!ticket.isResetRequest) return this.decided(ctx, 'not-a-reset-ticket');

    const request = summarise(ticket);
    if (!ticket.resetPassword && !ticket.resetMfa) {
      return this.handOff(ctx, psa, {
        reason: 'nothing-requested',
        request,
        notDone: ['Nothing was reset: the form asked for neither a password nor an MFA reset.'],
        facts: [],
        nextStep: 'Ask the requester what they need.',
      });
    }
    const customer = this.deps.customers.find(ctx.psa, ticket.psaCustomerId);
    if (!customer) {
      return this.handOff(ctx, psa, {
        reason: 'unknown-customer',
        request,
        notDone: ['No reset: the customer is not mapped to a tenant.'],
        facts: [`PSA customer id ${ticket.psaCustomerId} is not in the resetdesk customer configuration.`],
        nextStep:
          'Add the customer (PSA customer id → Entra tenant id) to the configuration, or do the reset by hand.',
      });
    }

    let decision = ctx.journal.progress.decision;
    if (!decision) {
      const directory = this.deps.directories.forTenant(customer.tenantId);
      const parties = await this.resolveAndAuthorise(ticket, directory);
      if ('refusal' in parties) {
        return this.handOff(ctx, psa, {
          reason: parties.refusal,
          request,
          target: parties.target,
          notDone: ['No reset: the requester or the target could not be confirmed.'],
          facts: parties.facts,
          nextStep: nextStepFor(parties.refusal),
        });
      }
      decision = {
        requester: { name: ticket.requester.name, email: ticket.requester.email },
        target: parties.target,
        tenantId: customer.tenantId,
        customerName: customer.name,
        request,
      };
      await ctx.journal.save({ decision });
      ctx.logger.info(
        {
          event: 'reset.authorised',
          customer: customer.name,
          target: parties.target.userPrincipalName,
          requester: parties.requester.userPrincipalName,
          channel: ticket.channel,
        },
        'requester is the target’s manager; resetting',
      );
    }
    return this.reset(ctx, psa, customer, decision);
  }

  /** Finds both users in the tenant and checks the requester is the target's manager. */
  private async resolveAndAuthorise(ticket: ResetTicket, directory: Directory): Promise<Parties> {
    const email = ticket.requester.email?.trim();
    if (!email)
      return {
        refusal: 'requester-missing',
        facts: ['The ticket has no contact with an email address on file.'],
      };
    if (!ticket.targetIdentifier)
      return { refusal: 'target-missing', facts: ['The target field of the form is empty.'] };

    const requesters = await directory.findUsersByAddress(email);
    if (requesters.length === 0) {
      return {
        refusal: 'requester-not-found',
        facts: [`No user in the tenant has the address on file <${email}>.`],
      };
    }
    if (requesters.length > 1) {
      return {
        refusal: 'requester-ambiguous',
        facts: [`${requesters.length} users in the tenant match <${email}>.`],
      };
    }
    const targets = await directory.findUsersByAddress(ticket.targetIdentifier);
    if (targets.length === 0) {
      return {
        refusal: 'target-not-found',
        facts: [`No user in the tenant has the UPN or address "${ticket.targetIdentifier}".`],
      };
    }
    if (targets.length > 1) {
      return {
        refusal: 'target-ambiguous',
        facts: [
          `${targets.length} users match "${ticket.targetIdentifier}": ${targets.map((t) => t.userPrincipalName).join(', ')}`,
        ],
      };
    }
    const requester = requesters[0]!;
    const target = targets[0]!;
    if (requester.id === target.id) {
      return {
        refusal: 'self-request',
        target,
        facts: ['The requester and the target are the same account.'],
      };
    }
    if (!target.accountEnabled) {
      return { refusal: 'target-disabled', target, facts: ['accountEnabled=false in Entra.'] };
    }
    const manager = await directory.getManager(target.id);
    if (!manager || manager.id !== requester.id) {
      return {
        refusal: 'requester-not-manager',
        target,
        facts: [
          `Requester in Entra: ${requester.displayName} <${requester.userPrincipalName}> (${requester.id}).`,
          manager
            ? `Target's manager in Entra: ${manager.displayName} <${manager.userPrincipalName}> (${manager.id}).`
            : 'The target has no manager set in Entra.',
        ],
      };
    }
    return { requester, target };
  }

  private async reset(
    ctx: ResetRequestContext,
    psa: PsaAdapter,
    customer: CustomerSettings,
    decision: NonNullable<ResetProgress['decision']>,
  ): Promise<ResetOutcome> {
    const { target, request } = decision;
    const directory = this.deps.directories.forTenant(decision.tenantId);
    const journal = ctx.journal;
    const synced = target.onPremisesSyncEnabled;

    try {
      if (request.resetMfa && !journal.progress.mfa) {
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
      if (request.resetPassword && !synced && journal.progress.password?.status !== 'done') {
        const refusal = await this.resetPassword(ctx, customer, directory, target);
        if (refusal) {
          return this.handOff(ctx, psa, {
            reason: refusal.code,
            request,
            target,
            mfaResults: journal.progress.mfa?.results,
            notDone: ['Password not reset.', ...refusal.notDone],
            facts: refusal.facts,
            nextStep: nextStepFor(refusal.code),
          });
        }
      }
      const anythingChanged = Boolean(journal.progress.mfa) || journal.progress.password?.status === 'done';
      if (this.deps.settings.revokeSessions && anythingChanged && !journal.progress.sessionsRevoked) {
        await directory.revokeSignInSessions(target.id);
        await journal.save({ sessionsRevoked: true });
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
   * Draws a password, stores it behind a new secure link, then sets it in the tenant. The link is stored
   * before the reset so that a store failure leaves the account untouched (fail closed). A retry after an
   * ambiguous failure draws a new password and destroys the earlier link: the staff member ends with exactly
   * one temporary password, the one delivered.
   */
  private async resetPassword(
    ctx: ResetRequestContext,
    customer: CustomerSettings,
    directory: Directory,
    target: DirectoryUser,
  ): Promise<{ code: OutcomeCode; notDone: string[]; facts: string[] } | undefined> {
    const { journal } = ctx;
    const earlier = journal.progress.password?.sealedToken;
    if (earlier) await this.deps.links.destroy(this.deps.sealer.open(earlier));

    const draws = this.deps.settings.passwordDraws ?? 3;
    const ttlHours = customer.secureLinkTtlHours ?? this.deps.settings.linkTtlHours;
    const maxViews = customer.secureLinkMaxViews ?? this.deps.settings.linkMaxViews;
    for (let draw = 1; draw <= draws; draw++) {
      // Held in this scope only: it goes to the encrypted store and to the tenant, nowhere else.
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
            notDone: ['No password was set or sent, because the secure link could not be stored.'],
            facts: [],
          };
        }
        throw err;
      }
      const sealedToken = this.deps.sealer.seal(link.token);
      await journal.save({
        password: { status: 'started', sealedToken, expiresAt: link.expiresAt.toISOString() },
      });
      try {
        await directory.resetPassword(target.id, password);
        await journal.save({
          password: { status: 'done', sealedToken, expiresAt: link.expiresAt.toISOString() },
        });
        ctx.logger.info({ event: 'reset.password', draw }, 'temporary password set');
        return undefined;
      } catch (err) {
        await this.deps.links.destroy(link.token).catch(() => undefined);
        if (err instanceof DirectoryError && err.reason === 'password-rejected') {
          ctx.logger.warn(
            { event: 'reset.password-rejected', draw },
            'tenant rejected the temporary password; drawing another',
          );
          continue;
        }
        await journal.save({ password: undefined });
        throw err;
      }
    }
    return {
      code: 'password-rejected',
      notDone: [`The tenant rejected ${draws} temporary passwords for complexity.`],
      facts: ["Check the tenant's custom banned-password list and password policy."],
    };
  }

  private async writeBack(
    ctx: ResetRequestContext,
    psa: PsaAdapter,
    customer: CustomerSettings,
    decision: NonNullable<ResetProgress['decision']>,
  ): Promise<ResetOutcome> {
    const { journal } = ctx;
    const { request, target } = decision;
    const mfaResults = journal.progress.mfa?.results;
    const mfaFailed = mfaResults?.filter((m) => m.outcome === 'failed') ?? [];
    const passwordDone = journal.progress.password?.status === 'done';
    const sealed = journal.progress.password?.sealedToken;
    const needsPasswordHandOff = request.resetPassword && target.onPremisesSyncEnabled;
    const maxViews = customer.secureLinkMaxViews ?? this.deps.settings.linkMaxViews;

    const customerNote: TicketNote | undefined =
      passwordDone || (mfaResults && !needsPasswordHandOff)
        ? deliveryNote({
            request,
            target,
            linkUrl:
              passwordDone && sealed ? this.deps.links.urlFor(this.deps.sealer.open(sealed)) : undefined,
            linkExpiresAt: journal.progress.password?.expiresAt
              ? new Date(journal.progress.password.expiresAt)
              : undefined,
            maxViews,
            passwordReset: passwordDone,
            mfaRemoved: Boolean(mfaResults),
            mfaIncomplete: mfaFailed.length > 0,
            sessionsRevoked: Boolean(journal.progress.sessionsRevoked),
            mspName: this.deps.settings.mspName,
            marker: marker(ctx, 'delivery'),
          })
        : needsPasswordHandOff
          ? partialHandOffCustomerNote({
              request,
              target,
              mfaRemoved: Boolean(mfaResults),
              mspName: this.deps.settings.mspName,
              marker: marker(ctx, 'delivery'),
            })
          : undefined;

    if (customerNote) {
      await this.addNoteOnce(ctx, psa, customerNote, 'customerNote');
      if (sealed) await journal.save({ password: { ...journal.progress.password!, sealedToken: undefined } });
    }

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
          notDone:
            handOffCode === 'synced-user-password'
              ? [
                  'Password not reset: the account is mastered in on-premises AD and Graph cannot reset it app-only.',
                ]
              : mfaFailed.map((m) => `MFA method ${m.kind} (${m.id}) still registered.`),
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

  private async handOff(
    ctx: ResetRequestContext,
    psa: PsaAdapter,
    facts: Omit<Parameters<typeof handOffNote>[0], 'marker'>,
    delivered = false,
  ): Promise<ResetOutcome> {
    const note = handOffNote({ ...facts, marker: marker(ctx, 'handoff') });
    await this.addNoteOnce(ctx, psa, note, 'handOffNote');
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
    ctx: ResetRequestContext,
    psa: PsaAdapter,
    note: TicketNote,
    step: 'customerNote' | 'handOffNote',
  ): Promise<void> {
    const state = ctx.journal.progress[step];
    if (state === 'done') return;
    if (state === 'started' && (await psa.hasNoteWithMarker(ctx.ticketId, note.marker))) {
      await ctx.journal.save({ [step]: 'done' });
      return;
    }
    await ctx.journal.save({ [step]: 'started' });
    await psa.addNote(ctx.ticketId, note);
    await ctx.journal.save({ [step]: 'done' });
  }

  /**
   * The last word on a ticket whose job could not finish (retries exhausted, or an unexpected error): the
   * engineers get what is known, and an undelivered link is destroyed so no password sits unseen in Redis.
   */
  async handOffAfterFailure(
    ctx: ResetRequestContext,
    code: OutcomeCode,
    detail: string,
  ): Promise<ResetOutcome> {
    const progress = ctx.journal.progress;
    const decision = progress.decision;
    const passwordDone = progress.password?.status === 'done';
    const undelivered = passwordDone && progress.customerNote !== 'done';
    if (progress.password?.sealedToken && progress.customerNote !== 'done') {
      await this.deps.links
        .destroy(this.deps.sealer.open(progress.password.sealedToken))
        .catch(() => undefined);
    }
    return this.handOff(ctx, this.deps.psa(ctx.psa), {
      reason: code,
      request: decision?.request ?? {
        channel: 'unknown',
        targetLabel: '(not read)',
        resetPassword: false,
        resetMfa: false,
      },
      target: decision?.target,
      mfaResults: progress.mfa?.results,
      passwordReset: passwordDone && !undelivered,
      sessionsRevoked: progress.sessionsRevoked,
      notDone: undelivered
        ? [
            'The password WAS reset, but the secure link could not be written to the ticket and has been destroyed: the staff member cannot sign in until an engineer resets the password again.',
          ]
        : ['The work stopped before it was complete; see "Done" for what changed.'],
      facts: [`Last error: ${detail}`, `Correlation id: ${ctx.correlationId}`],
      nextStep: undelivered
        ? 'Reset the password by hand and deliver it to the requester by the secure route.'
        : 'Check the service logs for the correlation id, then finish the reset by hand.',
    });
  }

  private decided(ctx: ResetRequestContext, code: OutcomeCode): ResetOutcome {
    ctx.logger.info({ event: 'reset.ignored', outcome: code }, 'nothing to do for this ticket');
    return { code, handedOff: false, delivered: false };
  }
}

function summarise(ticket: ResetTicket): RequestSummary {
  return {
    requesterName: ticket.requester.name,
    requesterEmail: ticket.requester.email,
    channel: ticket.channel,
    targetLabel: ticket.targetIdentifier ?? '(not given)',
    resetPassword: ticket.resetPassword,
    resetMfa: ticket.resetMfa,
  };
}

/** A short, stable reference per ticket and note kind: lets a retry recognise its own earlier note. */
function marker(ctx: ResetRequestContext, kind: 'delivery' | 'handoff'): string {
  const digest = createHash('sha256')
    .update(`${ctx.psa}:${ctx.ticketId}:${kind}`)
    .digest('hex')
    .slice(0, 8)
    .toUpperCase();
  return `RD-${kind === 'delivery' ? 'D' : 'H'}-${digest}`;
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
    default:
      return 'Review the ticket and do the reset by hand if it is legitimate.';
  }
}
