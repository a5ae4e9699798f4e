import { graphError, HttpAnswer } from './graph-sim-http.js';
import { MESSAGES } from './graph-sim-messages.js';
import type { SimUserState } from './graph-sim-model.js';
import type { TenantState } from './graph-sim-tenant.js';

/** Password reset: `PATCH /users/{id}` with a `passwordProfile` (or only `accountEnabled`), and Entra's password rules. */

/** Entra's password rules for cloud accounts (Microsoft Graph docs). */
const ALLOWED_PASSWORD_CHARS = /^[A-Za-z0-9@#$%^&*\-_!+=[\]{}|\\:',.?/`~"();<> ]*$/;

export function checkPasswordComplexity(password: string, banned: readonly string[]): boolean {
  if (password.length < 8 || password.length > 256) return false;
  if (!ALLOWED_PASSWORD_CHARS.test(password)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes < 3) return false;
  const lower = password.toLowerCase();
  return !banned.some((word) => word !== '' && lower.includes(word.toLowerCase()));
}

/** `PATCH /users/{id}`: refused for a privileged or synced user, checked against the tenant's password rules. */
export function patchUser(user: SimUserState, body: unknown, tenant: TenantState): HttpAnswer {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return graphError(400, 'BadRequest', 'Empty Payload. JSON content expected.');
  }
  const entries = Object.entries(body as Record<string, unknown>);
  for (const [key] of entries) {
    if (key !== 'passwordProfile' && key !== 'accountEnabled')
      return graphError(400, 'Request_BadRequest', `Invalid property '${key}'.`);
  }
  const { accountEnabled } = body as { accountEnabled?: unknown };
  if (accountEnabled !== undefined && typeof accountEnabled !== 'boolean') {
    return graphError(400, 'BadRequest', "Cannot convert the literal to the expected type 'Edm.Boolean'.");
  }
  if (!('passwordProfile' in body)) {
    // accountEnabled is mastered on-premises for a synced user, and an admin's needs a privileged role.
    if (user.privileged)
      return graphError(403, 'Authorization_RequestDenied', MESSAGES.insufficientPrivileges);
    if (user.onPremisesSyncEnabled === true) return graphError(400, 'Request_BadRequest', MESSAGES.synced);
    user.accountEnabled = accountEnabled as boolean;
    return new HttpAnswer(204);
  }
  const profile = (body as { passwordProfile?: unknown }).passwordProfile;
  if (!profile || typeof profile !== 'object')
    return graphError(
      400,
      'Request_BadRequest',
      "Invalid value specified for property 'passwordProfile' of resource 'User'.",
    );
  const p = profile as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (
      !['password', 'forceChangePasswordNextSignIn', 'forceChangePasswordNextSignInWithMfa'].includes(key)
    ) {
      return graphError(
        400,
        'BadRequest',
        `The property '${key}' does not exist on type 'microsoft.graph.passwordProfile'. Make sure to only use property names that are defined by the type.`,
      );
    }
  }
  if (typeof p.password !== 'string')
    return graphError(
      400,
      'Request_BadRequest',
      "Invalid value specified for property 'passwordProfile' of resource 'User'.",
    );
  if (p.forceChangePasswordNextSignIn !== undefined && typeof p.forceChangePasswordNextSignIn !== 'boolean') {
    return graphError(400, 'BadRequest', "Cannot convert the literal to the expected type 'Edm.Boolean'.");
  }
  if (user.privileged) return graphError(403, 'Authorization_RequestDenied', MESSAGES.insufficientPrivileges);
  if (user.onPremisesSyncEnabled === true) return graphError(400, 'Request_BadRequest', MESSAGES.synced);
  const strongPasswordDisabled = (user.passwordPolicies ?? '').includes('DisableStrongPassword');
  if (!strongPasswordDisabled && !checkPasswordComplexity(p.password, tenant.banned)) {
    return graphError(400, 'Request_BadRequest', MESSAGES.complexity);
  }
  user.password = p.password;
  user.forceChangePasswordNextSignIn = p.forceChangePasswordNextSignIn === true;
  user.passwordChangedAt = new Date();
  user.passwordChanges = (user.passwordChanges ?? 0) + 1;
  if (typeof accountEnabled === 'boolean') user.accountEnabled = accountEnabled;
  return new HttpAnswer(204);
}
