/**
 * Reads a manager's plain-language reset request (an email turned into a ticket) and says whom to reset and
 * what, or that it is not clear. Pure: no I/O, never throws.
 *
 * The result decides whose account is reset, so every rule prefers `unclear` to a guess:
 * - only the new part of the message is read: quoted replies ("On … wrote:", "From:", "-----Original
 *   Message-----", lines starting with ">", HTML blockquotes), signatures ("-- ", sign-offs such as
 *   "Thanks,"), "Sent from my iPhone" and disclaimers are cut off first;
 * - a target is an email address or a capitalised name (1–4 words) in a request phrase: "for X", "of X",
 *   "reset X", "X's password", "X is locked out", "X needs …", "X can't log in", "User: X"; names and
 *   addresses only count in a sentence that talks about a reset (password, MFA, locked out, …);
 * - exactly one target, or `unclear`: none, two different ones, several people ("everyone", "Jane and
 *   John"), a self-request ("my password", "I'm locked out"), a negation ("don't reset", "ignore this");
 * - what: password / MFA / both; nothing said means both (the procedure's default).
 *
 * `evidence` holds short human-readable reasons, for the hand-off note.
 */

export type ParsedTarget = { kind: 'address'; value: string } | { kind: 'name'; value: string };

export type ParsedRequest =
  | {
      status: 'understood';
      target: ParsedTarget;
      resetPassword: boolean;
      resetMfa: boolean;
      evidence: string[];
    }
  | { status: 'unclear'; reason: string; evidence: string[] };

/** Why a request is unclear (the `reason` of an `unclear` result). */
export const UNCLEAR_REASONS = Object.freeze({
  selfRequest: 'self-request',
  negation: 'negation',
  severalTargets: 'several-targets',
  severalPeople: 'several-people',
  noTarget: 'no-target',
  noRequest: 'no-request',
  nothingToReset: 'nothing-to-reset',
  empty: 'empty',
  internal: 'internal-error',
});

/** Raw input read per field; anything longer is cut (HTML is stripped from this much). */
const MAX_RAW_CHARS = 100_000;
/** Text analysed after stripping HTML and quotes. */
const MAX_TEXT_CHARS = 20_000;
const MAX_LINE_CHARS = 2_000;
const MAX_EVIDENCE = 12;

// ---------------------------------------------------------------------------------------------------------
// Cleaning: HTML, quoted replies, signatures.

const HTML_HINT = /<(?:html|body|div|p|br|span|table|td|blockquote|a|font|b|strong|meta)\b[^>]{0,500}>/i;

function decodeEntities(text: string): string {
  const named: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (whole, code: string) => {
    if (code[0] === '#') {
      const n =
        code[1] === 'x' || code[1] === 'X' ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10);
      return Number.isFinite(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : ' ';
    }
    return named[code.toLowerCase()] ?? whole;
  });
}

/** HTML to text: drops head/style/script/comments, makes a quote marker of the first blockquote. */
function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<(head|style|script|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<blockquote\b[^>]*>/gi, '\n-----Original Message-----\n')
      .replace(
        /<div\b[^>]*class="[^"]*(?:gmail_quote|OutlookMessageHeader)[^"]*"[^>]*>/gi,
        '\n-----Original Message-----\n',
      )
      .replace(/<hr\b[^>]*>/gi, '\n________________\n')
      .replace(/<(?:br|\/p|\/div|\/li|\/tr|\/h[1-6]|p|li|tr)\b[^>]*>/gi, '\n')
      .replace(/<[^>]{0,2000}>/g, ' '),
  );
}

const CUT_LINES: ReadonlyArray<[RegExp, string]> = [
  [/^-{2,}\s*(?:original message|forwarded message)\s*-{2,}/i, 'a quoted or forwarded message'],
  [/^begin forwarded message:?$/i, 'a forwarded message'],
  [/^\*?(?:from|sent|van|von|de)\s*:\*?\s/i, 'a quoted message header ("From:")'],
  [/^_{5,}$/, 'a quoted message (separator line)'],
  [/^-- ?$/, 'a signature ("-- ")'],
  [/^(?:sent from my|sent from outlook|get outlook for)\b/i, 'a mobile signature'],
  [
    /^(?:thanks|thank you|many thanks|thanks again|thx|ty|regards|kind regards|best regards|warm regards|best wishes|all the best|best|cheers|sincerely|yours sincerely|yours|br|kr|ta|rgds)(?:\s+in advance)?[\s,.!-]*$/i,
    'a signature (after the sign-off)',
  ],
  [
    /^(?:disclaimer|confidential(?:ity)?(?: notice)?|this (?:e-?mail|message)(?: and any| is| may| contains| transmission)|the information (?:contained|in this))/i,
    'a disclaimer',
  ],
];

