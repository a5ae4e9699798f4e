import { PsaError } from '../../services/domain/errors.js';

/**
 * Reading record ids (tickets, contacts, picklist values) that PSAs send as numbers or numeric strings. All three
 * PSAs number records with positive integers; anything else (zero, negatives, fractions, huge or padded-out
 * values) names no record.
 */

/**
 * A positive safe integer from a number, or from a string of 1 to 15 digits with optional surrounding space
 * (webhook bodies and picklist values sometimes carry ids as strings); undefined otherwise.
 */
export function positiveInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  if (typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value)) {
    const n = Number(value.trim());
    return n > 0 ? n : undefined;
  }
  return undefined;
}

/**
 * {@link positiveInteger} as a canonical decimal string (leading zeros and space removed), the form ids are
 * handed around in as job keys and dedupe keys.
 */
export function positiveIntegerText(value: unknown): string | undefined {
  const n = positiveInteger(value);
  return n === undefined ? undefined : String(n);
}

/**
 * A ticket id as the domain passes it (a string): 1 to 15 digits after trimming, and not zero. Stricter than
 * {@link positiveInteger}, since it comes from our own queue rather than from a PSA's loosely typed JSON.
 */
export function parseTicketId(ticketId: string): number | undefined {
  const trimmed = ticketId.trim();
  if (!/^\d{1,15}$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return n > 0 ? n : undefined;
}

/**
 * {@link parseTicketId}, or a `PsaError` saying the value is not `whatId` (e.g. "an Autotask ticket id"): a
 * caller bug, not something to ask the PSA about.
 */
export function requireTicketId(ticketId: string, whatId: string): number {
  const id = parseTicketId(ticketId);
  if (id === undefined) throw new PsaError(`"${ticketId.slice(0, 40)}" is not ${whatId}`);
  return id;
}

/**
 * Checks configured ids at start: each value must be a positive safe integer (left unset, where `optional`),
 * else a `PsaError` with `problem(name)`, so a bad id stops the service instead of failing the first ticket.
 */
export function checkPositiveIds(
  entries: ReadonlyArray<readonly [name: string, value: number | undefined]>,
  problem: (name: string) => string,
  optional = false,
): void {
  for (const [name, value] of entries) {
    if (optional && value === undefined) continue;
    if (!Number.isSafeInteger(value) || (value as number) <= 0) throw new PsaError(problem(name));
  }
}
