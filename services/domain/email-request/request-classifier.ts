/**
 * What each sentence of an email does: asks for a reset now, chases an earlier request, thanks, cancels,
 * puts the reset off or makes it conditional, speaks of another system, asks to turn MFA off or to set a
 * chosen password, approves a forwarded plea, … and what the whole message is (an automatic reply, a
 * receipt). Sentences are read on a folded copy in which misspelt key words are put right.
 */
import { editDistance, fold } from './text-tools.js';

export interface SentenceSignals {
  /** The text the signals were read from: folded, key words spelt right. */
  canonical: string;
  /** Speaks of a reset, a password, MFA, a lock-out or sign-in trouble. */
  topic: boolean;
  /** Asks plainly for a reset ("please reset", "can you unlock"). */
  explicitAsk: boolean;
  /** Asks for something at all ("please", "can you", "needs a new password", "reset X" as an order). */
  ask: boolean;
  /** States a sign-in problem now (locked out, forgotten, expired, a new phone, no codes …). */
  problem: boolean;
  /** Asks for something without saying what ("please action", "as per subject"): the subject says what. */
  refersToSubject: boolean;
  chase: boolean;
  resolved: boolean;
  cancel: boolean;
  pending: boolean;
  conditional: boolean;
  future: boolean;
  otherSystem: boolean;
  disableMfa: boolean;
  chosenPassword: boolean;
  leaver: boolean;
  currentPassword: boolean;
  howTo: boolean;
  selfStrong: boolean;
  selfWeak: boolean;
  group: boolean;
  /** Adds a person to a request ("and X too", "same for X", "X needs his doing"). */
  addition: boolean;
  /** Corrects what came before ("sorry, I mean", "actually it's"). */
  correction: boolean;
  approval: boolean;
  notApproved: boolean;
  /** Refers to one person without a name ("the new starter", "our temp"). */
  unnamedPerson: boolean;
  pronoun: boolean;
  greeting: boolean;
}

/** Key words whose misspellings are read as the word ("resest the pasword"). */
const KEY_WORDS: ReadonlyArray<{ word: string; min: number; limit: number; not: ReadonlySet<string> }> = [
  {
    word: 'reset',
    min: 5,
    limit: 1,
    not: new Set([
      'rest',
      'resent',
      'reseat',
      'recent',
      'preset',
      'resets',
      'rested',
      'reset',
      'beset',
      'resell',
      'resit',
      'resets',
    ]),
  },
  { word: 'resetting', min: 8, limit: 1, not: new Set(['resetting', 'besetting', 'resitting']) },
  {
    word: 'password',
    min: 6,
    limit: 2,
    not: new Set([
      'passport',
      'passwords',
      'passed',
      'passing',
      'passage',
      'password',
      'passwort',
      'passover',
      'passers',
      'passable',
    ]),
  },
  { word: 'passwords', min: 8, limit: 1, not: new Set(['passwords', 'passports']) },
  {
    word: 'authenticator',
    min: 10,
    limit: 2,
    not: new Set(['authenticator', 'authentication', 'authenticate', 'authenticated']),
  },
];

const canonicalCache = new Map<string, string>();

function canonicalWord(word: string): string {
  if (word.length < 5 || word.length > 16) return word;
  const cached = canonicalCache.get(word);
  if (cached !== undefined) return cached;
  let out = word;
  if (KEY_WORDS.some((k) => k.word === word)) out = word;
  else if (/^(?:pw|pwd|passwrd|passwd|pword)$/.test(word)) out = 'password';
  else
    for (const k of KEY_WORDS) {
      if (word.length < k.min || k.not.has(word)) continue;
      if (editDistance(word, k.word, k.limit) <= k.limit) {
        out = k.word;
        break;
      }
    }
  if (canonicalCache.size < 5_000) canonicalCache.set(word, out);
  return out;
}

/** Folds a sentence and puts misspelt key words right; word positions may shift. */
export function canonicalise(sentence: string): string {
  return fold(sentence)
    .replace(/[a-z]+/g, (w) => canonicalWord(w))
    .replace(/\bp\/w\b|\bpwd?\b|\bpword\b|\bpasswd\b/g, 'password')
    .replace(/\bre-set\b/g, 'reset')
    .replace(/\s+/g, ' ');
}

