/**
 * HTML for the secure-link pages, and the two static assets they use. Pure functions of their inputs: no
 * request, no store. Every interpolated value goes through `escapeHtml`.
 *
 * Page rules (brief §5, procedure "Get the password"):
 * - no inline script or style and no `on*` attributes: the CSP is `script-src 'self'; style-src 'self'`;
 * - everything works without JavaScript: the proceed button is a real form POST, and the blurred password is
 *   revealed by a visually hidden checkbox toggled through `<label for>` and a CSS `:checked` rule;
 *   JavaScript only adds a "Copy password" button;
 * - plain accessible HTML5 that fits a phone screen.
 */

import {
  type LinkPageAssets,
  type LinkPageBase,
  type LinkTokenPage,
  linkNotice,
  linkPostForm,
  linkStatusPages,
  renderLinkPageFrame,
} from '../one-time-links/link-page-layout.js';

const ASSETS: LinkPageAssets = { stylesheet: 'secure-link.css' };

/** A secure-link page (the router is normally mounted at `/s`); `script` adds the copy button's script. */
export function layout(
  base: LinkPageBase,
  title: string,
  main: string,
  options: { script?: boolean } = {},
): string {
  return renderLinkPageFrame(base, title, main, {
    ...ASSETS,
    ...(options.script ? { script: 'secure-link.js' } : {}),
  });
}

/**
 * The page a link opens on (GET): the MSP name and one "Click Here to Proceed" button that POSTs back to the
 * same URL with the page's nonce in a hidden field. Reveals nothing and runs no script, so mail scanners that
 * fetch links (with or without running scripts) cannot use up a view by fetching. `notice` is shown above the
 * button when set (e.g. "this page had expired").
 */
export function renderProceedPage(page: LinkTokenPage): string {
  const form = linkPostForm(page, {
    formClass: 'proceed',
    buttonClass: 'button primary',
    buttonLabel: 'Click Here to Proceed',
  });
  return layout(
    page,
    'Secure link',
    `<h1 class="visually-hidden">Secure link</h1>${linkNotice(page)}\n${form}`,
  );
}

/**
 * "I have saved it, destroy this link": a form POST to `<token>/destroy` with its own nonce. Offered only while
 * the link has views left (after the last view it is gone already).
 */
export function destroyForm(base: LinkPageBase, destroy: { token: string; nonce: string }): string {
  const form = linkPostForm(
    { ...base, ...destroy },
    {
      path: '/destroy',
      formClass: 'destroy',
      buttonClass: 'button',
      buttonLabel: 'I have saved it, destroy this link',
    },
  );
  return `\n${form}`;
}

/**
 * Asked again when the destroy form came back with a stale nonce (a page left open for long): one button that
 * posts a fresh nonce. Shows no secret.
 */
export function renderConfirmDestroyPage(base: LinkPageBase & { token: string; nonce: string }): string {
  return layout(
    base,
    'Destroy this link',
    `<h1>Destroy this link?</h1>
<p class="notice" role="status">This page had expired. Click the button again to destroy the link.</p>${destroyForm(base, base)}`,
  );
}

/** After the viewer destroyed the link: nobody, not even they, can open it again. */
export function renderDestroyedPage(base: LinkPageBase): string {
  return layout(
    base,
    'Link destroyed',
    `<h1>This link has been destroyed</h1>
<p>Nobody can open it again, including you. Keep the password where you saved it until it has been used.</p>`,
  );
}

/**
 * The status pages of `/s`. Every link that cannot be shown (unknown, malformed, expired, used up, destroyed,
 * or opened with a wrong token) gets the same 404 page, so the page tells nobody which one it was.
 */
export const SECURE_LINK_STATUS_PAGES = linkStatusPages(ASSETS, {
  unavailable: `<p>Secure links work for a limited time and a limited number of views. This one has expired, has been used, or is not valid.</p>
<p>If you still need the password, reply to your ticket email and we will help.</p>`,
  crossSite:
    '<p>This page can only be continued from the secure link itself. Open the link from your email again, then click the button on that page.</p>',
  tryAgain: {
    heading: 'Please try again in a few minutes',
    text: '<p>We could not open this link just now. If it was still valid, it should work again shortly.</p>',
  },
});

