import type { AutotaskSimNote } from './autotask-simulator.js';

/**
 * What people (not the service) do on a simulated Autotask ticket: a ticket note by the ticket's contact (client
 * portal, incoming email: `createdByContactID`) or by a resource (`creatorResourceID`), or a resource's time entry.
 * Autotask's REST API sends `createDateTime` in UTC without a zone designator.
 */

export interface AutotaskSimActivity {
  by: 'contact' | 'engineer';
  text: string;
  at: Date;
  /** `time-entry`: an engineer logs time on the ticket with `text` as its summary. Default: a note. */
  kind?: 'note' | 'time-entry';
}

/** The resource id of the API user: what the service writes carries it as `creatorResourceID`. */
export const AUTOTASK_SIM_API_RESOURCE_ID = 29_682_885;
/** The resource id of the engineer who acts in tests. */
export const AUTOTASK_SIM_ENGINEER_RESOURCE_ID = 29_682_901;

function utc(at: Date): string {
  return at.toISOString().replace(/Z$/, '');
}

export function activityNote(
  id: number,
  ticketId: number,
  a: AutotaskSimActivity,
  contactId: number | null,
): AutotaskSimNote {
  return {
    id,
    ticketID: ticketId,
    title: a.by === 'contact' ? 'Reply' : 'Update',
    description: a.text,
    noteType: 1,
    publish: 1,
    createDateTime: utc(a.at),
    lastActivityDate: utc(a.at),
    creatorResourceID: a.by === 'engineer' ? AUTOTASK_SIM_ENGINEER_RESOURCE_ID : null,
    createdByContactID: a.by === 'contact' ? contactId : null,
    impersonatorCreatorResourceID: null,
  };
}

export function activityTimeEntry(
  id: number,
  ticketId: number,
  a: AutotaskSimActivity,
): Record<string, unknown> {
  const start = new Date(a.at.getTime() - 15 * 60_000);
  return {
    id,
    ticketID: ticketId,
    resourceID: AUTOTASK_SIM_ENGINEER_RESOURCE_ID,
    summaryNotes: a.text,
    dateWorked: `${utc(a.at).slice(0, 10)}T00:00:00`,
    startDateTime: utc(start),
    endDateTime: utc(a.at),
    hoursWorked: 0.25,
    createDateTime: utc(a.at),
    creatorUserID: AUTOTASK_SIM_ENGINEER_RESOURCE_ID,
  };
}
