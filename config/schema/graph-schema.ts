import { intBetween } from '../config-formats.js';

/** Microsoft Graph and Entra ID: where the service signs in as the multi-tenant app, and how it calls Graph. */
export const graphSchema = {
  baseUrl: {
    doc: 'Microsoft Graph root (national clouds: https://graph.microsoft.us, https://microsoftgraph.chinacloudapi.cn).',
    format: 'http-url',
    default: 'https://graph.microsoft.com',
    env: 'GRAPH_BASE_URL',
  },
  authorityHost: {
    doc: 'Entra ID authority host the tokens are requested from (https://login.microsoftonline.us for US Gov).',
    format: 'http-url',
    default: 'https://login.microsoftonline.com',
    env: 'GRAPH_AUTHORITY_HOST',
  },
  disableInstanceDiscovery: {
    doc: 'Skip Entra instance discovery (needed for private clouds and local simulators; leave false for Microsoft clouds).',
    format: Boolean,
    default: false,
    env: 'GRAPH_DISABLE_INSTANCE_DISCOVERY',
  },
  clientId: {
    doc: "Application (client) id of the MSP's multi-tenant Entra app registration.",
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'GRAPH_CLIENT_ID',
  },
  clientSecret: {
    doc: 'Client secret of the app registration. Leave unset when GRAPH_CERTIFICATE_PATH is used (recommended).',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'GRAPH_CLIENT_SECRET',
    sensitive: true,
  },
  certificatePath: {
    doc: 'Path to a PEM file holding the app registration certificate and its private key (recommended over a secret).',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'GRAPH_CERTIFICATE_PATH',
  },
  timeoutMs: {
    doc: 'Timeout of one Graph request in ms; a timeout is retried later. A run that takes over a password change another run started waits this plus 2 s before it reads the tenant.',
    format: intBetween(500, 120_000),
    default: 15000,
    env: 'GRAPH_TIMEOUT_MS',
  },
  revokeSessions: {
    doc: "Revoke the staff member's sign-in sessions after a reset.",
    format: Boolean,
    default: true,
    env: 'GRAPH_REVOKE_SESSIONS',
  },
};
