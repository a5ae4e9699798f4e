import { intBetween, nullableNat } from '../config-formats.js';

/** HaloPSA: API application, webhook credentials, the reset ticket type and its fields, outcomes, statuses, team. */
export const halopsaSchema = {
  enabled: {
    doc: 'Accept HaloPSA webhooks and work HaloPSA tickets.',
    format: Boolean,
    default: true,
    env: 'HALOPSA_ENABLED',
  },
  resourceServerUrl: {
    doc: 'HaloPSA Resource Server URL from Configuration > Integrations > Halo API (e.g. https://acme.halopsa.com/api; /api is added when missing).',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'HALOPSA_RESOURCE_SERVER_URL',
  },
  authServerUrl: {
    doc: 'HaloPSA Authorisation Server URL (e.g. https://acme.halopsa.com/auth; /auth is added when missing).',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'HALOPSA_AUTH_SERVER_URL',
  },
  tenant: {
    doc: 'Halo-hosted tenant name, sent as ?tenant= on token requests; leave unset for self-hosted Halo.',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'HALOPSA_TENANT',
  },
  clientId: {
    doc: 'Client id of the Halo API application (authentication method "Client ID and Secret (Services)").',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'HALOPSA_CLIENT_ID',
  },
  clientSecret: {
    doc: 'Client secret of the Halo API application.',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'HALOPSA_CLIENT_SECRET',
    sensitive: true,
  },
  scope: { doc: 'OAuth scope requested from Halo.', format: String, default: 'all', env: 'HALOPSA_SCOPE' },
  timeoutMs: {
    doc: 'Timeout of one HaloPSA request in ms; a timeout is retried later.',
    format: intBetween(500, 120_000),
    default: 15000,
    env: 'HALOPSA_TIMEOUT_MS',
  },
  webhookUsername: {
    doc: 'Username of the Basic authentication configured on the Halo webhook.',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'HALOPSA_WEBHOOK_USERNAME',
  },
  webhookPassword: {
    doc: 'Password of the Basic authentication configured on the Halo webhook (a long random value).',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'HALOPSA_WEBHOOK_PASSWORD',
    sensitive: true,
  },
  resetTicketTypeIds: {
    doc: 'Halo ticket type ids of the "Password / MFA reset" form; tickets of other types are left alone.',
    format: 'int-list',
    default: [] as number[],
    env: 'HALOPSA_RESET_TICKET_TYPE_IDS',
  },
  targetField: {
    doc: 'Name of the Halo custom field holding the staff member to reset (UPN or email).',
    format: String,
    default: 'CFResetTarget',
    env: 'HALOPSA_TARGET_FIELD',
  },
  resetPasswordField: {
    doc: 'Name of the Halo custom field "reset password" (yes/no; both resets when absent).',
    format: String,
    default: 'CFResetPassword',
    env: 'HALOPSA_RESET_PASSWORD_FIELD',
  },
  resetMfaField: {
    doc: 'Name of the Halo custom field "remove all MFA devices" (yes/no; both resets when absent).',
    format: String,
    default: 'CFResetMFA',
    env: 'HALOPSA_RESET_MFA_FIELD',
  },
  customerNoteOutcomeId: {
    ...nullableNat(
      'Halo outcome id of the customer-visible action that emails the contact on file (an outcome is mandatory on every action).',
      'HALOPSA_CUSTOMER_NOTE_OUTCOME_ID',
    ),
  },
  internalNoteOutcomeId: {
    doc: 'Halo outcome id of the internal (private) note action.',
    format: 'nat',
    default: 7,
    env: 'HALOPSA_INTERNAL_NOTE_OUTCOME_ID',
  },
  awaitingConfirmationStatusId: nullableNat(
    "Halo status id set once the secure link is on the ticket (waiting for the customer's confirmation).",
    'HALOPSA_AWAITING_CONFIRMATION_STATUS_ID',
  ),
  resolvedStatusId: nullableNat(
    "Halo status id set once the staff member is back in after a reset (a customer's resolvedStatusId wins); unset: such tickets stay where they are.",
    'HALOPSA_RESOLVED_STATUS_ID',
  ),
  handoffTeamId: nullableNat(
    'Halo team id of the engineers who pick up hand-offs.',
    'HALOPSA_HANDOFF_TEAM_ID',
  ),
  handoffTeamName: {
    doc: 'Halo team name of the engineers who pick up hand-offs (sent beside the id).',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'HALOPSA_HANDOFF_TEAM_NAME',
  },
  handoffStatusId: nullableNat(
    'Halo status id set when a ticket is handed to the engineers.',
    'HALOPSA_HANDOFF_STATUS_ID',
  ),
  attestationField: {
    doc: 'Name of the Halo field "I have spoken to this person" (yes/no); needed when a customer requires attestation.',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'HALOPSA_ATTESTATION_FIELD',
  },
  emailSources: {
    doc: 'Halo ticket source names or ids that mean "created from an email" (replaces the built-in names).',
    format: 'string-list',
    default: [] as string[],
    env: 'HALOPSA_EMAIL_SOURCES',
  },
  portalSources: {
    doc: 'Halo ticket source names or ids that mean "filed in the customer portal".',
    format: 'string-list',
    default: [] as string[],
    env: 'HALOPSA_PORTAL_SOURCES',
  },
  agentSources: {
    doc: 'Halo ticket source names or ids that mean "logged by an engineer" (phone call).',
    format: 'string-list',
    default: [] as string[],
    env: 'HALOPSA_AGENT_SOURCES',
  },
  retryStatusId: nullableNat(
    'Halo status id an engineer sets to send a handed-off ticket back to resetdesk (worked again from the start).',
    'HALOPSA_RETRY_STATUS_ID',
  ),
};