interface Cleaned {
  lines: string[];
  evidence: string[];
}

/** The new part of a message, one entry per line, with what was cut described in evidence. */
function cleanBody(body: string): Cleaned {
  const evidence: string[] = [];
  let text = body.slice(0, MAX_RAW_CHARS);
  if (HTML_HINT.test(text)) {
    text = htmlToText(text);
    evidence.push('read the HTML body as text');
  }
  text = text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u00a0\u2007\u202f\t]/g, ' ')
    .slice(0, MAX_TEXT_CHARS);
  const raw = text.split('\n');
  const lines: string[] = [];
  let quotedLines = 0;
  for (let i = 0; i < raw.length; i++) {
    const line = (raw[i] ?? '').slice(0, MAX_LINE_CHARS).trim();
    if (line.startsWith('>')) {
      quotedLines++;
      continue;
    }
    const cut = CUT_LINES.find(([pattern]) => pattern.test(line));
    const next = (raw[i + 1] ?? '').slice(0, MAX_LINE_CHARS).trim();
    const wrote =
      /^on\s/i.test(line) &&
      (/\bwrote:?$/i.test(line) || (/\bwrote:?$/i.test(next) && line.length + next.length < 400));
    if (cut || wrote) {
      const rest = raw.slice(i).filter((l) => l.trim()).length;
      if (rest > 1 || !cut?.[1].startsWith('a signature'))
        evidence.push(`ignored ${wrote ? 'a quoted reply ("On … wrote:")' : cut?.[1]} and what follows`);
      break;
    }
    lines.push(line);
  }
  if (quotedLines) evidence.push(`ignored ${quotedLines} quoted line${quotedLines === 1 ? '' : 's'} (">")`);
  return { lines, evidence };
}

function cleanSubject(subject: string): string {
  let s = decodeEntities(subject.slice(0, 1000)).replace(/\s+/g, ' ').trim();
  // "RE: FW: [External] [#1234] Password reset" → "Password reset"
  for (let i = 0; i < 6; i++) {
    const next = s.replace(/^(?:(?:re|fw|fwd|aw|wg|tr|sv|vs)\s*:|\[[^\]]{0,40}\]|\([^)]{0,40}\))\s*/i, '');
    if (next === s) break;
    s = next;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// Vocabulary.

/** Words that are never (part of) a person's name here, compared lower-case. */
const STOP_WORDS = new Set(
  `a an the this that these those it its it's i i'm me my we us our you your he she they them their his her him
  hi hello hey dear morning afternoon evening good please pls plz thanks thank cheers regards kind best urgent asap
  also and but so ok okay yes no fyi note ps re fw fwd subject can could would will should may might must
  reset resets unlock password passwords pwd pw passcode mfa 2fa 2sv otp sspr authenticator authentication
  multi-factor multifactor factor verification code phone mobile account accounts login logon signin sign
  both everything everyone everybody all anyone someone somebody nobody each every user users staff member
  members employee employees person people team teams colleague colleagues new starter starters leaver
  manager managers director directors ceo cfo cto coo cio md gm pa vp svp evp owner founder partner boss head
  it hr ops finance accounting sales marketing reception receptionist admin administrator operations support
  legal payroll warehouse management office dept department company helpdesk help desk service desk
  microsoft windows azure entra outlook office365 o365 m365 365 teams onedrive sharepoint exchange google
  monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday tonight
  january february march april june july august september october november december
  what when where who why how which there here let let's that's what's here's there's he's she's
  mr mrs ms miss dr prof sir madam request requests ticket issue problem ta
  for of to in at on from with by is are was were be been has have had do does did not as or if than then
  apparently unfortunately sadly now just quick quickly looks seems well hopefully basically again still
  suddenly meanwhile btw sorry oh update same poor new another other urgently kindly`.split(/\s+/),
);

/** Greetings and fillers that may stand before a name at the start of a sentence. */
const HONORIFIC = /^(?:mr|mrs|ms|miss|dr|prof)\.?$/i;
/** Lower-case particles allowed inside a name ("Anna van der Berg"). */
const PARTICLES = new Set([
  'van',
  'von',
  'der',
  'den',
  'de',
  'da',
  'di',
  'du',
  'del',
  'la',
  'le',
  'bin',
  'al',
]);

