/**
 * Turns an email into what the writer said now: the subject without its prefixes, the writer's own new
 * lines, and a forwarded message (its sender and text) kept apart. Quoted replies, signatures, mobile
 * footers and disclaimers are dropped. HTML bodies are read as text. Pure; input sizes are bounded.
 */
import { compile } from 'html-to-text';

/** Raw input read per field; anything longer is cut before any work is done. */
export const MAX_RAW_CHARS = 100_000;
/** Text analysed after the HTML is read. */
export const MAX_TEXT_CHARS = 20_000;
const MAX_LINE_CHARS = 2_000;
const MAX_SUBJECT_CHARS = 1_000;

export interface ForwardedMessage {
  fromName?: string;
  fromAddress?: string;
  lines: string[];
}

export interface SubjectReading {
  /** The subject without "RE:", "FW:", "[External]", "Automatic reply:", … */
  text: string;
  reply: boolean;
  forward: boolean;
  /** The prefix that marks an automatic reply, when there is one. */
  autoReply?: string;
  /** The prefix that marks a read receipt or a delivery report, when there is one. */
  receipt?: string;
}

export interface CleanedMessage {
  subject: SubjectReading;
  /** The writer's own new text, one entry per line. */
  own: string[];
  forwarded?: ForwardedMessage;
  /** Earlier messages quoted below a reply: read only to learn what "the same" refers to. */
  quoted: string[];
  evidence: string[];
}

/** A line that stands for an HTML quote (blockquote, Gmail's quote block). */
const QUOTE_MARK = '\u2063quoted\u2063';

const htmlToText = compile({
  wordwrap: false,
  preserveNewlines: false,
  decodeEntities: true,
  limits: { maxInputLength: MAX_RAW_CHARS + 1, maxDepth: 60, maxChildNodes: 5_000, ellipsis: '' },
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'head', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'title', format: 'skip' },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
    { selector: 'blockquote', format: 'quoteMark' },
    { selector: 'div.gmail_quote', format: 'quoteMark' },
    { selector: 'div.yahoo_quoted', format: 'quoteMark' },
  ],
  formatters: {
    // The quote's text is kept after a marker line: a forwarded message is read, a reply is dropped.
    quoteMark(elem, walk, builder) {
      builder.openBlock({ leadingLineBreaks: 1 });
      builder.addLiteral(QUOTE_MARK);
      builder.closeBlock({ trailingLineBreaks: 1 });
      walk(elem.children, builder);
    },
  },
});

const HTML_HINT = /<(?:html|body|div|p|br|span|table|td|blockquote|a|font|b|strong|meta|o:p)\b[^>]{0,500}>/i;

