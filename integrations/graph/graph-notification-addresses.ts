import type { NotificationAddresses } from '../../services/domain/ports.js';
import type { GraphTransport } from './graph-transport.js';
import { optionalString, readUserRecord } from './graph-users.js';
import { domainOf, isPlainEmailAddress, printable, relatedDomains } from '../shared/mail-addresses.js';

/**
 * Where an independent notice about a reset may go: `GET /users/{id}?$select=…` for the account's own
 * addresses (mail, UPN, proxy addresses) and the admin-set alternate emails (`otherMails`, shown as
 * "Alternate email" in Entra), then every alternate address that could reach the reset mailbox is left out.
 * See `Directory.notificationAddresses` for the rules.
 */

const ADDRESSES_SELECT = 'id,mail,userPrincipalName,otherMails,proxyAddresses';

export async function notificationAddresses(
  graph: GraphTransport,
  userId: string,
): Promise<NotificationAddresses> {
  const operation = "read the user's alternate email addresses";
  const { user } = await readUserRecord(graph, userId, ADDRESSES_SELECT, operation);
  const otherMails = user.otherMails ?? [];
  if (!Array.isArray(otherMails)) throw graph.malformed(operation);
  return independentAddresses({
    mail: optionalString(user.mail),
    userPrincipalName: optionalString(user.userPrincipalName),
    otherMails: otherMails.filter((v): v is string => typeof v === 'string'),
    proxyAddresses: Array.isArray(user.proxyAddresses)
      ? user.proxyAddresses.filter((v): v is string => typeof v === 'string')
      : undefined,
  });
}

/**
 * The rules, apart from the read. `proxyAddresses` undefined means they could not be read: an alias on a
 * domain of the tenant's that the account's other addresses do not show could then go unnoticed, so every
 * alternate address is left out.
 */
export function independentAddresses(account: {
  mail?: string;
  userPrincipalName?: string;
  otherMails: string[];
  proxyAddresses?: string[];
}): NotificationAddresses {
  // Proxy addresses are "smtp:alias@domain" ("SMTP:" for the primary); other types (x500:, sip:…) are not mail.
  const proxies = (account.proxyAddresses ?? []).flatMap((p) => {
    const match = /^smtp:(.+)$/i.exec(p);
    return match ? [match[1]!] : [];
  });
  const own = [account.mail, account.userPrincipalName, ...proxies].filter(
    (a): a is string => a !== undefined && a !== '',
  );
  const ownAddresses = new Set(own.map((a) => a.toLowerCase()));
  const ownDomains = [...new Set(own.flatMap((a) => domainOf(a) ?? []))];

  const result: NotificationAddresses = { independent: [], excluded: [] };
  const seen = new Set<string>();
  for (const raw of account.otherMails) {
    const address = raw.trim();
    const key = address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    if (!isPlainEmailAddress(address)) {
      result.excluded.push({ address: printable(address), reason: 'not-an-address' });
    } else if (ownAddresses.has(key)) {
      result.excluded.push({ address, reason: 'own-address' });
    } else if (ownDomains.some((d) => relatedDomains(d, domainOf(address)!))) {
      result.excluded.push({ address, reason: 'same-domain' });
    } else if (account.proxyAddresses === undefined) {
      result.excluded.push({ address, reason: 'aliases-unknown' });
    } else {
      result.independent.push(address);
    }
  }
  return result;
}
