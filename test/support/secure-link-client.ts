import type { Express } from 'express';
import request, { type Response } from 'supertest';

/** The nonce in a "Click Here to Proceed" page, or '' when the page has none. */
export function proceedNonce(html: string): string {
  return /<input type="hidden" name="nonce" value="([^"]*)">/.exec(html)?.[1] ?? '';
}

/**
 * What a manager's click does, over plain HTTP: GET the link's proceed page, then POST its form (with the
 * page's nonce) the way a same-origin browser would. Resolves with the POST's response.
 */
export async function proceedThroughLink(
  app: Express,
  path: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const page = await request(app).get(path);
  const post = request(app).post(path).type('form').set('Sec-Fetch-Site', 'same-origin');
  for (const [name, value] of Object.entries(headers)) post.set(name, value);
  return post.send({ nonce: proceedNonce(page.text) });
}
