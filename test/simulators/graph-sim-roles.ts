import { parseUserFilter } from './graph-sim-filter.js';
import { graphError, HttpAnswer, methodNotAllowed } from './graph-sim-http.js';
import { guidBytes, stableGuid } from './graph-sim-ids.js';
import { MESSAGES } from './graph-sim-messages.js';
import { page, odataContext, segmentNotFound, type GraphCall } from './graph-sim-odata.js';
import type { TenantState } from './graph-sim-tenant.js';

/**
 * Directory roles and privileges: built-in role ids, the active role assignments of users, groups and apps'
 * service principals (`/roleManagement/directory/roleAssignments`) and PIM eligibility
 * (`/roleManagement/directory/roleEligibilityScheduleInstances`).
 */

/** Template ids of built-in Entra roles (also the ids of their role definitions). */
export const ROLE_TEMPLATE_IDS: Record<string, string> = {
  'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
  'Privileged Role Administrator': 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  'Privileged Authentication Administrator': '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  'User Administrator': 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  'Helpdesk Administrator': '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  'Authentication Administrator': 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  'Security Administrator': '194ae4cb-b126-40b2-bd5b-6091b380977d',
  'Exchange Administrator': '29232cdf-9323-42fd-ade2-1d097af3e4de',
  'Global Reader': 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
};

/** A role's template id: the built-in one, or a stable made-up one for other names. */
export function roleTemplateId(roleName: string): string {
  return ROLE_TEMPLATE_IDS[roleName] ?? stableGuid(`role-template:${roleName}`);
}

/**
 * The id Graph gives a role eligibility schedule instance: base64url of the role definition and principal
 * GUIDs, then "-1-e" (as in the documented example `8MYkhImhnkm70CbBdTyW1BbHHAdHgZdDpbqyEFlRzAs-1-e`).
 */
export function eligibilityInstanceId(roleDefinitionId: string, principalId: string): string {
  return `${Buffer.concat([guidBytes(roleDefinitionId), guidBytes(principalId)]).toString('base64url')}-1-e`;
}

/** When simulated eligibilities start (Graph reports the schedule's start). */
export const ELIGIBILITY_START = '2026-01-05T09:00:00Z';

/** A role as a transitiveMemberOf list shows it. */
export function directoryRoleObject(name: string): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.directoryRole',
    id: stableGuid(`directory-role:${name}`),
    deletedDateTime: null,
    description: null,
    displayName: name,
    roleTemplateId: roleTemplateId(name),
  };
}

/** The lower-case principal id of `$filter=principalId eq '…'` (undefined: no filter), or the 400 refusing it. */
function principalFilter(query: Record<string, string>): string | undefined | HttpAnswer {
  if (query.$filter === undefined) return undefined;
  const tree = parseUserFilter(query.$filter);
  if (!tree || tree.kind !== 'eq' || tree.property !== 'principalId')
    return graphError(400, 'BadRequest', MESSAGES.invalidFilter);
  return tree.value.toLowerCase();
}

/** `/roleManagement/…`: the two lists the service reads. */
export function roleManagement(call: GraphCall): HttpAnswer {
  const { segments } = call;
  if (segments[1] === 'directory' && segments.length === 3) {
    if (segments[2] === 'roleAssignments') return roleAssignments(call);
    if (segments[2] === 'roleEligibilityScheduleInstances') return roleEligibilities(call);
  }
  return segmentNotFound(segments.at(-1) ?? '');
}

/** Every active (direct) assignment: users', role-assignable groups' and service principals'. */
function heldRoles(tenant: TenantState): Array<{ principalId: string; role: string; scope: string }> {
  return [
    ...[...tenant.users.values()].flatMap((u) =>
      (u.activeRoles ?? []).map((role) => ({ principalId: u.id, role, scope: '/' })),
    ),
    ...[...tenant.groups.values()].flatMap((g) =>
      (g.activeRoles ?? []).map((role) => ({ principalId: g.id, role, scope: '/' })),
    ),
    ...[...tenant.apps.values()].flatMap((a) =>
      a.directoryRoles.map((r) => ({ principalId: a.servicePrincipalId, ...r })),
    ),
  ];
}

