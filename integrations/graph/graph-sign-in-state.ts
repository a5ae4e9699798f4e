import type { RegisteredMethod, SignInState, UnreadPart } from '../../services/domain/ports.js';
import { DirectoryError, TransientError } from '../../services/domain/errors.js';
import { translateGraphError, type GraphErrorInfo } from './graph-errors.js';
import { methodKind, PASSWORD_METHOD_TYPE } from './graph-mfa-methods.js';
import { asRecord, type GraphTransport } from './graph-transport.js';
import { isGuid, optionalString, readUserRecord } from './graph-users.js';
import { pathSegment, queryString } from './odata.js';

/**
 * What Graph can tell about a staff member being back in after a reset, in three reads:
 * `GET /users/{id}?$select=id,lastPasswordChangeDateTime,passwordProfile` (both properties come only on
 * `$select`), `GET /users/{objectId}/authentication/methods`, and `GET /users/{objectId}?$select=signInActivity`.
 * Sign-in activity is read on its own because a tenant without Entra ID P1/P2 refuses the whole request
 * that selects it, and by object id because the UPN form has been reported to answer 400.
 */

const PASSWORD_SELECT = 'id,lastPasswordChangeDateTime,passwordProfile';

/** The code Graph refuses sign-in activity with in a tenant without Entra ID P1/P2 (HTTP 403). */
const NON_PREMIUM_CODE = 'Authentication_RequestFromNonPremiumTenantOrB2CTenant';
/** The wordings seen with that code ("Neither tenant is B2C or tenant doesn't have premium license", and a later one). */
const NON_PREMIUM_MESSAGE = /(doesn't|does not) have (a )?premium licen[cs]e/i;

export async function readSignInState(graph: GraphTransport, userId: string): Promise<SignInState> {
  const operation = "read the user's password state";
  const { id: objectId, user } = await readUserRecord(graph, userId, PASSWORD_SELECT, operation);
  if (!isGuid(objectId)) throw graph.malformed(operation);

  const [methods, signIn] = await Promise.all([
    readMethods(graph, objectId),
    readLastSuccessfulSignIn(graph, objectId),
  ]);
  const lastChangedAt = timestamp(user.lastPasswordChangeDateTime);
  return {
    userId: objectId,
    readAt: new Date().toISOString(),
    password: {
      ...(lastChangedAt ? { lastChangedAt } : {}),
      forceChange: forceChangeOf(user),
    },
    methods,
    signIn,
  };
}

/**
 * `passwordProfile.forceChangePasswordNextSignIn`: true is pending; false, or a null profile (Graph's answer
 * for an account with no pending change), is not; a missing key or another shape is unknown.
 */
export function forceChangeOf(user: Record<string, unknown>): SignInState['password']['forceChange'] {
  if (!('passwordProfile' in user)) return 'unknown';
  const profile = user.passwordProfile;
  if (profile === null) return 'not-pending';
  if (!profile || typeof profile !== 'object' || Array.isArray(profile)) return 'unknown';
  const flag = (profile as Record<string, unknown>).forceChangePasswordNextSignIn;
  if (flag === true) return 'pending';
  if (flag === false || flag === null) return 'not-pending';
  return 'unknown';
}

async function readMethods(graph: GraphTransport, objectId: string): Promise<SignInState['methods']> {
  const operation = "list the user's authentication methods";
  const listed = await graph.call({
    operation,
    method: 'GET',
    path: `/users/${pathSegment(objectId)}/authentication/methods`,
  });
  if (!listed.ok) return unreadPart(graph, listed.info, operation, () => undefined);
  const items: RegisteredMethod[] = [];
  for (const raw of graph.okValues(listed, operation)) {
    const m = asRecord(raw);
    const type = optionalString(m['@odata.type']);
    const id = optionalString(m.id);
    // An item without a type or id cannot be told apart from another: the list cannot be trusted.
    if (!type || !id) throw graph.malformed(operation);
    if (type === PASSWORD_METHOD_TYPE) continue;
    // fido2 examples in the docs name the property creationDateTime; the base type says createdDateTime.
    const createdAt = timestamp(m.createdDateTime) ?? timestamp(m.creationDateTime);
    items.push({ kind: methodKind({ '@odata.type': type, id }), id, ...(createdAt ? { createdAt } : {}) });
  }
  return { state: 'read', items };
}

async function readLastSuccessfulSignIn(
  graph: GraphTransport,
  objectId: string,
): Promise<SignInState['signIn']> {
  const operation = "read the user's sign-in activity";
  const read = await graph.call({
    operation,
    method: 'GET',
    path: `/users/${pathSegment(objectId)}${queryString({ $select: 'signInActivity' })}`,
  });
  if (!read.ok) return unreadPart(graph, read.info, operation, nonPremium);
  const body = asRecord(graph.okBody(read, operation));
  const activity = body.signInActivity;
  // Absent for a user who never signed in (or not since April 2020); an object otherwise.
  if (activity === undefined || activity === null) return { state: 'read' };
  if (typeof activity !== 'object' || Array.isArray(activity)) throw graph.malformed(operation);
  const lastSuccessfulAt = timestamp((activity as Record<string, unknown>).lastSuccessfulSignInDateTime);
  return { state: 'read', ...(lastSuccessfulAt ? { lastSuccessfulAt } : {}) };
}

function nonPremium(info: GraphErrorInfo): 'not-licensed' | undefined {
  if (info.code === NON_PREMIUM_CODE || NON_PREMIUM_MESSAGE.test(info.message ?? '')) return 'not-licensed';
  return undefined;
}

/**
 * A refused part read. Throttling, outages and a refused credential throw (the whole read is retried); a
 * licence refusal is `not-licensed`, any other 403 `not-permitted`, anything else `not-readable`.
 */
function unreadPart(
  graph: GraphTransport,
  info: GraphErrorInfo,
  operation: string,
  licence: (info: GraphErrorInfo) => 'not-licensed' | undefined,
): UnreadPart {
  const translated = translateGraphError(info, operation);
  if (translated instanceof TransientError) throw translated;
  if (translated instanceof DirectoryError && translated.reason === 'auth-failed') throw translated;
  const state = licence(info) ?? (info.statusCode === 403 ? 'not-permitted' : 'not-readable');
  const problem = `Graph answered ${info.statusCode}${info.code ? ` ${info.code}` : ''}${
    info.message ? `: ${info.message}` : ''
  }`;
  graph.logger.info(
    { op: operation, status: info.statusCode, code: info.code, state },
    'part of the sign-in state cannot be read',
  );
  return { state, problem };
}

const DATE_TIME_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A Graph DateTimeOffset as ISO 8601 UTC, or undefined for none, an empty string (which the docs show for a
 * user without a successful sign-in) or anything that is not a full date, time and offset.
 */
export function timestamp(value: unknown): string | undefined {
  if (typeof value !== 'string' || !DATE_TIME_OFFSET.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
