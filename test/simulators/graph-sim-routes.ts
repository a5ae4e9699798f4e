import { graphError, type HttpAnswer } from './graph-sim-http.js';
import { sendMail } from './graph-sim-mail.js';
import { directReports, manager } from './graph-sim-managers.js';
import { MESSAGES } from './graph-sim-messages.js';
import { authentication } from './graph-sim-methods.js';
import { segmentNotFound, type GraphCall, type UserCall } from './graph-sim-odata.js';
import { checkMemberGroups, transitiveMemberOf } from './graph-sim-groups.js';
import { roleManagement } from './graph-sim-roles.js';
import { revokeSignInSessions } from './graph-sim-sessions.js';
import { findUser } from './graph-sim-tenant.js';
import { listUsers, userItself } from './graph-sim-users.js';

/** The Graph resources the simulator serves, by the segment after `/users/{id}`. */
interface UserRoute {
  /** Whether the route takes the request; otherwise the segment is unknown (400). */
  takes: (call: UserCall) => boolean;
  handle: (call: UserCall) => HttpAnswer;
}

const USER_ROUTES: Record<string, UserRoute> = {
  manager: { takes: (c) => c.rest.length === 1 && c.method === 'GET', handle: manager },
  directReports: { takes: (c) => c.rest.length <= 2, handle: directReports },
  transitiveMemberOf: { takes: (c) => c.rest.length <= 2, handle: transitiveMemberOf },
  checkMemberGroups: { takes: (c) => c.rest.length === 1, handle: checkMemberGroups },
  revokeSignInSessions: { takes: (c) => c.rest.length === 1, handle: revokeSignInSessions },
  sendMail: {
    takes: (c) => c.rest.length === 1,
    handle: (c) =>
      c.method === 'POST'
        ? sendMail(c.body, c.user, c.tenant.outbox)
        : graphError(405, 'ErrorInvalidRequest', 'The OData request is not supported.'),
  },
  authentication: { takes: () => true, handle: authentication },
};

/** Routes an authorized Graph request to the area that serves it. */
export function routeGraph(call: GraphCall): HttpAnswer {
  const { segments } = call;
  if (segments[0] === 'roleManagement') return roleManagement(call);
  if (segments[0] !== 'users') return segmentNotFound(segments[0] ?? '');
  if (segments.length === 1) return listUsers(call);
  const userKey = segments[1] ?? '';
  const user = findUser(call.tenant, userKey);
  if (!user) return graphError(404, 'Request_ResourceNotFound', MESSAGES.userMissing(userKey));
  const userCall: UserCall = { ...call, user, userKey, rest: segments.slice(2) };
  if (userCall.rest.length === 0) return userItself(userCall);
  const first = userCall.rest[0] ?? '';
  const route = Object.hasOwn(USER_ROUTES, first) ? USER_ROUTES[first] : undefined;
  if (route?.takes(userCall)) return route.handle(userCall);
  return segmentNotFound(first);
}