/** Served at `<basePath>/assets/secure-link.css`. */
export const SECURE_LINK_CSS = `:root {
  color-scheme: light dark;
  --fg: #1b1f24;
  --bg: #f4f5f7;
  --card: #ffffff;
  --accent: #0b5cad;
  --accent-fg: #ffffff;
  --muted: #555d66;
  --warn-bg: #fff4e5;
  --warn-border: #b35c00;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e8eaed;
    --bg: #15171a;
    --card: #202328;
    --accent: #5aa2f0;
    --accent-fg: #0b0d10;
    --muted: #a9b0b8;
    --warn-bg: #3a2a14;
    --warn-border: #e0a050;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  min-height: 100vh;
  display: flex;
  align-items: flex-start;
  justify-content: center;
  padding: 1rem;
  background: var(--bg);
  color: var(--fg);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
}
.card {
  width: 100%;
  max-width: 40rem;
  margin-top: 8vh;
  padding: 1.5rem;
  background: var(--card);
  border-radius: 0.75rem;
  box-shadow: 0 1px 4px rgba(0, 0, 0, 0.12);
}
.brand { margin: 0 0 1rem; font-weight: 600; color: var(--muted); text-align: center; }
h1 { font-size: 1.4rem; margin: 0 0 0.5rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
a { color: var(--accent); }
.proceed { text-align: center; margin: 2rem 0; }
.button {
  display: inline-block;
  min-height: 2.75rem;
  padding: 0.6rem 1.2rem;
  border: 2px solid var(--accent);
  border-radius: 0.5rem;
  background: transparent;
  color: var(--accent);
  font: inherit;
  font-weight: 600;
  cursor: pointer;
  user-select: none;
}
.button.primary { background: var(--accent); color: var(--accent-fg); font-size: 1.15rem; padding: 0.8rem 1.6rem; }
.button:focus-visible { outline: 3px solid var(--accent); outline-offset: 3px; }
.button[hidden] { display: none; }
.visually-hidden {
  position: absolute !important;
  width: 1px;
  height: 1px;
  margin: -1px;
  padding: 0;
  overflow: hidden;
  clip: rect(0 0 0 0);
  white-space: nowrap;
  border: 0;
}
.secret-box { position: relative; margin: 1rem 0; padding: 1rem; border-radius: 0.5rem; background: var(--bg); text-align: center; }
.secret {
  display: inline-block;
  font: 600 1.5rem/1.4 ui-monospace, "Cascadia Mono", Consolas, Menlo, monospace;
  font-variant-numeric: slashed-zero;
  letter-spacing: 0.04em;
  word-break: break-all;
  user-select: all;
}
.secret.blurred { filter: blur(0.45em); user-select: none; transition: filter 0.15s ease-out; }
.secret-cover { position: absolute; inset: 0; cursor: pointer; border-radius: 0.5rem; }
.reveal-toggle:checked ~ .secret-box .secret.blurred { filter: none; user-select: all; }
.reveal-toggle:checked ~ .secret-box .secret-cover { display: none; }
.reveal-toggle:focus-visible ~ .secret-box,
.reveal-toggle:focus-visible ~ .controls .show-button { outline: 3px solid var(--accent); outline-offset: 3px; }
.when-shown { display: none; }
.reveal-toggle:checked ~ .controls .when-shown { display: inline; }
.reveal-toggle:checked ~ .controls .when-hidden { display: none; }
.controls { display: flex; flex-wrap: wrap; gap: 0.75rem; justify-content: center; margin: 0.5rem 0; }
.notice { margin: 1rem 0 0; text-align: center; font-weight: 600; }
.destroy { text-align: center; margin: 1rem 0; }
.copy-status { min-height: 1.5em; margin: 0.25rem 0; text-align: center; color: var(--muted); }
.views { color: var(--muted); font-size: 0.95rem; }
.warning { margin: 1rem 0; padding: 0.75rem 1rem; background: var(--warn-bg); border-left: 4px solid var(--warn-border); border-radius: 0.25rem; }
.warning p { margin: 0; }
.steps { padding-left: 1.4rem; }
.steps li { margin: 0.35rem 0; }
.hint { color: var(--muted); font-size: 0.95rem; }
@media (prefers-reduced-motion: reduce) { .secret.blurred { transition: none; } }
@media print { .secret-box { display: none; } }
`;

/**
 * Served at `<basePath>/assets/secure-link.js`. Progressive enhancement only: lets Enter (as well as Space,
 * natively) toggle the reveal checkbox, shows the "Copy password" button where the Clipboard API is available
 * (secure contexts) and copies the text of `#secret` on click.
 */
export const SECURE_LINK_JS = `(function () {
  'use strict';
  var toggle = document.getElementById('reveal-toggle');
  if (toggle) {
    toggle.addEventListener('keydown', function (event) {
      if (event.key !== 'Enter') return;
      event.preventDefault();
      toggle.click();
    });
  }
  var button = document.getElementById('copy-button');
  var secret = document.getElementById('secret');
  var status = document.getElementById('copy-status');
  if (!button || !secret || !status || !window.isSecureContext || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener('click', function () {
    navigator.clipboard.writeText(secret.textContent || '').then(
      function () {
        status.textContent = 'Password copied.';
      },
      function () {
        status.textContent = 'Could not copy: show the password and copy it by hand.';
      }
    );
  });
})();
`;
