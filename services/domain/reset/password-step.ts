import { DirectoryError, isTransient, SecureLinkStoreError } from '../errors.js';
import type { OutcomeCode } from '../outcome-codes.js';
import {
  PASSWORD_LABEL,
  type CustomerSettings,
  type Directory,
  type DirectoryUser,
  type LinkSecret,
} from '../ports.js';
import { generateTemporaryPassword } from '../temporary-password.js';
import type { ResetUseCaseDeps } from './reset-deps.js';
import type { StagedContext } from './reset-journal.js';

/** How far this host's clock and Microsoft's may disagree when comparing a change time with our own. */
const CLOCK_SKEW_MS = 2 * 60_000;

/** A temporary password behind its stored secure link, not yet set in the tenant. */
export interface PreparedPassword {
  password: string;
  token: string;
  sealedToken: string;
  expiresAt: Date;
  maxViews: number;
}

/** Why the password part stopped without a reset. */
export interface PasswordRefusal {
  code: OutcomeCode;
  notDone: string[];
  facts: string[];
}

/**
 * What else a password's link carries (a Temporary Access Pass): fresh secrets each time a link is made, and
 * how to take them back when the link is not delivered.
 */
export interface LinkCompanion {
  secrets(): Promise<LinkSecret[]>;
  withdraw(): Promise<void>;
}

/**
 * The temporary password: drawn here, kept in this process only, stored behind its secure link before it
 * is set in the tenant (so a store that cannot take it changes nothing), and set with a change forced at
 * the next sign-in. The staff member ends with exactly one temporary password, the one delivered.
 */
export class PasswordStep {
  constructor(
    private readonly ctx: StagedContext,
    private readonly deps: ResetUseCaseDeps,
    private readonly customer: CustomerSettings,
    private readonly companion?: LinkCompanion,
  ) {}

  /**
   * Draws a temporary password and stores it behind a new secure link, recording the sealed link in the
   * journal (`started`: the tenant may or may not have the password yet). An earlier link whose password was
   * never confirmed set (a crash, a retry) is destroyed first.
   */
  async storeLink(
    target: Pick<DirectoryUser, 'userPrincipalName'>,
  ): Promise<PreparedPassword | PasswordRefusal> {
    const { ctx, deps, customer } = this;
    const earlier = ctx.journal.progress.password?.sealedToken;
    if (earlier) await deps.links.destroy(deps.sealer.open(earlier));
    const ttlHours = customer.secureLinkTtlHours ?? deps.settings.linkTtlHours;
    const maxViews = customer.secureLinkMaxViews ?? deps.settings.linkMaxViews;
    // Held in this scope and the caller's only: it goes to the encrypted store and to the tenant, nowhere else.
    const password = (deps.newPassword ?? generateTemporaryPassword)(
      deps.customers.passwordFormatFor(customer),
    );
    const extra = (await this.companion?.secrets()) ?? [];
    const secrets: LinkSecret[] = [{ kind: 'password', label: PASSWORD_LABEL, value: password }, ...extra];
    let link;
    try {
      link = await deps.links.create(secrets, {
        ttlSeconds: ttlHours * 3600,
        maxViews,
        context: { psa: ctx.psa, ticketId: ctx.ticketId, correlationId: ctx.correlationId },
        target: target.userPrincipalName,
      });
    } catch (err) {
      if (!(err instanceof SecureLinkStoreError)) throw err;
      ctx.logger.error(
        { event: 'reset.link-store-failed', err: { message: err.message } },
        'secure link store failed',
      );
      await this.companion?.withdraw();
      return {
        code: 'secure-link-unavailable',
        notDone: [
          ctx.journal.progress.mfa
            ? 'No password was set or sent, because the secure link could not be stored.'
            : 'Nothing was changed in the tenant, because the secure link could not be stored.',
          ...(extra.length > 0
            ? ['No Temporary Access Pass was sent: the pass issued was removed again.']
            : []),
        ],
        facts: [],
      };
    }
    const sealedToken = deps.sealer.seal(link.token);
    await ctx.journal.save({
      password: {
        status: 'started',
        sealedToken,
        expiresAt: link.expiresAt.toISOString(),
        maxViews,
        startedAt: new Date().toISOString(),
      },
    });
    return { password, token: link.token, sealedToken, expiresAt: link.expiresAt, maxViews };
  }

