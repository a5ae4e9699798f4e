import { escapeHtml } from '../domain/html-escape.js';
import type { LinkPageBase, LinkTokenPage } from '../one-time-links/link-page-layout.js';
import { linkNotice, linkPageKind, linkPostForm } from '../one-time-links/link-page-layout.js';
import { SECURE_LINK_CSS } from '../secure-link/secure-link-pages.js';
import type { ConfirmationDecision, ConfirmationQuestion } from './confirmation-store.js';

/**
 * HTML for the confirmation pages (`/c`). Pure functions of their inputs; every interpolated value goes
 * through `escapeHtml`. Same rules as the secure-link pages: no script at all, no inline style, real form
 * POSTs, fits a phone. The stylesheet is the secure link's plus a few rules (served by the router).
 */

/** Served at `<basePath>/assets/confirmation.css`. */
export const CONFIRMATION_CSS = `${SECURE_LINK_CSS}.question { font-size: 1.25rem; }
.choices { display: flex; flex-wrap: wrap; gap: 0.75rem; justify-content: center; margin: 2rem 0 1rem; }
.choices form { margin: 0; }
.choices .button,
.choices .button.primary { font-size: 1.1rem; padding: 0.8rem 1.4rem; }
.small { color: var(--muted); font-size: 0.95rem; }
.who { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 1rem 0; }
.who dt { color: var(--muted); }
.who dd { margin: 0; overflow-wrap: anywhere; }
.changes li { margin: 0.4rem 0; }
`;

const { layout, statusPages } = linkPageKind({ stylesheet: 'confirmation.css' });

/** "the password", "MFA (multi-factor authentication)" or "the password and MFA". */
export function describeWhat(what: ConfirmationQuestion['what']): string {
  switch (what) {
    case 'password':
      return 'the password';
    case 'mfa':
      return 'MFA (multi-factor authentication)';
    default:
      return 'the password and MFA (multi-factor authentication)';
  }
}

/** Each change the reset makes, in the words a manager reads before answering. */
export function describeChanges(what: ConfirmationQuestion['what']): string[] {
  const changes: string[] = [];
  if (what !== 'mfa') {
    changes.push(
      'Their password is replaced by a temporary one, which we send to you through a one-time link. They choose a new password when they next sign in.',
    );
  }
  if (what !== 'password') {
    changes.push(
      'Their MFA (multi-factor authentication) methods, such as the authenticator app and phone numbers, are removed. They set them up again when they next sign in.',
    );
  }
  return changes;
}

/**
 * The question (GET): "Did you ask <MSP> to reset <what> for <name>?", then exactly who (full name,
 * department, sign-in name) and each change the reset makes, and two buttons, each a form POSTing back to the
 * same URL with the page's nonce and its decision. Changes nothing by being fetched.
 */
export function renderQuestionPage(base: LinkTokenPage & { question: ConfirmationQuestion }): string {
  const { question } = base;
  const button = (decision: ConfirmationDecision, buttonLabel: string, buttonClass: string) =>
    linkPostForm(base, { fields: { decision }, buttonClass, buttonLabel });
  const who = [
    ['Name', question.targetDisplayName],
    ['Department', question.targetDepartment ?? 'Not recorded in your directory'],
    ...(question.targetSignInName ? [['Sign-in name', question.targetSignInName]] : []),
  ]
    .map(([label, value]) => `<dt>${label}</dt><dd>${escapeHtml(value!)}</dd>`)
    .join('\n');
  const changes = describeChanges(question.what)
    .map((change) => `<li>${escapeHtml(change)}</li>`)
    .join('\n');
  return layout(
    base,
    'Please confirm',
    `<h1>Please confirm this request</h1>${linkNotice(base)}
<p class="question">Did you ask ${escapeHtml(base.mspName)} to reset ${escapeHtml(describeWhat(question.what))} for <strong>${escapeHtml(question.targetDisplayName)}</strong>?</p>
<dl class="who">
${who}
</dl>
<p>If you answer yes:</p>
<ul class="changes">
${changes}
</ul>
<div class="choices">
${button('confirmed', 'Yes, I asked for this', 'button primary')}
${button('denied', 'No, this wasn&#39;t me', 'button')}
</div>
<p class="small">If this is not the person you meant, or you did not ask for this, choose &ldquo;No&rdquo;: nothing will be changed and our team will look into it.</p>`,
  );
}

/** After a decision (POST, 200). */
export function renderThankYouPage(base: LinkPageBase & { decision: ConfirmationDecision }): string {
  if (base.decision === 'confirmed') {
    return layout(
      base,
      'Thank you',
      `<h1>Thank you</h1>
<p>We are going ahead with the reset. You will receive an email with the next steps shortly.</p>`,
    );
  }
  return layout(
    base,
    'Thank you',
    `<h1>Thank you for telling us</h1>
<p>Nothing has been changed. Our team will look into this request and may contact you.</p>`,
  );
}

/**
 * The status pages of `/c`; every link that cannot be answered (unknown, malformed, expired, already
 * answered) gets the same 404 page. A 503 means nothing was decided: the link still works.
 */
export const CONFIRMATION_STATUS_PAGES = statusPages({
  unavailable: `<p>Confirmation links work once and for a limited time. This one has expired, has been used, or is not valid.</p>
<p>If you need help, reply to your ticket email.</p>`,
  crossSite:
    '<p>This question can only be answered on the page the link opens. Open the link from your email again, then choose your answer there.</p>',
  tryAgain: {
    heading: 'Please try again in a few minutes',
    text: '<p>We could not record your answer just now. Nothing has been changed: open the link from your email again in a few minutes.</p>',
  },
});
