import { nextStepFor } from '../outcome-codes.js';
import type { DirectoryUser } from '../ports.js';
import { dryRunNote, type DryRunConclusion, type RequestSummary } from '../ticket-notes.js';
import type { ResetOutcome, StagedContext } from './reset-journal.js';
import type { TicketWriter } from './ticket-writer.js';

/**
 * Ends a dry run: the one internal note saying what would have been done and why, and the ticket moved to
 * the engineers, who work it by hand. Nothing else: no Graph write, no link, no customer-visible note, no
 * question to the requester or the manager.
 */
export async function concludeDryRun(
  ctx: StagedContext,
  writer: TicketWriter,
  conclusion: DryRunConclusion,
  details: { request: RequestSummary; target?: DirectoryUser; facts: string[] },
): Promise<ResetOutcome> {
  await writer.addNoteOnce(
    dryRunNote({
      ...details,
      conclusion,
      nextStep: nextStepFor('dry-run'),
      marker: writer.marker('dry-run'),
    }),
    'handOffNote',
  );
  await ctx.journal.flush();
  await writer.moveOnce('engineers');
  ctx.logger.info(
    {
      event: 'reset.dry-run',
      outcome: 'dry-run',
      would: conclusion.would,
      wouldBe: conclusion.would === 'reset' ? 'reset' : conclusion.code,
    },
    `dry run: would ${conclusion.would === 'reset' ? 'reset' : conclusion.would === 'ask' ? 'ask the requester' : 'hand off'}; nothing changed`,
  );
  return { code: 'dry-run', handedOff: true, delivered: false };
}
