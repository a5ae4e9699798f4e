/**
 * What to reset: the password, MFA or both, from the request sentences (already folded and spelt right by
 * the classifier). A negation applies to what it negates ("don't reset her password, just the MFA" is MFA
 * only; "her password is fine" takes the password out); a correction ("sorry, I mean the MFA") replaces
 * what came before it; "only"/"just" makes one exclusive. Nothing said at all means both, the procedure's
 * default; something said and all of it negated means nothing to reset.
 */

export type ScopeReading =
  | { kind: 'scope'; resetPassword: boolean; resetMfa: boolean; evidence: string }
  | { kind: 'nothing'; evidence: string }
  | { kind: 'conflict'; evidence: string };

const PASSWORD =
  /\b(?:password|passwords|pass word|login details|log-?in details|credentials|temp(?:orary)? password|new password)\b/g;
const MFA =
  /\b(?:mfa|2fa|2sv|two[- ]?factor|two[- ]?step|2[- ]?step|multi[- ]?factor|authenticator(?: app)?|authentication app|auth app|verification codes?|security codes?|sign[- ]?in codes?|text codes?|otp|number matching|security info|new (?:phone|mobile|handset|cell|iphone|android)|(?:lost|broke|broken|replaced|changed|dropped|smashed) (?:his |her |their |the |a )?(?:phone|mobile|handset|iphone)|(?:phone|mobile|iphone) (?:was |got |has been |is )?(?:lost|stolen|broken|replaced|wiped|dead)|(?:getting|receiving|get|receive) (?:the |her |his |their |any )?(?:codes?|texts?|prompts?|notifications?)|re-?(?:register|enrol|enroll|setup|set up))\b/g;
