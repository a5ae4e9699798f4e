import { escapeHtml } from '../domain/html-escape.js';
import type { LinkPageBase, LinkTokenPage } from '../one-time-links/link-page-layout.js';
import { linkNotice, linkPageKind, linkPostForm } from '../one-time-links/link-page-layout.js';
import { SECURE_LINK_CSS } from '../secure-link/secure-link-pages.js';

/**
 * HTML of the "this wasn't me" pages (`/n`). Pure functions; every interpolated value is escaped; no script,
 * no inline style, a real form POST. The pages name no account, person or ticket: whoever opens the link
 * learns nothing the notice did not already say.
 */

/** Served at `<basePath>/assets/disavow.css`. */
export const DISAVOW_CSS = `${SECURE_LINK_CSS}.choices { display: flex; justify-content: center; margin: 2rem 0 1rem; }
.choices form { margin: 0; }
.choices .button.primary { font-size: 1.1rem; padding: 0.8rem 1.4rem; }
.small { color: var(--muted); font-size: 0.95rem; }
`;

const { layout, statusPages } = linkPageKind({ stylesheet: 'disavow.css' });

/** GET: what pressing the button does, and the button. Changes nothing by being fetched. */
export function renderDisavowPage(page: LinkTokenPage): string {
  const form = linkPostForm(page, {
    buttonClass: 'button primary',
    buttonLabel: 'This wasn&#39;t me',
  });
  return layout(
    page,
    'Did you expect this reset?',
    `<h1>Did you expect this reset?</h1>${linkNotice(page)}
<p>We emailed you because the password or the sign-in methods of your work account were reset at a request made to ${escapeHtml(page.mspName)}.</p>
<p>If you did not ask for this and did not expect it, press the button. We will sign your account out everywhere and tell your IT team straight away.</p>
<div class="choices">
${form}
</div>
<p class="small">If you expected it, close this page: nothing happens.</p>`,
  );
}

/** After the report was accepted (POST, 200). */
export function renderDisavowThankYouPage(base: LinkPageBase): string {
  return layout(
    base,
    'Thank you',
    `<h1>Thank you, your IT team has been told</h1>
<p>Your account is being signed out everywhere, and an engineer will look into the reset. They may contact you by phone.</p>
<p>Do not reply to the email with any password or code.</p>`,
  );
}

/**
 * The status pages of `/n`; every link that cannot be used (unknown, malformed, expired, already used) gets
 * the same 404 page. A 503 means nothing was reported: the link still works.
 */
export const DISAVOW_STATUS_PAGES = statusPages({
  unavailable: (
    base,
  ) => `<p>These links work once and for a limited time. This one has expired, has been used, or is not valid.</p>
<p>If you did not expect a reset of your account, call your IT team or ${escapeHtml(base.mspName)} now.</p>`,
  crossSite:
    '<p>This can only be reported on the page the link opens. Open the link from your email again, then press the button there.</p>',
  tryAgain: {
    heading: 'Please try again in a minute',
    text: (base) =>
      `<p>We could not take your report just now. Open the link from your email again in a minute, or call your IT team or ${escapeHtml(base.mspName)}.</p>`,
  },
});
