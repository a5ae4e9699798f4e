import { newOutcomeEventId, outcomeEvent, type EventSubject } from '../outcome-events.js';
import type {
  CustomerSettings,
  DirectoryUser,
  OutcomeEvent,
  OutcomeEvents,
  OutcomeEventType,
  PsaAdapter,
  TicketDisposition,
  TicketNote,
} from '../ports.js';
import { noteMarker } from '../note-markers.js';
import { handOffNote, type HandOffFacts } from '../ticket-notes.js';
import type { ResetOutcome, ResetProgress, StagedContext } from './reset-journal.js';

/** The note kinds a run writes, each with the letter its marker carries. */
const MARKER_LETTERS = {
  delivery: 'D',
  handoff: 'H',
  confirm: 'C',
  refuse: 'R',
  ask: 'Q',
  'dry-run': 'T',
  pass: 'P',
} as const;
export type NoteKind = keyof typeof MARKER_LETTERS;

/**
 * Everything a run writes to its ticket, each at most once: a note is journaled as started before it is
 * written and as done after, and a retry that finds it started looks for its marker on the ticket before
 * writing it again (the PSA may have stored it and lost the answer). Moves are journaled the same way.
 * Outcome events go out once per fact: each event's id is journaled before it is published, so a retry
 * publishes the same id again (dropped as a repeat).
 */
export class TicketWriter {
  private customer: Pick<CustomerSettings, 'name' | 'tenantId'> | undefined;

  constructor(
    private readonly ctx: StagedContext,
    private readonly psa: PsaAdapter,
    private readonly events?: OutcomeEvents,
  ) {}

  /** The ticket's customer, once it is known: named in the events of this run. */
  knowCustomer(customer: Pick<CustomerSettings, 'name' | 'tenantId'>): void {
    this.customer = { name: customer.name, tenantId: customer.tenantId };
  }

  /**
   * Publishes an outcome event about this ticket, once per run's journal (see the class). The event queue
   * takes it or logs why not: publishing never fails the reset.
   */
  async publish(
    type: OutcomeEventType,
    facts: Pick<OutcomeEvent, 'outcome' | 'delivered'>,
    target?: Pick<DirectoryUser, 'userPrincipalName' | 'displayName'>,
  ): Promise<void> {
    if (!this.events) return;
    const { journal } = this.ctx;
    let id = journal.progress.events?.[type];
    if (!id) {
      id = newOutcomeEventId();
      await journal.save({ events: { ...journal.progress.events, [type]: id } });
    }
    const decision = journal.progress.decision;
    const subject: EventSubject = {
      psa: this.ctx.psa,
      ticketId: this.ctx.ticketId,
      customer: decision?.customerName ?? this.customer?.name,
      tenantId: decision?.tenantId ?? this.customer?.tenantId,
      target: target ?? decision?.target,
    };
    try {
      await this.events.publish(outcomeEvent(type, id, subject, facts));
    } catch (err) {
      // The port never throws; a faulty one still must not fail a reset.
      this.ctx.logger.warn({ event: 'events.publish-failed', type, err: { message: String(err) } });
    }
  }

  /**
   * A short, stable reference per ticket and note (kind, and what makes a question distinct): lets a retry
   * recognise its own earlier note.
   */
  marker(kind: NoteKind, distinct = ''): string {
    const input = `${this.ctx.psa}:${this.ctx.ticketId}:${kind === 'ask' ? `ask:${distinct}` : kind}`;
    return noteMarker(MARKER_LETTERS[kind], input);
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
    await this.publish('reset.handed-off', { outcome: facts.reason, delivered }, facts.target);
    return { code: facts.reason, handedOff: true, delivered };
  }
}
