/**
 * Sentences and the people they stand for: which sentences ask for a reset, which names in them are
 * targets (not a greeting, not a messenger), and how corrections and cancellations change them.
 */
import type { CandidatePerson } from './email-reading.js';
import { findPeople, type Mention, type SentencePeople } from './name-matcher.js';
import type { PersonIndex } from './person-index.js';
import { readSentence, signalWords, type SentenceSignals } from './request-classifier.js';
import { fold, sentencesOf } from './text-tools.js';

export interface Sentence {
  text: string;
  folded: string;
  signals: SentenceSignals;
  people: SentencePeople;
}

export function sentence(text: string, index: PersonIndex, names = true): Sentence {
  return {
    text,
    folded: fold(text),
    signals: readSentence(text),
    people: findPeople(text, index, names),
  };
}

/** Emails up to this many sentences are read for names throughout. */
const SHORT_EMAIL_SENTENCES = 40;

/**
 * The writer's sentences. Names are looked for only near the sentences about a reset (three before, one
 * after), so that a long email costs little more than a short one; addresses are read everywhere.
 */
export function sentencesNear(texts: readonly string[], index: PersonIndex): Sentence[] {
  const signals = texts.map((t) => readSentence(t));
  const about = signals.map(
    (g) =>
      g.topic || g.addition || g.correction || g.cancel || g.approval || g.explicitAsk || g.refersToSubject,
  );
  return texts.map((text, i) => {
    const near =
      texts.length <= SHORT_EMAIL_SENTENCES || about.slice(Math.max(0, i - 1), i + 4).some(Boolean);
    return {
      text,
      folded: fold(text),
      signals: signals[i] as SentenceSignals,
      people: findPeople(text, index, near),
    };
  });
}

/** Mentions that stand for a target: not in a greeting, not a messenger ("Tom asked me to …"). */
export function targetMentions(s: Sentence): Mention[] {
  const named = s.people.mentions.filter(
    (m) =>
      !(
        s.signals.greeting &&
        m.start < 25 &&
        /^\s*(?:[,!.:;\-–]|$)/.test(s.text.slice(m.end)) &&
        /^\W*(?:hi|hello|hey|dear|morning|good \w+|hiya|to)\W+$/i.test(s.text.slice(0, m.start))
      ),
  );
  // "Tom asked me to email you about Chloe": Tom is the messenger. Alone in a sentence about a reset
  // ("Sam asked me to pass on that he is locked out"), the messenger is the person.
  const messenger = (m: Mention) =>
    /^\s*(?:has |had |just )?(?:asked (?:me|us) to|told (?:me|us) to|suggested|recommended|wants me to|cc'?d|copied|approved|signed off|is cc)/.test(
      fold(s.text.slice(m.end, m.end + 40)),
    );
  // "… thanks marek": the writer signing off in the same line; "reset by Marek": the writer as the one who
  // acted. Neither is a mention of their own account.
  const signature = (m: Mention) =>
    m.self &&
    /\b(?:thanks|thank you|thx|ty|cheers|regards|ta|best|rgds|many thanks|by|from|via|cc)\W*$|[-–—]\s*$/.test(
      fold(s.text.slice(0, m.start)),
    );
  const others = named.filter((m) => !messenger(m) && !signature(m));
  const kept = s.signals.topic && !others.length ? named.filter((m) => !signature(m)) : others;
  return inRequestClauses(s, kept);
}

/**
 * "Rosa is off today so I'm asking on her behalf – Tim Reeve needs his MFA reset": when a sentence names
 * several people, those in a clause that says nothing about a reset are not targets, as long as someone is
 * named in a clause that does. Clauses end at a dash, a semicolon, "so" and "because".
 */
function inRequestClauses(s: Sentence, mentions: Mention[]): Mention[] {
  if (new Set(mentions.flatMap((m) => m.people.map((p) => p.id))).size < 2) return mentions;
  const bounds = [0];
  for (const m of s.text.matchAll(/\s[-–—]\s|;|\bso\b|\bbecause\b|\bas (?:she|he|they)\b/gi))
    bounds.push(m.index ?? 0);
  bounds.push(s.text.length);
  const clauseOf = (m: Mention) =>
    bounds.findIndex((b, i) => m.start >= b && m.start < (bounds[i + 1] ?? Infinity));
  const about = (i: number) => {
    const g = readSentence(s.text.slice(bounds[i], bounds[i + 1]));
    return g.topic || g.addition || g.correction || g.cancel;
  };
  const inRequest = mentions.filter((m) => about(clauseOf(m)));
  return inRequest.length ? inRequest : mentions;
}

