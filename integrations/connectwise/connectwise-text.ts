/** Plain-text helpers for what the ConnectWise adapter reads back (note text, recorded addresses). */

/** The most characters of free text handed to the domain (8 KB of ASCII); longer text is cut, not refused. */
export const MAX_DETAILS_CHARS = 8192;

/** Collapses spaces, trims every line, keeps at most one blank line, drops control characters, caps the length. */
export function detailsText(text: string, max = MAX_DETAILS_CHARS): string | undefined {
  const tidy = text
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex -- dropping control characters is the point
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/[\t \u00a0]+/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  let out = tidy.length > max ? tidy.slice(0, max) : tidy;
  const last = out.charCodeAt(out.length - 1);
  if (out.length < tidy.length && last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1);
  out = out.trim();
  return out === '' ? undefined : out;
}

/**
 * An email address as ConnectWise recorded it in an address field (`addr@example.com` or `Name <addr@…>`),
 * lower-cased; undefined for anything else, so an address that cannot be read with certainty counts as absent.
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
