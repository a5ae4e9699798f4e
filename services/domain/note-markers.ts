import { createHash } from 'node:crypto';

/**
 * The one shape of the reference the service puts on every note it writes: `RD-<letter>-<hex digest>`, with a
 * view number for link views (`RD-V-<digest>-<n>`), always on the note's last line. Letters, digits and dashes
 * only, so it survives any PSA's HTML rendering. Markers are made here and recognised here only.
 */
const MARKER = /\bRD-[A-Z]-[0-9A-F]{8,10}(?:-\d{1,4})?$/;

/** A marker: the kind's letter, an uppercase hex digest of `input` (`length` characters), an optional suffix. */
export function noteMarker(letter: string, input: string, length: 8 | 10 = 8, suffix?: number): string {
  const digest = createHash('sha256').update(input).digest('hex').slice(0, length).toUpperCase();
  return `RD-${letter}-${digest}${suffix === undefined ? '' : `-${suffix}`}`;
}

/**
 * True when a note's text reads as one the service wrote: its last non-blank line ends with a marker. A reply
 * that quotes a service note below new text, or adds text after it, does not; a PSA that appends a signature
 * to a service note makes it count as someone else's (a watch then stops, which changes nothing).
 * Adapters also check the author: a note by the ticket's contact is never the service's, whatever it quotes.
 */
export function looksLikeServiceNote(text: string): boolean {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const last = lines[lines.length - 1];
  return last !== undefined && MARKER.test(last);
}
