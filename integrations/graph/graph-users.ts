import type { DirectoryUser } from '../../services/domain/ports.js';
import { DirectoryError } from '../../services/domain/errors.js';
import { translateGraphError } from './graph-errors.js';
import { asRecord, MAX_TOP, type GraphTransport } from './graph-transport.js';
import { odataEq, pathSegment, queryString } from './odata.js';

/**
 * Users as the service sees them: the lookups by address, the manager chain upward, the reports downward,
 * group membership, and the projection of Graph's user object onto `DirectoryUser`.
 */

/** The user properties every lookup selects. */
export const USER_SELECT = [
  'id',
  'userPrincipalName',
  'displayName',
  'mail',
  'accountEnabled',
  'onPremisesSyncEnabled',
  'onPremisesSamAccountName',
  'onPremisesDomainName',
  'onPremisesLastSyncDateTime',
  'onPremisesDistinguishedName',
  // Shown on the confirmation page and to whoever picks among matches: tells two people of one name apart.
  'department',
].join(',');

/** What a name search selects: the lookup's fields. */
export const SEARCH_SELECT = USER_SELECT;
/** What a list of reports selects: a search's fields plus the names a request may call people by. */
const REPORTS_SELECT = `${SEARCH_SELECT},givenName,surname,jobTitle`;
/** Most reports read for one requester (all levels together); more and the list is refused as unreadable. */
export const MAX_REPORTS = 5000;
/** The longest manager chain followed, whatever depth is asked for. */
const MAX_MANAGER_DEPTH = 25;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for an Entra object id (a GUID, any case). */
export function isGuid(value: string): boolean {
  return GUID.test(value);
}

export async function findUsersByAddress(graph: GraphTransport, address: string): Promise<DirectoryUser[]> {
  const operation = 'look up the user';
  const trimmed = address.trim();
  if (trimmed === '') return [];
  const filter = `${odataEq('userPrincipalName', trimmed)} or ${odataEq('mail', trimmed)}`;
  const result = await graph.call({
    operation,
    method: 'GET',
    path: `/users${queryString({ $filter: filter, $select: USER_SELECT })}`,
  });
  return usersOf(graph.okValues(result, operation));
}

export async function getManager(graph: GraphTransport, userId: string): Promise<DirectoryUser | null> {
  const operation = "look up the user's manager";
  const result = await graph.call({
    operation,
    method: 'GET',
    path: `/users/${pathSegment(userId)}/manager${queryString({ $select: USER_SELECT })}`,
  });
  // Graph answers 404 Request_ResourceNotFound ("Resource 'manager' does not exist…") when none is set.
  if (!result.ok && result.info.statusCode === 404) return null;
  const body = graph.okBody(result, operation);
  const manager = toDirectoryUser(body);
  if (!manager) throw graph.malformed(operation);
  return manager;
}

/**
 * Follows `GET /users/{id}/manager` upward, nearest manager first, until a user has none (404), `depth`
 * managers are found (at most `MAX_MANAGER_DEPTH`) or a manager already in the chain comes back (a cycle,
 * which Entra allows).
 */
export async function getManagerChain(
  graph: GraphTransport,
  userId: string,
  depth: number,
): Promise<DirectoryUser[]> {
  const limit = Math.min(Math.floor(depth), MAX_MANAGER_DEPTH);
  const chain: DirectoryUser[] = [];
  const seen = new Set([userId.toLowerCase()]);
  let current = userId;
  while (chain.length < limit) {
    const manager = await getManager(graph, current);
    if (!manager) break;
    if (seen.has(manager.id.toLowerCase()) || seen.has(manager.userPrincipalName.toLowerCase())) {
      graph.logger.info({ op: 'follow the manager chain', length: chain.length }, 'manager chain loops');
      break;
    }
    seen.add(manager.id.toLowerCase());
    seen.add(manager.userPrincipalName.toLowerCase());
    chain.push(manager);
    current = manager.id;
  }
  return chain;
}

/**
 * The tenant's enabled users, for a requester who may ask for anyone (an approver): `GET /users` with the
 * names a request may use, paged. Disabled accounts are left out here (a request for one is handed off by
 * address anyway). More than `limit` users, or a list Graph cuts short, throws: a partial list could make
 * the wrong person look like the only match.
 */
export async function listMembers(graph: GraphTransport, limit: number): Promise<DirectoryUser[]> {
  const operation = "list the tenant's users";
  const listed = await graph.listPages({
    operation,
    method: 'GET',
    path: `/users${queryString({ $select: REPORTS_SELECT, $top: String(MAX_TOP) })}`,
  });
  if (!listed.ok) throw translateGraphError(listed.info, operation);
  if (listed.truncated || listed.items.length > limit) {
    throw new DirectoryError(
      'bad-request',
      `Could not ${operation}: the tenant holds more than ${limit} users`,
    );
  }
  return usersOf(listed.items).filter((u) => u.accountEnabled);
}

