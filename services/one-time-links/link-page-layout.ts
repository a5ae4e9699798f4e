import { escapeHtml } from '../domain/html-escape.js';

/**
 * The HTML frame of every one-time-link page (`/s`, `/c`): no inline script or style, noindex, no referrer,
 * the MSP name on top. Every interpolated value goes through `escapeHtml`.
 */

/** Where the router is mounted (asset and form URLs are built from it) and whose page it is. */
export interface LinkPageFrameBase {
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
  base: LinkPageFrameBase,
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

/** The 429 page of every one-time link: says nothing about any particular link. */
export const TOO_MANY_ATTEMPTS_PAGE = Object.freeze({
  title: 'Please wait',
  main: `<h1>Too many attempts</h1>
<p>Too many links that do not work were opened from your network. Please wait a few minutes, then open the link from your email again.</p>`,
});
