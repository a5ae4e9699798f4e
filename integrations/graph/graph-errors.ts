import { DirectoryError, TransientError, type DirectoryErrorReason } from '../../services/domain/errors.js';

/**
 * Translation of Microsoft Graph error responses into the service's error classes (services/domain/errors.ts).
 * Graph errors arrive as `{"error":{"code","message","innerError":{"request-id","date"}}}`. The code decides
 * first (it is stable), the message second (Graph reuses `Request_BadRequest` for unrelated refusals), and the
 * HTTP status last.
 */

/** What is kept of a failed Graph call. Deliberately no request, no body, no headers: nothing that can hold a secret. */
export interface GraphFailure {
  statusCode: number;
  code?: string;
  requestId?: string;
}

/** The parts of a Graph error response the translation looks at. */
export interface GraphErrorInfo extends GraphFailure {
  message?: string;
  /** Milliseconds to wait, already parsed from `Retry-After`. */
  retryAfterMs?: number;
}

type Classification = { kind: 'transient' } | { kind: 'directory'; reason: DirectoryErrorReason };

const transient: Classification = { kind: 'transient' };
const reason = (r: DirectoryErrorReason): Classification => ({ kind: 'directory', reason: r });

/** Sentinel meaning "this code is too generic; let the message decide". */
const BY_MESSAGE = 'by-message' as const;

/** Error codes Graph and Entra send, and what they mean for us. */
const BY_CODE: Record<string, Classification | typeof BY_MESSAGE> = {
  Authorization_RequestDenied: reason('insufficient-privileges'),
  accessDenied: reason('insufficient-privileges'),
  Forbidden: reason('insufficient-privileges'),
  Request_ResourceNotFound: reason('not-found'),
  ResourceNotFound: reason('not-found'),
  itemNotFound: reason('not-found'),
  InvalidAuthenticationToken: reason('auth-failed'),
  CompactToken_ParsingFailed: reason('auth-failed'),
  Unauthorized: reason('auth-failed'),
  TooManyRequests: transient,
  Request_ThrottledTemporarily: transient,
  activityLimitReached: transient,
  ServiceUnavailable: transient,
  serviceNotAvailable: transient,
  GatewayTimeout: transient,
  timeout: transient,
  UnknownError: transient,
  generalException: transient,
  Request_BadRequest: BY_MESSAGE,
  BadRequest: BY_MESSAGE,
  badRequest: BY_MESSAGE,
  invalidRequest: BY_MESSAGE,
  Request_UnsupportedQuery: reason('bad-request'),
};

/** Message fragments (matched case-insensitively) for the refusals Graph reports under generic codes. */
const BY_MESSAGE_TABLE: Array<{ fragment: string; classification: Classification }> = [
  { fragment: 'does not comply with password complexity', classification: reason('password-rejected') },
  { fragment: 'password complexity requirements', classification: reason('password-rejected') },
  { fragment: 'banned password', classification: reason('password-rejected') },
  { fragment: 'on-premises mastered directory sync objects', classification: reason('synced-object') },
  { fragment: 'insufficient privileges', classification: reason('insufficient-privileges') },
  { fragment: 'converged usercredentialpolicy does not allow', classification: reason('tap-not-allowed') },
  { fragment: 'cannot be added to an external guest user', classification: reason('guest-user') },
];

function byStatus(status: number): Classification {
  if (status === 408 || status === 429 || status >= 500 || status < 0) return transient;
  if (status === 401) return reason('auth-failed');
  if (status === 403) return reason('insufficient-privileges');
  if (status === 404) return reason('not-found');
  return reason('bad-request');
}

/** Classifies a Graph error: code first, message second, status last. Exported for tests. */
export function classifyGraphError(info: GraphErrorInfo): Classification {
  // A throttle or outage is always worth retrying, whatever code the gateway put on it.
  if (info.statusCode === 429 || info.statusCode === 503 || info.statusCode === 504) return transient;
  const fromCode = info.code ? BY_CODE[info.code] : undefined;
  if (fromCode && fromCode !== BY_MESSAGE) return fromCode;
  const message = (info.message ?? '').toLowerCase();
  const fromMessage = BY_MESSAGE_TABLE.find((row) => message.includes(row.fragment));
  if (fromMessage) return fromMessage.classification;
  return byStatus(info.statusCode);
}

