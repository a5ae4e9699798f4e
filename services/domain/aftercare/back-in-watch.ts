import { DirectoryError, isTransient } from '../errors.js';
import type {
  DeliveredReset,
  DirectoryFactory,
  Logger,
  PsaAdapter,
  PsaKind,
  TicketDisposition,
  TicketNote,
} from '../ports.js';
import { outcomeEvent, outcomeEventId, loopClosedEvent, type EventSubject } from '../outcome-events.js';
import type { OutcomeEvents } from '../ports.js';
import {
  assessSignIn,
  signInBaseline,
  type SignInBaseline,
  type SignInEvidence,
} from '../sign-in-evidence.js';
import {
  backInNote,
  notBackInNote,
  watchStoppedNote,
  watchUnreadableNote,
  type WatchEnd,
} from './watch-notes.js';

/**
 * Watching a delivered reset until the staff member is back in, the way the customers' procedure ends:
 * their own password set and, when MFA was reset, a second factor registered again. Each check reads the
 * ticket first (a reply or a status change by anyone else stops the watch: a person has taken it over),
 * then what Graph can tell. Back in: an internal note of what was seen, and the ticket resolved. Past the
 * window: the engineers, with what was and was not seen. Every doubt is "not seen": only evidence resolves.
 */

/** How a watch ends, decided once and saved before anything is written, so a retry ends it the same way. */
export interface WatchEnding {
  code: WatchEnd;
  /** The internal note; none when the ticket is gone. */
  note?: TicketNote;
  move?: TicketDisposition;
}

/** A watch's state, saved in its job after each step. Nothing secret. */
export interface WatchProgress {
  reset: DeliveredReset;
  /** When the window ends (ISO 8601 UTC). */
  deadline: string;
  /** Checks made after the baseline. */
  checks: number;
  /** What was true right after the reset; read by the first run. */
  baseline?: SignInBaseline;
  /** The ticket's status once the reset was written back: any other status later is someone else's move. */
  serviceStatusId?: string;
  ending?: WatchEnding;
  endNote?: 'started' | 'done';
  moved?: boolean;
}

export interface WatchJournal {
  readonly progress: WatchProgress;
  save(patch: Partial<WatchProgress>): Promise<void>;
}

export type WatchStep = { kind: 'check-again'; at: Date } | { kind: 'ended'; code: WatchEnd };

export interface WatchSettings {
  windowHours: number;
  firstCheckMinutes: number;
  maxIntervalMinutes: number;
}

export interface BackInWatchDeps {
  psa: (kind: PsaKind) => PsaAdapter;
  directories: DirectoryFactory;
  settings: WatchSettings;
  /** Where the watch's ending is told: `loop.closed` when back in, `reset.handed-off` when it goes to the engineers. */
  events?: OutcomeEvents;
  now?: () => Date;
}

/** A new watch for a delivered reset: its window starts at the reset. */
export function newWatch(reset: DeliveredReset, settings: WatchSettings): WatchProgress {
  const deadline = new Date(Date.parse(reset.resetAt) + settings.windowHours * 3600_000);
  return { reset, deadline: deadline.toISOString(), checks: 0 };
}

/** Back in: every part that was reset is seen done by the staff member. A sign-in alone is not enough. */
export function isBackIn(reset: DeliveredReset, evidence: SignInEvidence): boolean {
  return (
    (!reset.passwordReset || evidence.passwordChanged === 'yes') &&
    (!reset.mfaRemoved || evidence.strongMethodRegistered === 'yes')
  );
}

/** When the check after `checks` checks runs: the wait doubles from the first, up to the cap, never past the deadline. */
export function nextCheckAt(now: Date, checks: number, deadline: Date, settings: WatchSettings): Date {
  const minutes = Math.min(
    settings.firstCheckMinutes * 2 ** Math.min(checks, 20),
    settings.maxIntervalMinutes,
  );
  return new Date(Math.min(now.getTime() + minutes * 60_000, deadline.getTime()));
}

export class BackInWatch {
  constructor(private readonly deps: BackInWatchDeps) {}

  /** One run of a watch: look (unless the ending is decided), then end it or say when to look again. */
  async check(journal: WatchJournal, logger: Logger): Promise<WatchStep> {
    if (!journal.progress.ending) {
      const looked = await this.look(journal);
      if ('at' in looked) {
        logger.debug({ event: 'watch.check', checks: journal.progress.checks }, 'not back in yet');
        return { kind: 'check-again', at: looked.at };
      }
      await journal.save({ ending: looked });
    }
    return this.finish(journal, logger);
  }

