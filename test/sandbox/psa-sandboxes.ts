import {
  htmlToText,
  haloWebhookBody,
  startHaloSimulator,
  type HaloSimulator,
} from '../simulators/halopsa-simulator.js';
import { startAutotaskSimulator, type AutotaskSimulator } from '../simulators/autotask-simulator.js';
import type { PsaKind } from '../../services/domain/ports.js';
import { startConnectWiseSimulator, type ConnectWiseSimulator } from '../simulators/connectwise-simulator.js';

/**
 * One simulated PSA, seeded with the sandbox customer (Contoso) and its two contacts: Maria Manager and
 * Mallory Peer. The same shape for every PSA, so the demo and the cross-PSA component tests do not care
 * which one runs.
 */
export interface PsaSandbox {
  psa: PsaKind;
  /** The PSA's id of the Contoso customer. */
  customerId: string;
  /** Env vars that enable this PSA (and only this one) and point the service at its simulator. */
  env: Record<string, string>;
  /** Base URL of the simulator, for display. */
  url: string;
  fileResetTicket(t: {
    id: number;
    target?: string;
    resetPassword?: string;
    resetMfa?: string;
    requester?: 'maria' | 'mallory';
  }): void;
  fileOtherTicket(id: number): void;
  /** The webhook the PSA would send for a ticket: body and headers exactly as sent. */
  webhook(ticketId: number): { body: string; headers: Record<string, string> };
  notes(ticketId: number): Array<{ text: string; visibility: 'customer' | 'internal' }>;
  /** Addresses the PSA emailed a note of this ticket to. */
  emailsFor(ticketId: number): string[];
  disposition(ticketId: number): 'awaiting-confirmation' | 'engineers' | 'resolved' | 'unchanged';
  /** The next note write fails with a 503 (the PSA is briefly down). */
  failNextNote(times?: number): void;
  close(): Promise<void>;
}

export const HALO = {
  client: 12,
  resetType: 31,
  statusAwaiting: 22,
  statusHandoff: 23,
  statusResolved: 9,
  teamHandoff: 4,
  customerNoteOutcome: 12,
  /** This instance's ticket source ids (Configuration → Tickets → Ticket Sources), listed in the config. */
  portalSource: 3,
  emailSource: 1,
  webhookUser: 'resetdesk',
  webhookPassword: 'correct-horse-webhook-secret',
};

/** The env vars that point the service's HaloPSA integration at a Halo simulator set up as the sandbox's. */
export function haloSandboxEnv(halo: HaloSimulator): Record<string, string> {
  return {
    HALOPSA_ENABLED: 'true',
    HALOPSA_RESOURCE_SERVER_URL: halo.resourceServerUrl,
    HALOPSA_AUTH_SERVER_URL: halo.authServerUrl,
    HALOPSA_CLIENT_ID: halo.defaultApp.clientId,
    HALOPSA_CLIENT_SECRET: halo.defaultApp.clientSecret,
    HALOPSA_WEBHOOK_USERNAME: HALO.webhookUser,
    HALOPSA_WEBHOOK_PASSWORD: HALO.webhookPassword,
    HALOPSA_RESET_TICKET_TYPE_IDS: String(HALO.resetType),
    HALOPSA_CUSTOMER_NOTE_OUTCOME_ID: String(HALO.customerNoteOutcome),
    HALOPSA_AWAITING_CONFIRMATION_STATUS_ID: String(HALO.statusAwaiting),
    HALOPSA_HANDOFF_TEAM_ID: String(HALO.teamHandoff),
    HALOPSA_HANDOFF_STATUS_ID: String(HALO.statusHandoff),
    HALOPSA_RESOLVED_STATUS_ID: String(HALO.statusResolved),
    HALOPSA_PORTAL_SOURCES: String(HALO.portalSource),
    HALOPSA_EMAIL_SOURCES: String(HALO.emailSource),
  };
}