const PW = String.raw`(?:password|passwords|pass word|login details|log-?in details|credentials)`;
const MFA = String.raw`(?:mfa|2fa|2sv|two[- ]?factor|two[- ]?step|2[- ]?step|multi[- ]?factor|authenticator|authentication app|auth app|verification codes?|security codes?|sign[- ]?in codes?|text codes?|otp|number matching)`;
const DAYS = String.raw`(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)`;

const TOPIC = new RegExp(
  String.raw`\b(?:reset|resets|resetting|unlock|unblock|${PW}|${MFA}|locked out|lock(?:ed)? (?:him|her|them) out|account (?:is |has been |got )?locked|(?:can'?t|cannot|can not|couldn'?t|unable to|not able to|isn'?t able to|is unable to|has trouble|having trouble|struggling to)\s+(?:get\s+)?(?:log|sign|get)\s*(?:in|on|into|back)|(?:log|sign)-?in (?:issues?|problems?|trouble)|forgot(?:ten)?|new (?:phone|mobile|handset|cell|iphone|android)|(?:lost|broke|broken|replaced|changed|dropped|smashed) (?:his |her |their |the |a )?(?:phone|mobile|handset|iphone)|(?:phone|mobile|iphone) (?:was |got |has been |is )?(?:lost|stolen|broken|replaced|wiped|dead)|(?:not |isn'?t |aren'?t |stopped )(?:getting|receiving) (?:the |her |his |their |any )?(?:codes?|texts?|prompts?|notifications?)|expired|needs? (?:his|her|their|one) (?:doing|done|resetting|sorting)|(?:can'?t|cannot|can not|unable to|not able to) access (?:his |her |their |the )?(?:e-?mails?|account|outlook|teams|mailbox|office|365|laptop|computer|pc)|(?:login|log-?in|password|account|sign-?in)s? (?:isn'?t|is not|not|stopped|doesn'?t|does not|won'?t|will not) (?:working|work|being accepted|accepted))\b`,
);
const EXPLICIT_ASK =
  /\b(?:(?:please|pls|plz|kindly|can you|could you|would you|can u|could u|can we|could we|pl[sz]?)\s+(?:\w+\s+){0,2}?(?:reset|unlock|unblock|clear|remove|re-?register|sort)|(?:reset|unlock)\b[^.]{0,80}\b(?:please|pls|plz|asap|thanks|urgently)|need(?:s|ed)? (?:a |an |her |his |their |the )?(?:password |mfa |2fa )?(?:reset|unlock|new password)|^(?:reset|unlock|please reset))\b/;
const ASK =
  /\b(?:please|pls|plz|pleas|pleaes|kindly|can (?:you|u|we|someone|it|i (?:please )?(?:request|ask|get|have))|could (?:you|u|we|someone|it|i (?:please )?(?:request|ask|get|have))|would (?:you|u)|will you|needs?|needed|needing|wants?|would like|i'?d like|requests?|requesting|require[sd]?|asap|urgent(?:ly)?|help|sort|action|go ahead|do the needful|is it possible|possible to|get (?:him|her|them|[a-z]+) (?:a|set up|sorted|reset)|give (?:him|her|them) a|ta|thanks|thank you|thx|cheers)\b|^(?:reset|unlock|re-?set|remove|clear|new|don'?t|do not|just|only)\b|\b(?:just|only) (?:the |her |his |their )?(?:mfa|2fa|password|authenticator)\b|\b(?:reset|unlock)\s*(?:for|of|:)|:\s*(?:password|mfa|2fa)?\s*reset\b|\breset\s*$/;