  private async look(journal: WatchJournal): Promise<WatchEnding | { at: Date }> {
    const { reset, serviceStatusId, baseline } = journal.progress;
    const now = this.deps.now?.() ?? new Date();
    const activity = await this.deps
      .psa(reset.psa)
      .activitySince(reset.ticketId, new Date(reset.resetAt), serviceStatusId);
    if (!activity.ticketFound) return { code: 'watch-stopped' };
    if (activity.replied || activity.statusChanged) {
      return { code: 'watch-stopped', note: watchStoppedNote(reset, activity) };
    }
    const status = serviceStatusId === undefined ? { serviceStatusId: activity.currentStatusId } : {};

    let state;
    try {
      state = await this.deps.directories.forTenant(reset.tenantId).readSignInState(reset.target.id);
    } catch (err) {
      if (isTransient(err) || !(err instanceof DirectoryError)) throw err;
      return { code: 'watch-unreadable', note: watchUnreadableNote(reset, err.message), move: 'engineers' };
    }
    const deadline = new Date(journal.progress.deadline);
    if (!baseline) {
      await journal.save({ ...status, baseline: signInBaseline(state, new Date(reset.resetAt)) });
      return { at: nextCheckAt(now, 0, deadline, this.deps.settings) };
    }
    const evidence = assessSignIn(state, baseline);
    if (isBackIn(reset, evidence)) {
      return { code: 'back-in', note: backInNote(reset, evidence, state), move: 'resolved' };
    }
    if (now.getTime() >= deadline.getTime()) {
      const note = notBackInNote(reset, evidence, state, this.deps.settings.windowHours);
      return { code: 'not-back-in', note, move: 'engineers' };
    }
    const checks = journal.progress.checks + 1;
    await journal.save({ ...status, checks });
    return { at: nextCheckAt(now, checks, deadline, this.deps.settings) };
  }

  /** Writes the ending's note once (a retry looks for its marker first) and moves the ticket once. */
  private async finish(journal: WatchJournal, logger: Logger): Promise<WatchStep> {
    const { reset, ending } = journal.progress;
    const psa = this.deps.psa(reset.psa);
    const { code, note, move } = ending!;
    if (note && journal.progress.endNote !== 'done') {
      const written =
        journal.progress.endNote === 'started' && (await psa.hasNoteWithMarker(reset.ticketId, note.marker));
      if (!written) {
        await journal.save({ endNote: 'started' });
        await psa.addNote(reset.ticketId, note);
      }
      await journal.save({ endNote: 'done' });
    }
    if (move && !journal.progress.moved) {
      const options =
        move === 'resolved' && reset.resolvedStatusId ? { resolvedStatusId: reset.resolvedStatusId } : {};
      await psa.moveTicket(reset.ticketId, move, options);
      await journal.save({ moved: true });
    }
    await this.publishEnding(reset, code, move);
    const level = code === 'back-in' || code === 'watch-stopped' ? 'info' : 'warn';
    logger[level]({ event: 'watch.ended', outcome: code, checks: journal.progress.checks }, 'watch ended');
    return { kind: 'ended', code };
  }

  /** The ending as an outcome event; its id is derived from the reset, so a retried ending repeats it. */
  private async publishEnding(
    reset: DeliveredReset,
    code: WatchEnd,
    move?: TicketDisposition,
  ): Promise<void> {
    if (!this.deps.events || (code !== 'back-in' && move !== 'engineers')) return;
    const subject: EventSubject = {
      psa: reset.psa,
      ticketId: reset.ticketId,
      customer: reset.customerName,
      tenantId: reset.tenantId,
      target: reset.target,
    };
    const distinct = `${reset.correlationId}:${reset.resetAt}`;
    const occurredAt = this.deps.now?.() ?? new Date();
    await this.deps.events.publish(
      code === 'back-in'
        ? loopClosedEvent(subject, { distinct, occurredAt, outcome: code })
        : outcomeEvent(
            'reset.handed-off',
            outcomeEventId('reset.handed-off', subject, `watch:${distinct}`),
            subject,
            {
              occurredAt,
              outcome: code,
              delivered: true,
            },
          ),
    );
  }
}
