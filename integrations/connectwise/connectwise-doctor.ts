import { checksOf, lookUp, setting, type CheckResult } from '../../services/doctor/doctor-check.js';
import type { Logger } from '../../services/logging/logger.js';
import type { ConnectWiseOptions } from './connectwise-adapter.js';
import { ConnectWiseClient } from './connectwise-client.js';
import { credentialsRefused } from '../shared/psa-doctor.js';

/**
 * `resetdesk doctor` for ConnectWise PSA: the API member's keys and the clientId are accepted
 * (`GET /system/info`), and every board, type, subtype, status, team and member the configuration names
 * exists where the service will use it. Statuses and teams belong to a board in ConnectWise, so each is
 * looked up on its board (`/service/boards/{id}/statuses/{statusId}`, `/service/boards/{id}/teams/{teamId}`).
 * Read-only.
 */

export interface ConnectWiseDoctorOptions {
  adapter: ConnectWiseOptions;
  /** `connectwise.retryStatusId` as the plan holds it (text). */
  retryStatusId?: string;
  apiMemberIdentifier?: string;
}

interface CwNamed {
  id?: unknown;
  name?: unknown;
  identifier?: unknown;
  inactiveFlag?: unknown;
}

const SUBJECT = 'connectwise';

/** A ConnectWise `conditions` string literal: quotes and backslashes escaped. */
function quoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export async function connectWiseDoctor(
  options: ConnectWiseDoctorOptions,
  logger: Logger,
): Promise<CheckResult[]> {
  const c = checksOf(SUBJECT);
  const { adapter } = options;
  const client = new ConnectWiseClient(adapter, logger);
  try {
    const info = await client.request<{ version?: unknown }>({ method: 'GET', path: '/system/info' });
    const version = typeof info?.version === 'string' ? ` (ConnectWise PSA ${info.version})` : '';
    const results: CheckResult[] = [c.ok('credentials', `the API member's keys were accepted${version}`)];
    results.push(...(await checkBoards(client, options)));
    return results;
  } catch (err) {
    return credentialsRefused(SUBJECT, err, {
      detail: 'refused',
      fix: `check ${setting('connectwise.companyId')}, ${setting('connectwise.publicKey')}, ${setting('connectwise.privateKey')} and ${setting('connectwise.clientId')}; a 404 or a page that is not JSON means ${setting('connectwise.siteUrl')} or ${setting('connectwise.codebase')} is wrong`,
    });
  }
}

