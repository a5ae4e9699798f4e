import type { LinkSecret } from '../domain/ports.js';
import { escapeHtml } from '../domain/html-escape.js';
import type { LinkPageBase } from '../one-time-links/link-page-layout.js';
import { destroyForm, layout } from './secure-link-pages.js';

/**
 * The revealed page (POST): each secret behind the link blurred in its own box (the first in `#secret`, which
 * the copy button copies), unblurred by a click or tap on it or on its "Show" control; then the procedure's
 * warning and the steps: for a Temporary Access Pass, setting up MFA at https://aka.ms/mysecurityinfo first;
 * for a temporary password, signing in and changing it.
 */
export function renderRevealPage(
  base: LinkPageBase & {
    secrets: readonly LinkSecret[];
    viewsLeft: number;
    destroy?: { token: string; nonce: string };
  },
): string {
  const password = base.secrets.find((s) => s.kind === 'password');
  const pass = base.secrets.find((s) => s.kind === 'temporary-access-pass');
  const what = password && pass ? 'details' : pass ? 'pass' : 'password';
  const viewsNote =
    base.viewsLeft > 0
      ? `This link can be opened ${base.viewsLeft} more time${base.viewsLeft === 1 ? '' : 's'}, then it stops working.`
      : `This was the last time this link can be opened: keep this page open until the ${what} has been used.`;
  const title = password && pass ? 'Sign-in details' : (base.secrets[0]?.label ?? 'Temporary password');
  const several = base.secrets.length > 1;
  const blocks = base.secrets.map((secret, i) => revealBlock(secret, i, several)).join('\n');
  return layout(
    base,
    title,
    `<h1>${escapeHtml(title)}</h1>
<p>Click or tap the blurred text to see the ${what === 'details' ? 'password and the pass' : what}.</p>
${blocks}
<p class="views">${escapeHtml(viewsNote)}</p>${base.destroy && base.viewsLeft > 0 ? destroyForm(base, base.destroy) : ''}
<div class="warning" role="note">
<p><strong>Warning:</strong> You are responsible for ensuring this ${what === 'details' ? 'password and this pass are' : `${what} is`} not given to the wrong person. If the staff member is not with you when you reset their account, be sure you are speaking to the right person before you provide any information.</p>
</div>${pass ? passSteps(Boolean(password)) : ''}${password ? passwordSteps(Boolean(pass)) : ''}`,
    { script: true },
  );
}

function revealBlock(secret: LinkSecret, index: number, several: boolean): string {
  const isPass = secret.kind === 'temporary-access-pass';
  const noun = isPass ? 'pass' : 'password';
  const suffix = index === 0 ? '' : `-${index + 1}`;
  const toggle = `reveal-toggle${suffix}`;
  const id = `secret${suffix}`;
  const heading = several ? `<h2>${escapeHtml(secret.label)}</h2>\n` : '';
  const expiry =
    isPass && secret.expiresAt
      ? `\n<p class="expiry">This pass expires on ${escapeHtml(utcMinute(secret.expiresAt))} UTC${secret.usableOnce ? ' and works for one sign-in only' : ''}.</p>`
      : '';
  // Only the first secret has the copy button: the script copies `#secret`.
  const copy =
    index === 0 ? `\n<button type="button" id="copy-button" class="button" hidden>Copy ${noun}</button>` : '';
  const status = index === 0 ? '\n<p id="copy-status" class="copy-status" role="status"></p>' : '';
  return `${heading}<div class="reveal">
<input type="checkbox" id="${toggle}" class="reveal-toggle visually-hidden" aria-label="Show ${noun}" aria-controls="${id}">
<div class="secret-box">
<span id="${id}" class="secret blurred" translate="no">${escapeHtml(secret.value)}</span>
<label for="${toggle}" class="secret-cover" aria-hidden="true"></label>
</div>
<p class="controls">
<label for="${toggle}" class="button show-button"><span class="when-hidden">Show ${noun}</span><span class="when-shown">Hide ${noun}</span></label>${copy}
</p>${status}${expiry}
</div>`;
}

function passSteps(withPassword: boolean): string {
  return `
<h2>How the staff member sets up MFA with the Temporary Access Pass</h2>
<ol class="steps">
<li>Go to <a href="https://aka.ms/mysecurityinfo" rel="noreferrer noopener">aka.ms/mysecurityinfo</a> on a computer.</li>
<li>Enter their username (their work email address) and select <strong>Next</strong>.</li>
<li>When asked, enter the Temporary Access Pass above (instead of a password) and select <strong>Sign in</strong>.</li>
<li>Select <strong>Add sign-in method</strong>, choose <strong>Microsoft Authenticator</strong> (or another method offered) and follow the prompts on their phone.</li>
${withPassword ? '<li>Then sign in with the temporary password, as below.</li>' : '<li>From then on they sign in with their usual password and the method they just set up.</li>'}
</ol>`;
}

function passwordSteps(withPass: boolean): string {
  return `
<h2>How the staff member signs in</h2>
<ol class="steps">
<li>Go to <a href="https://outlook.office.com" rel="noreferrer noopener">outlook.office.com</a> on a computer or mobile device.</li>
<li>Enter their username (their work email address) and select <strong>Next</strong>.</li>
<li>Enter the temporary password above and select <strong>Sign in</strong>.</li>
<li>${withPass ? 'When asked for MFA, approve with the method they set up with the Temporary Access Pass.' : 'If their MFA was reset, they will be asked to register for MFA again: follow the prompts.'}</li>
<li>When asked to choose a new password, enter the temporary password once more, then a new password twice, and select <strong>Sign in</strong>.</li>
</ol>
<p class="hint">Hint: a mix of whole words with upper-case, lower-case, numbers and symbols is easier to remember than random characters.</p>`;
}

/** `2026-12-07 14:05`, from an ISO time; the text as given when it does not parse. */
function utcMinute(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toISOString().replace('T', ' ').slice(0, 16);
}
