import { randomUUID } from 'node:crypto';
import type { SimMethodSpec, SimUserState } from './graph-simulator.js';
import { graphError, graphTime, type HttpAnswer } from './graph-sim-http.js';

/**
 * The simulator's sign-in area: the user properties that show whether a staff member is back in
 * (`lastPasswordChangeDateTime`, `passwordProfile`, `signInActivity`), the addresses a notice may go to
 * (`otherMails`, `proxyAddresses`, `userType`), and the test verbs that play the staff member: signing in,
 * changing the password, registering a method.
 *
 * As documented: every property here comes only on `$select`; `signInActivity` needs an Entra ID P1/P2
 * tenant (otherwise 403 `Authentication_RequestFromNonPremiumTenantOrB2CTenant`) and AuditLog.Read.All
 * (otherwise 403 `Authorization_RequestDenied`), is read by object id (the UPN form answers 400, as reported
 * for the live service), and is absent for a user who never signed in. An admin reset sets
 * `lastPasswordChangeDateTime` too (assumed: Microsoft does not say) and a pending forced change shows as
 * `passwordProfile.forceChangePasswordNextSignIn: true`; with none pending the profile reads null.
 */

export const SIGN_IN_MESSAGES = {
  nonPremium: "Neither tenant is B2C or tenant doesn't have premium license",
  /** Not documented verbatim; the 400 itself is a user report (Microsoft Q&A 1311910). */
  signInActivityByUpn: 'Get By Key only supports UserId and the key has to be a valid Guid',
} as const;

/** What the simulated tenant allows for sign-in activity. */
export interface SignInActivityAccess {
  /** Entra ID P1 or P2 (default true). */
  entraPremium: boolean;
  /** The app holds AuditLog.Read.All (default true). */
  readable: boolean;
}

/** The `signInActivity` properties a simulated user carries (Graph's names; absent when never signed in). */
export interface SimSignInActivity {
  lastSignInDateTime?: string;
  lastSignInRequestId?: string;
  lastNonInteractiveSignInDateTime?: string;
  lastNonInteractiveSignInRequestId?: string;
  lastSuccessfulSignInDateTime?: string;
  lastSuccessfulSignInRequestId?: string;
}

/** When a simulated user's password was created, unless the seed says otherwise. */
export const DEFAULT_PASSWORD_CREATED = '2024-01-01T00:00:00Z';

/** The refusal of a user GET selecting `signInActivity`, or undefined when it may be answered. */
export function signInActivityRefusal(
  access: SignInActivityAccess,
  user: SimUserState,
  userKey: string,
  select: string[] | undefined,
): HttpAnswer | undefined {
  if (!select?.includes('signInActivity')) return undefined;
  if (userKey.toLowerCase() !== user.id.toLowerCase()) {
    return graphError(400, 'Request_BadRequest', SIGN_IN_MESSAGES.signInActivityByUpn);
  }
  return signInActivityAccessRefusal(access);
}

/** The refusal of any read of `signInActivity` in this tenant (licence, then permission), or undefined. */
export function signInActivityAccessRefusal(access: SignInActivityAccess): HttpAnswer | undefined {
  if (!access.entraPremium) {
    return graphError(
      403,
      'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
      SIGN_IN_MESSAGES.nonPremium,
    );
  }
  if (!access.readable) {
    return graphError(
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    );
  }
  return undefined;
}

/** The sign-in and address properties of a user, for the simulator's full projection (select decides). */
export function signInProperties(user: SimUserState): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    userType: user.userType ?? 'Member',
    otherMails: user.otherMails ?? [],
    proxyAddresses: user.proxyAddresses ?? (user.mail ? [`SMTP:${user.mail}`] : []),
    lastPasswordChangeDateTime: user.passwordChangedAt
      ? graphTime(user.passwordChangedAt)
      : (user.lastPasswordChangeDateTime ?? DEFAULT_PASSWORD_CREATED),
    passwordProfile: user.forceChangePasswordNextSignIn
      ? { password: null, forceChangePasswordNextSignIn: true, forceChangePasswordNextSignInWithMfa: false }
      : null,
  };
  if (user.signInActivity) properties.signInActivity = { ...user.signInActivity };
  return properties;
}

/** The staff member signs in successfully (interactively) at `at`. */
export function signIn(user: SimUserState, at: Date): void {
  if (user.accountEnabled === false) throw new Error(`${user.userPrincipalName} is blocked from signing in`);
  const requestId = randomUUID();
  user.signInActivity = {
    ...user.signInActivity,
    lastSignInDateTime: graphTime(at),
    lastSignInRequestId: requestId,
    lastSuccessfulSignInDateTime: graphTime(at),
    lastSuccessfulSignInRequestId: requestId,
  };
}

/** The staff member signs in and sets a password of their own, as a forced change at next sign-in asks. */
export function signInAndChangePassword(user: SimUserState, at: Date, password: string): void {
  signIn(user, at);
  user.password = password;
  user.forceChangePasswordNextSignIn = false;
  user.passwordChangedAt = at;
}

/** Method types whose v1.0 objects carry no `createdDateTime` (the phone method's documented properties). */
const WITHOUT_CREATED_TIME = new Set(['#microsoft.graph.phoneAuthenticationMethod']);

/**
 * The staff member registers a method at `at`: its registration time is set where the type has one, and a
 * method of the same id (a phone type's fixed id) is replaced.
 */
export function registerMethod(user: SimUserState, method: SimMethodSpec, at: Date): void {
  const registered: SimMethodSpec = { ...structuredClone(method) };
  if (!WITHOUT_CREATED_TIME.has(method['@odata.type'])) registered.createdDateTime = graphTime(at);
  user.methods = [...user.methods.filter((m) => m.id !== method.id), registered];
}