async function checkBoards(
  client: ConnectWiseClient,
  options: ConnectWiseDoctorOptions,
): Promise<CheckResult[]> {
  const { adapter } = options;
  const get = async (path: string): Promise<CwNamed | null> =>
    client.request<CwNamed>({ method: 'GET', path, notFoundAsNull: true });
  const nameOf = (record: CwNamed | null, id: number): string | null =>
    record && Number(record.id) === id ? (typeof record.name === 'string' ? record.name : '') : null;
  const list = async (path: string, params: Record<string, string | number> = {}) =>
    (await client.request<CwNamed[]>({ method: 'GET', path, params: { pageSize: 1000, ...params } })) ?? [];

  const resetBoards = adapter.resetBoardIds;
  const handoffBoards = adapter.handoff.boardId === undefined ? resetBoards : [adapter.handoff.boardId];
  const checks: Array<Promise<CheckResult | CheckResult[]>> = [];

  const board = (id: number, key: string) =>
    lookUp(
      SUBJECT,
      `board ${id}`,
      key,
      async () => nameOf(await get(`/service/boards/${id}`), id),
      `set ${setting(key)} to a board id from System → Setup Tables → Service Board`,
    );
  const statusOn = (what: string, boardId: number, statusId: number, key: string) =>
    lookUp(
      SUBJECT,
      `${what} ${statusId} on board ${boardId}`,
      key,
      async () => nameOf(await get(`/service/boards/${boardId}/statuses/${statusId}`), statusId),
      `set ${setting(key)} to a status of board ${boardId} (Service Board → Statuses); statuses belong to one board`,
    );

  for (const id of resetBoards) checks.push(board(id, 'connectwise.resetBoardIds'));
  if (adapter.handoff.boardId !== undefined)
    checks.push(board(adapter.handoff.boardId, 'connectwise.handoffBoardId'));

  for (const [what, names, resource, key] of [
    ['ticket type', adapter.resetTypeNames ?? [], 'types', 'connectwise.resetTypeNames'],
    ['ticket subtype', adapter.resetSubTypeNames ?? [], 'subtypes', 'connectwise.resetSubTypeNames'],
  ] as const) {
    for (const name of names) {
      checks.push(
        lookUp(
          SUBJECT,
          `${what} "${name}"`,
          key,
          async () => {
            for (const id of resetBoards) {
              const found = await list(`/service/boards/${id}/${resource}`, {
                conditions: `name=${quoted(name)}`,
              });
              if (
                found.some((t) => typeof t.name === 'string' && t.name.toLowerCase() === name.toLowerCase())
              ) {
                return `on board ${id}`;
              }
            }
            return null;
          },
          `add "${name}" to a reset board (Service Board → ${resource === 'types' ? 'Types' : 'Subtypes'}), or correct ${setting(key)}`,
        ).then((r) => (r.status === 'ok' ? { ...r, detail: r.detail.replace(/^"|"$/g, '') } : r)),
      );
    }
  }

  const awaiting = adapter.awaitingConfirmation.statusId;
  if (awaiting !== undefined) {
    for (const id of resetBoards) {
      checks.push(
        statusOn('awaiting-confirmation status', id, awaiting, 'connectwise.awaitingConfirmationStatusId'),
      );
    }
  }
  const resolved = adapter.resolved?.statusId;
  if (resolved !== undefined && resolved !== null) {
    for (const id of resetBoards) {
      checks.push(statusOn('resolved status', id, resolved, 'connectwise.resolvedStatusId'));
    }
  }
  const handoffStatus = adapter.handoff.statusId;
  if (handoffStatus !== undefined) {
    for (const id of handoffBoards)
      checks.push(statusOn('hand-off status', id, handoffStatus, 'connectwise.handoffStatusId'));
  }
  const team = adapter.handoff.teamId;
  if (team !== undefined) {
    for (const id of handoffBoards) {
      checks.push(
        lookUp(
          SUBJECT,
          `hand-off team ${team} on board ${id}`,
          'connectwise.handoffTeamId',
          async () => nameOf(await get(`/service/boards/${id}/teams/${team}`), team),
          `set ${setting('connectwise.handoffTeamId')} to a team of board ${id} (Service Board → Teams)`,
        ),
      );
    }
  }
  if (options.retryStatusId !== undefined) {
    const retry = Number(options.retryStatusId);
    checks.push(
      lookUp(
        SUBJECT,
        `retry status ${retry}`,
        'connectwise.retryStatusId',
        async () => {
          for (const id of handoffBoards) {
            const name = nameOf(await get(`/service/boards/${id}/statuses/${retry}`), retry);
            if (name !== null) return name;
          }
          return null;
        },
        `set ${setting('connectwise.retryStatusId')} to a status of the board handed-off tickets are on (${handoffBoards.join(', ')})`,
      ),
    );
  }
  for (const [what, identifier, key] of [
    ['hand-off owner', adapter.handoff.ownerIdentifier, 'connectwise.handoffOwnerIdentifier'],
    ['API member', options.apiMemberIdentifier, 'connectwise.apiMemberIdentifier'],
  ] as const) {
    if (identifier === undefined) continue;
    checks.push(
      lookUp(
        SUBJECT,
        `${what} "${identifier}"`,
        key,
        async () => {
          const members = await list('/system/members', { conditions: `identifier=${quoted(identifier)}` });
          const member = members.find(
            (m) =>
              typeof m.identifier === 'string' && m.identifier.toLowerCase() === identifier.toLowerCase(),
          );
          return member ? (typeof member.name === 'string' ? member.name : '') : null;
        },
        `set ${setting(key)} to a member identifier from System → Members`,
      ),
    );
  }
  return (await Promise.all(checks)).flat();
}
