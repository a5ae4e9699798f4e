/**
 * Plain-text helpers for what the PSA adapters read back. HaloPSA keeps a ticket's details (and email bodies) as
 * HTML, ConnectWise and Autotask keep plain text; the domain wants tidy plain text of bounded length it can parse.
 * Nothing here interprets the text or follows a link.
 */

/** The most characters of free text handed to the domain (8 KB of ASCII); longer text is cut, not refused. */
export const MAX_DETAILS_CHARS = 8192;

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '\u2013',
  mdash: '\u2014',
  hellip: '\u2026',
  lsquo: '\u2018',
  rsquo: '\u2019',
  ldquo: '\u201c',
  rdquo: '\u201d',
  copy: '\u00a9',
  reg: '\u00ae',
  trade: '\u2122',
  euro: '\u20ac',
  pound: '\u00a3',
};

/** Decodes character references in one pass, so `&amp;lt;` becomes the text `&lt;`, never `<`. */
function decodeEntities(text: string): string {
  return text.replace(
    /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});/g,
    (whole, ref: string) => {
      if (ref.startsWith('#')) {
        const hex = ref[1] === 'x' || ref[1] === 'X';
        const code = Number.parseInt(ref.slice(hex ? 2 : 1), hex ? 16 : 10);
        // Control characters, surrogates and out-of-range values are not text: keep the reference as written.
        const usable =
          Number.isInteger(code) &&
          code <= 0x10ffff &&
          !(code >= 0xd800 && code <= 0xdfff) &&
          (code >= 0x20 || code === 0x09 || code === 0x0a) &&
          !(code >= 0x7f && code <= 0x9f);
        return usable ? String.fromCodePoint(code) : whole;
      }
      return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
    },
  );
}

/**
 * Turns an HTML fragment into plain text: comments and the content of `script`, `style`, `head` and `title` go;
 * `<br>` and the end of block elements become line breaks, list items start with "- "; every other tag is dropped;
 * character references are decoded once; runs of spaces collapse, lines are trimmed and at most one blank line is
 * kept. Text without markup comes back with only its whitespace tidied. The result is never rendered anywhere by
 * resetdesk, so no attempt is made to keep it HTML-safe.
 */
export function htmlToPlainText(html: string): string {
  const text = html
    .replace(/\r\n?/g, '\n')
    .replace(/<!--[\s\S]*?(?:-->|$)/g, '')
    .replace(/<(script|style|head|title)\b[^>]*>[\s\S]*?(?:<\/\1\s*>|$)/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<\/(p|div|tr|h[1-6]|blockquote|pre|table|ul|ol|section|article|header|footer)\s*>/gi, '\n')
    .replace(/<(p|div|tr|h[1-6]|blockquote|pre|table|ul|ol)\b[^>]*>/gi, '\n')
    .replace(/<\/?[a-zA-Z][^>]*>/g, '');
  return tidyText(decodeEntities(text));
}

/** Collapses spaces, trims every line, keeps at most one blank line and drops control characters. */
export function tidyText(text: string): string {
  return (
    text
      .replace(/\r\n?/g, '\n')
      // eslint-disable-next-line no-control-regex -- dropping control characters is the point
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
      .replace(/[\t \u00a0]+/g, ' ')
      .split('\n')
      .map((line) => line.trim())
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}

/** Cuts text to `max` characters without splitting a surrogate pair; undefined for empty text. */
export function capText(text: string, max = MAX_DETAILS_CHARS): string | undefined {
  let out = text.length > max ? text.slice(0, max) : text;
  const last = out.charCodeAt(out.length - 1);
  if (out.length < text.length && last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1);
  out = out.trim();
  return out === '' ? undefined : out;
}

/**
 * Plain text as the domain gets it: whitespace tidied ({@link tidyText}), then capped ({@link capText});
 * undefined when nothing is left.
 */
export function detailsText(text: string, max = MAX_DETAILS_CHARS): string | undefined {
  return capText(tidyText(text), max);
}

/** The string trimmed, or undefined when the value is not a string or only whitespace. */
export function nonEmpty(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * A form field's answer as text: the first of `values` that is a non-blank string (trimmed) or a finite number
 * (in decimal); undefined when none is.
 */
export function fieldText(...values: unknown[]): string | undefined {
  for (const v of values) {
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return undefined;
}
