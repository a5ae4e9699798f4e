import express, { type Request } from 'express';

/**
 * The POST guard of the one-time-link pages: a POST must (1) not be marked cross-site by the browser
 * (`Sec-Fetch-Site` other than `same-origin`/`none`, or an `Origin` naming another host), checked before any
 * store call, and (2) echo the page's form nonce (see `form-nonce.ts`), which the store checks for its link.
 * `Origin: null` is accepted because `Referrer-Policy: no-referrer` makes browsers send exactly that on our
 * own form POST; `Sec-Fetch-Site` and the nonce carry the check then.
 */

/** Why a POST is cross-site, or undefined when it is not. */
export function crossSiteReason(req: Request): string | undefined {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) {
    return site === 'same-origin' || site === 'none' ? undefined : `sec-fetch-site: ${site.slice(0, 20)}`;
  }
  const origin = req.get('origin');
  if (origin === undefined || origin === 'null') return undefined;
  try {
    return new URL(origin).host === req.host ? undefined : 'origin names another host';
  } catch {
    return 'unparseable origin';
  }
}

/** Parser of the pages' small forms (a nonce and at most a few more fields). */
export function linkFormParser(): express.RequestHandler {
  return express.urlencoded({ extended: false, limit: '2kb', parameterLimit: 4 });
}

/** The parsed form fields of a POST (empty when there is no body). */
export function postedFields(req: Request): Record<string, unknown> {
  return (req.body ?? {}) as Record<string, unknown>;
}
