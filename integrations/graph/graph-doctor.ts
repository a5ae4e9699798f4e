import { checksOf, describeFailure, setting, type CheckResult } from '../../services/doctor/doctor-check.js';
import { createGraphCredential, graphScope, type GraphOptions } from './graph-credential.js';

/**
 * `resetdesk doctor` for one customer tenant: the app gets a token there (which proves admin consent: a
 * multi-tenant app has no service principal in a tenant that never consented), each application permission
 * the service needs is in the token's `roles` claim, and the app's service principal (the token's `oid`) holds
 * the User Administrator role tenant-wide, read with `GET /roleManagement/directory/roleAssignments`, which the
 * app's own RoleManagement.Read.Directory permission allows. What the app may not read is named as a check to
 * make by hand. The token itself is never printed.
 */

/** The Microsoft Graph application permissions the service needs (README, "Register the Entra app"). */
export const GRAPH_APPLICATION_PERMISSIONS = [
  'User.Read.All',
  'User-PasswordProfile.ReadWrite.All',
  'UserAuthenticationMethod.ReadWrite.All',
  'User.RevokeSessions.All',
  'GroupMember.Read.All',
  'RoleManagement.Read.Directory',
] as const;

/** Broader permissions that include a needed one (Microsoft Graph permissions reference). */
const INCLUDED_IN: Record<string, readonly string[]> = {
  'User.Read.All': ['User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'User-PasswordProfile.ReadWrite.All': ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  'User.RevokeSessions.All': ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  'GroupMember.Read.All': [
    'GroupMember.ReadWrite.All',
    'Group.Read.All',
    'Group.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  'RoleManagement.Read.Directory': [
    'RoleManagement.Read.All',
    'RoleManagement.ReadWrite.Directory',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
};

/** Template ids of the built-in roles that matter here (also the ids of their role definitions). */
export const USER_ADMINISTRATOR_ROLE_ID = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const BROADER_ROLES: Record<string, string> = {
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  '7be44c8a-adaf-4e2a-84d6-ab2649e08a13': 'Privileged Authentication Administrator',
};

/** Entra error codes (AADSTS…) that mean the app was never consented to in the tenant. */
const NO_CONSENT = new Set(['700016', '7000229', '65001']);
const UNKNOWN_TENANT = new Set(['90002', '900023', '90072']);
const BAD_CREDENTIAL = new Set(['7000215', '7000222', '700027', '700024', '7000112', '700023', '50012']);

export interface TenantToCheck {
  /** The customer's name in the configuration. */
  name: string;
  tenantId: string;
}

export interface GraphDoctorOptions {
  graph: GraphOptions;
  /** Whether the service revokes sessions after a reset (`graph.revokeSessions`): then it needs that permission. */
  revokeSessions: boolean;
}

export async function graphTenantDoctor(
  options: GraphDoctorOptions,
  tenant: TenantToCheck,
): Promise<CheckResult[]> {
  const { graph } = options;
  const c = checksOf(`tenant ${tenant.name}`);
  const consentUrl = `${graph.authorityHost.replace(/\/+$/, '')}/${tenant.tenantId}/adminconsent?client_id=${graph.clientId}`;
  const timeoutMs = Math.min(graph.timeoutMs, 15_000);

  let token: string;
  try {
    const credential = createGraphCredential(graph, tenant.tenantId);
    const got = await credential.getToken(graphScope(graph.baseUrl), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
    if (!got?.token) throw new Error('the credential returned no token');
    token = got.token;
  } catch (err) {
    const code = aadsts(err);
    if (code && NO_CONSENT.has(code)) {
      return [
        c.fail(
          'token',
          `none: the app is not consented to in tenant ${tenant.tenantId} (AADSTS${code})`,
          `a Global Administrator of the customer opens ${consentUrl} and consents`,
        ),
        c.fail(
          'admin consent',
          'not given',
          `a Global Administrator of the customer opens ${consentUrl} and consents`,
        ),
      ];
    }
    const fix =
      code && UNKNOWN_TENANT.has(code)
        ? `check the customer's tenantId in ${setting('customers')}`
        : code && BAD_CREDENTIAL.has(code)
          ? `check ${setting('graph.clientId')} and ${graph.certificatePath ? setting('graph.certificatePath') : setting('graph.clientSecret')} (expired or wrong?)`
          : `check ${setting('graph.authorityHost')}, the network path to it, and the app's credentials`;
    return [
      c.fail('token', `none for tenant ${tenant.tenantId}: ${describeTokenError(err)}`, fix),
      c.skip('admin consent', 'not checked without a token'),
    ];
  }

  const results: CheckResult[] = [
    c.ok('token', `app-only token for ${tenant.tenantId}`),
    c.ok('admin consent', "given (the app's service principal exists in the tenant)"),
  ];
  const claims = readClaims(token);
  const needed = GRAPH_APPLICATION_PERMISSIONS.filter(
    (p) => p !== 'User.RevokeSessions.All' || options.revokeSessions,
  );
  const reconsent = `add it to the app registration (API permissions → Microsoft Graph → Application), grant admin consent in your tenant, then have the customer consent again: ${consentUrl}`;
  if (!claims) {
    results.push(
      c.warn(
        'permissions',
        'the token cannot be read (not a JWT)',
        `check by hand: the customer's Entra admin center → Enterprise applications → the app → Permissions lists ${needed.join(', ')}`,
      ),
    );
  } else {
    const roles = Array.isArray(claims.roles)
      ? claims.roles.filter((r): r is string => typeof r === 'string')
      : [];
    for (const permission of needed) {
      const broader = (INCLUDED_IN[permission] ?? []).find((p) => roles.includes(p));
      if (roles.includes(permission)) results.push(c.ok(`permission ${permission}`, 'granted'));
      else if (broader)
        results.push(c.ok(`permission ${permission}`, `granted through ${broader} (broader than needed)`));
      else
        results.push(
          c.fail(`permission ${permission}`, 'not in the token: not granted in this tenant', reconsent),
        );
    }
  }
  results.push(await userAdministratorCheck(graph, token, claims, c, timeoutMs));
  return results;
}

interface Claims {
  roles?: unknown;
  oid?: unknown;
}

/** The claims of a JWT access token, or undefined when it is not one. Nothing is verified: Entra issued it. */
function readClaims(token: string): Claims | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return claims && typeof claims === 'object' ? (claims as Claims) : undefined;
  } catch {
    return undefined;
  }
}