const PROBLEM = new RegExp(
  String.raw`\b(?:locked|lock(?:ed)? (?:him|her|them) out|kicked out|blocked|(?:can'?t|cannot|can not|couldn'?t|unable to|not able to|isn'?t able to|is unable to|having trouble|struggling to|won'?t let)\b|forgot(?:ten)?|forget|expired|new (?:phone|mobile|handset|cell|iphone|android|number|sim)|(?:lost|broke|broken|replaced|changed|dropped|smashed|swapped|upgraded|stolen|died|dead)\b|not (?:getting|receiving|working|accepted)|(?:isn'?t|aren'?t|stopped|doesn'?t|does not|won'?t) (?:getting|receiving|working|work|accepting|accepted)|wrong|incorrect|compromised|someone (?:knows|has|may have|saw|might)|no longer (?:approve|get|receive)|stuck|kept|keeps|it'?s (?:the|her|his|their) (?:authenticator|mfa|2fa|password|phone|codes?)\b)`,
);
const REFERS_TO_SUBJECT =
  /\b(?:as per (?:the )?(?:subject|title|above)|see (?:the )?(?:subject|title)|per (?:the )?subject|as (?:above|titled)|please (?:action|do|sort|process|help|action this|do this|do the needful)|(?:can|could) you (?:please )?(?:action|do|sort|process|help with) (?:this|that|it)|do the needful|asap|urgent(?:ly)?|as subject)\b/;

const CHASE =
  /\b(?:any (?:update|updates|news|progress|joy|luck)|still waiting|still not (?:done|reset|sorted|heard)|chasing|(?:sorry )?to chase|(?:checking|check|confirm) (?:that |whether |if )?you (?:got|received|saw|have)|\b(?:try|trying|redo|reset|resetting)\b[^.]{0,40}\bagain\b(?! for)|chase (?:this|it|up)|has [^.?!]{0,40} been (?:done|actioned|completed|sorted|looked at)|(?:done|actioned|sorted) yet|follow(?:ing)?[- ]up (?:on )?(?:my|the|this)|did you (?:get|see|receive) my|have you (?:had a chance|managed|been able)|has (?:this|that|it|the reset|my request|my email) been (?:done|actioned|completed|sorted|looked at)|is (?:this|it|that) (?:done|sorted) yet|when (?:will|can) (?:this|it|that) be (?:done|sorted|actioned)|heard nothing|(?:no|not had a) (?:reply|response)|haven'?t heard|what'?s (?:happening|the status) with|status (?:on|of) (?:the|my)|the (?:reset|request) i (?:asked|sent|requested|raised) (?:for|about)?|(?:asked|emailed|wrote) (?:you )?(?:earlier|yesterday|this morning|last week))\b/;