/**
 * `GET /roleManagement/directory/roleAssignments`, optionally with `$filter=principalId eq '…'`: the active
 * (direct) directory role assignments of users, role-assignable groups and apps' service principals, as
 * unifiedRoleAssignment objects (`roleDefinitionId` is the built-in role's template id).
 */
function roleAssignments(call: GraphCall): HttpAnswer {
  if (call.method !== 'GET') return methodNotAllowed('BadRequest');
  const principal = principalFilter(call.query);
  if (principal instanceof HttpAnswer) return principal;
  const assignments = heldRoles(call.tenant)
    .filter((h) => principal === undefined || h.principalId.toLowerCase() === principal)
    .map((h) => {
      const roleDefinitionId = roleTemplateId(h.role);
      return {
        id: `${Buffer.concat([guidBytes(roleDefinitionId), guidBytes(h.principalId)]).toString('base64url')}-1`,
        principalId: h.principalId,
        roleDefinitionId,
        directoryScopeId: h.scope,
      };
    });
  return page(call, assignments, {
    '@odata.context': odataContext(call, 'roleManagement/directory/roleAssignments'),
  });
}

/** One eligibility instance, with its role definition expanded as `$expand` asks. */
function eligibilityInstance(
  name: string,
  principalId: string,
  expand: string | undefined,
): Record<string, unknown> {
  const definitionId = roleTemplateId(name);
  const instance: Record<string, unknown> = {
    id: eligibilityInstanceId(definitionId, principalId),
    principalId,
    roleDefinitionId: definitionId,
    directoryScopeId: '/',
    appScopeId: null,
    startDateTime: ELIGIBILITY_START,
    endDateTime: null,
    memberType: 'Direct',
    roleEligibilityScheduleId: stableGuid(`eligibility-schedule:${definitionId}:${principalId}`),
  };
  if (expand === 'roleDefinition($select=displayName)') instance.roleDefinition = { displayName: name };
  else if (expand === 'roleDefinition') {
    instance.roleDefinition = {
      id: definitionId,
      description: null,
      displayName: name,
      isBuiltIn: name in ROLE_TEMPLATE_IDS,
      isEnabled: true,
      templateId: definitionId,
      version: null,
    };
  }
  return instance;
}

/**
 * `GET /roleManagement/directory/roleEligibilityScheduleInstances`, optionally with
 * `$filter=principalId eq '…'` and `$expand=roleDefinition` / `roleDefinition($select=displayName)`.
 * Without a PIM licence: 400 `AadPremiumLicenseRequired`.
 */
function roleEligibilities(call: GraphCall): HttpAnswer {
  const { query, tenant } = call;
  if (call.method !== 'GET') return methodNotAllowed('BadRequest');
  if (!tenant.pimLicensed) return graphError(400, 'AadPremiumLicenseRequired', MESSAGES.pimUnlicensed);
  const principal = principalFilter(query);
  if (principal instanceof HttpAnswer) return principal;
  const expand = query.$expand;
  if (
    expand !== undefined &&
    expand !== 'roleDefinition' &&
    expand !== 'roleDefinition($select=displayName)'
  ) {
    return graphError(
      400,
      'BadRequest',
      `Parsing OData Select and Expand failed: Could not find a property named '${expand}'.`,
    );
  }
  const instances = [...tenant.users.values()]
    .filter((u) => principal === undefined || u.id.toLowerCase() === principal)
    .flatMap((u) => (u.eligibleRoles ?? []).map((name) => eligibilityInstance(name, u.id, expand)));
  const fragment =
    expand === 'roleDefinition($select=displayName)'
      ? 'roleManagement/directory/roleEligibilityScheduleInstances(roleDefinition(displayName))'
      : 'roleManagement/directory/roleEligibilityScheduleInstances';
  return page(call, instances, { '@odata.context': odataContext(call, fragment) });
}