const SUBJECT_PREFIXES: ReadonlyArray<[RegExp, 'reply' | 'forward' | 'auto' | 'receipt' | 'tag']> = [
  [/^(?:re|aw|sv|antw|antwort|ref|rif|vs|odp)\s*(?:\[\d+\])?\s*:/i, 'reply'],
  [/^(?:fw|fwd|wg|tr|vb|enc|rv|doorst)\s*(?:\[\d+\])?\s*:/i, 'forward'],
  [
    /^(?:automatic reply|auto(?:matic)?[- ]?(?:reply|response|antwort)|autoreply|out of (?:the )?office(?: reply)?|ooo|abwesenheitsnotiz|réponse automatique|respuesta automática)\b\s*:?/i,
    'auto',
  ],
  [
    /^(?:read|not read|delivered|undeliverable|undelivered|non remis|unzustellbar|gelesen|delivery (?:status notification|has failed|failure)(?: \(failure\))?|mail delivery (?:failed|failure|subsystem)|returned mail|message not delivered|delivery delayed)\b\s*:?/i,
    'receipt',
  ],
  [/^(?:\[[^\]]{0,60}\]|\((?:external|ext|ticket[^)]{0,30}|#\d+)\))/i, 'tag'],
];

function decodeSubjectEntities(s: string): string {
  return s.replace(/&(?:amp|nbsp|quot|apos|#39|lt|gt);/gi, (e) => {
    const m: Record<string, string> = {
      '&amp;': '&',
      '&nbsp;': ' ',
      '&quot;': '"',
      '&apos;': "'",
      '&#39;': "'",
      '&lt;': '<',
      '&gt;': '>',
    };
    return m[e.toLowerCase()] ?? e;
  });
}

export function readSubject(subject: string): SubjectReading {
  let text = decodeSubjectEntities(subject.slice(0, MAX_SUBJECT_CHARS)).replace(/\s+/g, ' ').trim();
  const out: SubjectReading = { text: '', reply: false, forward: false };
  for (let i = 0; i < 8; i++) {
    const hit = SUBJECT_PREFIXES.find(([pattern]) => pattern.test(text));
    if (!hit) break;
    const [pattern, kind] = hit;
    const m = pattern.exec(text);
    const prefix = m?.[0].trim() ?? '';
    if (kind === 'reply') out.reply = true;
    if (kind === 'forward') out.forward = true;
    // "RE: Automatic reply: …" is the writer answering an automatic reply: their own words.
    if (kind === 'auto' && !out.reply && !out.forward) out.autoReply ??= prefix;
    if (kind === 'receipt' && !out.reply && !out.forward) out.receipt ??= prefix;
    text = text.slice(m?.[0].length ?? 0).replace(/^[\s:\-–]+/, '');
  }
  out.text = text;
  return out;
}

/** Lines that start a quoted or forwarded message. */
const FORWARD_MARK =
  /^(?:-{2,}\s*(?:forwarded message|weitergeleitete nachricht|message transféré)\s*-{2,}|begin forwarded message:?|forwarded message:?)$/i;
const ORIGINAL_MARK =
  /^(?:-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine)\s*-{2,}|_{10,})$/i;
const HEADER_FROM = /^\*?(?:from|von|de|van|da)\s*:\*?\s*(.*)$/i;
const HEADER_OTHER =
  /^\*?(?:sent|date|to|cc|subject|importance|gesendet|an|betreff|envoyé|à|objet|datum)\s*:\*?/i;
const WROTE_INSIDE = /\b(?:schrieb|skrev|napisał|napisal|escribió|écrit)\b/i;
const WROTE =
  /(?:\bwrote|\bschrieb|\ba écrit|\bescribió|\bha scritto|\bescreveu|\bschreef|\bskrev|napisał|\bnapisal|\bkirjoitti|написал(?:а)?)\s*:?\s*$/i;

type Boundary = { at: number; kind: 'forward' | 'quote' | 'header' | 'wrote' | 'angle' };

function findBoundary(lines: readonly string[]): Boundary | undefined {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === QUOTE_MARK) return { at: i, kind: 'quote' };
    if (FORWARD_MARK.test(line)) return { at: i, kind: 'forward' };
    if (ORIGINAL_MARK.test(line)) return { at: i, kind: 'quote' };
    if (HEADER_FROM.test(line) && lines.slice(i + 1, i + 6).some((l) => HEADER_OTHER.test(l)))
      return { at: i, kind: 'header' };
    const next = lines[i + 1] ?? '';
    if (
      /^(?:on|le|am|el|il|em|op|den|w dniu|dnia|pe)\s/i.test(line) &&
      (WROTE.test(line) ||
        (WROTE.test(next) && line.length < 300) ||
        // "Am … schrieb Kate <kate@…>:", "Den … skrev Kate <…>:": the writer's name after the word.
        (WROTE_INSIDE.test(line) && /:\s*$/.test(line) && line.length < 300))
    )
      return { at: i, kind: 'wrote' };
    if (line.startsWith('>')) return { at: i, kind: 'angle' };
  }
  return undefined;
}

function parseFrom(value: string): { fromName?: string; fromAddress?: string } {
  const address = /<?\[?(?:mailto:)?([A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9.-]{1,253})\]?>?/.exec(value);
  const name = value
    .replace(/<[^>]*>|\[mailto:[^\]]*\]|\S+@\S+/g, ' ')
    .replace(/["*]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return {
    ...(name ? { fromName: name.slice(0, 120) } : {}),
    ...(address?.[1] ? { fromAddress: address[1].toLowerCase() } : {}),
  };
}

/** The forwarded message after a boundary: its sender from the header, and its own text. */
function readForwarded(lines: readonly string[]): ForwardedMessage {
  let i = 0;
  let from: { fromName?: string; fromAddress?: string } = {};
  // Skip marker lines, then read the header block.
  while (i < lines.length && i < 4 && !HEADER_FROM.test(lines[i] ?? '')) i++;
  let inHeader = false;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const f = HEADER_FROM.exec(line);
    if (f && !inHeader) {
      from = parseFrom(`${f[1] ?? ''} ${/^<.*>$|^\[mailto:/.test(lines[i + 1] ?? '') ? lines[i + 1] : ''}`);
      inHeader = true;
      continue;
    }
    if (inHeader && (HEADER_OTHER.test(line) || /^<.*>$|^\[mailto:/.test(line) || line === QUOTE_MARK))
      continue;
    if (inHeader && !line) continue;
    break;
  }
  const rest = lines.slice(i).map((l) => l.replace(/^>\s?/, ''));
  const next = findBoundary(rest);
  const body = next ? rest.slice(0, next.at) : rest;
  return { ...from, lines: cutSignature(body).lines };
}

