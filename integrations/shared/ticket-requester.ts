import type { ResetTicket } from '../../services/domain/ports.js';

/** What a contact record contributes to the requester; an email only where the PSA's own rules let it stand. */
export interface ContactReading {
  name?: string;
  email?: string;
}

/**
 * A ticket's requester read through its contact record. `onTicket` is what the ticket itself says: its contact's
 * id (undefined when it has none) and the name it shows. Without a contact id the requester is that name alone,
 * never an email. Otherwise the record is read (`readContact`, null when it does not exist) and `fromRecord`
 * says what of it counts; the ticket's name stands in for a record without one.
 */
export async function requesterThroughContact<Contact>(
  onTicket: { contactId: number | undefined; name?: string },
  readContact: (contactId: number) => Promise<Contact | null>,
  fromRecord: (contact: Contact | null, contactId: number) => ContactReading,
): Promise<ResetTicket['requester']> {
  const { contactId } = onTicket;
  if (contactId === undefined) return onTicket.name ? { name: onTicket.name } : {};
  const found = fromRecord(await readContact(contactId), contactId);
  const name = found.name ?? onTicket.name;
  return {
    contactId: String(contactId),
    ...(name ? { name } : {}),
    ...(found.email ? { email: found.email } : {}),
  };
}
