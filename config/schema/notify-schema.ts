import { intBetween } from '../config-formats.js';

/**
 * Notices to staff members: sent with Graph sendMail from a mailbox in the MSP's own tenant, with the same app
 * registration as the customer calls (a token for the MSP's tenant, never a customer's).
 */
export const notifySchema = {
  enabled: {
    doc: 'Mail notices to staff members from a mailbox of the MSP\'s own tenant (notify.mspTenantId and notify.senderMailbox are then required). The app must be allowed to send as that mailbox only: see the README, "Mail from the MSP\'s tenant".',
    format: Boolean,
    default: false,
    env: 'NOTIFY_ENABLED',
  },
  mspTenantId: {
    doc: "The MSP's own Entra tenant id (GUID): where the app registration lives and the sender mailbox is.",
    format: 'tenant-guid',
    default: null as string | null,
    nullable: true,
    env: 'NOTIFY_MSP_TENANT_ID',
  },
  senderMailbox: {
    doc: "UPN or primary address of the Exchange Online mailbox notices come from, in the MSP's tenant (a shared mailbox works).",
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'NOTIFY_SENDER_MAILBOX',
  },
  disavowLinkTtlHours: {
    doc: 'How long the one-time "this wasn\'t me" link in a notice to a staff member works, in hours (1 to 336).',
    format: intBetween(1, 336),
    default: 72,
    env: 'NOTIFY_DISAVOW_LINK_TTL_HOURS',
  },
};
