import { createHash } from 'node:crypto';
import type { PsaAdapter, TicketDisposition, TicketNote } from '../ports.js';
import { handOffNote, type HandOffFacts } from '../ticket-notes.js';
import type { ResetOutcome, ResetProgress, StagedContext } from './reset-journal.js';

/** The note kinds a run writes, each with the letter its marker carries. */
const MARKER_LETTERS = {
  delivery: 'D',
  handoff: 'H',
  confirm: 'C',
  refuse: 'R',
  ask: 'Q',
  pass: 'P',
} as const;
export type NoteKind = keyof typeof MARKER_LETTERS;

/**
 * Everything a run writes to its ticket, each at most once: a note is journaled as started before it is
 * written and as done after, and a retry that finds it started looks for its marker on the ticket before
 * writing it again (the PSA may have stored it and lost the answer). Moves are journaled the same way.
 */
export class TicketWriter {
  constructor(
    private readonly ctx: StagedContext,
    private readonly psa: PsaAdapter,
  ) {}

  /**
   * A short, stable reference per ticket and note (kind, and what makes a question distinct): lets a retry
   * recognise its own earlier note.
   */
  marker(kind: NoteKind, distinct = ''): string {
    const digest = createHash('sha256')
      .update(`${this.ctx.psa}:${this.ctx.ticketId}:${kind === 'ask' ? `ask:${distinct}` : kind}`)
      .digest('hex')
      .slice(0, 8)
      .toUpperCase();
    return `RD-${MARKER_LETTERS[kind]}-${digest}`;
  }

  /** Adds the note at most once across retries; `alsoWhenDone` is saved with the "done" step. */
  async addNoteOnce(
    note: TicketNote,
    step: 'customerNote' | 'handOffNote' | 'passNote',
    alsoWhenDone?: () => Partial<ResetProgress> | undefined,
  ): Promise<void> {
    const { journal } = this.ctx;
    const state = journal.progress[step];
    if (state === 'done') return;
    if (state === 'started' && (await this.psa.hasNoteWithMarker(this.ctx.ticketId, note.marker))) {
      await journal.save({ ...alsoWhenDone?.(), [step]: 'done' });
      return;
    }
    await journal.save({ [step]: 'started' });
    await this.psa.addNote(this.ctx.ticketId, note);
    await journal.save({ ...alsoWhenDone?.(), [step]: 'done' });
  }

  /** Asks the requester on the ticket, once however often the ticket comes back, and waits for them. */
  async askOnce(note: TicketNote): Promise<void> {
    if (await this.psa.hasNoteWithMarker(this.ctx.ticketId, note.marker)) return;
    await this.askAgain(note);
  }

  /** Asks the requester (a new question each time: a new confirmation link) and waits for them. */
  async askAgain(note: TicketNote): Promise<void> {
    await this.psa.addNote(this.ctx.ticketId, note);
    await this.psa.moveTicket(this.ctx.ticketId, 'awaiting-confirmation');
  }

  /** Moves the ticket once per run's journal. */
  async moveOnce(disposition: TicketDisposition): Promise<void> {
    if (this.ctx.journal.progress.moved) return;
    await this.psa.moveTicket(this.ctx.ticketId, disposition);
    await this.ctx.journal.save({ moved: true });
  }

  /** Writes the hand-off note and moves the ticket to the engineers. */
  async handOff(facts: Omit<HandOffFacts, 'marker'>, delivered = false): Promise<ResetOutcome> {
    await this.addNoteOnce(handOffNote({ ...facts, marker: this.marker('handoff') }), 'handOffNote');
    await this.ctx.journal.flush();
    await this.moveOnce('engineers');
    this.ctx.logger.warn(
      { event: 'reset.handed-off', outcome: facts.reason },
      'ticket handed to the engineers',
    );
    return { code: facts.reason, handedOff: true, delivered };
  }
}
