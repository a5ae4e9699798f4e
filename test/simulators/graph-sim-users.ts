import { matchesFilter, parseUserFilter, unsupportedInDefaultQuery } from './graph-sim-filter.js';
import { graphError, HttpAnswer, methodNotAllowed } from './graph-sim-http.js';
import { MESSAGES } from './graph-sim-messages.js';
import type { SimUserState } from './graph-sim-model.js';
import { odataContext, page, selectOf, type GraphCall, type UserCall } from './graph-sim-odata.js';
import { signInActivityAccessRefusal, signInActivityRefusal, signInProperties } from './graph-sim-sign-in.js';
import { patchUser } from './graph-sim-password.js';

/** Properties a user GET returns without $select (Graph's default set; no on-premises fields). */
const DEFAULT_USER_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];

/** A user as Graph returns it: the selected properties, Graph's default set, or (`all`) every one simulated. */
export function projectUser(
  user: SimUserState,
  select: string[] | undefined,
  all = false,
): Record<string, unknown> {
  const full: Record<string, unknown> = {
    id: user.id,
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName ?? null,
    jobTitle: null,
    mail: user.mail ?? null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: user.surname ?? null,
    userPrincipalName: user.userPrincipalName,
    department: user.department ?? null,
    accountEnabled: user.accountEnabled ?? true,
    onPremisesSyncEnabled: user.onPremisesSyncEnabled ?? null,
    onPremisesSamAccountName: user.onPremisesSamAccountName ?? null,
    onPremisesDomainName: user.onPremisesDomainName ?? null,
    onPremisesLastSyncDateTime: user.onPremisesLastSyncDateTime ?? null,
    onPremisesDistinguishedName: user.onPremisesDistinguishedName ?? null,
    ...signInProperties(user),
  };
  if (all) return full;
  const keys = select ?? DEFAULT_USER_PROPERTIES;
  return Object.fromEntries(keys.filter((k) => k in full).map((k) => [k, full[k]]));
}

/** `GET /users` with `$filter` (default-query limits, graph-sim-filter.ts), `$select` and paging; no `$search`. */
export function listUsers(call: GraphCall): HttpAnswer {
  const { method, query, tenant } = call;
  if (method !== 'GET') return methodNotAllowed();
  if (query.$search !== undefined) {
    if (!call.eventual) return graphError(400, 'Request_UnsupportedQuery', MESSAGES.searchNeedsEventual);
    return graphError(400, 'Request_UnsupportedQuery', 'The simulator does not implement $search.');
  }
  let users = [...tenant.users.values()];
  if (query.$filter !== undefined) {
    const tree = parseUserFilter(query.$filter);
    if (!tree) return graphError(400, 'BadRequest', MESSAGES.invalidFilter);
    const refused = unsupportedInDefaultQuery(tree);
    if (refused) return graphError(400, 'Request_UnsupportedQuery', refused);
    users = users.filter((u) => matchesFilter(projectUser(u, undefined, true), tree));
  }
  const select = selectOf(query);
  const refused = select?.includes('signInActivity')
    ? signInActivityAccessRefusal(tenant.signInAccess)
    : undefined;
  if (refused) return refused;
  return page(
    call,
    users.map((u) => projectUser(u, select)),
    { '@odata.context': odataContext(call, select ? `users(${select.join(',')})` : 'users') },
  );
}

/** `/users/{id}` itself: GET (with `$select`), PATCH (password reset, account enabled); DELETE is refused. */
export function userItself(call: UserCall): HttpAnswer {
  const { method, user, userKey, tenant } = call;
  if (method === 'GET') {
    const select = selectOf(call.query);
    const refused = signInActivityRefusal(tenant.signInAccess, user, userKey, select);
    if (refused) return refused;
    // Documented answers selecting signInActivity carry the id even when it was not selected.
    const withId = select?.includes('signInActivity') ? { id: user.id } : {};
    return new HttpAnswer(200, {
      '@odata.context': odataContext(call, select ? `users(${select.join(',')})/$entity` : 'users/$entity'),
      ...withId,
      ...projectUser(user, select),
    });
  }
  if (method === 'PATCH') return patchUser(user, call.body, tenant);
  if (method === 'DELETE')
    return graphError(403, 'Authorization_RequestDenied', MESSAGES.insufficientPrivileges);
  return methodNotAllowed();
}