export async function startHaloSandbox(): Promise<PsaSandbox & { halo: HaloSimulator }> {
  const halo = await startHaloSimulator();
  halo.addClient(HALO.client, 'Contoso');
  // The instance's configuration that the sandbox's settings name (what `resetdesk doctor` looks up).
  halo.addTicketType(HALO.resetType, 'Password / MFA reset');
  halo.addOutcome(HALO.customerNoteOutcome, 'Email User');
  halo.addStatus(HALO.statusAwaiting, 'Waiting for Customer');
  halo.addStatus(HALO.statusHandoff, 'Needs Engineer');
  halo.addStatus(HALO.statusResolved, 'Resolved');
  halo.addTeam(HALO.teamHandoff, 'Service Desk L2');
  halo.addUser({ id: 7, client_id: HALO.client, name: 'Maria Manager', emailaddress: 'maria@contoso.test' });
  halo.addUser({ id: 8, client_id: HALO.client, name: 'Mallory Peer', emailaddress: 'mallory@contoso.test' });
  return {
    halo,
    psa: 'halopsa',
    customerId: String(HALO.client),
    url: halo.url,
    env: haloSandboxEnv(halo),
    fileResetTicket({ id, target, resetPassword, resetMfa, requester = 'maria' }) {
      const customfields = [
        ...(target !== undefined ? [{ id: 101, name: 'CFResetTarget', value: target }] : []),
        ...(resetPassword !== undefined ? [{ id: 102, name: 'CFResetPassword', value: resetPassword }] : []),
        ...(resetMfa !== undefined ? [{ id: 103, name: 'CFResetMFA', value: resetMfa }] : []),
      ];
      halo.addTicket({
        id,
        summary: 'Password / MFA reset',
        tickettype_id: HALO.resetType,
        client_id: HALO.client,
        user_id: requester === 'maria' ? 7 : 8,
        status_id: 1,
        source: HALO.portalSource,
        customfields,
      });
    },
    fileOtherTicket(id) {
      halo.addTicket({
        id,
        summary: 'Printer jammed',
        tickettype_id: 1,
        client_id: HALO.client,
        user_id: 7,
        status_id: 1,
      });
    },
    webhook(ticketId) {
      return {
        body: JSON.stringify(
          haloWebhookBody(ticketId, 'full', { client_id: HALO.client, tickettype_id: HALO.resetType }),
        ),
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Basic ${Buffer.from(`${HALO.webhookUser}:${HALO.webhookPassword}`).toString('base64')}`,
        },
      };
    },
    notes(ticketId) {
      return halo.actions(ticketId).map((a) => ({
        text: htmlToText(String(a.note_html)),
        visibility: a.hiddenfromuser ? ('internal' as const) : ('customer' as const),
      }));
    },
    emailsFor(ticketId) {
      return halo.emails.filter((e) => e.ticketId === ticketId).map((e) => e.to);
    },
    disposition(ticketId) {
      const t = halo.ticket(ticketId);
      if (t?.status_id === HALO.statusAwaiting) return 'awaiting-confirmation';
      if (t?.status_id === HALO.statusResolved) return 'resolved';
      if (t?.status_id === HALO.statusHandoff && t?.team_id === HALO.teamHandoff) return 'engineers';
      return 'unchanged';
    },
    failNextNote(times = 1) {
      halo.failNext({ method: 'POST', pathPattern: '/api/Actions', status: 503, times });
    },
    close: () => halo.close(),
  };
}

export const AUTOTASK = {
  company: 174,
  resetQueue: 29683482,
  handoffQueue: 29683490,
  statusNew: 1,
  statusAwaiting: 7,
  statusHandoff: 8,
  statusResolved: 5,
  /** This database's ticket source picklist values, listed in the config. */
  portalSource: 4,
  emailSource: 2,
  webhookSecret: 'autotask-webhook-secret-key',
};

export async function startAutotaskSandbox(): Promise<PsaSandbox & { autotask: AutotaskSimulator }> {
  const at = await startAutotaskSimulator({
    customerPublishIds: [1],
    publishIds: [1, 2],
    statusIds: [AUTOTASK.statusNew, AUTOTASK.statusAwaiting, AUTOTASK.statusHandoff, AUTOTASK.statusResolved],
    queueIds: [AUTOTASK.resetQueue, AUTOTASK.handoffQueue],
    sourceIds: [AUTOTASK.emailSource, AUTOTASK.portalSource],
  });
  at.addCompany(AUTOTASK.company, 'Contoso');
  at.addContact({
    id: 30682,
    companyID: AUTOTASK.company,
    firstName: 'Maria',
    lastName: 'Manager',
    emailAddress: 'maria@contoso.test',
  });
  at.addContact({
    id: 30683,
    companyID: AUTOTASK.company,
    firstName: 'Mallory',
    lastName: 'Peer',
    emailAddress: 'mallory@contoso.test',
  });
  return {
    autotask: at,
    psa: 'autotask',
    customerId: String(AUTOTASK.company),
    url: at.baseUrl,
    env: {
      HALOPSA_ENABLED: 'false',
      AUTOTASK_ENABLED: 'true',
      AUTOTASK_BASE_URL: at.baseUrl,
      AUTOTASK_USERNAME: at.defaultApiUser.username,
      AUTOTASK_SECRET: at.defaultApiUser.secret,
      AUTOTASK_INTEGRATION_CODE: at.defaultApiUser.integrationCode,
      AUTOTASK_WEBHOOK_SECRET_KEY: AUTOTASK.webhookSecret,
      AUTOTASK_RESET_QUEUE_IDS: String(AUTOTASK.resetQueue),
      AUTOTASK_CUSTOMER_NOTE_PUBLISH_ID: '1',
      AUTOTASK_INTERNAL_NOTE_PUBLISH_ID: '2',
      AUTOTASK_AWAITING_CONFIRMATION_STATUS_ID: String(AUTOTASK.statusAwaiting),
      AUTOTASK_HANDOFF_QUEUE_ID: String(AUTOTASK.handoffQueue),
      AUTOTASK_HANDOFF_STATUS_ID: String(AUTOTASK.statusHandoff),
      AUTOTASK_RESOLVED_STATUS_ID: String(AUTOTASK.statusResolved),
      AUTOTASK_SOURCE_PORTAL_IDS: String(AUTOTASK.portalSource),
      AUTOTASK_SOURCE_EMAIL_IDS: String(AUTOTASK.emailSource),
    },
    fileResetTicket({ id, target, resetPassword, resetMfa, requester = 'maria' }) {
      at.addTicket({
        id,
        title: 'Password / MFA reset',
        companyID: AUTOTASK.company,
        contactID: requester === 'maria' ? 30682 : 30683,
        queueID: AUTOTASK.resetQueue,
        status: AUTOTASK.statusNew,
        source: AUTOTASK.portalSource,
        userDefinedFields: [
          { name: 'Reset Target', value: target ?? null },
          { name: 'Reset Password', value: resetPassword ?? null },
          { name: 'Reset MFA', value: resetMfa ?? null },
        ],
      });
    },
    fileOtherTicket(id) {
      at.addTicket({
        id,
        title: 'Printer jammed',
        companyID: AUTOTASK.company,
        contactID: 30682,
        queueID: 1,
        status: AUTOTASK.statusNew,
      });
    },
    webhook(ticketId) {
      const signed = at.signedWebhook(ticketId, { action: 'Create', secretKey: AUTOTASK.webhookSecret });
      return { body: signed.body, headers: { 'Content-Type': 'application/json', ...signed.headers } };
    },
    notes(ticketId) {
      return at.notes(ticketId).map((n) => ({
        text: n.description,
        visibility: n.publish === 1 ? ('customer' as const) : ('internal' as const),
      }));
    },
    emailsFor(ticketId) {
      return at.emails.filter((e) => e.ticketId === ticketId).map((e) => e.to);
    },
    disposition(ticketId) {
      const t = at.ticket(ticketId);
      if (t?.status === AUTOTASK.statusAwaiting) return 'awaiting-confirmation';
      if (t?.status === AUTOTASK.statusResolved) return 'resolved';
      if (t?.status === AUTOTASK.statusHandoff && t?.queueID === AUTOTASK.handoffQueue) return 'engineers';
      return 'unchanged';
    },
    failNextNote(times = 1) {
      at.failNext({ method: 'POST', pathPattern: /\/Notes$/, status: 503, times });
    },
    close: () => at.close(),
  };
}

export const CONNECTWISE = {
  company: 19300,
  resetBoard: 1,
  handoffBoard: 2,
  statusNew: 1,
  statusAwaiting: 22,
  statusHandoff: 31,
  statusResolved: 29,
  handoffTeam: 5,
};

export async function startConnectWiseSandbox(): Promise<PsaSandbox & { connectwise: ConnectWiseSimulator }> {
  const cw = await startConnectWiseSimulator();
  cw.addCompany(CONNECTWISE.company, 'Contoso', 'Contoso Ltd');
  cw.addContact({
    id: 77,
    companyId: CONNECTWISE.company,
    firstName: 'Maria',
    lastName: 'Manager',
    email: 'maria@contoso.test',
  });
  cw.addContact({
    id: 78,
    companyId: CONNECTWISE.company,
    firstName: 'Mallory',
    lastName: 'Peer',
    email: 'mallory@contoso.test',
  });
  cw.addBoard(
    CONNECTWISE.resetBoard,
    'Service Desk',
    [
      { id: CONNECTWISE.statusNew, name: 'New' },
      { id: CONNECTWISE.statusAwaiting, name: 'Waiting on client' },
      { id: CONNECTWISE.statusResolved, name: 'Resolved' },
    ],
    { types: ['Password / MFA reset', 'Hardware'] },
  );
  cw.addBoard(
    CONNECTWISE.handoffBoard,
    'Escalations',
    [{ id: CONNECTWISE.statusHandoff, name: 'Needs engineer' }],
    {
      teams: [{ id: CONNECTWISE.handoffTeam, name: 'Escalation engineers' }],
    },
  );
  cw.addMember('resetdesk-api', 'resetdesk API member');
  return {
    connectwise: cw,
    psa: 'connectwise',
    customerId: String(CONNECTWISE.company),
    url: cw.url,
    env: {
      HALOPSA_ENABLED: 'false',
      CONNECTWISE_ENABLED: 'true',
      CONNECTWISE_SITE_URL: cw.url,
      CONNECTWISE_CODEBASE: cw.codebase,
      CONNECTWISE_COMPANY_ID: cw.companyId,
      CONNECTWISE_PUBLIC_KEY: cw.member.publicKey,
      CONNECTWISE_PRIVATE_KEY: cw.member.privateKey,
      CONNECTWISE_CLIENT_ID: cw.clientId,
      CONNECTWISE_API_MEMBER: 'resetdesk-api',
      // The simulator's key endpoint is a local origin: allowed by configuration, as an on-premises one would be.
      CONNECTWISE_KEY_URL_ALLOWED_ORIGINS: `https://*.myconnectwise.net,${cw.url}`,
      CONNECTWISE_RESET_BOARD_IDS: String(CONNECTWISE.resetBoard),
      CONNECTWISE_RESET_TYPE_NAMES: 'Password / MFA reset',
      // The site's ticket source names, listed as a production configuration would.
      CONNECTWISE_PORTAL_SOURCES: 'Portal',
      CONNECTWISE_AWAITING_CONFIRMATION_STATUS_ID: String(CONNECTWISE.statusAwaiting),
      CONNECTWISE_HANDOFF_BOARD_ID: String(CONNECTWISE.handoffBoard),
      CONNECTWISE_HANDOFF_STATUS_ID: String(CONNECTWISE.statusHandoff),
      CONNECTWISE_RESOLVED_STATUS_ID: String(CONNECTWISE.statusResolved),
      CONNECTWISE_HANDOFF_TEAM_ID: String(CONNECTWISE.handoffTeam),
    },
    fileResetTicket({ id, target, resetPassword, resetMfa, requester = 'maria' }) {
      cw.addTicket({
        id,
        summary: 'Password / MFA reset',
        boardId: CONNECTWISE.resetBoard,
        statusId: CONNECTWISE.statusNew,
        companyId: CONNECTWISE.company,
        contactId: requester === 'maria' ? 77 : 78,
        typeName: 'Password / MFA reset',
        sourceName: 'Portal',
        customFields: [
          { id: 41, caption: 'Reset Target', value: target },
          { id: 42, caption: 'Reset Password', value: resetPassword },
          { id: 43, caption: 'Reset MFA', value: resetMfa },
        ],
      });
    },
    fileOtherTicket(id) {
      cw.addTicket({
        id,
        summary: 'Printer jammed',
        boardId: CONNECTWISE.resetBoard,
        statusId: CONNECTWISE.statusNew,
        companyId: CONNECTWISE.company,
        contactId: 77,
        typeName: 'Hardware',
      });
    },
    webhook(ticketId) {
      const signed = cw.signedCallback(ticketId, { action: 'added', memberId: 'maria.portal' });
      return { body: signed.body, headers: { 'Content-Type': 'application/json', ...signed.headers } };
    },
    notes(ticketId) {
      return cw.notes(ticketId).map((n) => ({
        text: n.text,
        visibility: n.internalAnalysisFlag ? ('internal' as const) : ('customer' as const),
      }));
    },
    emailsFor(ticketId) {
      return cw.emails.filter((e) => e.ticketId === ticketId).map((e) => e.to);
    },
    disposition(ticketId) {
      const t = cw.ticket(ticketId) as { status?: { id: number }; board?: { id: number } } | undefined;
      if (t?.status?.id === CONNECTWISE.statusAwaiting) return 'awaiting-confirmation';
      if (t?.status?.id === CONNECTWISE.statusResolved) return 'resolved';
      if (t?.status?.id === CONNECTWISE.statusHandoff && t.board?.id === CONNECTWISE.handoffBoard)
        return 'engineers';
      return 'unchanged';
    },
    failNextNote(times = 1) {
      cw.failNext({ method: 'POST', pathPattern: /\/notes$/, status: 503, times });
    },
    close: () => cw.close(),
  };
}

export function startPsaSandbox(psa: PsaKind): Promise<PsaSandbox> {
  if (psa === 'connectwise') return startConnectWiseSandbox();
  if (psa === 'autotask') return startAutotaskSandbox();
  return startHaloSandbox();
}
