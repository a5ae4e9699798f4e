/**
 * Word lists the name matcher needs: words that are never a name here, English words that are also
 * first names or surnames (read as a name only when written as one), nicknames, relations that make a
 * person not a member of staff, and the usual words for departments.
 */

/** Words that are never (part of) a staff member's name in these emails, compared folded. */
export const NOT_A_NAME = new Set(
  `a an the this that these those it its it's i i'm me my we us our you your he she they them their his her him hers
  hi hello hey dear morning afternoon evening good please pls plz thanks thank cheers regards kind best urgent asap
  also and but so ok okay yes no fyi note ps re fw fwd subject can could would will should may might must
  reset resets unlock password passwords pwd pw passcode mfa 2fa 2sv otp sspr authenticator authentication
  multi-factor multifactor factor verification code codes phone mobile account accounts login logon signin sign
  both everything everyone everybody all anyone someone somebody nobody each every user users staff member
  members employee employees person people team teams colleague colleagues new starter starters leaver
  manager managers director directors ceo cfo cto coo cio md gm pa vp svp evp owner founder partner boss head
  it hr ops finance accounting accounts sales marketing reception receptionist admin administrator operations
  support legal payroll warehouse management office dept department company helpdesk help desk service
  microsoft windows azure entra outlook office365 o365 m365 365 teams onedrive sharepoint exchange google
  monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday tonight
  january february march april june july august september october november december
  what when where who why how which there here let let's that's what's here's there's he's she's
  mr mrs ms miss dr prof sir madam request requests ticket issue problem ta
  for of to in at on from with by is are was were be been has have had do does did not as or if than then
  apparently unfortunately sadly now just quick quickly looks seems well hopefully basically again still
  suddenly meanwhile btw sorry oh update same poor new another other urgently kindly
  approved approve action actioned locked out log sign get got lost forgot needs need done doing
  temp temporary intern contractor guy lady girl lad our their mine yours hers his theirs
  salesforce xero sage quickbooks adobe zoom slack dropbox vpn wifi printer laptop pc computer iphone android
  email e-mail mail inbox thank-you hiya morning`.split(/\s+/),
);

/** English words that are also names: such a word is a name only when capitalised and used as one. */
export const COMMON_WORD_NAMES = new Set(
  `will may june april august mark bill pat sue rob bob don art max ray jack rose amber ruby jade ivy holly lily
  daisy dawn eve faith grace hope joy summer autumn crystal heather iris olive pearl rich sunny drew frank
  gene guy miles dean lance rusty buck chip dale glen carol jean lane reed angel sky price young hall wood
  bell page ward long short white black brown green gray grey king little hill rock stone field bush frost
  park chan cole lee may fox cook baker hunter chase mason banks rivers marsh moss nash bird lamb hay
  penny norman victor earl sterling major`.split(/\s+/),
);

/** Common English nicknames, read only together with the surname. */
export const NICKNAMES: Readonly<Record<string, readonly string[]>> = {
  robert: ['rob', 'bob', 'bobby', 'robbie', 'bert'],
  william: ['will', 'bill', 'billy', 'liam', 'willy'],
  richard: ['rich', 'rick', 'dick', 'ricky'],
  michael: ['mike', 'mick', 'mikey', 'micky'],
  elizabeth: ['liz', 'beth', 'lizzie', 'betty', 'eliza', 'libby'],
  katherine: ['kate', 'kath', 'katie', 'kathy', 'kat'],
  catherine: ['cath', 'cathy', 'kate', 'cat'],
  jessica: ['jess', 'jessie'],
  rebecca: ['becky', 'becca', 'bex'],
  thomas: ['tom', 'tommy'],
  daniel: ['dan', 'danny'],
  christopher: ['chris'],
  christine: ['chris', 'chrissy'],
  matthew: ['matt'],
  nicholas: ['nick', 'nicky'],
  jennifer: ['jen', 'jenny'],
  samantha: ['sam', 'sammy'],
  samuel: ['sam', 'sammy'],
  alexander: ['alex', 'al', 'sandy'],
  alexandra: ['alex', 'sandra'],
  benjamin: ['ben', 'benny'],
  joseph: ['joe', 'joey'],
  james: ['jim', 'jimmy', 'jamie'],
  gregory: ['greg'],
  andrew: ['andy', 'drew'],
  anthony: ['tony'],
  edward: ['ed', 'eddie', 'ted'],
  patrick: ['pat', 'paddy'],
  margaret: ['maggie', 'peggy', 'meg'],
  victoria: ['vicky', 'tori'],
  deborah: ['debbie', 'deb'],
  susan: ['sue', 'susie'],
  kevin: ['kev'],
  steven: ['steve'],
  stephen: ['steve'],
  timothy: ['tim'],
  jonathan: ['jon', 'jonny'],
  david: ['dave', 'davey'],
  abigail: ['abi', 'abby'],
  charlotte: ['charlie', 'lottie'],
  mohammed: ['mo'],
  muhammad: ['mo'],
};

/** Words before a name that make the person family, a customer or a supplier, not a member of staff. */
export const NOT_STAFF_BEFORE =
  /\b(?:my|our|her|his) (?:son|daughter|husband|wife|partner|boyfriend|girlfriend|brother|sister|mum|mom|mother|dad|father|friend|nephew|niece|cousin|kid|child|neighbou?r|fiance|fiancee)\b|\b(?:our|the|a) (?:supplier|vendor|client|customer|courier|consultant|contact at|rep from|accountant|auditor)\b/;

/** Department words as people write them, to the words directories use. */
export const DEPARTMENT_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  accounts: ['finance', 'accounting', 'accounts'],
  accounting: ['finance', 'accounting', 'accounts'],
  finance: ['finance', 'accounting', 'accounts'],
  hr: ['hr', 'human', 'people'],
  people: ['hr', 'people'],
  ops: ['operations', 'ops'],
  operations: ['operations', 'ops'],
  it: ['it', 'technology'],
  sales: ['sales', 'commercial'],
  warehouse: ['warehouse', 'logistics', 'despatch', 'dispatch'],
  logistics: ['warehouse', 'logistics'],
  despatch: ['warehouse', 'despatch', 'dispatch'],
  reception: ['reception', 'front', 'receptionist'],
  marketing: ['marketing'],
};

/** Personal mailbox domains: an address there is a delivery address, never a staff account. */
export const PERSONAL_DOMAINS =
  /@(?:gmail|googlemail|hotmail|outlook|live|msn|yahoo|ymail|icloud|me|mac|aol|proton|protonmail|pm|gmx|web|btinternet|sky|virginmedia|talktalk|mail|yandex|zoho)\.[a-z.]+$/i;