const WEAK_PASSWORD =
  /\b(?:locked out|(?:can'?t|cannot|can not|unable to|not able to) access (?:his |her |their |the )?(?:e-?mails?|account|outlook|teams|mailbox|office|365|laptop|computer|pc)|(?:login|log-?in|account|sign-?in)s? (?:isn'?t|is not|not|stopped|doesn'?t|does not|won'?t|will not) (?:working|work)|kicked out|(?:won'?t|will not|doesn'?t|does not) let (?:him|her|them) (?:back )?in|lock(?:ed)? (?:him|her|them) out|account (?:is |has been |got )?locked|unlock|unblock|(?:can'?t|cannot|can not|couldn'?t|unable to|not able to|isn'?t able to|is unable to|having trouble|struggling to)\s+(?:get\s+)?(?:log|sign|get)\s*(?:in|on|into|back)|forgot(?:ten)?|expired)\b/g;
const RESET_VERB = /\b(?:reset|resetting|unlock|unblock|do (?:him|her|them|it|anything))\b/g;
/** "both" as scope: "reset both", "both password and MFA"; not "Hi both", "they both", "both of them". */
const BOTH =
  /\b(?:(?<!\b(?:hi|hello|hey|morning|thanks|thank you|cheers|they|them|we|us|are|were|and|you) )both(?=\s*(?:$|[,.!?;:)(-]|please|pls|thanks|reset|resets|resetting|password\b|for (?:him|her|them)\b|mfa|2fa|authenticator|the password|things|options|of the above))|(?:reset|resetting|do|clear|redo)\s+(?:the |her |his |their )?(?:everything|the lot)|everything (?:reset|resetting|please)|the lot|full reset|all of (?:it|the above)|all (?:her|his|their) (?:login|sign-?in) stuff)\b/g;

const NEGATED_BEFORE =
  /(?:\b(?:don'?t|do not|dont|no need to|never|please don'?t)\s+(?:reset|resetting|touch|change|remove|clear|wipe)\s+(?:[a-z'-]+\s+){0,4}|\b(?:don'?t|do not|dont|no need to|needn'?t|not to|never|without|rather than|instead of|leave|keep|no need for|not necessary to)\s+(?:(?:reset|resetting|touch|touching|change|changing|remove|removing|do|doing|clear|clearing|wipe|worry about|bother with|need|needs|the|her|his|their|a|it|with|any|to|reset of)\s+){0,3}|\bnot (?:the |her |his |their |a |just )?|\bso (?:is|are|does) (?:the |her |his |their )?|\b(?:works?|working|worked)(?: fine| ok| okay| perfectly)? (?:with|using) (?:the same |her |his |their |that )?|\b(?:get|got|gets|getting|logged|signed|log|sign) (?:in|on)(?: fine| ok| okay)? (?:with|using) (?:the |his |her |their |a |that )?)$/;
const NEGATED_AFTER =
  /^\s*(?:(?:is|are|'s|was|seems|seem|itself)\s+)*(?:fine|ok|okay|good|working fine|working|works|still works|not the (?:issue|problem)|isn'?t the (?:issue|problem)|unaffected|alright|all right|not needed|not required|doesn'?t need|does not need|can stay|stays|alone|as (?:it )?is|went (?:fine|ok|okay|well|through)|(?:is|was|has been) (?:done|sorted|reset already|already (?:done|reset|sorted)))\b/;
const ONLY_BEFORE = /\b(?:only|just)\s+(?:reset\s+|do\s+|need\s+|needs\s+)?(?:the |her |his |their |a )?$/;
const ONLY_AFTER = /^\s*(?:only|alone please|is all)\b/;
const CORRECTION_SPLIT =
  /\b(?:i mean|i meant|(?:sorry|apologies|oops),? (?:i mean|i meant|it'?s|it should be|should be|meant)|actually|correction|make that|scratch that|no wait|my mistake)\b/g;

interface Found {
  what: 'password' | 'mfa' | 'both' | 'weak' | 'verb';
  negated: boolean;
  only: boolean;
  words: string;
}

function findIn(clause: string, pattern: RegExp, what: Found['what'], out: Found[]): void {
  for (const m of clause.matchAll(pattern)) {
    const before = clause.slice(0, m.index ?? 0);
    const after = clause.slice((m.index ?? 0) + m[0].length);
    out.push({
      what,
      negated: NEGATED_BEFORE.test(before) || NEGATED_AFTER.test(after),
      only: ONLY_BEFORE.test(before) || ONLY_AFTER.test(after),
      words: m[0],
    });
  }
}

/**
 * Prompts or codes the person did not ask for are a sign that someone else has the password, not a
 * request to reset MFA: they are left out of the scope.
 */
const UNASKED_PROMPTS =
  /\b(?:mfa|2fa|authenticator|sign-?in|approval|login)?\s*(?:prompts?|requests?|notifications?|codes?|texts?)\s+(?:that\s+)?(?:she|he|they|i)\s+(?:didn'?t|did not|never|hasn'?t|has not|haven'?t)\s+(?:make|made|request|requested|start|started|initiate|initiated|ask for|asked for|trigger|triggered)\b/g;

function clausesOf(text: string): string[] {
  return text
    .replace(UNASKED_PROMPTS, ' ')
    .split(/[,;:.!?()\n]|\s[-–—]\s|(?=\b(?:but|just|only|instead|however|though|it'?s the|not the)\b)/)
    .map((c) => c.trim())
    .filter(Boolean);
}

function scan(text: string): Found[] {
  const found: Found[] = [];
  for (const clause of clausesOf(text)) {
    findIn(clause, PASSWORD, 'password', found);
    // "password" inside "temporary password" is found once: the longer alternative wins in one pass.
    findIn(clause, MFA, 'mfa', found);
    findIn(clause, WEAK_PASSWORD, 'weak', found);
    findIn(clause, BOTH, 'both', found);
    findIn(clause, RESET_VERB, 'verb', found);
  }
  return found;
}

/**
 * Reads the scope of `sentences`; when they say nothing, each of `fallbacks` in turn (the subject, then
 * the forwarded or quoted message).
 */
export function readScope(
  sentences: readonly string[],
  ...fallbacks: ReadonlyArray<readonly string[] | undefined>
): ScopeReading {
  let text = sentences.join('. ');
  const markers = [...text.matchAll(CORRECTION_SPLIT)];
  const last = markers[markers.length - 1];
  if (last) {
    const after = text.slice((last.index ?? 0) + last[0].length);
    if (scan(after).some((f) => f.what !== 'weak' && f.what !== 'verb')) text = after;
  }
  let found = scan(text);
  const verbNegated =
    found.some((f) => f.what === 'verb' && f.negated) && !found.some((f) => f.what === 'verb' && !f.negated);
  if (verbNegated && !found.some((f) => f.what !== 'verb' && !f.negated))
    return { kind: 'nothing', evidence: 'the reset itself is negated ("don\u2019t reset")' };
  found = found.filter((f) => f.what !== 'verb');
  let fromThread = false;
  for (const fallback of fallbacks) {
    if (found.length || !fallback?.length) continue;
    found = scan(fallback.join('. ')).filter((f) => f.what !== 'verb' && !f.negated);
    fromThread = found.length > 0;
  }
  const positive = (what: Found['what']) => found.some((f) => f.what === what && !f.negated);
  const negative = (what: Found['what']) => found.some((f) => f.what === what && f.negated);
  const onlyPassword = found.some((f) => f.what === 'password' && f.only && !f.negated);
  const onlyMfa = found.some((f) => f.what === 'mfa' && f.only && !f.negated);
  const said = (what: Found['what']) =>
    found
      .filter((f) => f.what === what)
      .map((f) => `"${f.negated ? 'not ' : ''}${f.words.slice(0, 30)}"`)
      .slice(0, 2)
      .join(', ');
  const source = fromThread ? ' (read from the subject or the earlier message)' : '';

  if (onlyPassword && onlyMfa)
    return { kind: 'conflict', evidence: 'says both "only the password" and "only MFA"' };
  if (onlyPassword && !negative('password'))
    return {
      kind: 'scope',
      resetPassword: true,
      resetMfa: false,
      evidence: `password only: ${said('password')}`,
    };
  if (onlyMfa && !negative('mfa'))
    return {
      kind: 'scope',
      resetPassword: false,
      resetMfa: true,
      evidence: `MFA only: ${said('mfa')}${source}`,
    };

  const bothAsked = positive('both');
  let password = !negative('password') && (positive('password') || bothAsked);
  let mfa = !negative('mfa') && (positive('mfa') || bothAsked);
  if (!password && !mfa && !negative('password') && positive('weak')) password = true;
  if (password && mfa)
    return {
      kind: 'scope',
      resetPassword: true,
      resetMfa: true,
      evidence: bothAsked ? `both: ${said('both')}` : `both: ${said('password')} and ${said('mfa')}${source}`,
    };
  if (mfa)
    return { kind: 'scope', resetPassword: false, resetMfa: true, evidence: `MFA: ${said('mfa')}${source}` };
  if (password)
    return {
      kind: 'scope',
      resetPassword: true,
      resetMfa: false,
      evidence: `password: ${said('password') || said('weak')}${source}`,
    };
  if (found.some((f) => f.negated)) {
    const negatedWords = found
      .filter((f) => f.negated)
      .map((f) => `"${f.words.slice(0, 30)}"`)
      .slice(0, 2)
      .join(', ');
    return { kind: 'nothing', evidence: `what is named is said to need nothing: ${negatedWords}` };
  }
  password = true;
  mfa = true;
  return {
    kind: 'scope',
    resetPassword: password,
    resetMfa: mfa,
    evidence: 'nothing said about what to reset: both (the procedure’s default)',
  };
}
