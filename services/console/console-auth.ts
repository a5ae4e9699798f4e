import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { sessionOf, type ConsoleSession, type CookieSealer } from './console-session.js';

/**
 * Who may use the console, checked on every request under its path (bull-board's pages, assets and API
 * included): a session cookie that opens and has not expired, made at a sign-in whose ID token named the
 * allowed group. Without one, a page request is sent to sign in and anything else gets 401. Every POST
 * (and any other method that can change something) must carry the session's CSRF token.
 */

/** Why an ID token does not make an operator. */
export type OperatorRefusal = 'group-overage' | 'not-in-group' | 'no-identity';

export type OperatorJudgement =
  | { allowed: true; oid: string; upn: string; name: string }
  | { allowed: false; reason: OperatorRefusal; oid?: string; upn?: string };

/**
 * Judges the claims of a verified ID token. Fails closed: a token whose groups did not fit in it (Entra's
 * "group overage": `_claim_names.groups` or `hasgroups`) is refused even if the user is a member, because
 * membership cannot be read from it; so is one without an object id.
 */
export function judgeOperatorClaims(
  claims: Record<string, unknown>,
  allowedGroupId: string,
): OperatorJudgement {
  const oid = typeof claims.oid === 'string' ? claims.oid : typeof claims.sub === 'string' ? claims.sub : '';
  const upnClaim = claims.preferred_username ?? claims.upn ?? claims.email;
  const upn = typeof upnClaim === 'string' ? upnClaim : '';
  const name = typeof claims.name === 'string' ? claims.name : upn;
  const who = { ...(oid ? { oid } : {}), ...(upn ? { upn } : {}) };
  const claimNames = claims._claim_names;
  const overage =
    claims.hasgroups === true ||
    claims.hasgroups === 'true' ||
    (typeof claimNames === 'object' && claimNames !== null && 'groups' in claimNames);
  if (overage) return { allowed: false, reason: 'group-overage', ...who };
  if (!oid) return { allowed: false, reason: 'no-identity', ...who };
  const groups = Array.isArray(claims.groups) ? claims.groups : [];
  const member = groups.some(
    (g) => typeof g === 'string' && g.toLowerCase() === allowedGroupId.toLowerCase(),
  );
  if (!member) return { allowed: false, reason: 'not-in-group', ...who };
  return { allowed: true, oid, upn: upn || oid, name };
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The signed-in operator, set by the console's gate. */
    operator?: ConsoleSession;
  }
}

/** True for requests that expect data, not a page: they get 401 rather than a trip to sign in. */
function wantsData(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return true;
  if (/\/api(\/|$)/.test(req.path)) return true;
  const accept = req.get('accept') ?? '';
  return accept !== '' && !accept.includes('text/html') && !accept.includes('*/*');
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameToken(a: string, b: unknown): boolean {
  if (typeof b !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface OperatorGateOptions {
  sealer: CookieSealer;
  /** Where the console is mounted, e.g. `/console`. */
  basePath: string;
  /** The public origin (server.publicBaseUrl): a state-changing request from another origin is refused. */
  publicOrigin: string;
  now?: () => number;
}

/**
 * The gate in front of every console route but the sign-in ones. Sets `req.operator`. For methods that can
 * change something: the CSRF token (form field `_csrf` or header `x-csrf-token`) must be the session's, and
 * an Origin header, when sent, must be the public origin.
 */
export function operatorGate(options: OperatorGateOptions): RequestHandler {
  const now = options.now ?? Date.now;
  return (req: Request, res: Response, next: NextFunction) => {
    const session = sessionOf(options.sealer, req.get('cookie'), now());
    if (!session) {
      res.set('Cache-Control', 'no-store');
      if (wantsData(req)) {
        res.status(401).json({ error: 'sign-in-required' });
        return;
      }
      const back = `${options.basePath}${req.path === '/' ? '' : req.path}`;
      res.redirect(303, `${options.basePath}/auth/sign-in?return=${encodeURIComponent(back)}`);
      return;
    }
    if (!SAFE_METHODS.has(req.method)) {
      const origin = req.get('origin');
      const body = req.body as Record<string, unknown> | undefined;
      const token = body?._csrf ?? req.get('x-csrf-token');
      if ((origin !== undefined && origin !== options.publicOrigin) || !sameToken(session.csrf, token)) {
        res.status(403).json({ error: 'csrf' });
        return;
      }
    }
    req.operator = session;
    next();
  };
}
