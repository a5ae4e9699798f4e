import { createHash } from 'node:crypto';
import { OUTCOME_CODES, describeOutcome, type OutcomeCode } from '../domain/outcome-codes.js';
import { escapeHtml } from '../domain/html-escape.js';
import { renderHtmlDocument } from '../http/html-page.js';
import type { PendingConfirmationSummary } from '../confirmation/confirmation-store.js';
import type { RecordedHandOff } from '../policy/ticket-ledger.js';
import type { LiveLinkSummary } from '../secure-link/live-link-reader.js';
import type { ConsoleAuditEntry } from './console-audit.js';
import type { FailedJobSummary, WatchSummary } from './console-sources.js';

/**
 * HTML of the console's pages. Pure functions of their inputs; every value goes through `escapeHtml`. No
 * script; one inline stylesheet allowed by its hash (`CONSOLE_CSP`). No page ever receives a secret: the
 * inputs are the read sides' summaries, which hold none.
 */

const CSS = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:.6rem 1.2rem;display:flex;gap:.9rem;align-items:center;flex-wrap:wrap;font-size:.92rem}
header .brand{font-weight:600;margin-right:auto}
header a{color:#cfd6e4;text-decoration:none}header a[aria-current]{color:#fff;font-weight:600;border-bottom:2px solid #6ea8fe}
header form{margin:0}header button{background:none;border:1px solid #6b7487;color:#fff;border-radius:4px;padding:.2rem .6rem;cursor:pointer}
main{max-width:72rem;margin:1.5rem auto;padding:0 1.2rem}
h1{font-size:1.35rem;margin:0 0 .3rem}p.lead{color:#5a6275;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e8}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #e7eaf0;vertical-align:top}
th{background:#eef1f5;font-weight:600;font-size:.85rem;color:#3b4354}
td.empty{color:#6b7487;text-align:center;padding:1.2rem}
code{font:13px ui-monospace,Menlo,Consolas,monospace;background:#eef1f5;padding:0 .25rem;border-radius:3px}
.notice{background:#e7f5ec;border:1px solid #9fd3b2;padding:.5rem .8rem;border-radius:4px}
.warn{background:#fdf3e1;border:1px solid #f0c977}
button.retry{background:#1f5fd1;color:#fff;border:0;border-radius:4px;padding:.3rem .8rem;cursor:pointer}
.card{max-width:34rem;margin:4rem auto;background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:1.5rem}
a.button{display:inline-block;background:#1f5fd1;color:#fff;border-radius:4px;padding:.4rem 1rem;text-decoration:none}
`;

/** The console pages' policy: nothing but the inline stylesheet above, forms to this origin only. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(CSS).digest('base64')}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const CONSOLE_SECTIONS = [
  ['confirmations', 'Confirmations'],
  ['links', 'Secure links'],
  ['hand-offs', 'Hand-offs'],
  ['failed', 'Failed jobs'],
  ['queues/', 'Queues'],
  ['watches', 'Watches'],
  ['audit', 'Audit'],
] as const;

export interface PageFrame {
  basePath: string;
  mspName: string;
  operator: { name: string; upn: string; csrf: string };
  active: string;
}

const when = (date: Date | undefined) =>
  date ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'not recorded';
const e = escapeHtml;

function document(title: string, mspName: string, header: string, main: string): string {
  return renderHtmlDocument({
    title: `${title} · ${mspName} operator console`,
    referrer: 'same-origin',
    head: `<style>${CSS}</style>`,
    body: `${header}<main>
${main}
</main>`,
  });
}

function page(frame: PageFrame, title: string, main: string): string {
  const base = e(frame.basePath);
  const nav = CONSOLE_SECTIONS.map(
    ([path, label]) =>
      `<a href="${base}/${path}"${path === frame.active ? ' aria-current="page"' : ''}>${label}</a>`,
  ).join('\n');
  const header = `<header>
<span class="brand">${e(frame.mspName)} · resetdesk console</span>
${nav}
<span title="${e(frame.operator.upn)}">${e(frame.operator.name)}</span>
<form method="post" action="${base}/auth/sign-out"><input type="hidden" name="_csrf" value="${e(frame.operator.csrf)}"><button type="submit">Sign out</button></form>
</header>
`;
  return document(title, frame.mspName, header, main);
}

function table(headings: string[], rows: string[][], empty: string): string {
  const head = headings.map((h) => `<th scope="col">${h}</th>`).join('');
  const body =
    rows.length === 0
      ? `<tr><td class="empty" colspan="${headings.length}">${e(empty)}</td></tr>`
      : rows.map((cells) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

const ticket = (psa: string, id: string) => `${e(psa)} #${e(id)}`;
const WHAT = { password: 'password', mfa: 'MFA', both: 'password and MFA' } as const;

export function renderConfirmationsPage(frame: PageFrame, items: PendingConfirmationSummary[]): string {
  return page(
    frame,
    'Pending confirmations',
    `<h1>Pending confirmations</h1>
<p class="lead">Email requests waiting for the contact on file to answer the confirmation link. Nothing is reset before a "yes".</p>
${table(
  ['Ticket', 'Target', 'Reset', 'Requester', 'Asked at', 'Expires'],
  items.map((c) => [
    ticket(c.context.psa, c.context.ticketId),
    `${e(c.question.targetDisplayName)}${c.question.targetSignInName ? `<br><code>${e(c.question.targetSignInName)}</code>` : ''}`,
    WHAT[c.question.what],
    c.requesterSignInName ? `<code>${e(c.requesterSignInName)}</code>` : 'not recorded',
    when(c.askedAt),
    when(c.expiresAt),
  ]),
  'No confirmation is pending.',
)}`,
  );
}

export function renderLinksPage(frame: PageFrame, items: LiveLinkSummary[]): string {
  return page(
    frame,
    'Live secure links',
    `<h1>Live secure links</h1>
<p class="lead">Temporary passwords waiting behind a one-time link. Only the ticket, the staff member, the views left and the expiry are shown: never the link or the password.</p>
${table(
  ['Ticket', 'Staff member', 'Views left', 'Expires', 'Reference'],
  items.map((l) => [
    ticket(l.context.psa, l.context.ticketId),
    l.target ? `<code>${e(l.target)}</code>` : 'not recorded',
    String(l.viewsLeft),
    when(l.expiresAt),
    `<code>${e(l.ref)}</code>`,
  ]),
  'No secure link is live.',
)}`,
  );
}

function wordingOf(code: string): string {
  return code in OUTCOME_CODES ? describeOutcome(code as OutcomeCode) : 'Not a known outcome code.';
}

export function renderHandOffsPage(frame: PageFrame, items: RecordedHandOff[], days: number): string {
  return page(
    frame,
    'Hand-offs',
    `<h1>Hand-offs of the last ${days} days</h1>
<p class="lead">Tickets the service gave to an engineer instead of finishing them, with the reason (docs/outcome-codes.md).</p>
${table(
  ['Ticket', 'Finished', 'Reason code', 'What it means'],
  items.map((h) => [
    ticket(h.psa, h.ticketId),
    when(h.finishedAt),
    `<code>${e(h.outcome)}</code>`,
    e(wordingOf(h.outcome)),
  ]),
  `No hand-off in the last ${days} days.`,
)}`,
  );
}

export function renderFailedPage(frame: PageFrame, items: FailedJobSummary[], notice?: string): string {
  const base = e(frame.basePath);
  return page(
    frame,
    'Failed jobs',
    `<h1>Failed jobs</h1>
<p class="lead">Reset jobs the queue gave up on. "Retry" puts the job back under its own id and journal, on its hand-off path: it hands the ticket to an engineer and never repeats a reset that was done.</p>
${notice ? `<p class="notice" role="status">${e(notice)}</p>\n` : ''}${table(
      ['Ticket', 'Job', 'Failed', 'Attempts', 'Steps done', 'Reason', ''],
      items.map((j) => [
        ticket(j.psa, j.ticketId),
        `<code>${e(j.jobId)}</code>`,
        when(j.failedAt),
        String(j.attemptsMade),
        j.stepsDone.length ? j.stepsDone.map((s) => `<code>${e(s)}</code>`).join(' ') : 'none',
        e(j.reason),
        `<form method="post" action="${base}/failed/${encodeURIComponent(j.jobId)}/retry"><input type="hidden" name="_csrf" value="${e(frame.operator.csrf)}"><button type="submit" class="retry">Retry</button></form>`,
      ]),
      'No failed job.',
    )}`,
  );
}

export function renderWatchesPage(frame: PageFrame, watches?: WatchSummary[]): string {
  const body = watches
    ? table(
        ['Ticket', 'Customer', 'Staff member', 'Reset at', 'Checks', 'Next check', 'Window ends'],
        watches.map((w) => [
          `${e(w.psa)} #${e(w.ticketId)}`,
          e(w.customer),
          e(w.target),
          e(w.resetAt),
          String(w.checks),
          e(w.nextCheckAt ?? 'now'),
          e(w.deadline),
        ]),
        'No watch in progress.',
      )
    : `<p class="notice warn">The watch is off (WATCH_ENABLED=false): nothing is watched after a reset.</p>`;
  return page(
    frame,
    'Watches',
    `<h1>Watches</h1>
<p class="lead">Delivered resets watched until the staff member is back in (their own password, MFA registered again); past the window the ticket goes to the engineers.</p>
${body}`,
  );
}

export function renderAuditPage(frame: PageFrame, items: ConsoleAuditEntry[]): string {
  return page(
    frame,
    'Audit',
    `<h1>Audit</h1>
<p class="lead">Every operator action in the console, newest first (the last 1,000 are kept here; each is also a <code>console.audit</code> log line).</p>
${table(
  ['When', 'Operator', 'Action', 'Target', 'Result'],
  items.map((a) => [
    when(new Date(a.at)),
    `<code>${e(a.operator.upn)}</code><br><small>${e(a.operator.oid)}</small>`,
    e(a.action),
    a.target ? `<code>${e(a.target)}</code>` : '',
    e(a.result),
  ]),
  'No operator action recorded yet.',
)}`,
  );
}

/** A page without a session: refusals and "signed out". `link` offers a way (back) in. */
export function renderPlainPage(
  mspName: string,
  title: string,
  message: string,
  link?: { href: string; label: string },
): string {
  const action = link ? `\n<p><a class="button" href="${e(link.href)}">${e(link.label)}</a></p>` : '';
  return document(
    title,
    mspName,
    '',
    `<div class="card">
<h1>${e(title)}</h1>
<p>${e(message)}</p>${action}
</div>`,
  );
}
