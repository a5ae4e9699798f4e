import { HttpAnswer, methodNotAllowed } from './graph-sim-http.js';
import { odataContext, type UserCall } from './graph-sim-odata.js';

/** `POST /users/{id}/revokeSignInSessions`: the user's refresh tokens and sessions stop working from now. */
export function revokeSignInSessions(call: UserCall): HttpAnswer {
  if (call.method !== 'POST') return methodNotAllowed();
  call.user.sessionsRevokedAt = new Date();
  return new HttpAnswer(200, { '@odata.context': odataContext(call, 'Edm.Boolean'), value: true });
}
