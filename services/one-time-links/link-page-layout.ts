import { escapeHtml } from '../domain/html-escape.js';

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
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · ${msp}</title>
<link rel="stylesheet" href="${assetPath}/${assets.stylesheet}">${script}
</head>
<body>
<main class="card">
<p class="brand">${msp}</p>
${main}
</main>
</body>
</html>
`;
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
