import { graphError, HttpAnswer, methodNotAllowed } from './graph-sim-http.js';
import { MESSAGES } from './graph-sim-messages.js';
import type { SimMethodSpec, SimUserState } from './graph-sim-model.js';
import { odataContext, segmentNotFound, type UserCall } from './graph-sim-odata.js';
import { groupsOf } from './graph-sim-groups.js';
import { createTemporaryAccessPass, TAP_TYPE, visibleTap } from './graph-sim-tap.js';

/**
 * Authentication methods under `/users/{id}/authentication`: the list and one method (the password method
 * always among them), the per-type DELETE with Entra's refusals, and issuing a Temporary Access Pass.
 */

export const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';
export const MOBILE_PHONE_ID = '3179e48a-750b-4051-897c-87b9720928f7';
export const ALTERNATE_MOBILE_PHONE_ID = 'b6332ec1-7057-4abe-9331-3d72feddfe41';
export const OFFICE_PHONE_ID = 'e37fc753-ff3b-4958-9484-eaa9425c82bc';

/** Per-type method collections that take a DELETE (Microsoft Graph docs), and the type each holds. */
const METHOD_COLLECTIONS: Record<string, string> = {
  microsoftAuthenticatorMethods: 'microsoftAuthenticatorAuthenticationMethod',
  phoneMethods: 'phoneAuthenticationMethod',
  fido2Methods: 'fido2AuthenticationMethod',
  softwareOathMethods: 'softwareOathAuthenticationMethod',
  emailMethods: 'emailAuthenticationMethod',
  windowsHelloForBusinessMethods: 'windowsHelloForBusinessAuthenticationMethod',
  temporaryAccessPassMethods: 'temporaryAccessPassAuthenticationMethod',
  platformCredentialMethods: 'platformCredentialAuthenticationMethod',
  hardwareOathMethods: 'hardwareOathAuthenticationMethod',
  passwordlessMicrosoftAuthenticatorMethods: 'passwordlessMicrosoftAuthenticatorAuthenticationMethod',
  externalAuthenticationMethods: 'externalAuthenticationMethod',
};

/** A method as the list shows it: no `isDefault` (not visible through v1.0), a TAP without its secret. */
function listedMethod(m: SimMethodSpec): Record<string, unknown> {
  if (m['@odata.type'] === TAP_TYPE) return visibleTap(m);
  const { isDefault: _isDefault, ...visible } = m;
  return visible;
}

function withPassword(user: SimUserState): SimMethodSpec[] {
  return [
    {
      '@odata.type': '#microsoft.graph.passwordAuthenticationMethod',
      id: PASSWORD_METHOD_ID,
      password: null,
      createdDateTime: '2024-01-01T00:00:00Z',
    },
    ...user.methods,
  ];
}

/** `/users/{id}/authentication/…`. */
export function authentication(call: UserCall): HttpAnswer {
  const sub = call.rest.slice(1);
  if (sub[0] === 'temporaryAccessPassMethods' && sub.length === 1) {
    if (call.method !== 'POST') return methodNotAllowed('badRequest');
    return createTemporaryAccessPass(
      odataContext(call, `users('${call.userKey}')/authentication/temporaryAccessPassMethods/$entity`),
      call.body,
      call.user,
      call.tenant.tapPolicy,
      groupsOf(call.user, call.tenant),
    );
  }
  if (sub[0] === 'methods') return genericMethods(call, sub[1], sub.length);
  if (call.method !== 'DELETE') return methodNotAllowed('badRequest');
  return deleteMethod(call, sub);
}

/** `/authentication/methods[/{id}]`: read only for an app (the generic DELETE is for delegated callers). */
function genericMethods(call: UserCall, methodId: string | undefined, length: number): HttpAnswer {
  const { method, user, userKey } = call;
  if (methodId === undefined && method === 'GET') {
    return new HttpAnswer(200, {
      '@odata.context': odataContext(call, `users('${userKey}')/authentication/methods`),
      value: withPassword(user).map(listedMethod),
    });
  }
  if (methodId !== undefined && method === 'DELETE') {
    // The generic DELETE exists for delegated callers only; an app-only token is refused.
    return graphError(403, 'accessDenied', 'Request Authorization failed');
  }
  if (methodId !== undefined && method === 'GET' && length === 2) {
    const found = withPassword(user).find((m) => m.id === methodId);
    if (!found) return graphError(404, 'itemNotFound', 'Authentication method not found.');
    return new HttpAnswer(200, {
      '@odata.context': odataContext(call, `users('${userKey}')/authentication/methods/$entity`),
      ...listedMethod(found),
    });
  }
  return methodNotAllowed('badRequest');
}

/** The method a per-type DELETE path names, or the answer refusing the path. */
function deleteTarget(call: UserCall, sub: string[]): SimMethodSpec | undefined | HttpAnswer {
  const [collection, methodId, ref, extra] = sub;
  const { user } = call;
  if (collection === 'qrCodePinMethod' && sub.length === 1) {
    if (call.version !== 'beta') return segmentNotFound('qrCodePinMethod');
    return user.methods.find((m) => m['@odata.type'] === '#microsoft.graph.qrCodePinAuthenticationMethod');
  }
  const type = collection === undefined ? undefined : METHOD_COLLECTIONS[collection];
  if (!type || methodId === undefined || extra !== undefined) return segmentNotFound(collection ?? '');
  const isExternal = collection === 'externalAuthenticationMethods';
  if (isExternal !== (ref === '$ref')) return segmentNotFound(ref ?? methodId);
  return user.methods.find((m) => m.id === methodId && m['@odata.type'] === `#microsoft.graph.${type}`);
}

/** A per-type DELETE: refused for the default method while others remain, and for a mobile with an alternate. */
function deleteMethod(call: UserCall, sub: string[]): HttpAnswer {
  const { user } = call;
  const target = deleteTarget(call, sub);
  if (target instanceof HttpAnswer) return target;
  if (!target) return graphError(404, 'itemNotFound', 'Authentication method not found.');
  const others = user.methods.filter((m) => m !== target);
  // The password method is always there and is not an MFA method: it does not keep a default method alive.
  const otherMfa = others.filter((m) => m['@odata.type'] !== '#microsoft.graph.passwordAuthenticationMethod');
  if (target.isDefault && otherMfa.length > 0) return graphError(400, 'badRequest', MESSAGES.defaultMethod);
  if (target.id === MOBILE_PHONE_ID && others.some((m) => m.id === ALTERNATE_MOBILE_PHONE_ID)) {
    return graphError(400, 'badRequest', MESSAGES.mobileWithAlternate);
  }
  user.methods = others;
  return new HttpAnswer(204);
}
