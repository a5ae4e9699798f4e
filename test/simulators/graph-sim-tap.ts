import { randomInt, randomUUID } from 'node:crypto';
import type { SimMethodSpec, SimUserState } from './graph-simulator.js';
import { graphError, graphTime, HttpAnswer } from './graph-sim-http.js';

/**
 * The simulator's Temporary Access Pass area: `POST /users/{id}/authentication/temporaryAccessPassMethods`
 * under the tenant's TAP policy, and the pass as the methods list shows it.
 *
 * As documented (Create temporaryAccessPassMethod, the TAP resource and method-policy pages): the body is
 * optional (`startDateTime`, `lifetimeInMinutes` 10–43,200, `isUsableOnce`); 201 with the pass, which later
 * reads show as null; one pass per user, a new one replacing the old; the policy's default lifetime when none
 * is asked for, and its one-time setting forcing one-time passes. As reported by users (status not
 * documented; 400 here): creation refused with "Converged UserCredentialPolicy does not allow…" when the
 * policy is off or leaves the user out, or when a multi-use pass is asked for under a one-time policy; and
 * "…cannot be added to an external guest user" for guests. A privileged target gets 403, as for a password
 * reset by an app with the User Administrator role.
 */

export const TAP_TYPE = '#microsoft.graph.temporaryAccessPassAuthenticationMethod';

export const TAP_MESSAGES = {
  policy:
    'Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass].',
  guest: 'Temporary Access Pass cannot be added to an external guest user.',
  /** Not documented verbatim: Microsoft documents only the 10–43,200 range and the policy's bounds. */
  lifetime: (min: number, max: number) =>
    `The lifetime of the Temporary Access Pass must be between ${min} and ${max} minutes.`,
} as const;

/** The tenant's Temporary Access Pass method policy, in Graph's names. */
export interface SimTapPolicy {
  state: 'enabled' | 'disabled';
  /** Group ids whose members are in scope, or every user. */
  includeTargets: 'all_users' | string[];
  excludeTargets?: string[];
  isUsableOnce: boolean;
  minimumLifetimeInMinutes: number;
  maximumLifetimeInMinutes: number;
  defaultLifetimeInMinutes: number;
  /** Characters in a pass (8–48). */
  defaultLength: number;
  /**
   * What creating a pass for a user the policy leaves out does: `refuse` (as users report since 2023, the
   * default) or `create-unusable` (as the Entra doc reads: created, but `isUsable: false` with
   * `DisabledByPolicy`).
   */
  outOfScope?: 'refuse' | 'create-unusable';
}

/** Entra's defaults: off until an admin turns it on; 1 hour by default, 1 to 8 hours; multi-use; 8 characters. */
export const DEFAULT_TAP_POLICY: SimTapPolicy = {
  state: 'disabled',
  includeTargets: 'all_users',
  isUsableOnce: false,
  minimumLifetimeInMinutes: 60,
  maximumLifetimeInMinutes: 480,
  defaultLifetimeInMinutes: 60,
  defaultLength: 8,
};

const PASS_CHARACTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789+#%&*!';

const ALLOWED_PROPERTIES = new Set(['startDateTime', 'lifetimeInMinutes', 'isUsableOnce']);

/** The create call. `groups` are the user's groups, nested included, for the policy's scope. */
export function createTemporaryAccessPass(
  context: string,
  body: unknown,
  user: SimUserState,
  policy: SimTapPolicy,
  groups: ReadonlySet<string>,
  now: Date = new Date(),
): HttpAnswer {
  const request = body === undefined ? {} : body;
  if (!request || typeof request !== 'object' || Array.isArray(request)) {
    return graphError(400, 'badRequest', 'Unable to read JSON request payload.');
  }
  const r = request as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!ALLOWED_PROPERTIES.has(key)) {
      return graphError(
        400,
        'badRequest',
        `The property '${key}' does not exist on type 'microsoft.graph.temporaryAccessPassAuthenticationMethod'. Make sure to only use property names that are defined by the type.`,
      );
    }
  }
  const lifetime = r.lifetimeInMinutes ?? policy.defaultLifetimeInMinutes;
  if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < 10 || lifetime > 43_200) {
    return graphError(400, 'badRequest', TAP_MESSAGES.lifetime(10, 43_200));
  }
  if (r.isUsableOnce !== undefined && typeof r.isUsableOnce !== 'boolean') {
    return graphError(400, 'badRequest', "Cannot convert the literal to the expected type 'Edm.Boolean'.");
  }
  let start = now;
  if (r.startDateTime !== undefined) {
    const parsed = typeof r.startDateTime === 'string' ? Date.parse(r.startDateTime) : NaN;
    if (Number.isNaN(parsed))
      return graphError(400, 'badRequest', "Cannot convert the literal to 'Edm.DateTimeOffset'.");
    start = new Date(parsed);
  }
  if (user.userType === 'Guest') return graphError(400, 'badRequest', TAP_MESSAGES.guest);
  if (user.privileged) {
    return graphError(
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    );
  }
  const inScope =
    policy.state === 'enabled' &&
    (policy.includeTargets === 'all_users' || policy.includeTargets.some((g) => groups.has(g))) &&
    !(policy.excludeTargets ?? []).some((g) => groups.has(g));
  const usableOnce = policy.isUsableOnce || r.isUsableOnce === true;
  const createUnusable = !inScope && policy.outOfScope === 'create-unusable';
  if ((!inScope && !createUnusable) || (policy.isUsableOnce && r.isUsableOnce === false)) {
    return graphError(400, 'badRequest', TAP_MESSAGES.policy);
  }
  if (lifetime < policy.minimumLifetimeInMinutes || lifetime > policy.maximumLifetimeInMinutes) {
    return graphError(
      400,
      'badRequest',
      TAP_MESSAGES.lifetime(policy.minimumLifetimeInMinutes, policy.maximumLifetimeInMinutes),
    );
  }
  const pass = Array.from(
    { length: policy.defaultLength },
    () => PASS_CHARACTERS[randomInt(PASS_CHARACTERS.length)],
  ).join('');
  const method: SimMethodSpec = {
    '@odata.type': TAP_TYPE,
    id: randomUUID(),
    temporaryAccessPass: null,
    createdDateTime: graphTime(now),
    startDateTime: graphTime(start),
    lifetimeInMinutes: lifetime,
    isUsableOnce: usableOnce,
    issuedPass: pass,
    ...(createUnusable ? { disabledByPolicy: true } : {}),
  };
  // One pass per user: the new one replaces any other.
  user.methods = [...user.methods.filter((m) => m['@odata.type'] !== TAP_TYPE), method];
  return new HttpAnswer(201, {
    '@odata.context': context,
    ...visibleTap(method, now),
    temporaryAccessPass: pass,
  });
}

/** A pass as Graph shows it: never the code (null), with its usability now. */
export function visibleTap(method: SimMethodSpec, now: Date = new Date()): Record<string, unknown> {
  const { isDefault: _d, issuedPass: _p, disabledByPolicy, ...visible } = method;
  const start = Date.parse(String(method.startDateTime));
  const end = start + Number(method.lifetimeInMinutes) * 60_000;
  const reason = disabledByPolicy
    ? 'DisabledByPolicy'
    : now.getTime() < start
      ? 'NotYetValid'
      : now.getTime() >= end
        ? 'Expired'
        : 'EnabledByPolicy';
  return { ...visible, isUsable: reason === 'EnabledByPolicy', methodUsabilityReason: reason };
}
