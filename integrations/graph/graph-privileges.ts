import type { DirectoryPrivileges } from '../../services/domain/ports.js';
import type { GraphErrorInfo } from './graph-errors.js';
import { asRecord, type GraphTransport } from './graph-transport.js';
import { isGuid, optionalString, readUserRecord } from './graph-users.js';
import { odataEq, pathSegment, queryString } from './odata.js';

/**
 * What makes an account privileged, read with the app's own permissions: active directory roles, role-
 * assignable groups, and PIM-eligible roles.
 */

/**
 * Active directory roles (held directly or through a role-assignable group), role-assignable groups, and
 * PIM-eligible roles. The first two throw on any failure, so an unreadable privilege is never reported as
 * "none". Eligibility a tenant without an Entra ID P2 / Governance licence cannot have comes back as
 * `no-pim-licence`; eligibility the app may not read (a missing permission or consent, an endpoint this
 * cloud does not offer) as `not-readable`, with Graph's reason: unknown, never "none".
 */
export async function getPrivileges(graph: GraphTransport, userId: string): Promise<DirectoryPrivileges> {
  const user = pathSegment(userId);
  const rolesOperation = "list the user's directory roles";
  const groupsOperation = "list the user's role-assignable groups";

  // The three reads are independent: they go out together (one round of Graph latency instead of three),
  // and failures are reported in the same order as before: roles, then groups, then eligibility.
  const [rolesRead, groupsRead, eligibilityRead] = await Promise.allSettled([
    graph.listPages({
      operation: rolesOperation,
      method: 'GET',
      path: `/users/${user}/transitiveMemberOf/microsoft.graph.directoryRole${queryString({
        $select: 'displayName,roleTemplateId',
      })}`,
    }),
    graph.listPages({
      operation: groupsOperation,
      method: 'GET',
      path: `/users/${user}/transitiveMemberOf/microsoft.graph.group${queryString({
        $filter: 'isAssignableToRole eq true',
        $select: 'displayName,id',
        $count: 'true',
      })}`,
      // Filtering a cast membership list is an advanced query: the header and $count=true are both required.
      headers: { ConsistencyLevel: 'eventual' },
    }),
    eligibleRoles(graph, userId),
  ]);

  const roles = graph.fullList(settled(rolesRead), rolesOperation);
  const activeRoles = roles.map((raw) => {
    const r = asRecord(raw);
    const name = optionalString(r.displayName);
    // Without permission to read roles Graph returns them with only the id: still a role, so still listed.
    return (
      name ?? `directory role ${optionalString(r.roleTemplateId) ?? optionalString(r.id) ?? '(unnamed)'}`
    );
  });
  const groups = graph.fullList(settled(groupsRead), groupsOperation);
  const roleAssignableGroups = groups.map((raw) => {
    const g = asRecord(raw);
    return optionalString(g.displayName) ?? `group ${optionalString(g.id) ?? '(unnamed)'}`;
  });
  const eligibility = settled(eligibilityRead);
  return {
    activeRoles: unique(activeRoles),
    eligibleRoles: unique(eligibility.roles),
    eligibility: eligibility.state,
    ...(eligibility.problem ? { eligibilityProblem: eligibility.problem } : {}),
    roleAssignableGroups: unique(roleAssignableGroups),
  };
}

/**
 * `GET /roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId eq '{id}'` with the role
 * names expanded. `principalId` is an object id (a GUID in Entra), so anything else (a UPN) is first resolved
 * with `GET /users/{id}?$select=id`.
 */
async function eligibleRoles(
  graph: GraphTransport,
  userId: string,
): Promise<{ state: DirectoryPrivileges['eligibility']; roles: string[]; problem?: string }> {
  const operation = "list the user's PIM-eligible roles";
  const objectId = isGuid(userId) ? userId : await objectIdOf(graph, userId);
  const listed = await graph.listPages({
    operation,
    method: 'GET',
    path: `/roleManagement/directory/roleEligibilityScheduleInstances${queryString({
      $filter: odataEq('principalId', objectId),
      $expand: 'roleDefinition($select=displayName)',
    })}`,
  });
  const refusal = listed.ok ? undefined : eligibilityRefusal(listed.info);
  if (!listed.ok && refusal) {
    graph.logger.info(
      { op: operation, status: listed.info.statusCode, code: listed.info.code, refusal },
      'PIM eligibility cannot be read in this tenant',
    );
    const problem = `Graph answered ${listed.info.statusCode}${listed.info.code ? ` ${listed.info.code}` : ''}`;
    return { state: refusal, roles: [], problem };
  }
  if (listed.ok && listed.truncated && listed.items.length === 0) {
    return { state: 'not-readable', roles: [], problem: 'Graph cut the eligibility list short' };
  }
  const items = graph.fullList(listed, operation);
  const roles = items.map((raw) => {
    const instance = asRecord(raw);
    const name = optionalString(asRecord(instance.roleDefinition).displayName);
    return name ?? `role definition ${optionalString(instance.roleDefinitionId) ?? '(unnamed)'}`;
  });
  return { state: 'read', roles };
}

async function objectIdOf(graph: GraphTransport, userId: string): Promise<string> {
  return (await readUserRecord(graph, userId, 'id', 'look up the user')).id;
}

/**
 * Why Graph refused the PIM eligibility read, when it refused because the tenant or the app cannot have it;
 * undefined for any other failure (an outage, a bad token: those are retried or thrown, never "unavailable").
 * - `no-pim-licence`: `AadPremiumLicenseRequired` (no Entra ID P2 or Governance licence; Graph sends it as a
 *   400), the only answer that means nobody in the tenant can be eligible through PIM;
 * - `not-readable`: any 403 (missing RoleEligibilitySchedule.Read.Directory / RoleManagement.Read.Directory,
 *   reported as `UnknownError` wrapping `PermissionScopeNotGranted`, or consent not given) and an endpoint
 *   the cloud does not offer (404, 501): the app may not look, so eligibility is unknown.
 */
export function eligibilityRefusal(info: GraphErrorInfo): 'no-pim-licence' | 'not-readable' | undefined {
  const message = info.message ?? '';
  if (
    info.code === 'AadPremiumLicenseRequired' ||
    /AadPremiumLicenseRequired/.test(message) ||
    /Entra ID P2 or Microsoft Entra ID Governance licen[cs]e/i.test(message)
  ) {
    return 'no-pim-licence';
  }
  if (info.statusCode === 403 || info.statusCode === 404 || info.statusCode === 501) return 'not-readable';
  if (/PermissionScopeNotGranted/.test(message)) return 'not-readable';
  return undefined;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** The value of a settled promise, or its rejection thrown. */
function settled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