  /**
   * An earlier run stored a link and may have set its password before its record of that was lost (a Redis
   * failover, a worker that stopped). When the tenant shows a forced change made since that run began, the
   * password behind the stored link is the one the tenant has: it is recorded as set, and not set again.
   * Anything less certain (no forced change pending, an older change, a record from before `startedAt`
   * existed, a read Graph refused) answers false, and the caller draws again, which destroys that link with
   * its password. A read that failed otherwise (transient, paced) is thrown: the run ends, the step stays
   * started, and the next run asks again. The tenant is read only once the earlier run's password change, if
   * it was on its way when that run lost the ticket, has landed or timed out (`earlierWriteSettleMs`): read
   * sooner, it could show no change, and the password drawn next would be set a second time.
   */
  async confirmEarlierSet(directory: Directory, target: DirectoryUser): Promise<boolean> {
    const earlier = this.ctx.journal.progress.password;
    if (earlier?.status !== 'started' || !earlier.startedAt || !earlier.sealedToken) return false;
    const settleMs = this.deps.settings.earlierWriteSettleMs;
    if (settleMs > 0) {
      this.ctx.logger.info(
        { event: 'reset.password-settling', waitMs: settleMs },
        'an earlier run started the password; waiting for its change to land before reading the tenant',
      );
      await new Promise((resolve) => setTimeout(resolve, settleMs));
    }
    let state;
    try {
      state = await directory.readSignInState(target.id);
    } catch (err) {
      // A read that may work later (Graph slow or down, this run paced or fenced) stops the run: the step
      // stays started and the next run reads again. Drawing now could set a second password.
      if (!(err instanceof DirectoryError)) throw err;
      // Graph's definite refusal: drawing again is safe; only the second reset this read would spare is lost.
      this.ctx.logger.warn(
        { event: 'reset.password-state-unread', err: { message: (err as Error).message } },
        'could not read whether the stored password was set; drawing another',
      );
      return false;
    }
    const changedAt = Date.parse(state.password.lastChangedAt ?? '');
    const startedAt = Date.parse(earlier.startedAt);
    if (state.password.forceChange !== 'pending' || !(changedAt >= startedAt - CLOCK_SKEW_MS)) return false;
    await this.ctx.journal.save({ password: { ...earlier, status: 'done' } });
    this.ctx.logger.info(
      { event: 'reset.password-found-set' },
      'the tenant already has the password of the stored link; not setting it again',
    );
    return true;
  }

  /**
   * Sets the prepared password in the tenant (changed at next sign-in). When the tenant refuses it for
   * complexity, the link is destroyed and another password drawn, up to `passwordDraws`. A transient failure
   * is thrown with the step left started (Graph may have applied it; the next run asks the tenant). Any other
   * failure (a refusal, a throttled call, a call never sent) destroys the link and is thrown.
   */
  async set(
    directory: Directory,
    target: DirectoryUser,
    first: PreparedPassword,
  ): Promise<PasswordRefusal | undefined> {
    const { ctx, deps } = this;
    const draws = deps.settings.passwordDraws ?? 3;
    let prepared: PreparedPassword | PasswordRefusal = first;
    for (let draw = 1; draw <= draws; draw++) {
      if ('code' in prepared) return prepared;
      const { password, token, sealedToken, expiresAt, maxViews } = prepared;
      try {
        await directory.resetPassword(target.id, password);
      } catch (err) {
        if (isTransient(err) && !err.unprocessed) {
          // Graph may have applied the change before its answer was lost (a timeout, a dropped connection, a
          // gateway's 500/502/504): the step stays started with its link (and any pass in it), and the next
          // run asks the tenant first (`confirmEarlierSet`) instead of setting a second password.
          ctx.logger.warn(
            { event: 'reset.password-uncertain', err: { message: err.message } },
            'the password change may have been applied; the next run checks the tenant first',
          );
          throw err;
        }
        await deps.links.destroy(token).catch(() => undefined);
        await ctx.journal.save({ password: undefined });
        if (!(err instanceof DirectoryError && err.reason === 'password-rejected')) {
          // The pass went with the link: take it back (a retry that cannot reach Graph now finds its id).
          await this.companion?.withdraw().catch(() => undefined);
          throw err;
        }
        ctx.logger.warn(
          { event: 'reset.password-rejected', draw },
          'tenant rejected the temporary password; drawing another',
        );
        if (draw < draws) prepared = await this.storeLink(target);
        continue;
      }
      // The password is set: a journal that cannot record it throws, and leaves the link in place (a retry
      // that finds the step "started" draws again and destroys this link with its password).
      await ctx.journal.save({
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
}