const RESOLVED =
  /\b(?:that (?:has )?(?:worked|did it|did the trick|fixed it|sorted it)|(?:it'?s|it is|all|everything|she'?s|he'?s|they'?re|she is|he is|they are) (?:all )?(?:(?:working|up and running|ok|fine) (?:now|again)|sorted|fixed|resolved|all good|good to go|back in|in now)|everything(?:'s| is) working|(?:got|managed to get|has got|is) (?:back )?in (?:now|again|fine)|can (?:log|sign|get) (?:in|on) (?:now|again|fine)|works now|working again|problem solved|issue resolved|(?:thanks|thank you|thx) (?:so much |very much )?for (?:sorting|resetting|fixing|unlocking|your help|the help|the quick|getting back|doing)|no further action|no action (?:needed|required)|already (?:been )?(?:reset|done|sorted|fixed)|(?:has been|was) (?:reset|done|sorted|fixed) (?:already|by)|you can close)\b/;
const CANCEL =
  /\b(?:(?:please )?ignore (?:my|the|this|that) (?:previous |last |earlier |other )?(?:email|message|mail|request)|please ignore|disregard|cancel (?:that|this|my|the)|never ?mind|no longer (?:need|needed|required|necessary)|not needed (?:any ?more)|(?:don'?t|do not) worry(?: about it)?|(?:she|he|they)(?:'s| has| have|'ve)? (?:just |now |actually )?(?:remembered|found|managed)|(?:found|remembered|recalled) (?:it|her|his|their|the)\b|ignore (?:that|this)|actually,? (?:don'?t|do not|no need)|scrap that|forget (?:it|that|my (?:last|previous))|false alarm|(?:don'?t|do not) (?:do|bother with|reset|worry about)\b[^.]{0,30}\bafter all|(?:phone|it|laptop) (?:has )?turned up)\b/;
const PENDING =
  /\b(?:get back to you|come back to you|(?:i'?ll|i will) (?:confirm|check|come back|ask|find out|double[- ]check)|let you know (?:if|whether) (?:we|she|he|they|i) (?:still )?(?:need|want)|hold off|wait (?:until|till|for) (?:i|me|my|her|him|them)|(?:don'?t|do not) (?:do|action|reset|touch) (?:anything|it|this|that)? ?(?:yet|until|for now)|let me (?:check|confirm|speak|talk|ask|double[- ]check|find out)|before you do anything|checking with|waiting to hear|before confirming|waiting for (?:him|her|them|[a-z]+) to (?:confirm|get back|reply)|(?:i'?m|i am) (?:just )?checking|(?:don'?t|do not) (?:do|action|reset|touch|change)\b[^.]{0,40}\byet\b|not yet|on hold)\b/;
const POLITE_IF =
  /\b(?:if (?:you|u) (?:can|could|would|don'?t mind|get a (?:chance|minute|moment)|have (?:time|a minute|a moment|a sec)|are able|need|have any|require)|if (?:possible|poss|at all possible)|if (?:that'?s|it'?s|this is|that is) (?:ok|okay|alright|all right|possible|fine|not too much)|if not too much trouble|(?:let|tell|call|ring|email|shout|ask|see|check|know) (?:me |us )?(?:know )?if|as if|even if|if any(?:thing)?)\b/g;
const CONDITIONAL =
  /\b(?:if|unless|in case|should (?:she|he|they|it) (?:need|still|not|fail)|^should [a-z'-]+(?: [a-z'-]+)? (?:still|need|not|fail|be|remain|stay)|(?:once|as soon as|after) (?:she|he|they|[a-z]+)(?:'s| has| have| is| are)? (?:confirmed|done|finished|sent|got|received|spoken|called|approved|agreed|checked|told))\b/;
const FUTURE_STRONG = new RegExp(
  String.raw`\b(?:schedul(?:e|ed|ing)|(?:for|by|until) (?:the )?\d{1,2}(?:st|nd|rd|th)\b|after (?:he|she|they) (?:leaves?|has left|goes|finishes)|tomorrow|tmrw|tmr|next (?:week|month|${DAYS}|time)|this coming ${DAYS}|(?:when|once) (?:she|he|they|it)(?:'s| is| are|'re| gets?| returns?| comes?| come) back|(?:when|once) (?:she|he|they) (?:returns?|starts?|arrives?)|(?:when|once) [a-z'-]+(?: [a-z'-]+)? (?:is|are|gets?|comes?) back|(?:when|once) [a-z'-]+ (?:returns?|starts?)|(?:from|on) (?:the )?\d{1,2}(?:st|nd|rd|th)\b|first thing (?:on |tomorrow|${DAYS})|later (?:this|in the) (?:week|month)|in (?:a|two|2|three|3|a couple of) (?:weeks?|days)|before (?:she|he|they) (?:starts?|returns?|comes? back)|(?:end|start) of (?:the |next )?(?:week|month)|(?:she|he|they) (?:is|are|'s|'re) (?:back|returning|starting) (?:on|next|from))`,
);
const FUTURE_WEAK = new RegExp(
  String.raw`\b(?:(?:on|this) ${DAYS}(?: morning| afternoon| evening)?|over the weekend|at the weekend|after (?:his|her|their) (?:holiday|holidays|leave|vacation|maternity leave|paternity leave|break|trip))\b`,
);
const PAST_OR_NOW =
  /\b(?:was|were|got|had|did|didn'?t|since|lost|broke|yesterday|last|ago|today|now|asap|straight away|immediately|urgent(?:ly)?|this morning|right away|[a-z]{3,}ed)\b/;
/** The reset is wanted now, whatever else the sentence says about later ("she's off next week, so today"). */
const NOW =
  /\b(?:today|(?<!than )now|asap|straight away|right away|immediately|urgent(?:ly)?|this morning|before (?:she|he|they) (?:goes|leaves))\b/;
const OTHER_SYSTEMS = String.raw`(?:salesforce|xero|sage|quickbooks|adobe|zoom|slack|dropbox|docusign|hubspot|mailchimp|shopify|amazon|aws|linkedin|facebook|instagram|twitter|gmail|google|apple id|icloud|itunes|wi-?fi|wireless|printer|copier|door|alarm|gate|voicemail|phone system|desk phone|bios|bitlocker|netsuite|sap|oracle|workday|bamboo ?hr|myob|payroll (?:portal|system|site)|bank(?:ing)?|pension|website|wordpress|crm|erp|citrix|sage 50|xero's|canva|trello|asana|jira|github|godaddy|paypal|stripe|ebay|whatsapp|iphone passcode|phone pin|laptop pin|bios|(?:hr|payroll|holiday|expenses|supplier|customer|booking|training|pension|benefits|timesheet) (?:portal|system|site|app)|breathe ?hr|shared drive|drive|folder|shared folder|spreadsheet|workbook|file|files|team site|sharepoint site|channel|calendar|permissions)`;
const OTHER_SYSTEM = new RegExp(
  String.raw`\b(?:${OTHER_SYSTEMS}(?: online| account| accounts)?(?:'s)? (?:${PW}|password|login|log-?in|account|${MFA}|pin|passcode|access)|(?:${PW}|login|log-?in|account|access|${MFA}) (?:to|for|on|in|into) (?:the |her |his |their |our )?${OTHER_SYSTEMS}|locked out of (?:the |her |his |their |our )?(?:[a-z]+ )?${OTHER_SYSTEMS}|(?:get|log|sign) (?:in ?to|into|onto) (?:the |her |his |their |our )?${OTHER_SYSTEMS})\b`,
);
const MICROSOFT =
  /\b(?:microsoft|office ?365|o365|m365|365|outlook|teams|email|e-?mail|onedrive|sharepoint|windows|entra|azure|office)\b/;
const DISABLE_MFA = new RegExp(
  String.raw`\b(?:(?:turn|switch|put) (?:the |her |his |their )?${MFA} (?:back )?on|(?:turn|switch|put) (?:back )?on (?:the |her |his |their )?${MFA}|(?:re-?enable|enable|reactivate|activate) (?:the |her |his |their )?${MFA}|(?:turn|switch|shut|take) off (?:the |her |his |their )?${MFA}|(?:turn|switch|shut|take) (?:the |her |his |their )?${MFA} off|(?:disabled?|deactivated?|exempt(?:ed)?|exclude[sd]?|bypass(?:ed)?|get rid of)\b[^.]{0,30}\b${MFA}|${MFA}\b[^.]{0,20}\b(?:disabled|switched off|turned off|exemption|exempt)|(?:remove|stop)\b[^.]{0,30}\b${MFA}\b[^.]{0,30}\b(?:permanently|for good|altogether|completely|entirely|any ?more|at all|for ever|forever)|(?:doesn'?t|does not|don'?t|do not) (?:want|need|like) (?:to use )?(?:the |her |his |their )?${MFA}(?! (?:app )?on (?:her|his|their|a|the) (?:personal|own|private|old))|without (?:any )?${MFA}(?! (?:method|app|device|registered|set ?up))|no (?:more )?${MFA}(?: (?:for|on) [a-z]+)?\s*(?:please|pls|$|[.,!;])|stop (?:asking|prompting) (?:him |her |them )?for (?:codes?|${MFA}))`,
);
const CHOSEN_PASSWORD = new RegExp(
  String.raw`\b(?:(?:set|change|reset|make|update)\b(?:(?!\b(?:send|email|e-mail|mail|text|forward|pass|give)\b)[^.]){0,30}\b(?:password|it)\b (?:to|as)\b(?! (?:a|an|something|some|the (?:default|temporary|temp|usual)|temporary|temp|random|new one|me|him|her|them|us|my|his|their|our)\b)(?! ?[^\s@]*@)|(?:make|set|change)\b[^.]{0,30}\bpassword\s+(?:to\s+|as\s+)?["'“]?(?=[^\s"'”]*[0-9!@#$%^&*])[^\s"'”]{4,}|password (?:should|must|needs to|will|can) be\b|new password (?:is|should be|will be)\b|new password\s*[:=]|(?:use|give (?:him|her|them)) (?:the |this )?password\b|password (?:to|as)\s*["'“]|(?:his|her|their) password (?:as|to) (?:her|his|their) (?:usual|old|previous)|same password as|\buse\b[^.]{0,40}\bas (?:his|her|their|the|(?:[a-z-]+ ){0,2}[a-z-]+'s) (?:new )?password)`,
);
const LEAVER =
  /\b(?:handed in (?:his|her|their) notice|(?:finishes|leaves|leaving) (?:on|this|next|at the end)|last day (?:is|was|will be)|(?:has|have|had) left(?= (?:the company|us|the business|the firm|the organi[sz]ation|on |last )|[.,;]|$)|left (?:the company|us|the business|the firm)|is a leaver|no longer (?:works|working|with us|employed)|resigned|(?:was|has been|been) (?:dismissed|let go|made redundant)|(?:i|we|me|us) (?:can |could |need to |want to |to |would like to )?(?:access|get into|get in to|look at|see|read|monitor|check) (?:his|her|their|[a-z]+'s) (?:mailbox|e-?mails?|inbox|onedrive|files)\b)/;
const CURRENT_PASSWORD =
  /\b(?:(?:send|tell|give|forward|let me have|what is|what'?s|remind me of) (?:me |us )?(?:his|her|their|(?:[a-z-]+ ){0,2}[a-z-]+'s) (?:current|existing|old|actual|usual) password|log (?:in|into|on)(?: to)? (?:his|her|their|[a-z]+'s) account (?:for|on behalf of|as) (?:him|her|them))\b/;
const HOW_TO =
  /\b(?:how (?:do|can|should|would) (?:i|we|managers?|one)\b|how to (?:reset|unlock)|what(?:'s| is) the (?:process|procedure|way)|where (?:do|can) i|is there a way|can i (?:reset|unlock|do (?:it|this|that)) (?:myself|my ?self|from)|(?:the|a) link to (?:the )?(?:portal|reset page)|what happens (?:to|if|when))\b/;
const SELF_STRONG =
  /\bmy (?:own |work |office |microsoft |ms |365 |o365 |m365 |email |outlook |teams |company |windows |computer |laptop )?(?:password|passwords|mfa|2fa|authenticator|account|login|log-?in|sign-?in|multi[- ]?factor|two[- ]factor|verification)\b|\b(?:reset|unlock) me\b|\bi(?:'m| am|m| was| have been|'ve been| keep getting| got| get)\s+(?:now |still |completely |totally )?(?:locked out|unable to (?:log|sign)|not able to (?:log|sign))|\bi (?:forgot|have forgotten|'ve forgotten|lost|have lost|can'?t remember|don'?t remember) my\b|\bi (?:can'?t|cannot|can not|couldn'?t|am unable to|'m unable to) (?:log|sign|get) ?(?:in|on|into)\b|\b(?:and|also|plus) mine\b|\bme (?:too|as well)\b|\b(?:and i|me and|i and) (?:are|were|have|both|can'?t)\b|\b(?:reset|unlock) us\b|\b(?:both of us|we both|we are both|we'?re both) (?:are |were )?(?:locked|unable|can'?t)/;
const SELF_WEAK =
  /\bfor (?:me|myself)\b(?! to)|\bi (?:got|have|bought|need) a new (?:phone|mobile|handset)\b|\bmine\b/;
const GROUP =
  /\b(?:everyone|everybody|all (?:the |my |our )?(?:users|staff|accounts|employees|members|of them|of us|people|passwords|team)|the whole (?:[a-z]+ )?(?:team|company|office|department|staff|of)|(?:the )?entire (?:[a-z]+ )?(?:team|company|office|department|staff)|each (?:user|member|of them|account)|the following (?:users|people|staff|accounts)|these (?:users|people|staff|accounts)|(?:several|multiple|some|a few|few) (?:users|people|staff|accounts|employees|of my)|new starters|(?:users|staff|people) (?:are|were) (?:all )?(?:locked out|unable)|(?<!\b(?:from|in|on|of|at|with) )the (?:sales|finance|ops|operations|warehouse|accounts|hr) team)\b/;
const ADDITION =
  /\b(?:too|as well|also|same (?:for|with|goes for|again for|thing for|applies to|issue for|problem for)|needs? the same|the same (?:please|too|again)|same again|another one|one more(?! thing)|plus|as does|so does|in addition|additionally|while you'?re at it|needs? (?:his|hers|her|theirs|their|one) (?:doing|done|resetting|sorting)|and (?:for )?(?:also )?[a-z]+ (?:too|as well))\b/;
const CORRECTION =
  /\b(?:i mean|i meant|i mean't|(?:sorry|apologies|oops),? (?:i mean|it'?s|it is|it should be|should be|meant|wrong person|that should)|actually,? (?:it'?s|it is|i mean|it should be|i need|for|not)|correction|make that|rather than|scratch that|no wait|wait,? (?:no|it'?s)|my mistake|my bad|typo|wrong (?:name|person)|should (?:have )?(?:read|said|be)|it'?s (?:actually )?[a-z]+ who|not [a-z' -]{1,40},? but)\b/;
const APPROVAL =
  /\b(?:approved?|authori[sz]ed?|i approve|ok(?:ay)?(?: to| for you to) (?:reset|proceed|go ahead|action|do)|go ahead|please (?:action|proceed|do|sort|help|process|assist|reset|deal with|handle|arrange|unlock)|(?:can|could|would) you (?:please )?(?:help|sort|do|action|reset|process|assist|deal with|handle|unlock)|happy for (?:you|this) to|fine to (?:proceed|go ahead|reset)|yes,? please|confirmed|i (?:can )?confirm|(?:this|it) is genuine|it'?s genuine|(?:is |it'?s )legit|i'?ve spoken (?:to|with)|i have spoken (?:to|with)|as requested below|see below and (?:action|reset|sort|help)|per below|please see below and)\b/;
const NOT_APPROVED =
  /\b(?:not approved|(?:don'?t|do not) (?:approve|action|reset|proceed|do)|is (?:this|it) (?:legit|genuine|real|safe|spam|phishing|ok)|phishing|suspicious|scam|spam|fyi|for your information|not sure (?:if|whether|about)|should (?:we|i|you) (?:do|action|reset)|what do you think)\b/;
const UNNAMED_PERSON =
  /\b(?:the|our|my|a|an|this|that) (?:new )?(?:starter|temp|intern|contractor|apprentice|receptionist|new (?:guy|girl|lad|hire|person|employee|colleague)|member of staff|staff member|guy|lady|girl|lad|boss|supervisor|ceo|cfo|md|finance director|team leader|one of (?:my|our) (?:team|staff))\b/;
const PRONOUN =
  /\b(?:he|she|they|him|her|his|hers|them|their|theirs|this (?:user|person|account)|the same (?:person|user))\b/;
const GREETING = /^(?:hi|hello|hey|dear|morning|good (?:morning|afternoon|evening)|hiya|greetings|to)\b/;

export function readSentence(sentence: string): SentenceSignals {
  const c = canonicalise(sentence);
  const withoutPoliteIf = c.replace(POLITE_IF, ' ');
  const topic = TOPIC.test(c);
  // "Her password expires tomorrow" dates the expiry, not the reset.
  const timing = c.replace(
    /\b(?:expires?|expiring|expiry|runs? out|will expire|is due to expire)\s+(?:on\s+|at\s+)?(?:tomorrow|next \w+|this \w+|on \w+|the \w+)/g,
    ' ',
  );
  const futureWeak = FUTURE_WEAK.test(timing) && !PAST_OR_NOW.test(timing);
  const other =
    OTHER_SYSTEM.test(c) &&
    !new RegExp(String.raw`${MICROSOFT.source}\s+(?:${PW}|${MFA}|account|login)`).test(c);
  return {
    canonical: c,
    topic,
    explicitAsk: EXPLICIT_ASK.test(c),
    ask: ASK.test(c),
    problem: PROBLEM.test(c),
    refersToSubject: REFERS_TO_SUBJECT.test(c),
    chase: CHASE.test(c),
    resolved: RESOLVED.test(c),
    cancel: CANCEL.test(c),
    pending: PENDING.test(c),
    conditional: CONDITIONAL.test(withoutPoliteIf),
    future: (FUTURE_STRONG.test(timing) || futureWeak) && !NOW.test(timing),
    otherSystem: other,
    disableMfa: DISABLE_MFA.test(c),
    chosenPassword: CHOSEN_PASSWORD.test(c),
    leaver: LEAVER.test(c),
    currentPassword: CURRENT_PASSWORD.test(c),
    howTo: HOW_TO.test(c),
    selfStrong: SELF_STRONG.test(c),
    selfWeak: SELF_WEAK.test(c),
    group: GROUP.test(c),
    addition: ADDITION.test(c),
    correction: CORRECTION.test(c),
    approval: APPROVAL.test(c),
    notApproved: NOT_APPROVED.test(c),
    unnamedPerson: UNNAMED_PERSON.test(c),
    pronoun: PRONOUN.test(c),
    greeting: GREETING.test(c),
  };
}

/** Short evidence for a signal: the words that set it, quoted, at most 40 characters. */
export function signalWords(signals: SentenceSignals, signal: keyof typeof SIGNAL_PATTERNS): string {
  const m = SIGNAL_PATTERNS[signal].exec(signals.canonical);
  return m ? `"${m[0].trim().slice(0, 40)}"` : '';
}

export const SIGNAL_PATTERNS = {
  chase: CHASE,
  resolved: RESOLVED,
  cancel: CANCEL,
  pending: PENDING,
  conditional: CONDITIONAL,
  future: FUTURE_STRONG,
  futureWeak: FUTURE_WEAK,
  otherSystem: OTHER_SYSTEM,
  disableMfa: DISABLE_MFA,
  leaver: LEAVER,
  currentPassword: CURRENT_PASSWORD,
  chosenPassword:
    /\b(?:set|change|reset|make|update|use|give|new password|password (?:should|must|needs to|will|can) be|same password)\b/,
  howTo: HOW_TO,
  selfStrong: SELF_STRONG,
  group: GROUP,
  correction: CORRECTION,
  approval: APPROVAL,
  notApproved: NOT_APPROVED,
} as const;

/** An out-of-office or other automatic reply, told by its body. */
const AUTO_REPLY_BODY =
  /\b(?:(?:i am|i'm|i will be|i'll be) (?:currently )?(?:out of (?:the )?office|on (?:annual |parental |maternity |sick )?leave|away from (?:the office|my desk)|on holiday|on vacation|travelling)\b[^]{0,200}\b(?:until|returning|return|back on|back in the office|limited access|respond|reply)|this is an automat(?:ic|ed) (?:reply|response|message)|nicht im buro|abwesend bis|absent(?:e)? du bureau|fuera de la oficina|automatic reply|auto-?reply|this mailbox is (?:not|no longer) monitored|do not reply to this (?:email|message))/;
/** A read receipt, delivery report or bounce, told by its body. */
const RECEIPT_BODY =
  /\b(?:your message (?:to [^]{0,120})?(?:was|has been) (?:read|delivered|not delivered|deleted without being read)|delivery has failed|(?:couldn'?t|could not|can'?t|cannot|wasn'?t|was not) (?:be )?delivered|message (?:was )?not delivered|the following recipients?|permanent (?:error|failure)|mailer-daemon|postmaster|delivery status notification|read receipt|return receipt)\b/;

export function looksLikeAutoReply(text: string): boolean {
  return AUTO_REPLY_BODY.test(canonicalise(text));
}

export function looksLikeReceipt(text: string): boolean {
  return RECEIPT_BODY.test(canonicalise(text));
}
