import { escapeHtml } from '../../services/domain/html-escape.js';

/**
 * Halo notes are HTML (`note_html`): the adapter writes plain text, escaped, with its links made clickable.
 */

const URL_PATTERN = /https:\/\/[^\s<>"']+/g;

function linkify(line: string): string {
  let out = '';
  let last = 0;
  for (const match of line.matchAll(URL_PATTERN)) {
    // Sentence punctuation after a URL belongs to the sentence, not the link.
    const url = match[0].replace(/[.,;:!?)\]]+$/, '');
    const start = match.index;
    out += escapeHtml(line.slice(last, start));
    const href = escapeHtml(url);
    out += `<a href="${href}">${href}</a>`;
    last = start + url.length;
  }
  return out + escapeHtml(line.slice(last));
}

/**
 * Renders a plain-text note as Halo `note_html`: blank lines separate paragraphs (`<p>`), single newlines become
 * `<br>`, every character is HTML-escaped, and `https://` URLs become links. Nothing in the text is interpreted.
 */
export function renderNoteHtml(text: string): string {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n+/)
    .map((p) => p.replace(/^\n+|\n+$/g, ''))
    .filter((p) => p.trim() !== '');
  if (paragraphs.length === 0) return '<p></p>';
  return paragraphs.map((p) => `<p>${p.split('\n').map(linkify).join('<br>')}</p>`).join('');
}
