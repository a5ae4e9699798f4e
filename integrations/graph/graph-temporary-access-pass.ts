import type { IssuedTemporaryAccessPass } from '../../services/domain/ports.js';
import { DirectoryError, TransientError } from '../../services/domain/errors.js';
import { translateGraphError, type GraphErrorInfo, type GraphFailure } from './graph-errors.js';
import { timestamp } from './graph-sign-in-state.js';
import { asRecord, type GraphTransport } from './graph-transport.js';
import { optionalString } from './graph-users.js';
import { pathSegment } from './odata.js';

/**
 * Temporary Access Passes: `POST /users/{id}/authentication/temporaryAccessPassMethods` (201 with the pass,
 * which only this answer ever holds) and `DELETE …/temporaryAccessPassMethods/{id}` (204). The pass is a
 * secret: it never reaches a log line, and every error message made here is blanked of it.
 */

/** The lifetime Graph accepts, in minutes (10 minutes to 30 days). */
export const MIN_TAP_LIFETIME_MINUTES = 10;
export const MAX_TAP_LIFETIME_MINUTES = 43_200;

/**
 * A refusal of the create call that names its cause in the message, whatever the status and code: the policy
 * ("Converged UserCredentialPolicy does not allow creating or updating this authentication method", reported
 * by users, status not documented: 400 and 403 are accepted) and external guests.
 */
export function tapRefusal(info: GraphErrorInfo): 'tap-not-allowed' | 'guest-user' | undefined {
  if (info.statusCode !== 400 && info.statusCode !== 403) return undefined;
  const message = info.message ?? '';
  if (/converged\s+usercredentialpolicy\s+does\s+not\s+allow/i.test(message)) return 'tap-not-allowed';
  if (/cannot be added to an external guest user/i.test(message)) return 'guest-user';
  return undefined;
}

export async function issueTemporaryAccessPass(
  graph: GraphTransport,
  userId: string,
  options: { lifetimeMinutes: number; usableOnce: boolean },
): Promise<IssuedTemporaryAccessPass> {
  const operation = 'issue a Temporary Access Pass';
  const { lifetimeMinutes, usableOnce } = options;
  if (
    !Number.isInteger(lifetimeMinutes) ||
    lifetimeMinutes < MIN_TAP_LIFETIME_MINUTES ||
    lifetimeMinutes > MAX_TAP_LIFETIME_MINUTES
  ) {
    throw new DirectoryError(
      'bad-request',
      `Could not ${operation}: the lifetime must be a whole number of minutes from ${MIN_TAP_LIFETIME_MINUTES} to ${MAX_TAP_LIFETIME_MINUTES}`,
    );
  }
  const result = await graph.call({
    operation,
    method: 'POST',
    path: `/users/${pathSegment(userId)}/authentication/temporaryAccessPassMethods`,
    // No startDateTime: usable at once. The policy decides the pass's length.
    body: { lifetimeInMinutes: lifetimeMinutes, isUsableOnce: usableOnce },
  });
  if (!result.ok) {
    const refusal = tapRefusal(result.info);
    if (refusal) {
      const { statusCode, code, requestId } = result.info;
      const cause: GraphFailure = { statusCode, code, requestId };
      throw new DirectoryError(
        refusal,
        `Could not ${operation}: ${refusalWords(refusal)} (HTTP ${statusCode}${code ? ` ${code}` : ''}).${graphSaid(result.info)}`,
        { cause },
      );
    }
    throw translateGraphError(result.info, operation);
  }

  const body = asRecord(result.body);
  const id = optionalString(body.id);
  const pass = optionalString(body.temporaryAccessPass);
  if (!id) throw graph.malformed(operation);
  const fail = async (reason: 'tap-not-allowed' | 'bad-request', why: string): Promise<never> => {
    await withdraw(graph, userId, id, operation);
    throw new DirectoryError(reason, `Could not ${operation}: ${why}; the pass was deleted again`);
  };
  if (!pass) return fail('bad-request', 'Microsoft Graph returned no pass');
  if (body.isUsable !== true && body.isUsable !== false) {
    return fail('bad-request', 'Microsoft Graph did not say whether the pass is usable');
  }
  if (!body.isUsable) {
    const why = optionalString(body.methodUsabilityReason);
    // Only a documented reason is repeated: nothing else Graph wrote back reaches the message.
    const shown = why && why !== pass && /^[A-Za-z]{1,40}$/.test(why) ? why : 'no documented reason given';
    return fail('tap-not-allowed', `the tenant reports the pass unusable (${shown})`);
  }
  if (body.isUsableOnce !== true && body.isUsableOnce !== false) {
    return fail('bad-request', 'Microsoft Graph did not say whether the pass is one-time');
  }
  if (usableOnce && body.isUsableOnce !== true) {
    return fail('tap-not-allowed', 'a one-time pass was asked for and the tenant made a multi-use one');
  }
  const lifetime = body.lifetimeInMinutes;
  const startsAt = timestamp(body.startDateTime) ?? timestamp(body.createdDateTime);
  if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime <= 0 || !startsAt) {
    return fail('bad-request', 'Microsoft Graph returned no start or lifetime');
  }
  graph.logger.info(
    { op: operation, passId: id, lifetimeMinutes: lifetime, usableOnce: body.isUsableOnce },
    'temporary access pass issued',
  );
  return {
    id,
    temporaryAccessPass: pass,
    startsAt,
    expiresAt: new Date(Date.parse(startsAt) + lifetime * 60_000).toISOString(),
    lifetimeMinutes: lifetime,
    usableOnce: body.isUsableOnce,
  };
}

export async function removeTemporaryAccessPass(
  graph: GraphTransport,
  userId: string,
  passId: string,
): Promise<void> {
  const operation = 'remove the Temporary Access Pass';
  const result = await graph.call({
    operation,
    method: 'DELETE',
    path: `/users/${pathSegment(userId)}/authentication/temporaryAccessPassMethods/${pathSegment(passId)}`,
  });
  // Already gone (expired and cleaned up, replaced by a newer pass, deleted by an admin) is what was asked for.
  if (!result.ok && result.info.statusCode === 404) return;
  graph.okBody(result, operation);
}

/**
 * Deletes a pass just created that cannot be handed out. A failure to delete is logged and otherwise left to
 * the refusal being reported: the pass itself never left this module.
 */
async function withdraw(
  graph: GraphTransport,
  userId: string,
  passId: string,
  operation: string,
): Promise<void> {
  try {
    await removeTemporaryAccessPass(graph, userId, passId);
  } catch (err) {
    graph.logger.warn(
      { op: operation, passId, error: err instanceof TransientError ? 'transient' : (err as Error).name },
      'an unusable temporary access pass could not be deleted',
    );
  }
}

function refusalWords(refusal: 'tap-not-allowed' | 'guest-user'): string {
  return refusal === 'tap-not-allowed'
    ? "the tenant's Temporary Access Pass policy is off, does not include this user, or does not allow this kind of pass"
    : 'the user is an external guest, and a Temporary Access Pass cannot be added to a guest';
}

function graphSaid(info: GraphErrorInfo): string {
  return info.message ? ` Graph said: ${info.message}` : '';
}