const PLAIN_REASON: Record<DirectoryErrorReason, string> = {
  'insufficient-privileges':
    'the app lacks the permission or directory role for this, or the user holds a privileged role',
  'synced-object':
    'the user is synchronised from on-premises Active Directory, so the cloud copy cannot be changed',
  'password-rejected': "the password does not meet the tenant's password policy",
  'not-found': 'the user or item does not exist in the tenant',
  'bad-request': 'Microsoft Graph refused the request',
  'auth-failed': 'the app could not authenticate to the tenant',
  'tap-not-allowed':
    "the tenant's Temporary Access Pass policy is off, does not include this user, or does not allow this kind of pass",
  'guest-user': 'the user is an external guest, for whom this is not possible',
};

/**
 * The error to throw for a failed Graph call made for `operation` (plain words, e.g. "reset the password").
 * The message holds the operation, our reading, the HTTP status and Graph's own message (Graph does not echo
 * request bodies in messages); `cause` holds only status, code and request id. `secret`, when given, is
 * blanked out of Graph's message after classification (so a password equal to a word of the message cannot
 * change how the error is read).
 */
export function translateGraphError(
  info: GraphErrorInfo,
  operation: string,
  secret?: string,
): TransientError | DirectoryError {
  const classification = classifyGraphError(info);
  const cause: GraphFailure = { statusCode: info.statusCode, code: info.code, requestId: info.requestId };
  const shown = secret && info.message ? info.message.split(secret).join('[redacted]') : info.message;
  const graphSaid = shown ? ` Graph said: ${shown}` : '';
  const status = info.statusCode > 0 ? ` (HTTP ${info.statusCode}${info.code ? ` ${info.code}` : ''})` : '';
  if (classification.kind === 'transient') {
    const waitFor =
      info.retryAfterMs !== undefined ? `; retry after ${Math.ceil(info.retryAfterMs / 1000)}s` : '';
    return new TransientError(
      `Could not ${operation}: Microsoft Graph is busy or unavailable${status}${waitFor}.${graphSaid}`,
      info.retryAfterMs,
      // Graph's throttling answers (429, and 503 under load) mean the request was not carried out.
      { cause, unprocessed: info.statusCode === 429 || info.statusCode === 503 },
    );
  }
  return new DirectoryError(
    classification.reason,
    `Could not ${operation}: ${PLAIN_REASON[classification.reason]}${status}.${graphSaid}`,
    { cause },
  );
}

/**
 * Parses `Retry-After` (delta-seconds or an HTTP date) into milliseconds from `now`. Undefined when absent or
 * unreadable; never negative.
 */
export function parseRetryAfter(
  header: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (header === null || header === undefined) return undefined;
  const trimmed = header.trim();
  if (trimmed === '') return undefined;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  if (/^\d+\.\d+$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Reads Graph's error envelope out of a parsed response body. Tolerates bodies that are not the envelope. */
export function readGraphErrorBody(body: unknown): { code?: string; message?: string; requestId?: string } {
  if (!body || typeof body !== 'object') return {};
  const error = (body as { error?: unknown }).error;
  if (!error || typeof error !== 'object') return {};
  const e = error as { code?: unknown; message?: unknown; innerError?: unknown };
  const inner =
    e.innerError && typeof e.innerError === 'object' ? (e.innerError as Record<string, unknown>) : {};
  const requestId = inner['request-id'] ?? inner['requestId'];
  return {
    code: typeof e.code === 'string' ? e.code : undefined,
    message: typeof e.message === 'string' ? e.message : undefined,
    requestId: typeof requestId === 'string' ? requestId : undefined,
  };
}

/** True when Graph refused to delete a method because it is the user's default and others remain. */
export function isDefaultMethodRefusal(info: GraphErrorInfo): boolean {
  return info.statusCode === 400 && /cannot delete default method/i.test(info.message ?? '');
}

/** A one-line, plain-words reason a single MFA method could not be removed (for `MfaMethodResult.detail`). */
export function describeMethodFailure(info: GraphErrorInfo): string {
  if (isDefaultMethodRefusal(info)) {
    return 'it is the default sign-in method and Microsoft refused to delete it while other methods remain';
  }
  if (info.statusCode === 400 && /alternate mobile/i.test(info.message ?? '')) {
    return 'the mobile phone cannot be removed while an alternate mobile phone is registered';
  }
  const classification = classifyGraphError(info);
  const status = ` (HTTP ${info.statusCode}${info.code ? ` ${info.code}` : ''})`;
  if (classification.kind === 'transient') return `Microsoft Graph was busy or unavailable${status}`;
  return `${PLAIN_REASON[classification.reason]}${status}${info.message ? `: ${info.message}` : ''}`;
}