/** Any sign that the sentence is about a reset. Name and address candidates only count in such a sentence. */
const REQUEST_WORDS =
  /\b(?:reset|re-set|unlock|password|passwords|pwd|passcode|mfa|2fa|two[- ]factor|multi[- ]?factor|authenticator|authentication|verification code|security code|locked out|lock(?:ed)? out|log ?in|log on|sign ?in|sign on|new phone|new mobile|lost (?:his |her |their |the )?(?:phone|mobile)|forgot|forgotten)\b/i;

const PASSWORD_STRONG = /\b(?:password|passwords|pass word|pwd|passcode|forgot(?:ten)?)\b/i;
const PASSWORD_WEAK =
  /\b(?:locked out|lock(?:ed)? out|can'?t|cannot|can not|unable to|not able to|couldn'?t)\s*(?:get\s+)?(?:log|sign)(?:\s*(?:in|on))?\b|\b(?:log ?in|login|sign[- ]?in|locked out)\b/i;
const MFA_WORDS =
  /\b(?:mfa|2fa|2sv|two[- ]factor|two[- ]step|2[- ]step|multi[- ]?factor|authenticator|authentication app|verification codes?|security codes?|one[- ]time codes?|otp|new (?:phone|mobile|handset|cell)|(?:lost|broke|broken|replaced|changed|stolen|dropped|reset)\s+(?:his |her |their |the |a )?(?:phone|mobile|handset|cell)|(?:phone|mobile) (?:was |got |has been )?(?:lost|stolen|broken|replaced|wiped))\b/i;
const BOTH_WORDS =
  /\b(?:both(?! of)(?! users| accounts| staff| people| members)|everything|all of (?:it|the above)|password and (?:the |her |his |their )?(?:mfa|2fa|authenticator|multi[- ]?factor)|(?:mfa|2fa|authenticator|multi[- ]?factor) and (?:the |her |his |their )?password)\b/i;

const ONLY_PASSWORD =
  /\b(?:only|just)\s+(?:reset\s+)?(?:the |her |his |their )?(?:password|pwd)\b|\b(?:password|pwd) only\b|\bnot (?:the |her |his |their )?(?:mfa|2fa|authenticator|multi[- ]?factor)\b|\b(?:leave|keep) (?:the |her |his |their )?(?:mfa|2fa|authenticator|multi[- ]?factor)\b/i;
const ONLY_MFA =
  /\b(?:only|just)\s+(?:reset\s+)?(?:the |her |his |their )?(?:mfa|2fa|authenticator|multi[- ]?factor)\b|\b(?:mfa|2fa|authenticator) only\b|\bnot (?:the |her |his |their )?(?:password|pwd)\b|\b(?:leave|keep) (?:the |her |his |their )?(?:password|pwd)\b/i;

