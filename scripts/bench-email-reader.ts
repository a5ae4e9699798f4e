// The email reader's phase of `npm run bench -- --only=email-reader`: in-process, no service, no Redis
// traffic. Times the reader on the project's corpus, on a 100 KB Outlook-style HTML body and against a
// tenant-sized candidate list (an approver's), and checks that none takes anywhere near seconds.
import {
  readEmailRequest,
  type CandidatePerson,
} from '../services/domain/email-request/email-request-reader.js';
import { loadCorpus, loadDirectory, readCase } from '../test/support/manager-email-corpus.js';

const round = (n: number) => Math.round(n * 10) / 10;

function timed(runs: number, fn: () => void): { medianMs: number; maxMs: number } {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return {
    medianMs: round(times[Math.floor(times.length / 2)] as number),
    maxMs: round(times.at(-1) as number),
  };
}

/** A tenant of `n` people with realistic name spread (shared first names, varied surnames). */
function tenant(n: number): CandidatePerson[] {
  const given = [
    'Anna',
    'Ben',
    'Carla',
    'David',
    'Elena',
    'Farid',
    'Grace',
    'Hugo',
    'Ines',
    'Jonas',
    'Kira',
    'Lukas',
  ];
  const surnames = [
    'Andersson',
    'Bauer',
    'Costa',
    'Dubois',
    'Eriksen',
    'Fischer',
    'Garcia',
    'Hansen',
    'Ivanova',
  ];
  return Array.from({ length: n }, (_, i) => {
    const g = `${given[i % given.length]}${i >= 500 ? String.fromCharCode(97 + (i % 26)) : ''}`;
    const s = `${surnames[i % surnames.length]}${i >= 100 ? `-${Math.floor(i / 9)}` : ''}`;
    return {
      id: `u${i}`,
      displayName: `${g} ${s}`,
      givenName: g,
      surname: s,
      userPrincipalName: `u${i}@tenant.example`,
      department: `Department ${i % 40}`,
    };
  });
}

export function emailReaderPhase(): Record<string, unknown> {
  const directory = loadDirectory();
  const cases = loadCorpus().flatMap((g) => g.cases);
  readCase(directory, cases[0]!); // the first call compiles the regular expressions and the HTML reader
  const corpus = timed(5, () => {
    for (const c of cases) readCase(directory, c);
  });
  const team = tenant(50);
  const outlook = `<html><head><style>p.MsoNormal{margin:0}</style></head><body><div class="WordSection1">${'<p class="MsoNormal"><span style="font-size:11.0pt;font-family:Calibri">Figures for the quarter are attached &amp; the notes follow.<o:p></o:p></span></p>'.repeat(600)}<p class="MsoNormal">Please reset MFA for Anna Andersson.</p></div></body></html>`;
  const html = timed(20, () => readEmailRequest({ subject: 'Figures', body: outlook }, team, {}));
  const big = tenant(5_000);
  let text = '';
  while (text.length < 19_000)
    text += 'Figures for the quarter are attached and the notes follow for the procurement team. ';
  text += '\nPlease reset the password for Anna Andersson.';
  const longText = timed(10, () => readEmailRequest({ subject: '', body: text }, big, {}));
  const short = timed(10, () =>
    readEmailRequest({ subject: '', body: 'Please reset MFA for Anna Andersson, new phone' }, big, {}),
  );
  const perEmailMs = round(corpus.medianMs / cases.length);
  return {
    corpus: { emails: cases.length, totalMedianMs: corpus.medianMs, perEmailMs },
    html100kb: { bytes: outlook.length, candidates: team.length, ...html },
    text20kbTenant5000: { candidates: big.length, ...longText },
    shortTenant5000: { candidates: big.length, ...short },
    targets: {
      html100kb: { target: 'max < 1000 ms', met: html.maxMs < 1000 },
      text20kbTenant5000: { target: 'max < 1000 ms', met: longText.maxMs < 1000 },
      perEmail: { target: 'median < 20 ms', met: perEmailMs < 20 },
    },
  };
}
