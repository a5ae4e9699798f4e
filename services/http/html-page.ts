import { escapeHtml } from '../domain/html-escape.js';

/**
 * The HTML document around every page the service serves itself (one-time links, operator console): kept out
 * of search engines, fitted to the screen, with a referrer policy of the caller's choosing.
 */
export function renderHtmlDocument(page: {
  /** Plain text (escaped here). */
  title: string;
  referrer: 'no-referrer' | 'same-origin';
  /** Stylesheet or script elements (HTML). */
  head: string;
  /** The body's content (HTML). */
  body: string;
}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="${page.referrer}">
<title>${escapeHtml(page.title)}</title>
${page.head}
</head>
<body>
${page.body}
</body>
</html>
`;
}