const NEGATIONS: readonly RegExp[] = [
  /\b(?:do not|don'?t|dont|does not|doesn'?t|did not|didn'?t|no need to|not to|never|should not|shouldn'?t|must not|mustn'?t|won'?t|will not)\s+(?:\w+\s+){0,2}?(?:reset(?:ting)?|chang(?:e|ing)|remov(?:e|ing)|unlock(?:ing)?|wip(?:e|ing)|touch(?:ing)?|clear(?:ing)?|delet(?:e|ing))\b/i,
  /\b(?:cancel|disregard|never ?mind|hold off|no longer (?:need|needed|required)|not needed|not required|ignore (?:this|that|my|the|previous|last|earlier|it))\b/i,
  /\b(?:is|are|it'?s) (?:all )?(?:sorted|resolved|fixed|working again)\b/i,
];

/** Strong signs the writer asks for themself. */
const SELF_STRONG: readonly RegExp[] = [
  /\bmy (?:own |work |office |microsoft |ms |365 |o365 |m365 |email |outlook |teams |company )?(?:password|pwd|passcode|mfa|2fa|authenticator|account|login|log-?in|sign-?in|multi[- ]?factor|two[- ]factor|verification)\b/i,
  /\b(?:reset|unlock) me\b/i,
  /\bI(?:'m| am|m| was| have been|'ve been| keep getting| got| get)\s+(?:now |still |completely )?(?:locked out|unable to (?:log|sign)|not able to (?:log|sign))/i,
  /\bI (?:forgot|have forgotten|lost|have lost|can'?t remember|don'?t remember) my\b/i,
];
/** Weaker signs, a self-request only when no one else is named ("reset Jane's password for me" is polite). */
const SELF_WEAK: readonly RegExp[] = [
  /\bfor (?:me|myself)\b/i,
  /\bI (?:can'?t|cannot|can not|couldn'?t|am unable to|'m unable to) (?:log|sign|get) ?(?:in|on|into)\b/i,
  /\bI (?:got|have|bought|need) a new (?:phone|mobile|handset)\b/i,
  /\bmine\b/i,
];

const SEVERAL_PEOPLE =
  /\b(?:everyone|everybody|all (?:the )?(?:users|staff|accounts|employees|members|of them|of us|people|passwords)|the whole (?:team|company|office|department|staff)|entire (?:team|company|office|department|staff)|both of them|both users|both accounts|each (?:user|member|of them|account)|the following (?:users|people|staff|accounts)|these (?:users|people|staff|accounts)|(?:several|multiple|some|few) (?:users|people|staff|accounts|employees)|new starters|(?:users|staff|people|they) (?:are|were) (?:all )?(?:locked out|unable))\b/i;

const HELPDESK_LOCAL =
  /^(?:no-?reply|do-?not-?reply|donotreply|helpdesk|help|support|servicedesk|service-?desk|it|itsupport|it-support|admin|postmaster|mailer-daemon|tickets?|notifications?|alerts?|bounce[s]?)$/i;

// ---------------------------------------------------------------------------------------------------------
// Candidates.

interface Candidate {
  kind: 'name' | 'address';
  value: string;
  why: string;
}

const NAME_WORD = String.raw`(?:\p{Lu}['’])?\p{Lu}\p{L}+(?:-\p{Lu}\p{L}+)*`;
const ADDRESS = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+/g;

/** Words of a name run from `text`'s start, stopping at a stop word or a non-name token; at most 4 words. */
function nameFrom(text: string): { name: string; end: number } | null {
  const word = new RegExp(`^(?:${NAME_WORD})`, 'u');
  const words: string[] = [];
  let pos = 0;
  let pendingParticles: string[] = [];
  let end = 0;
  // Honorific ("Mrs. Jones"): skipped.
  const hon = /^(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+/.exec(text);
  if (hon) pos = hon[0].length;
  while (words.length < 4) {
    const rest = text.slice(pos);
    const m = word.exec(rest);
    if (m) {
      if (STOP_WORDS.has(m[0].toLowerCase()) || HONORIFIC.test(m[0])) break;
      words.push(...pendingParticles, m[0]);
      pendingParticles = [];
      pos += m[0].length;
      end = pos;
      const gap = /^ (?=\S)/.exec(text.slice(pos));
      if (!gap) break;
      pos += 1;
      continue;
    }
    if (words.length > 0) {
      const particle = /^([a-z]{2,3}) /.exec(rest);
      if (particle?.[1] && PARTICLES.has(particle[1]) && pendingParticles.length < 2) {
        pendingParticles.push(particle[1]);
        pos += particle[0].length;
        continue;
      }
    }
    break;
  }
  if (!words.length) return null;
  return { name: words.join(' '), end };
}

/** The name run that ends exactly at the end of `text` (for "X's", "X is locked out"), or null. */
function nameBefore(text: string): { name: string; start: number } | null {
  const m = new RegExp(`((?:${NAME_WORD})(?: (?:${NAME_WORD}|[a-z]{2,3})){0,5})$`, 'u').exec(text);
  if (!m?.[1]) return null;
  const tokens = m[1].split(' ');
  // Keep the longest suffix of name words (no stop words), allowing particles inside.
  const kept: string[] = [];
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i] ?? '';
    const lower = t.toLowerCase();
    if (/^[a-z]/.test(t)) {
      if (PARTICLES.has(t) && kept.length > 0 && i > 0 && /^\p{Lu}/u.test(tokens[i - 1] ?? '')) {
        kept.unshift(t);
        continue;
      }
      break;
    }
    if (STOP_WORDS.has(lower) || HONORIFIC.test(t)) break;
    kept.unshift(t);
  }
  while (kept.length && /^[a-z]/.test(kept[0] ?? '')) kept.shift();
  const nameWords = kept.filter((t) => /^\p{Lu}/u.test(t));
  if (!nameWords.length || nameWords.length > 4) return null;
  const name = kept.join(' ');
  return { name, start: text.length - name.length };
}

/** "and John", ", Sam", "& Priya", "+ bob@x.com": a second person right after a target. */
function anotherPersonAfter(text: string): boolean {
  const m =
    /^\s*(?:[,&+/]|\band\b|\bplus\b|\bas well as\b|\bor\b)\s*(?:(?:Mr|Mrs|Ms|Dr)\.?\s+)?([\p{L}'’-]+|[\w.+-]+@[\w.-]+)/iu.exec(
      text,
    );
  if (!m?.[1]) return false;
  if (m[1].includes('@')) return true;
  return /^\p{Lu}/u.test(m[1]) && !STOP_WORDS.has(m[1].toLowerCase());
}

/** "John and ", "Jane & ": a second person right before a target. */
function anotherPersonBefore(text: string): boolean {
  const m = /([\p{L}'’-]+|[\w.+-]+@[\w.-]+)\s*(?:\band|[&+/])\s*$/iu.exec(text);
  if (!m?.[1]) return false;
  if (m[1].includes('@')) return true;
  return /^\p{Lu}/u.test(m[1]) && !STOP_WORDS.has(m[1].toLowerCase());
}

/**
 * What may follow a name that is the subject of a sentence (or an owner): "'s", "is locked out", "needs",
 * "can't log in", "lost his phone", … optionally after "in accounts" / "from the warehouse".
 */
const BEFORE_TRIGGERS = new RegExp(
  String.raw`['’]s\b|\s+(?:(?:in|from|at|on)\s+(?:the\s+)?[\p{L}&-]+(?:\s+(?:team|dept|department|office))?\s*,?\s+)?(?:is|isn'?t|was|wasn'?t|has|hasn'?t|had|does not|doesn'?t|did not|didn'?t|keeps|needs?|can'?t|cannot|can not|couldn'?t|got|gets|forgot|lost|broke|dropped|bought|started|returned)\b`,
  'giu',
);

interface SentenceScan {
  candidates: Candidate[];
  several: boolean;
  evidence: string[];
}

function scanSentence(sentence: string, scan: SentenceScan): void {
  const add = (c: Candidate, before: string, after: string) => {
    if (anotherPersonAfter(after) || anotherPersonBefore(before)) {
      scan.several = true;
      scan.evidence.push(`several people named together near "${c.value}"`);
    }
    scan.candidates.push(c);
  };

  // Addresses.
  for (const m of sentence.matchAll(ADDRESS)) {
    const address = m[0].replace(/^[._%+-]+|[.]+$/g, '').toLowerCase();
    const local = address.split('@')[0] ?? '';
    const at = m.index ?? 0;
    const before = sentence.slice(0, at);
    const after = sentence.slice(at + m[0].length);
    if (HELPDESK_LOCAL.test(local)) {
      scan.evidence.push(`ignored the service address ${address}`);
      continue;
    }
    if (
      /\b(?:me|reach me|contact me|email me|mail me|call me|cc|copy|reply to|from|by|sent)\s*(?:at|on|via|:)?\s*$/i.test(
        before,
      )
    ) {
      scan.evidence.push(`ignored ${address} (a contact address, not the person to reset)`);
      continue;
    }
    const alone = /^[<(]?$/.test(before.trim()) && /^[>)]?$/.test(after.trim());
    if (
      REQUEST_WORDS.test(sentence) ||
      /^\s*(?:user|name|account|upn|email|staff member|employee)\s*:\s*$/i.test(before) ||
      alone
    ) {
      add({ kind: 'address', value: address, why: `address ${address}` }, before, after);
    } else {
      scan.evidence.push(`ignored ${address} (not in a reset request)`);
    }
  }

  if (!REQUEST_WORDS.test(sentence) && !/^\s*(?:user|name|staff member|employee)\s*:/i.test(sentence)) return;
  const text = sentence.replace(ADDRESS, (a) => ' '.repeat(a.length)); // names only from the rest

  // After "for", "of", "reset", "unlock", or a label "User:".
  const afterTriggers =
    /\b(?:for|of|reset|re-set|unlock)\s+|^\s*(?:user|name|staff member|employee|account)\s*:\s*|(?:password|mfa|2fa|reset)\s*(?:reset\s*)?(?:request\s*)?[-–:]\s+/giu;
  for (const m of text.matchAll(afterTriggers)) {
    const start = (m.index ?? 0) + m[0].length;
    const found = nameFrom(text.slice(start));
    if (!found) continue;
    add(
      { kind: 'name', value: found.name, why: `name "${found.name}" after "${m[0].trim()}"` },
      text.slice(0, m.index ?? 0),
      text.slice(start + found.end),
    );
  }

  // Before "'s", "is locked out", "needs", "can't log in", "lost her phone", …
  for (const m of text.matchAll(BEFORE_TRIGGERS)) {
    const at = m.index ?? 0;
    const found = nameBefore(text.slice(0, at));
    if (!found) continue;
    const trigger = m[0].trim().replace(/\s+/g, ' ');
    add(
      { kind: 'name', value: found.name, why: `name "${found.name}" before "${trigger.slice(0, 40)}"` },
      text.slice(0, found.start),
      text.slice(at + m[0].length),
    );
  }
}

/** Splits lines into sentences (on . ! ? followed by space; addresses keep their dots). */
function sentencesOf(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (!line) continue;
    let pending = '';
    for (const piece of line.split(/(?<=[.!?])\s+(?=\S)/)) {
      pending = pending ? `${pending} ${piece}` : piece;
      // "Mrs. Jones", "J. Smith", "e.g. this": not the end of a sentence.
      if (/\b(?:Mr|Mrs|Ms|Dr|Prof|St|e\.g|i\.e|etc|approx)\.$/i.test(pending) || /\b\p{Lu}\.$/u.test(pending))
        continue;
      if (pending.trim()) out.push(pending.trim());
      pending = '';
    }
    if (pending.trim()) out.push(pending.trim());
  }
  return out;
}

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** Merges "Jane" into "Jane Doe" (same person named twice); distinct people stay apart. */
function mergeNames(names: Candidate[]): Candidate[] {
  const out: Candidate[] = [];
  const sorted = [...names].sort((a, b) => b.value.split(' ').length - a.value.split(' ').length);
  for (const c of sorted) {
    const words = fold(c.value).split(' ');
    const same = out.find((o) => {
      const ow = fold(o.value).split(' ');
      return words.every((w) => ow.includes(w));
    });
    if (!same) out.push(c);
  }
  return out;
}

/** True when the name plausibly belongs to the address (a name word of 2+ letters in its local part). */
function nameFitsAddress(name: string, address: string): boolean {
  const local = fold(address.split('@')[0] ?? '');
  return fold(name)
    .split(/[\s'’-]+/)
    .some((w) => w.length >= 2 && !PARTICLES.has(w) && local.includes(w));
}

// ---------------------------------------------------------------------------------------------------------

function unclear(reason: string, evidence: string[]): ParsedRequest {
  return { status: 'unclear', reason, evidence: evidence.slice(0, MAX_EVIDENCE) };
}

function quote(text: string, pattern: RegExp): string {
  const m = pattern.exec(text);
  return m ? `"${m[0].trim().slice(0, 40)}"` : '';
}

export function parseResetRequestText(subject: string | undefined, body: string | undefined): ParsedRequest {
  try {
    return parse(typeof subject === 'string' ? subject : '', typeof body === 'string' ? body : '');
  } catch {
    return unclear(UNCLEAR_REASONS.internal, ['the request text could not be read']);
  }
}

function parse(subject: string, body: string): ParsedRequest {
  const cleaned = cleanBody(body);
  const evidence = [...cleaned.evidence];
  const subjectLine = cleanSubject(subject);
  const lines = subjectLine ? [subjectLine, ...cleaned.lines] : cleaned.lines;
  const text = lines.join('\n').trim();
  if (!text) return unclear(UNCLEAR_REASONS.empty, [...evidence, 'no text to read']);

  // Whole-message signals first.
  for (const pattern of NEGATIONS) {
    if (pattern.test(text)) {
      return unclear(UNCLEAR_REASONS.negation, [...evidence, `negation: ${quote(text, pattern)}`]);
    }
  }
  for (const pattern of SELF_STRONG) {
    if (pattern.test(text)) {
      return unclear(UNCLEAR_REASONS.selfRequest, [
        ...evidence,
        `the writer asks for themself: ${quote(text, pattern)}`,
      ]);
    }
  }
  if (SEVERAL_PEOPLE.test(text)) {
    return unclear(UNCLEAR_REASONS.severalPeople, [
      ...evidence,
      `asks about several people: ${quote(text, SEVERAL_PEOPLE)}`,
    ]);
  }
  if (!REQUEST_WORDS.test(text)) {
    return unclear(UNCLEAR_REASONS.noRequest, [...evidence, 'no mention of a password, MFA or a reset']);
  }

  // Who.
  const scan: SentenceScan = { candidates: [], several: false, evidence: [] };
  for (const sentence of sentencesOf(lines)) scanSentence(sentence, scan);
  evidence.push(...new Set(scan.evidence));
  if (scan.several) return unclear(UNCLEAR_REASONS.severalPeople, evidence);

  const addresses = [
    ...new Map(scan.candidates.filter((c) => c.kind === 'address').map((c) => [c.value, c])).values(),
  ];
  const names = mergeNames(scan.candidates.filter((c) => c.kind === 'name'));
  const third = addresses.length + names.length > 0;
  if (!third) {
    const weak = SELF_WEAK.find((p) => p.test(text));
    if (weak) {
      return unclear(UNCLEAR_REASONS.selfRequest, [
        ...evidence,
        `the writer asks for themself: ${quote(text, weak)}`,
      ]);
    }
    return unclear(UNCLEAR_REASONS.noTarget, [...evidence, 'no staff member named by address or name']);
  }
  if (addresses.length > 1) {
    return unclear(UNCLEAR_REASONS.severalTargets, [
      ...evidence,
      `more than one address: ${addresses.map((a) => a.value).join(', ')}`,
    ]);
  }
  let target: ParsedTarget;
  const address = addresses[0];
  if (address) {
    const stranger = names.find((n) => !nameFitsAddress(n.value, address.value));
    if (stranger) {
      return unclear(UNCLEAR_REASONS.severalTargets, [
        ...evidence,
        `the address ${address.value} and the name "${stranger.value}" may be different people`,
      ]);
    }
    target = { kind: 'address', value: address.value };
    evidence.push(`target: ${address.why}`);
    for (const n of names) evidence.push(`the ${n.why} fits the address`);
  } else {
    if (names.length > 1) {
      return unclear(UNCLEAR_REASONS.severalTargets, [
        ...evidence,
        `more than one name: ${names.map((n) => `"${n.value}"`).join(', ')}`,
      ]);
    }
    const name = names[0] as Candidate;
    target = { kind: 'name', value: name.value };
    evidence.push(`target: ${name.why}`);
  }

  // What.
  const both = BOTH_WORDS.test(text);
  let password = PASSWORD_STRONG.test(text);
  const weakPassword = PASSWORD_WEAK.test(text);
  const mfa = MFA_WORDS.test(text);
  if (!password && weakPassword && !mfa) password = true;
  const onlyPassword = ONLY_PASSWORD.test(text);
  const onlyMfa = ONLY_MFA.test(text);
  if (onlyPassword && onlyMfa) {
    return unclear(UNCLEAR_REASONS.nothingToReset, [
      ...evidence,
      'says both "only the password" and "only MFA"',
    ]);
  }
  let resetPassword: boolean;
  let resetMfa: boolean;
  if (onlyPassword) {
    [resetPassword, resetMfa] = [true, false];
    evidence.push(`password only: ${quote(text, ONLY_PASSWORD)}`);
  } else if (onlyMfa) {
    [resetPassword, resetMfa] = [false, true];
    evidence.push(`MFA only: ${quote(text, ONLY_MFA)}`);
  } else if (both || (password && mfa)) {
    [resetPassword, resetMfa] = [true, true];
    evidence.push(both ? `both: ${quote(text, BOTH_WORDS)}` : 'both: mentions the password and MFA');
  } else if (mfa) {
    [resetPassword, resetMfa] = [false, true];
    evidence.push(`MFA: ${quote(text, MFA_WORDS)}`);
  } else if (password) {
    [resetPassword, resetMfa] = [true, false];
    evidence.push(`password: ${quote(text, PASSWORD_STRONG.test(text) ? PASSWORD_STRONG : PASSWORD_WEAK)}`);
  } else {
    [resetPassword, resetMfa] = [true, true];
    evidence.push('nothing said about what to reset: both (the procedure’s default)');
  }

  if (SELF_WEAK.some((p) => p.test(text)))
    evidence.push('"for me" read as on the writer’s behalf (someone else is named)');
  return { status: 'understood', target, resetPassword, resetMfa, evidence: evidence.slice(0, MAX_EVIDENCE) };
}