async function userAdministratorCheck(
  graph: GraphOptions,
  token: string,
  claims: Claims | undefined,
  c: ReturnType<typeof checksOf>,
  timeoutMs: number,
): Promise<CheckResult> {
  const check = 'User Administrator role';
  const byHand =
    "check by hand: the customer's Entra admin center → Roles and administrators → User Administrator → Assignments lists the app (enterprise application), for the whole directory";
  const oid = typeof claims?.oid === 'string' && /^[0-9a-f-]{36}$/i.test(claims.oid) ? claims.oid : undefined;
  if (!oid) return c.warn(check, 'cannot tell: the token names no service principal (oid)', byHand);

  const assignments: Array<{ roleDefinitionId?: unknown; directoryScopeId?: unknown }> = [];
  let next: string | undefined =
    `${graph.baseUrl.replace(/\/+$/, '')}/v1.0/roleManagement/directory/roleAssignments?$filter=${encodeURIComponent(`principalId eq '${oid}'`)}`;
  try {
    for (let page = 0; next && page < 10; page++) {
      const res: Response = await fetch(next, {
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      if (res.status === 401 || res.status === 403) {
        return c.warn(
          check,
          `the app may not read role assignments (HTTP ${res.status}; needs RoleManagement.Read.Directory)`,
          byHand,
        );
      }
      if (!res.ok) return c.warn(check, `role assignments could not be read (HTTP ${res.status})`, byHand);
      const body = (await res.json()) as { value?: unknown; '@odata.nextLink'?: unknown };
      if (Array.isArray(body.value)) assignments.push(...(body.value as typeof assignments));
      next = typeof body['@odata.nextLink'] === 'string' ? body['@odata.nextLink'] : undefined;
    }
  } catch (err) {
    return c.warn(check, `role assignments could not be read: ${describeFailure(err)}`, byHand);
  }
  const roleOf = (a: (typeof assignments)[number]) => String(a.roleDefinitionId ?? '').toLowerCase();
  const tenantWide = (a: (typeof assignments)[number]) => a.directoryScopeId === '/';
  const userAdmin = assignments.filter((a) => roleOf(a) === USER_ADMINISTRATOR_ROLE_ID);
  if (userAdmin.some(tenantWide)) return c.ok(check, "assigned to the app's service principal, tenant-wide");
  const assignRole =
    "in the customer's Entra admin center: Roles and administrators → User Administrator → Add assignments → the app (enterprise application), scope: directory";
  if (userAdmin.length > 0) {
    return c.fail(
      check,
      `assigned only for ${String(userAdmin[0]!.directoryScopeId)}: staff outside that scope cannot be reset`,
      assignRole,
    );
  }
  const broader = assignments.find((a) => tenantWide(a) && BROADER_ROLES[roleOf(a)]);
  if (broader) {
    return c.warn(
      check,
      `not assigned; the app holds ${BROADER_ROLES[roleOf(broader)]}, which can reach administrators`,
      `${assignRole}, then remove ${BROADER_ROLES[roleOf(broader)]} from the app`,
    );
  }
  return c.fail(
    check,
    "not assigned to the app's service principal (consent alone cannot reset passwords)",
    assignRole,
  );
}

/** The AADSTS code of a token failure, when Entra sent one. */
function aadsts(err: unknown): string | undefined {
  const e = err as { message?: unknown; errorResponse?: { errorDescription?: unknown } } | undefined;
  return /AADSTS(\d+)/.exec(
    `${String(e?.errorResponse?.errorDescription ?? '')} ${String(e?.message ?? '')}`,
  )?.[1];
}

/** A token failure in a few words: Entra's error code and the first sentence of its description. */
function describeTokenError(err: unknown): string {
  const code = aadsts(err);
  const e = err as { errorResponse?: { errorDescription?: unknown } } | undefined;
  const description = String(e?.errorResponse?.errorDescription ?? describeFailure(err));
  const sentence = /AADSTS\d+: ([^.]*\.)/.exec(description)?.[1] ?? description.split('\n')[0] ?? '';
  return code ? `AADSTS${code}: ${sentence}` : sentence;
}
