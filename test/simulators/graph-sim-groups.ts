import { graphError, HttpAnswer, methodNotAllowed } from './graph-sim-http.js';
import { GUID } from './graph-sim-ids.js';
import { MESSAGES } from './graph-sim-messages.js';
import type { SimGroupSpec, SimUserState } from './graph-sim-model.js';
import { odataContext, page, selectOf, type UserCall } from './graph-sim-odata.js';
import { directoryRoleObject } from './graph-sim-roles.js';
import type { TenantState } from './graph-sim-tenant.js';

/** Groups and membership: what a user belongs to (nested groups included) and the roles that brings. */

/** Ids of the groups the user belongs to, directly or through nested groups. */
export function groupsOf(user: SimUserState, tenant: TenantState): Set<string> {
  const member = new Set<string>();
  for (const id of user.groups ?? []) if (tenant.groups.has(id)) member.add(id);
  for (const group of tenant.groups.values()) if (group.members.includes(user.id)) member.add(group.id);
  for (let grew = true; grew;) {
    grew = false;
    for (const group of tenant.groups.values()) {
      if (!member.has(group.id) && group.members.some((m) => member.has(m))) {
        member.add(group.id);
        grew = true;
      }
    }
  }
  return member;
}

/** Names of the directory roles the user holds now: its own and those of its role-assignable groups. */
export function rolesOf(user: SimUserState, tenant: TenantState): string[] {
  const names = new Set(user.activeRoles ?? []);
  for (const id of groupsOf(user, tenant)) {
    const group = tenant.groups.get(id);
    if (group?.isAssignableToRole) for (const role of group.activeRoles ?? []) names.add(role);
  }
  return [...names];
}

function groupObject(group: SimGroupSpec): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.group',
    id: group.id,
    deletedDateTime: null,
    description: null,
    displayName: group.displayName,
    groupTypes: [],
    isAssignableToRole: group.isAssignableToRole,
    mailEnabled: false,
    mailNickname: group.displayName.replace(/[^A-Za-z0-9]/g, ''),
    securityEnabled: true,
  };
}

/**
 * The `isAssignableToRole eq true|false` filter of a transitiveMemberOf list (undefined: no filter), or the
 * answer refusing the filter: it needs advanced query parameters, and is the only one simulated.
 */
function assignableFilter(
  query: Record<string, string>,
  cast: string | undefined,
  advanced: boolean,
): boolean | undefined | HttpAnswer {
  if (query.$filter === undefined) return undefined;
  const match = /^isAssignableToRole eq (true|false)$/.exec(query.$filter);
  const operator = /\b(eq|ne|startswith|startsWith|endsWith|in)\b/.exec(query.$filter)?.[1] ?? 'eq';
  if (!advanced) return graphError(400, 'Request_UnsupportedQuery', MESSAGES.advancedQueryRequired(operator));
  if (!match || cast !== 'microsoft.graph.group') {
    return graphError(
      400,
      'Request_UnsupportedQuery',
      `Unsupported or invalid query filter clause specified for property '${/^[A-Za-z]+/.exec(query.$filter)?.[0] ?? ''}' of resource 'Group'.`,
    );
  }
  return match[1] === 'true';
}

/** The objects a transitiveMemberOf list holds, by its cast, and the entity set naming them. */
function memberOfObjects(
  call: UserCall,
  cast: string | undefined,
  assignable: boolean | undefined,
): { objects: Record<string, unknown>[]; entitySet: string } {
  const { user, tenant } = call;
  const groups = [...groupsOf(user, tenant)]
    .map((id) => tenant.groups.get(id)!)
    .filter((g) => assignable === undefined || g.isAssignableToRole === assignable);
  const roles = rolesOf(user, tenant).map(directoryRoleObject);
  if (cast === 'microsoft.graph.directoryRole') return { objects: roles, entitySet: 'directoryRoles' };
  if (cast === 'microsoft.graph.group') return { objects: groups.map(groupObject), entitySet: 'groups' };
  return { objects: [...groups.map(groupObject), ...roles], entitySet: 'directoryObjects' };
}

/**
 * `GET /users/{id}/transitiveMemberOf[/microsoft.graph.directoryRole|/microsoft.graph.group]`. A plain or cast
 * list works by default; `$filter`, `$search` and `$orderby` need `ConsistencyLevel: eventual` and
 * `$count=true`, and `$count=true` alone is ignored without the header (all documented). The only filter
 * simulated is `isAssignableToRole eq true|false` on the group cast.
 */
export function transitiveMemberOf(call: UserCall): HttpAnswer {
  const { query, rest } = call;
  if (call.method !== 'GET') return methodNotAllowed();
  const cast = rest[1];
  const advanced = call.eventual && query.$count === 'true';
  if (cast !== undefined && cast !== 'microsoft.graph.directoryRole' && cast !== 'microsoft.graph.group') {
    return graphError(400, 'BadRequest', `Resource not found for the segment '${cast}'.`);
  }
  if (query.$search !== undefined && !call.eventual)
    return graphError(400, 'Request_UnsupportedQuery', MESSAGES.searchNeedsEventual);
  if (query.$search !== undefined || query.$orderby !== undefined)
    return graphError(
      400,
      'Request_UnsupportedQuery',
      'The simulator does not implement $search or $orderby.',
    );
  const assignable = assignableFilter(query, cast, advanced);
  if (assignable instanceof HttpAnswer) return assignable;
  const { objects, entitySet } = memberOfObjects(call, cast, assignable);
  const select = selectOf(query);
  const projected = objects.map((o) => {
    const keys = select ?? Object.keys(o).filter((k) => k !== '@odata.type');
    const picked = Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
    // A cast list holds one type, so its items carry no @odata.type; a mixed list says what each item is.
    return cast === undefined ? { '@odata.type': o['@odata.type'], ...picked } : picked;
  });
  const annotations: Record<string, unknown> = {
    '@odata.context': odataContext(call, select ? `${entitySet}(${select.join(',')})` : entitySet),
  };
  if (advanced) annotations['@odata.count'] = projected.length;
  return page(call, projected, annotations);
}

/** `POST /users/{id}/checkMemberGroups {"groupIds":[…]}`: the ids, of at most 20, the user is transitively in. */
export function checkMemberGroups(call: UserCall): HttpAnswer {
  if (call.method !== 'POST') return methodNotAllowed();
  const ids = (call.body as { groupIds?: unknown } | undefined)?.groupIds;
  if (!Array.isArray(ids) || !ids.every((id): id is string => typeof id === 'string')) {
    return graphError(400, 'Request_BadRequest', "Invalid value specified for property 'groupIds'.");
  }
  if (ids.length > 20)
    return graphError(400, 'Request_BadRequest', 'The number of group ids must not exceed 20.');
  const bad = ids.find((id) => !GUID.test(id));
  if (bad !== undefined) return graphError(400, 'Request_BadRequest', `Invalid GUID:${bad}`);
  const member = new Set([...groupsOf(call.user, call.tenant)].map((id) => id.toLowerCase()));
  return new HttpAnswer(200, {
    '@odata.context': odataContext(call, 'Collection(Edm.String)'),
    value: ids.filter((id) => member.has(id.toLowerCase())),
  });
}
