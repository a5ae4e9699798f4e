import { graphError, HttpAnswer, methodNotAllowed } from './graph-sim-http.js';
import { MESSAGES } from './graph-sim-messages.js';
import { odataContext, page, segmentNotFound, selectOf, type UserCall } from './graph-sim-odata.js';
import { projectUser } from './graph-sim-users.js';

/** The reporting line: `/users/{id}/manager` and `/users/{id}/directReports` (walked up for a manager chain). */

/** `GET /users/{id}/manager`: 404 when the user has none. */
export function manager(call: UserCall): HttpAnswer {
  const { user, tenant } = call;
  const found = user.managerId ? tenant.users.get(user.managerId) : undefined;
  if (!found) return graphError(404, 'Request_ResourceNotFound', MESSAGES.managerMissing);
  const select = selectOf(call.query);
  return new HttpAnswer(200, {
    '@odata.context': odataContext(
      call,
      select ? `directoryObjects(${select.join(',')})/$entity` : 'directoryObjects/$entity',
    ),
    '@odata.type': '#microsoft.graph.user',
    ...projectUser(found, select),
  });
}

/**
 * Direct reports (directoryObjects: users and org contacts; the cast keeps users only). Paged like every
 * list; $filter and $search need advanced queries, which the service does not send.
 */
export function directReports(call: UserCall): HttpAnswer {
  const { rest, query, user, tenant } = call;
  if (call.method !== 'GET') return methodNotAllowed();
  if (rest[1] !== undefined && rest[1] !== 'microsoft.graph.user') return segmentNotFound(rest[1]);
  if (query.$filter !== undefined || query.$search !== undefined)
    return graphError(400, 'Request_UnsupportedQuery', 'The simulator does not filter direct reports.');
  const select = selectOf(query);
  const reports = [...tenant.users.values()].filter((u) => u.managerId === user.id);
  // Cast to users, the type is the collection's own; uncast, each directoryObject names its type.
  const cast = rest[1] !== undefined;
  const entity = cast ? 'users' : 'directoryObjects';
  return page(
    call,
    reports.map((u) => ({
      ...(cast ? {} : { '@odata.type': '#microsoft.graph.user' }),
      ...projectUser(u, select),
    })),
    { '@odata.context': odataContext(call, select ? `${entity}(${select.join(',')})` : entity) },
  );
}
