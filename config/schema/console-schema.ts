import { intBetween } from '../config-formats.js';

/**
 * The operator console: web pages for the MSP's own engineers, signed in with the MSP's Entra tenant (OpenID
 * Connect) and allowed only to members of one Entra group. Its redirect URI is derived from
 * server.publicBaseUrl and console.path; its session key is derived from the secure-link server key.
 */
export const consoleSchema = {
  enabled: {
    doc: 'Serve the operator console (pending confirmations, live secure links, hand-offs, failed jobs, queues, audit) at console.path. console.issuer, console.clientId, console.clientSecret and console.allowedGroupId are then required.',
    format: Boolean,
    default: false,
    env: 'CONSOLE_ENABLED',
  },
  path: {
    doc: 'Path the console is served under, e.g. /console. Lower case letters, digits and dashes; must not clash with /s, /c, /webhooks, /metrics or the health routes.',
    format: String,
    default: '/console',
    env: 'CONSOLE_PATH',
  },
  issuer: {
    doc: "OpenID Connect issuer of the MSP's own Entra tenant: https://login.microsoftonline.com/<tenant id>/v2.0 (its discovery document is read at start). Plain http is refused except for localhost.",
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'CONSOLE_OIDC_ISSUER',
  },
  clientId: {
    doc: "Application (client) id of the console's app registration in the MSP's tenant (not the multi-tenant Graph app).",
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'CONSOLE_OIDC_CLIENT_ID',
  },
  clientSecret: {
    doc: "Client secret of the console's app registration.",
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'CONSOLE_OIDC_CLIENT_SECRET',
    sensitive: true,
  },
  allowedGroupId: {
    doc: 'Object id (GUID) of the Entra security group whose members may use the console. Read from the ID token\'s "groups" claim; a token without it (group overage) is refused.',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'CONSOLE_ALLOWED_GROUP_ID',
  },
  sessionHours: {
    doc: 'How long a console sign-in lasts before the operator signs in again (hours).',
    format: intBetween(1, 24),
    default: 8,
    env: 'CONSOLE_SESSION_HOURS',
  },
};
