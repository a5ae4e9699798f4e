/**
 * An email address as a PSA recorded it in an address field: `addr@example.com` or `Name <addr@example.com>`,
 * lower-cased. Anything else (several addresses, no `@`, spaces inside) is undefined: an address that cannot be
 * read with certainty is treated as absent.
 */
export function recordedAddress(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const trimmed = raw.trim();
  if (trimmed === '') return undefined;
  const angle = /^(?:"[^"]*"\s*|[^"<>,;]*)<([^<>\s]+)>$/.exec(trimmed);
  const candidate = angle?.[1] ?? trimmed;
  if (!/^[^\s@<>,;"()[\]]+@[^\s@<>,;"()[\]]+\.[^\s@<>,;"()[\]]+$/.test(candidate)) return undefined;
  return candidate.toLowerCase();
}