const SIGN_OFF =
  /^(?:thanks|thank you|thank you (?:so|very) much|many thanks|thanks again|thanks a lot|thanks so much|thx|tks|ty|regards|kind regards|best regards|warm regards|warmest regards|best wishes|all the best|best|cheers|sincerely|yours sincerely|yours faithfully|yours|br|kr|ta|rgds|regs|thanks and regards|thanks & regards|many thanks and regards|with thanks|with regards|respectfully|greetings|mit freundlichen grüßen|cordialement|saludos|pozdrawiam)(?:\s+in advance)?[\s,.!-]*$/i;
const MOBILE_FOOTER =
  /^(?:sent from (?:my|outlook|mail|yahoo|samsung|the)\b|get outlook for|sent via\b|sent using\b|envoyé de mon|von meinem .* gesendet|enviado desde)/i;
const DISCLAIMER =
  /^(?:disclaimer|confidential(?:ity)?(?: notice)?\b|this (?:e-?mail|message)(?: and any| is| may| contains| transmission| including)|the information (?:contained|in this)|please consider the environment|registered (?:office|in england)|company registration)/i;

/** Cuts a sign-off ("Thanks,"), a signature ("-- "), mobile footers and disclaimers, and all that follows. */
function cutSignature(lines: readonly string[]): { lines: string[]; cut?: string } {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^(?:-- ?|-{2,4}|_{2,4})$/.test(line)) return { lines: out, cut: 'a signature ("-- ")' };
    if (MOBILE_FOOTER.test(line)) return { lines: out, cut: 'a mobile footer' };
    if (DISCLAIMER.test(line)) return { lines: out, cut: 'a disclaimer' };
    if (SIGN_OFF.test(line) && out.some((l) => l.trim()))
      return { lines: out, cut: 'the sign-off and signature' };
    out.push(line);
  }
  return { lines: out };
}

function normaliseText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u00a0\u2007\u202f\t]/g, ' ')
    .replace(/[\u200b-\u200d\ufeff\u00ad]/g, '')
    .slice(0, MAX_TEXT_CHARS);
}

export function cleanMessage(subject: string, body: string): CleanedMessage {
  const evidence: string[] = [];
  const subjectReading = readSubject(subject);
  let text = body.slice(0, MAX_RAW_CHARS);
  if (HTML_HINT.test(text)) {
    text = htmlToText(text);
    evidence.push('read the HTML body as text');
  }
  const lines = normaliseText(text)
    .split('\n')
    .map((l) => l.slice(0, MAX_LINE_CHARS).trim());

  const boundary = findBoundary(lines);
  const ownLines = boundary ? lines.slice(0, boundary.at) : lines;
  let forwarded: ForwardedMessage | undefined;
  let quoted: string[] = [];
  if (boundary) {
    const after = lines.slice(boundary.at);
    const nextLines = after.slice(0, 3).join('\n');
    const isForward =
      boundary.kind === 'forward' ||
      (boundary.kind !== 'wrote' && boundary.kind !== 'angle' && FORWARD_MARK.test(after[1] ?? '')) ||
      (subjectReading.forward &&
        boundary.kind !== 'wrote' &&
        boundary.kind !== 'angle' &&
        !/\bwrote:?/i.test(nextLines));
    if (isForward) {
      forwarded = readForwarded(after);
      evidence.push(
        `read a forwarded message${forwarded.fromAddress || forwarded.fromName ? ' and its sender' : ''} apart from the writer's own words`,
      );
    } else {
      quoted = after.filter((l) => l !== QUOTE_MARK).map((l) => l.replace(/^>+\s?/, ''));
      evidence.push('ignored the quoted earlier messages');
    }
  }
  const signed = cutSignature(ownLines);
  if (signed.cut && signed.lines.length < ownLines.filter((l) => l).length)
    evidence.push(`ignored ${signed.cut}`);
  return {
    subject: subjectReading,
    own: signed.lines.filter((l) => l.trim()),
    ...(forwarded ? { forwarded } : {}),
    quoted: quoted.slice(0, 200),
    evidence,
  };
}
