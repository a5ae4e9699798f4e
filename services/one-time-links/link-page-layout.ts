import { escapeHtml } from '../domain/html-escape.js';
import { renderHtmlDocument } from '../http/html-page.js';

/**
 * The HTML frame of every one-time-link page (`/s`, `/c`, `/n`): no inline script or style, noindex, no
 * referrer, the MSP name on top. Every interpolated value goes through `escapeHtml`.
 */

/** Where the router is mounted (asset and form URLs are built from it) and whose page it is. */
export interface LinkPageBase {
  mspName: string;
  basePath: string;
}

export interface LinkPageAssets {
  /** File name of the stylesheet under `<basePath>/assets/`. */
  stylesheet: string;
  /** File name of a deferred script under `<basePath>/assets/`, when the page has one. */
  script?: string;
}

/** A whole page: `main` (already escaped HTML) inside the common frame. */
export function renderLinkPageFrame(
  base: LinkPageBase,
  title: string,
  main: string,
  assets: LinkPageAssets,
): string {
  const msp = escapeHtml(base.mspName);
  const assetPath = `${escapeHtml(base.basePath)}/assets`;
  const script = assets.script ? `\n<script src="${assetPath}/${assets.script}" defer></script>` : '';
  return renderHtmlDocument({
    title: `${title} · ${base.mspName}`,
    referrer: 'no-referrer',
    head: `<link rel="stylesheet" href="${assetPath}/${assets.stylesheet}">${script}`,
    body: `<main class="card">
<p class="brand">${msp}</p>
${main}
</main>`,
  });
}

/** HTML (already escaped) of a page part, fixed or made from the page's base (to name the MSP, say). */
export type LinkPageText = string | ((base: LinkPageBase) => string);

/** The pages every one-time-link router answers with when it cannot serve the link itself. */
export interface LinkStatusPages {
  /** 404 for every link that cannot be used (unknown, malformed, expired, used up): identical in all cases. */
  unavailable: (base: LinkPageBase) => string;
  /** 429 once an address has used up its failed lookups: says nothing about any particular link. */
  tooManyAttempts: (base: LinkPageBase) => string;
  /** 403 for a POST from another site: nothing was done. */
  crossSite: (base: LinkPageBase) => string;
  /** 503 when the store or anything else failed: nothing was done, the link still works. */
  tryAgain: (base: LinkPageBase) => string;
}

/** What one kind of link says on its status pages; the titles, headings and the 429 page are common. */
export interface LinkStatusWords {
  /** Paragraphs under "This link is no longer available": what these links are, and who can help. */
  unavailable: LinkPageText;
  /** The paragraph under "Open the link from your email": where the page can be continued. */
  crossSite: LinkPageText;
  /** The 503 page's heading (plain text) and paragraph. */
  tryAgain: { heading: string; text: LinkPageText };
}

/** The status pages of one kind of link, in its words and with its assets. */
export function linkStatusPages(assets: LinkPageAssets, words: LinkStatusWords): LinkStatusPages {
  const page =
    (title: string, heading: string, text: LinkPageText) =>
    (base: LinkPageBase): string =>
      renderLinkPageFrame(
        base,
        title,
        `<h1>${escapeHtml(heading)}</h1>\n${typeof text === 'string' ? text : text(base)}`,
        assets,
      );
  return {
    unavailable: page('Link not available', 'This link is no longer available', words.unavailable),
    tooManyAttempts: page(
      'Please wait',
      'Too many attempts',
      '<p>Too many links that do not work were opened from your network. Please wait a few minutes, then open the link from your email again.</p>',
    ),
    crossSite: page('Open the link from your email', 'Open the link from your email', words.crossSite),
    tryAgain: page('Please try again', words.tryAgain.heading, words.tryAgain.text),
  };
}

/** A page of one link: its token, the nonce its forms post back, and a status line to show (or none). */
export interface LinkTokenPage extends LinkPageBase {
  token: string;
  nonce: string;
  notice?: string;
}

/** The status line above a form shown again ("This page had expired …"), or nothing. */
export function linkNotice(page: { notice?: string }): string {
  return page.notice ? `\n<p class="notice" role="status">${escapeHtml(page.notice)}</p>` : '';
}

/**
 * A one-button form that POSTs the page's nonce (and any further hidden fields) to the link's own URL, or to
 * `path` below it (e.g. `/destroy`).
 */
export function linkPostForm(
  page: LinkPageBase & { token: string; nonce: string },
  form: {
    buttonClass: string;
    /** HTML (already escaped). */
    buttonLabel: string;
    path?: string;
    fields?: Record<string, string>;
    formClass?: string;
  },
): string {
  const action = `${escapeHtml(page.basePath)}/${escapeHtml(page.token)}${form.path ?? ''}`;
  const formClass = form.formClass ? ` class="${form.formClass}"` : '';
  const hidden = Object.entries({ nonce: page.nonce, ...form.fields })
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('\n');
  return `<form method="post" action="${action}"${formClass}>
${hidden}
<button type="submit" class="${form.buttonClass}">${form.buttonLabel}</button>
</form>`;
}

/** The pages of one kind of link that has no script: its frame with its stylesheet, and its status pages. */
export function linkPageKind(assets: LinkPageAssets) {
  return {
    /** A whole page: `main` (already escaped HTML) inside the common frame. */
    layout: (base: LinkPageBase, title: string, main: string): string =>
      renderLinkPageFrame(base, title, main, assets),
    statusPages: (words: LinkStatusWords): LinkStatusPages => linkStatusPages(assets, words),
  };
}
