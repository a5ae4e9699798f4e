import type { RequestHandler, Response } from 'express';

/** Content-Security-Policy of every one-time-link response (`/s`, `/c`). */
export const LINK_PAGE_CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Headers set on every one-time-link response (besides the CSP). */
export const LINK_PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex, nofollow',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

export const HTML_CONTENT_TYPE = 'text/html; charset=utf-8';
export const CSS_CONTENT_TYPE = 'text/css; charset=utf-8';
export const JS_CONTENT_TYPE = 'text/javascript; charset=utf-8';

/** Sets the CSP and headers; overrides whatever an app-wide helmet() set before (it is looser). */
export const linkSecurityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', LINK_PAGE_CSP);
  for (const [name, value] of Object.entries(LINK_PAGE_HEADERS)) res.setHeader(name, value);
  res.removeHeader('X-Powered-By');
  next();
};

/**
 * Sends a page or asset with `res.end`, not `res.send`, so Express computes no ETag (an ETag is a hash of the
 * body, and a body may hold a secret). Node drops the body for HEAD.
 */
export function sendLinkPage(res: Response, status: number, contentType: string, body: string): void {
  res.status(status);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body, 'utf8'));
  res.end(body);
}
