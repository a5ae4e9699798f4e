import { checksOf, lookUp, setting, type CheckResult } from '../../services/doctor/doctor-check.js';
import type { Logger } from '../../services/logging/logger.js';
import type { HaloOptions } from './halopsa-adapter.js';
import { HaloClient } from './halopsa-client.js';
import { credentialsRefused } from '../shared/psa-doctor.js';

/**
 * `resetdesk doctor` for HaloPSA: the API application gets a token, and every id the configuration names
 * exists in this Halo instance, read with Halo's lookup endpoints (`GET /api/TicketType/{id}`,
 * `/api/Outcome/{id}`, `/api/Status/{id}` (awaiting-confirmation, resolved, hand-off, retry), `/api/Team/{id}`) as the API application, so a missing permission
 * shows here too. Nothing is written.
 */

export interface HaloDoctorOptions {
  adapter: HaloOptions;
  /** `halopsa.retryStatusId` as the plan holds it (text). */
  retryStatusId?: string;
}

interface HaloNamed {
  id?: unknown;
  name?: unknown;
  outcome?: unknown;
}

export async function haloDoctor(options: HaloDoctorOptions, logger: Logger): Promise<CheckResult[]> {
  const subject = 'halopsa';
  const c = checksOf(subject);
  const { adapter } = options;
  const client = new HaloClient(adapter, logger);
  try {
    await client.checkToken();
  } catch (err) {
    return credentialsRefused(subject, err, {
      detail: 'no token',
      fix: `check ${setting('halopsa.clientId')}, ${setting('halopsa.clientSecret')}, ${setting('halopsa.authServerUrl')}${adapter.tenant ? '' : ` and, for hosted Halo, ${setting('halopsa.tenant')}`}`,
    });
  }
  const results: CheckResult[] = [c.ok('credentials', 'the API application got a token')];

  /** The name of a Halo record, or null when Halo does not know the id. */
  const named = (resource: string, id: number) => async (): Promise<string | null> => {
    const record = await client.request<HaloNamed>({
      method: 'GET',
      path: `/${resource}/${id}`,
      notFoundAsNull: true,
    });
    if (!record || Number(record.id) !== id) return null;
    const name = record.name ?? record.outcome;
    return typeof name === 'string' ? name : '';
  };
  const check = (what: string, resource: string, id: number | undefined, key: string, where: string) =>
    id === undefined
      ? undefined
      : lookUp(
          subject,
          `${what} ${id}`,
          key,
          named(resource, id),
          `set ${setting(key)} to an id from ${where}, and let the API application's agent use it`,
        );

  const pending = [
    ...adapter.resetTicketTypeIds.map((id) =>
      check(
        'ticket type',
        'TicketType',
        id,
        'halopsa.resetTicketTypeIds',
        'Configuration → Tickets → Ticket Types',
      ),
    ),
    check(
      'customer note outcome',
      'Outcome',
      adapter.outcomes.customerNoteId,
      'halopsa.customerNoteOutcomeId',
      'Configuration → Tickets → Actions',
    ),
    check(
      'internal note outcome',
      'Outcome',
      adapter.outcomes.internalNoteId,
      'halopsa.internalNoteOutcomeId',
      'Configuration → Tickets → Actions',
    ),
    check(
      'awaiting-confirmation status',
      'Status',
      adapter.statuses.awaitingConfirmationId,
      'halopsa.awaitingConfirmationStatusId',
      'Configuration → Tickets → Status',
    ),
    check(
      'resolved status',
      'Status',
      adapter.statuses.resolvedId,
      'halopsa.resolvedStatusId',
      'Configuration → Tickets → Status',
    ),
    check(
      'hand-off status',
      'Status',
      adapter.handoff.statusId,
      'halopsa.handoffStatusId',
      'Configuration → Tickets → Status',
    ),
    check(
      'retry status',
      'Status',
      options.retryStatusId === undefined ? undefined : Number(options.retryStatusId),
      'halopsa.retryStatusId',
      'Configuration → Tickets → Status',
    ),
  ];
  for (const result of await Promise.all(pending)) if (result) results.push(result);
  if (adapter.handoff.teamId !== undefined) results.push(await checkTeam(adapter, named));
  return results;
}

/** The hand-off team exists; when a team name is configured too, it is that team's name. */
async function checkTeam(
  adapter: HaloOptions,
  named: (resource: string, id: number) => () => Promise<string | null>,
): Promise<CheckResult> {
  const id = adapter.handoff.teamId!;
  const configuredName = adapter.handoff.teamName;
  const result = await lookUp(
    'halopsa',
    `hand-off team ${id}`,
    'halopsa.handoffTeamId',
    named('Team', id),
    `set ${setting('halopsa.handoffTeamId')} to a team id from Configuration → Teams`,
  );
  if (result.status !== 'ok' || configuredName === undefined) return result;
  const actual = result.detail.replace(/^"|"$/g, '');
  if (actual.toLowerCase() === configuredName.toLowerCase()) return result;
  return checksOf('halopsa').fail(
    `hand-off team ${id}`,
    `is named "${actual}", not "${configuredName}" (${setting('halopsa.handoffTeamName')})`,
    `set ${setting('halopsa.handoffTeamName')} to "${actual}", or the team id to the team named "${configuredName}"`,
  );
}
