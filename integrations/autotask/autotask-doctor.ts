import { checksOf, describeFailure, setting, type CheckResult } from '../../services/doctor/doctor-check.js';
import { credentialsRefused } from '../shared/psa-doctor.js';
import type { Logger } from '../../services/logging/logger.js';
import type { AutotaskOptions } from './autotask-adapter.js';
import { AutotaskClient } from './autotask-client.js';

/**
 * `resetdesk doctor` for Autotask: the API user's credentials work, and every picklist value the configuration
 * names (queues, statuses, issue and sub-issue types, ticket sources, note type and publish values) and every
 * ticket UDF it reads exists in this database. Autotask describes its picklists in the entity information
 * calls (`GET /v1.0/Tickets/entityInformation/fields`, `/TicketNotes/entityInformation/fields`,
 * `/Tickets/entityInformation/userDefinedFields`): three reads, nothing written.
 */

export interface AutotaskDoctorOptions {
  adapter: AutotaskOptions;
  /** `autotask.retryStatusId` as the plan holds it (text). */
  retryStatusId?: string;
}

interface PicklistValue {
  value?: unknown;
  label?: unknown;
  isActive?: unknown;
}

interface FieldInfo {
  name?: unknown;
  label?: unknown;
  picklistValues?: PicklistValue[] | null;
}

const SUBJECT = 'autotask';

export async function autotaskDoctor(options: AutotaskDoctorOptions, logger: Logger): Promise<CheckResult[]> {
  const c = checksOf(SUBJECT);
  const { adapter } = options;
  const client = new AutotaskClient(adapter, logger);
  const fieldsOf = async (path: string): Promise<FieldInfo[]> =>
    (await client.request<{ fields?: FieldInfo[] }>({ method: 'GET', path }))?.fields ?? [];

  let ticketFields: FieldInfo[];
  try {
    ticketFields = await fieldsOf('/Tickets/entityInformation/fields');
  } catch (err) {
    return credentialsRefused(SUBJECT, err, {
      detail: 'refused',
      fix: `check ${setting('autotask.username')}, ${setting('autotask.secret')}, ${setting('autotask.integrationCode')} and that ${setting('autotask.baseUrl')} is the zone of that API user`,
    });
  }
  const results: CheckResult[] = [c.ok('credentials', 'the API user was accepted')];
  const [noteFields, udfs] = await Promise.all([
    fieldsOf('/TicketNotes/entityInformation/fields').catch((err: unknown) => err as Error),
    fieldsOf('/Tickets/entityInformation/userDefinedFields').catch((err: unknown) => err as Error),
  ]);

  /** A check whose field list could not be read: most often the API user's security level hides it. */
  const lookupFailed = (check: string, err: Error): CheckResult =>
    c.fail(check, `could not be looked up: ${describeFailure(err)}`, `check the API user's security level`);

  /** One line per configured picklist value: found and active, found but inactive, or missing. */
  const picklist = (
    fields: FieldInfo[] | Error,
    field: string,
    what: string,
    ids: readonly (number | undefined)[],
    key: string,
    where: string,
  ) => {
    for (const id of ids) {
      if (id === undefined) continue;
      const check = `${what} ${id}`;
      if (fields instanceof Error) {
        results.push(lookupFailed(check, fields));
        continue;
      }
      const values =
        fields.find((f) => String(f.name).toLowerCase() === field.toLowerCase())?.picklistValues ?? [];
      const found = values.find((v) => String(v.value) === String(id));
      const label = typeof found?.label === 'string' ? `"${found.label}"` : 'exists';
      const fix = `set ${setting(key)} to a value from ${where}`;
      if (!found) results.push(c.fail(check, `does not exist (${setting(key)})`, fix));
      else if (found.isActive === false)
        results.push(c.warn(check, `${label} is inactive`, `activate it, or ${fix}`));
      else results.push(c.ok(check, label));
    }
  };
  const queues = 'Admin → Features & Settings → Service Desk → Queues';
  const statuses = 'Admin → Features & Settings → Service Desk → Ticket Status';
  picklist(ticketFields, 'queueID', 'reset queue', adapter.resetQueueIds, 'autotask.resetQueueIds', queues);
  picklist(
    ticketFields,
    'issueType',
    'issue type',
    adapter.resetIssueTypeIds ?? [],
    'autotask.resetIssueTypeIds',
    'Issue and Sub-Issue Types',
  );
  picklist(
    ticketFields,
    'subIssueType',
    'sub-issue type',
    adapter.resetSubIssueTypeIds ?? [],
    'autotask.resetSubIssueTypeIds',
    'Issue and Sub-Issue Types',
  );
  picklist(
    ticketFields,
    'status',
    'awaiting-confirmation status',
    [adapter.awaitingConfirmation.statusId],
    'autotask.awaitingConfirmationStatusId',
    statuses,
  );
  picklist(
    ticketFields,
    'status',
    'resolved status',
    [adapter.resolved?.statusId ?? undefined],
    'autotask.resolvedStatusId',
    statuses,
  );
  picklist(
    ticketFields,
    'queueID',
    'hand-off queue',
    [adapter.handoff.queueId],
    'autotask.handoffQueueId',
    queues,
  );
  picklist(
    ticketFields,
    'status',
    'hand-off status',
    [adapter.handoff.statusId],
    'autotask.handoffStatusId',
    statuses,
  );
  picklist(
    ticketFields,
    'status',
    'retry status',
    [options.retryStatusId === undefined ? undefined : Number(options.retryStatusId)],
    'autotask.retryStatusId',
    statuses,
  );
  for (const [ids, key] of [
    [adapter.sourceEmailIds ?? [], 'autotask.sourceEmailIds'],
    [adapter.sourcePortalIds ?? [], 'autotask.sourcePortalIds'],
    [adapter.sourceAgentIds ?? [], 'autotask.sourceAgentIds'],
  ] as const) {
    picklist(
      ticketFields,
      'source',
      'ticket source',
      ids,
      key,
      'Admin → Features & Settings → Service Desk → Ticket Sources',
    );
  }
  const notes = 'the ticket note picklists (Admin → Features & Settings → Service Desk)';
  picklist(noteFields, 'noteType', 'note type', [adapter.notes.noteTypeId], 'autotask.noteTypeId', notes);
  picklist(
    noteFields,
    'publish',
    'customer note publish value',
    [adapter.notes.customerPublishId],
    'autotask.customerNotePublishId',
    notes,
  );
  picklist(
    noteFields,
    'publish',
    'internal note publish value',
    [adapter.notes.internalPublishId],
    'autotask.internalNotePublishId',
    notes,
  );

  for (const [name, key] of [
    [adapter.fields.target, 'autotask.targetField'],
    [adapter.fields.resetPassword, 'autotask.resetPasswordField'],
    [adapter.fields.resetMfa, 'autotask.resetMfaField'],
    [adapter.fields.attestation, 'autotask.attestationField'],
  ] as const) {
    if (name === undefined) continue;
    const check = `ticket UDF "${name}"`;
    if (udfs instanceof Error) {
      results.push(lookupFailed(check, udfs));
    } else if (udfs.some((f) => String(f.name).toLowerCase() === name.toLowerCase())) {
      results.push(c.ok(check, 'exists'));
    } else {
      results.push(
        c.fail(
          check,
          `does not exist (${setting(key)})`,
          `add a ticket user-defined field "${name}" (Admin → User-Defined Fields), or correct ${setting(key)}`,
        ),
      );
    }
  }
  return results;
}