export function people(mentions: readonly Mention[]): CandidatePerson[] {
  const out = new Map<string, CandidatePerson>();
  for (const m of mentions)
    if (m.people.length === 1) out.set((m.people[0] as CandidatePerson).id, m.people[0] as CandidatePerson);
  return [...out.values()];
}

export const ADDITION_AFTER = /\b(?:too|as well|also|same for|and)\b/;

/**
 * Applies corrections and cancellations in order: "for Tom – sorry, I mean Tim" keeps Tim; "ignore my last
 * email, it's Mark who needs it" keeps Mark; "not Tom" drops Tom. Returns the mentions that stand.
 */
export function standingMentions(
  sentences: readonly Sentence[],
  evidence: string[],
): { mentions: Mention[]; cancelledAll: boolean } {
  let kept: Mention[] = [];
  let cancelledAll = false;
  for (const s of sentences) {
    const mentions = targetMentions(s);
    const marker =
      /\b(?:i mean|i meant|sorry,? (?:i mean|it'?s|it should be|should be|meant|wrong)|actually,? (?:it'?s|it is|i mean|it should be|i need|for)|correction|make that|scratch that|no wait|wait,? (?:no|it'?s)|my mistake|my bad|wrong (?:name|person)|it'?s (?:actually )?\S+ who|(?:please )?ignore (?:my|the|this|that) (?:previous |last |earlier |other )?(?:email|message|mail|request)|please ignore|disregard|not \S+(?: \S+)?,? but)\b/.exec(
        s.folded,
      );
    if (s.signals.correction || s.signals.cancel || marker) {
      const at = marker?.index ?? -1;
      const afterMarker = at >= 0 ? mentions.filter((m) => m.start >= at) : [];
      const tail = at >= 0 ? s.folded.slice(at) : '';
      const isAddition = ADDITION_AFTER.test(tail) && !/\bnot\b/.test(tail) && !s.signals.cancel;
      const resolvedAfter =
        s.signals.cancel &&
        /\b(?:found|remembered|sorted|managed|fixed|worked|no longer|not needed|fine now|back in)\b/.test(
          tail,
        );
      // "Ignore my earlier email about Tom": the withdrawal is Tom's alone.
      const about = afterMarker.filter((m) =>
        /\b(?:about|for|regarding|re|on)\s+$/.test(s.folded.slice(at, m.start)),
      );
      if (s.signals.cancel && about.length) {
        const dropped = new Set(about.flatMap((m) => m.people.map((p) => p.id)));
        kept = kept.filter((m) => !m.people.some((p) => dropped.has(p.id)));
        evidence.push('an earlier request for someone else is withdrawn');
        continue;
      }
      if (afterMarker.length && !isAddition && !resolvedAfter) {
        if (kept.length || mentions.some((m) => m.start < at))
          evidence.push(
            `a correction: ${signalWords(s.signals, 'correction') || `"${s.folded.slice(at, at + 30)}"`} replaces the name before it`,
          );
        kept = afterMarker.filter((m) => !m.negated);
        continue;
      }
      if (s.signals.cancel && (!afterMarker.length || resolvedAfter)) {
        kept = [];
        cancelledAll = true;
        continue;
      }
    }
    for (const m of mentions) {
      if (m.negated) {
        evidence.push('a name that is not to be reset ("not X", a hold) is left out');
        continue;
      }
      kept.push(m);
    }
    if (mentions.length) cancelledAll = false;
  }
  return { mentions: kept, cancelledAll };
}

export function isRequestSentence(s: Sentence, forwarded: boolean): boolean {
  const g = s.signals;
  const named = targetMentions(s).length > 0;
  if (g.howTo && !g.explicitAsk) return false;
  if (g.chase && !g.addition) return false;
  if (g.resolved && !g.explicitAsk && !(g.addition && named)) return false;
  // Speaking of passwords or MFA is not asking: a sentence asks or states a problem now.
  if (g.topic && (g.ask || g.problem || g.explicitAsk)) return true;
  if ((g.addition || g.correction || g.cancel) && named) return true;
  if (forwarded && g.approval) return true;
  return false;
}

/**
 * The sentences of an earlier (forwarded or quoted) message that say what is wrong, for the scope only:
 * sentences about other people than `targets` are left out, and so are other systems. The words of an
 * earlier message never ask for anyone.
 */
export function threadScopeTexts(
  lines: readonly string[],
  index: PersonIndex,
  targets: readonly CandidatePerson[],
): string[] {
  return sentencesOf(lines.slice(0, 200))
    .slice(0, 60)
    .map((t) => sentence(t, index))
    .filter(
      (s) =>
        s.signals.topic &&
        !s.signals.otherSystem &&
        s.people.mentions.every((m) => m.self || m.people.every((p) => targets.some((t) => t.id === p.id))),
    )
    .map((s) => s.signals.canonical);
}
