/**
 * What people (not the service) write on a simulated ConnectWise ticket: ServiceNotes by the ticket's contact
 * (the portal, the email connector) or by a member (an engineer), shaped as `GET /service/tickets/{id}/notes`
 * returns them: a contact note carries `contact` and no `member`, a member note `member`; `createdBy` is the
 * writer's identifier or name; `dateCreated` is UTC with a zone.
 */

export interface CwSimActivity {
  by: 'contact' | 'engineer';
  text: string;
  at: Date;
  /** The member writing an engineer's note (default `jdoe`); the contact of a contact's note is the ticket's. */
  memberIdentifier?: string;
}

/** A stored ServiceNote for an activity. `contact` is the ticket's contact (id and full name), if any. */
export function activityNote(
  id: number,
  ticketId: number,
  a: CwSimActivity,
  contact: { id: number; name: string } | undefined,
): Record<string, unknown> {
  const at = a.at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const member = a.memberIdentifier ?? 'jdoe';
  const writer = a.by === 'contact' ? (contact?.name ?? 'Contact') : member;
  return {
    id,
    ticketId,
    text: a.text,
    detailDescriptionFlag: true,
    internalAnalysisFlag: false,
    resolutionFlag: false,
    issueFlag: false,
    ...(a.by === 'contact'
      ? contact
        ? { contact: { ...contact } }
        : {}
      : { member: { id: 150 + member.length, identifier: member, name: member } }),
    customerUpdatedFlag: false,
    processNotifications: false,
    internalFlag: false,
    externalFlag: true,
    dateCreated: at,
    createdBy: writer,
    _info: { lastUpdated: at, updatedBy: writer },
  };
}
