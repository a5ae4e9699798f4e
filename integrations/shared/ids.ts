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
