import { randomBytes, randomUUID } from 'node:crypto';
import { HttpAnswer } from './graph-sim-http.js';
import { servicePrincipalIdOf, type SimApp, type Tenants } from './graph-sim-tenant.js';

/**
 * Entra's side: the tenant's OpenID configuration and the token endpoint (client-credentials flow), which
 * issues app-only access tokens that the Graph side then checks.
 */

/** What a token issued by the simulator is good for. */
export interface TokenGrant {
  tenantId: string;
  clientId: string;
  audience: string;
  expiresAt: number;
}

/** Tokens issued so far, by their text. */
export type TokenGrants = Map<string, TokenGrant>;

function oauthError(status: number, error: string, description: string, errorCode: number): HttpAnswer {
  const traceId = randomUUID();
  return new HttpAnswer(status, {
    error,
    error_description: `AADSTS${errorCode}: ${description} Trace ID: ${traceId} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
    error_codes: [errorCode],
    timestamp: new Date().toISOString(),
    trace_id: traceId,
    correlation_id: randomUUID(),
  });
}

/**
 * An access token shaped like Entra's app-only v1.0 tokens: header, claims, signature, base64url-encoded and
 * dot-separated. Unsigned (random bytes in the signature part): only this simulator ever checks it.
 */
function appToken(tenantId: string, clientId: string, audience: string, app: SimApp | undefined): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims: Record<string, unknown> = {
    aud: audience,
    iss: `https://sts.windows.net/${tenantId}/`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    appid: clientId,
    appidacr: '1',
    idp: `https://sts.windows.net/${tenantId}/`,
    idtyp: 'app',
    oid: app?.servicePrincipalId ?? servicePrincipalIdOf(tenantId, clientId),
    sub: app?.servicePrincipalId ?? servicePrincipalIdOf(tenantId, clientId),
    tid: tenantId,
    uti: randomBytes(16).toString('base64url'),
    ver: '1.0',
    ...(app && app.permissions.length > 0 ? { roles: [...app.permissions] } : {}),
  };
  return [
    encode({ typ: 'JWT', alg: 'RS256', kid: 'simulator' }),
    encode(claims),
    randomBytes(64).toString('base64url'),
  ].join('.');
}

/** Issues an app token for a tenant (lower-cased) and remembers what it grants, for an hour. */
export function issueAppToken(
  tokens: TokenGrants,
  tenantId: string,
  clientId: string,
  audience: string,
  app: SimApp | undefined,
): string {
  const token = appToken(tenantId.toLowerCase(), clientId, audience, app);
  tokens.set(token, {
    tenantId: tenantId.toLowerCase(),
    clientId,
    audience,
    expiresAt: Date.now() + 3600_000,
  });
  return token;
}

/** The origin, the tenants and the tokens an Entra request is answered from. */
export interface EntraContext {
  origin: string;
  tenants: Tenants;
  tokens: TokenGrants;
}

/** `/{tenant}/v2.0/.well-known/openid-configuration` and `/{tenant}/oauth2/v2.0/token`; undefined for any other path. */
export function handleEntra(
  ctx: EntraContext,
  method: string,
  segments: string[],
  form: Record<string, string>,
): HttpAnswer | undefined {
  const [tenantId, a, b, c, d] = segments;
  if (!tenantId) return undefined;
  if (
    method === 'GET' &&
    a === 'v2.0' &&
    b === '.well-known' &&
    c === 'openid-configuration' &&
    d === undefined
  ) {
    return openidConfiguration(ctx, tenantId);
  }
  if (method === 'POST' && a === 'oauth2' && b === 'v2.0' && c === 'token' && d === undefined) {
    return tokenEndpoint(ctx, tenantId, form);
  }
  return undefined;
}

function openidConfiguration(ctx: EntraContext, tenantId: string): HttpAnswer {
  if (!ctx.tenants.has(tenantId.toLowerCase())) {
    return oauthError(
      400,
      'invalid_tenant',
      `Tenant '${tenantId}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      90002,
    );
  }
  const base = `${ctx.origin}/${tenantId}`;
  return new HttpAnswer(200, {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/v2.0`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
  });
}

/** The client-credentials grant: an app consented to in the tenant, its secret, and a `/.default` scope. */
function tokenEndpoint(ctx: EntraContext, tenantId: string, form: Record<string, string>): HttpAnswer {
  const tenant = ctx.tenants.get(tenantId.toLowerCase());
  if (!tenant) return oauthError(400, 'invalid_request', `Tenant '${tenantId}' not found.`, 90002);
  if (form.grant_type !== 'client_credentials') {
    return oauthError(
      400,
      'unsupported_grant_type',
      'The provided value for the input parameter grant_type is not valid.',
      70003,
    );
  }
  const clientId = form.client_id ?? '';
  const app = tenant.apps.get(clientId);
  if (app === undefined) {
    return oauthError(
      400,
      'unauthorized_client',
      `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      700016,
    );
  }
  if (form.client_secret === undefined || form.client_secret !== app.secret) {
    return oauthError(
      401,
      'invalid_client',
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      7000215,
    );
  }
  const scope = form.scope ?? '';
  const defaultScope = scope.split(' ').find((s) => s.endsWith('/.default'));
  if (!defaultScope) {
    return oauthError(
      400,
      'invalid_scope',
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      1002012,
    );
  }
  const audience = defaultScope.slice(0, -'/.default'.length);
  return new HttpAnswer(200, {
    token_type: 'Bearer',
    expires_in: 3599,
    ext_expires_in: 3599,
    access_token: issueAppToken(ctx.tokens, tenantId, clientId, audience, app),
  });
}