/**
 * The people who report to the user, directly or down to `depth` levels, each once: `GET
 * /users/{id}/directReports/microsoft.graph.user` (users only, not contacts), paged, one manager at a time,
 * level by level. A list Graph cuts short, or more than `MAX_REPORTS` people, throws: a partial list could
 * make the wrong person look like the only match.
 */
export async function listReports(
  graph: GraphTransport,
  userId: string,
  depth: number,
): Promise<DirectoryUser[]> {
  const operation = "list the user's reports";
  const levels = Math.min(Math.floor(depth), MAX_MANAGER_DEPTH);
  const found = new Map<string, DirectoryUser>();
  const seen = new Set([userId.toLowerCase()]);
  let managers = [userId];
  for (let level = 0; level < levels && managers.length > 0; level++) {
    const next: string[] = [];
    for (const manager of managers) {
      const listed = await graph.listPages({
        operation,
        method: 'GET',
        path: `/users/${pathSegment(manager)}/directReports/microsoft.graph.user${queryString({
          $select: REPORTS_SELECT,
          $top: String(MAX_TOP),
        })}`,
      });
      if (!listed.ok) throw translateGraphError(listed.info, operation);
      if (listed.truncated) {
        throw new DirectoryError('bad-request', `Could not ${operation}: Microsoft Graph cut the list short`);
      }
      for (const raw of listed.items) {
        const user = toDirectoryUser(raw);
        if (!user) throw graph.malformed(operation);
        if (seen.has(user.id.toLowerCase())) continue;
        seen.add(user.id.toLowerCase());
        found.set(user.id, user);
        next.push(user.id);
      }
      if (found.size > MAX_REPORTS) {
        throw new DirectoryError(
          'bad-request',
          `Could not ${operation}: more than ${MAX_REPORTS} people report to this user`,
        );
      }
    }
    managers = next;
  }
  return [...found.values()];
}

/** `POST /users/{id}/checkMemberGroups` with the one group: transitive, so nested groups count. */
export async function isMemberOfGroup(
  graph: GraphTransport,
  userId: string,
  groupId: string,
): Promise<boolean> {
  const operation = 'check group membership';
  if (!isGuid(groupId)) {
    throw new DirectoryError('bad-request', `Could not ${operation}: the group id is not a GUID`);
  }
  const result = await graph.call({
    operation,
    method: 'POST',
    path: `/users/${pathSegment(userId)}/checkMemberGroups`,
    body: { groupIds: [groupId] },
  });
  return graph
    .okValues(result, operation)
    .some((id) => typeof id === 'string' && id.toLowerCase() === groupId.toLowerCase());
}

/**
 * The user's own record with only the `select`ed properties (`GET /users/{id}?$select=`), and its object id.
 * Graph always returns the id, so a record without one is malformed (`operation` names the read in the error).
 */
export async function readUserRecord(
  graph: GraphTransport,
  userId: string,
  select: string,
  operation: string,
): Promise<{ id: string; user: Record<string, unknown> }> {
  const result = await graph.call({
    operation,
    method: 'GET',
    path: `/users/${pathSegment(userId)}${queryString({ $select: select })}`,
  });
  const user = asRecord(graph.okBody(result, operation));
  const id = optionalString(user.id);
  if (!id) throw graph.malformed(operation);
  return { id, user };
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The users of a collection answer; objects without an id (not users) are left out. */
export function usersOf(values: unknown[]): DirectoryUser[] {
  return values.flatMap((raw) => {
    const user = toDirectoryUser(raw);
    return user ? [user] : [];
  });
}

/** Maps a Graph user object (selected with USER_SELECT) to a `DirectoryUser`; undefined when it has no id. */
export function toDirectoryUser(raw: unknown): DirectoryUser | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const id = optionalString(r.id);
  if (!id) return undefined;
  const userPrincipalName = optionalString(r.userPrincipalName) ?? '';
  const user: DirectoryUser = {
    id,
    userPrincipalName,
    displayName: optionalString(r.displayName) ?? userPrincipalName,
    accountEnabled: r.accountEnabled === true,
    onPremisesSyncEnabled: r.onPremisesSyncEnabled === true,
  };
  const mail = optionalString(r.mail);
  if (mail) user.mail = mail;
  const department = optionalString(r.department);
  if (department) user.department = department;
  const givenName = optionalString(r.givenName);
  if (givenName) user.givenName = givenName;
  const surname = optionalString(r.surname);
  if (surname) user.surname = surname;
  const jobTitle = optionalString(r.jobTitle);
  if (jobTitle) user.jobTitle = jobTitle;
  const onPremises = {
    samAccountName: optionalString(r.onPremisesSamAccountName),
    domainName: optionalString(r.onPremisesDomainName),
    lastSyncDateTime: optionalString(r.onPremisesLastSyncDateTime),
    distinguishedName: optionalString(r.onPremisesDistinguishedName),
  };
  const present = Object.fromEntries(Object.entries(onPremises).filter(([, v]) => v !== undefined));
  if (Object.keys(present).length > 0) user.onPremises = present;
  return user;
}
