import { DirectoryError, SecureLinkStoreError } from '../errors.js';
import { describeOutcome } from '../outcome-codes.js';
import {
  PASS_LABEL,
  type CustomerSettings,
  type Directory,
  type DirectoryUser,
  type IssuedTemporaryAccessPass,
  type LinkSecret,
  type TemporaryAccessPassSettings,
  type TicketNote,
} from '../ports.js';
import type { PasswordRefusal } from './password-step.js';
import type { ResetUseCaseDeps } from './reset-deps.js';
import type { ResetProgress, StagedContext } from './reset-journal.js';
import type { TicketWriter } from './ticket-writer.js';

/**
 * The Temporary Access Pass for MFA recovery. Issued after the MFA methods are removed (removal would delete
 * it), kept in this process only, and delivered behind the same secure link as the password. The journal
 * holds the pass's method id, never the pass, so that a pass that never reached the ticket (a crash, a
 * retry, a password drawn again, a link that could not be stored) is removed and another issued: the staff
 * member ends with exactly one pass, the one delivered.
 */
export class PassStep {
  private issued: IssuedTemporaryAccessPass | undefined;
  /** The issued pass went into a link already: a new link needs a new pass. */
  private linked = false;

  constructor(
    private readonly ctx: StagedContext,
    private readonly deps: ResetUseCaseDeps,
    private readonly settings: TemporaryAccessPassSettings,
    private readonly directory: Directory,
    private readonly target: DirectoryUser,
  ) {}

  /** The customer's pass setting, when passes are on for it. */
  static settingsFor(customer: CustomerSettings): TemporaryAccessPassSettings | undefined {
    return customer.temporaryAccessPass?.enabled ? customer.temporaryAccessPass : undefined;
  }

  /**
   * Issues a pass, first removing one this ticket issued that was never delivered. `not-allowed` when the
   * tenant's TAP policy refuses one (with Graph's words); any other refusal is thrown.
   */
  async issue(): Promise<{ status: 'issued' } | { status: 'not-allowed'; detail: string }> {
    await this.withdraw();
    let pass: IssuedTemporaryAccessPass;
    try {
      pass = await this.directory.issueTemporaryAccessPass(this.target.id, {
        lifetimeMinutes: this.settings.lifetimeMinutes,
        usableOnce: this.settings.usableOnce,
      });
    } catch (err) {
      if (err instanceof DirectoryError && err.reason === 'tap-not-allowed')
        return { status: 'not-allowed', detail: err.message };
      throw err;
    }
    this.issued = pass;
    this.linked = false;
    await this.ctx.journal.save({ pass: { id: pass.id, expiresAt: pass.expiresAt } });
    this.ctx.logger.info(
      { event: 'reset.pass-issued', lifetimeMinutes: pass.lifetimeMinutes, usableOnce: pass.usableOnce },
      'Temporary Access Pass issued',
    );
    return { status: 'issued' };
  }

  /** The issued pass as a secret for the link. */
  secret(): LinkSecret {
    if (!this.issued) throw new Error('no Temporary Access Pass was issued in this run');
    return {
      kind: 'temporary-access-pass',
      label: PASS_LABEL,
      value: this.issued.temporaryAccessPass,
      expiresAt: this.issued.expiresAt,
      usableOnce: this.issued.usableOnce,
    };
  }

  /** The secrets a password's link carries besides the password: a fresh pass each time the link is made. */
  async secretsForPasswordLink(): Promise<LinkSecret[]> {
    if (!this.issued || this.linked) {
      const issued = await this.issue();
      if (issued.status !== 'issued')
        throw new DirectoryError('tap-not-allowed', `the pass could not be issued again: ${issued.detail}`);
    }
    this.linked = true;
    return [this.secret()];
  }

  /**
   * Removes the pass this ticket issued and has not delivered (in memory or in the journal), and forgets
   * it. Removing a pass already gone counts as removed.
   */
  async withdraw(): Promise<void> {
    const id = this.issued?.id ?? this.ctx.journal.progress.pass?.id;
    this.issued = undefined;
    if (!id) return;
    await this.directory.removeTemporaryAccessPass(this.target.id, id);
    await this.ctx.journal.save({ pass: undefined });
    this.ctx.logger.info({ event: 'reset.pass-removed' }, 'undelivered Temporary Access Pass removed');
  }

  /**
   * Stores the pass alone behind a secure link (no password in this reset). When the store refuses, the pass
   * is removed again and the refusal returned.
   */
  async storeAlone(customer: CustomerSettings): Promise<PasswordRefusal | undefined> {
    const { ctx, deps } = this;
    const ttlHours = customer.secureLinkTtlHours ?? deps.settings.linkTtlHours;
    const maxViews = customer.secureLinkMaxViews ?? deps.settings.linkMaxViews;
    const secret = this.secret();
    this.linked = true;
    let link;
    try {
      link = await deps.links.create([secret], {
        ttlSeconds: ttlHours * 3600,
        maxViews,
        context: { psa: ctx.psa, ticketId: ctx.ticketId, correlationId: ctx.correlationId },
      });
    } catch (err) {
      if (!(err instanceof SecureLinkStoreError)) throw err;
      ctx.logger.error(
        { event: 'reset.link-store-failed', err: { message: err.message } },
        'secure link store failed',
      );
      await this.withdraw();
      return {
        code: 'secure-link-unavailable',
        notDone: [
          'No Temporary Access Pass was sent: the secure link could not be stored, so the pass issued was removed again.',
        ],
        facts: [],
      };
    }
    const { id, expiresAt } = this.issued!;
    await ctx.journal.save({
      pass: {
        id,
        expiresAt,
        sealedToken: deps.sealer.seal(link.token),
        linkExpiresAt: link.expiresAt.toISOString(),
        maxViews,
      },
    });
    return undefined;
  }
}

/** The internal note when the tenant refused a pass and the reset went on: the outcome table's words. */
export function passUnavailableNote(writer: TicketWriter, detail: string): TicketNote {
  const marker = writer.marker('pass');
  return {
    visibility: 'internal',
    marker,
    text: [
      `No Temporary Access Pass (tap-unavailable-registration-open): ${describeOutcome('tap-unavailable-registration-open')}`,
      `Graph answered: ${detail}`,
      `Ref ${marker}`,
    ].join('\n'),
  };
}

/** True when this round's pass already sits behind a link that will be (or was) delivered. */
export function passAlreadyInLink(progress: ResetProgress, wantsPassword: boolean): boolean {
  const { pass, password } = progress;
  if (!pass) return false;
  // Its link is being or was written to the ticket (the token is dropped once it is there).
  if (progress.customerNote) return true;
  if (password?.status === 'done') return true;
  return !wantsPassword && Boolean(pass.sealedToken);
}
