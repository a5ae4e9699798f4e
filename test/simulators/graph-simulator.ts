import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simTls } from '../support/sim-tls.js';
import { handleEntra, issueAppToken, type TokenGrant, type TokenGrants } from './graph-sim-auth.js';
import { createFaultControls, type FaultControls } from './graph-sim-faults.js';
import { DROPPED, graphError, HttpAnswer, readWire, respond, type WireRequest } from './graph-sim-http.js';
import type { SimSentMail } from './graph-sim-mail.js';
import type {
  FaultSpec,
  RecordedRequest,
  SimAppGrant,
  SimMethodSpec,
  SimUserState,
  TenantBuilder,
} from './graph-sim-model.js';
import { routeGraph } from './graph-sim-routes.js';
import { registerMethod, signIn, signInAndChangePassword } from './graph-sim-sign-in.js';
import {
  clone,
  seededUser,
  servicePrincipalIdOf,
  simApp,
  tenantBuilder,
  tenantState,
  type TenantState,
  type Tenants,
} from './graph-sim-tenant.js';
import { createHoldRegistry, type HoldSpec, type SimHold } from './sim-hold.js';

/**
 * An in-process HTTPS simulator of Entra ID's token endpoint (the MSAL client-credentials flow) and of the
 * Microsoft Graph calls resetdesk makes, with the failure modes documented in docs Microsoft Graph docs. The same origin
 * serves both, so `url` is used as Graph `baseUrl` and as `authorityHost`.
 *
 * Deliberately strict where a lenient fake would hide bugs: a user `$filter` accepts only well-formed `eq` and
 * `startswith` clauses with '' escaping, joined by `and`/`or`, within Entra's default-query limits
 * (graph-sim-filter.ts); filtering a membership list needs `ConsistencyLevel: eventual` and `$count=true`; a
 * user GET without `$select` omits the on-premises properties as Graph does; Graph calls need a bearer issued
 * for the tenant and for this origin's `/.default` scope.
 *
 * Tokens are JWT-shaped like Entra's app-only access tokens (v1.0 format, unsigned here): `tid`, `appid`, `oid`
 * (the app's service principal in that tenant), `idtyp: app`, and `roles` with the application permissions
 * admin consent granted in that tenant (omitted when none, as Entra omits it). An app that was never consented
 * to in a tenant has no service principal there: its token request fails with AADSTS700016, as in Entra. A
 * service principal's directory roles are listed by `GET /roleManagement/directory/roleAssignments`.
 */

// Each area lives in its own file (graph-sim-<area>.ts); what tests and scripts import stays importable from here.
export { checkPasswordComplexity } from './graph-sim-password.js';
export { parseSimpleFilter } from './graph-sim-filter.js';
export { MESSAGES } from './graph-sim-messages.js';
export { stableGuid } from './graph-sim-ids.js';
export {
  ALTERNATE_MOBILE_PHONE_ID,
  MOBILE_PHONE_ID,
  OFFICE_PHONE_ID,
  PASSWORD_METHOD_ID,
} from './graph-sim-methods.js';
export {
  ELIGIBILITY_START,
  eligibilityInstanceId,
  ROLE_TEMPLATE_IDS,
  roleTemplateId,
} from './graph-sim-roles.js';
export {
  DEFAULT_APP_PERMISSIONS,
  type FaultSpec,
  type RecordedRequest,
  type SimAppGrant,
  type SimGroupSpec,
  type SimMethodSpec,
  type SimUserSpec,
  type SimUserState,
  type TenantBuilder,
} from './graph-sim-model.js';

export interface GraphSimulator {
  /** https://127.0.0.1:PORT — Graph base URL and authority host. */
  readonly url: string;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[];
  /**
   * When each of `requests` arrived and when its answer was sent (`performance.now()`, same index): lets a
   * benchmark tell the simulator's time from its client's.
   */
  readonly arrivals: number[];
  readonly departures: number[];
  tenant(tenantId: string): TenantBuilder;
  registerApp(tenantId: string, clientId: string, clientSecret: string, grant?: SimAppGrant): void;
  /** The object id of an app's service principal in a tenant (the `oid` of its tokens). */
  servicePrincipalId(tenantId: string, clientId: string): string;
  /** A copy of a user's current state; undefined when unknown. */
  user(tenantId: string, userId: string): SimUserState | undefined;
  failNext(fault: FaultSpec): void;
  /** Holds matching Graph requests (or their answers) until the test lets them go (see sim-hold.ts). */
  hold(spec: HoldSpec): SimHold;
  /**
   * Answers every Graph call with a token of this tenant with `status` (429 with Retry-After, or a 5xx) until
   * called again without one: a throttling storm or an outage of one tenant.
   */
  storm(tenantId: string, answer?: { status: number; retryAfterSeconds?: number }): void;
  /** The staff member signs in successfully at `at` (now by default). */
  signsIn(tenantId: string, userId: string, at?: Date): void;
  /** The staff member signs in and sets a password of their own (a forced change at next sign-in). */
  signsInAndChangesPassword(tenantId: string, userId: string, at?: Date, password?: string): void;
  /** The staff member registers an authentication method at `at` (its registration time set where the type has one). */
  registersMethod(tenantId: string, userId: string, method: SimMethodSpec, at?: Date): void;
  /** Messages the tenant's mailboxes accepted through sendMail, oldest first. */
  sentMail(tenantId: string): SimSentMail[];
  /** A valid token for the tenant, for tests that call Graph directly. */
  issueToken(tenantId: string): string;
  /** Graph requests only, optionally for one tenant. */
  graphRequests(tenantId?: string): RecordedRequest[];
  close(): Promise<void>;
}

/** Load options for the benchmark (scripts/bench.ts). Additive: without them nothing changes. */
export interface GraphSimOptions {
  /** Added before every Graph answer, like a real round trip. */
  latencyMs?: number;
  /** A token bucket per tenant over Graph calls; beyond it: 429 with Retry-After (whole seconds). */
  perTenantRateLimit?: { ratePerSecond: number; burst: number };
  /** Called for every 429 the per-tenant limit sends. */
  onThrottle?: (tenantId: string) => void;
}

/** What one running simulator holds. */
interface SimCore {
  url: string;
  tenants: Tenants;
  tokens: TokenGrants;
  requests: RecordedRequest[];
  arrivals: number[];
  departures: number[];
  indexOf: WeakMap<IncomingMessage, number>;
  faults: FaultControls;
  holds: ReturnType<typeof createHoldRegistry>;
  latencyMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function record(core: SimCore, req: IncomingMessage, r: RecordedRequest): void {
  core.indexOf.set(req, core.requests.length);
  core.requests.push(r);
  core.arrivals.push(performance.now());
}

async function dispatch(core: SimCore, req: IncomingMessage): Promise<HttpAnswer> {
  const wire = await readWire(req);
  if (wire instanceof HttpAnswer) return wire;
  const isGraph = wire.segments[0] === 'v1.0' || wire.segments[0] === 'beta';
  return isGraph ? dispatchGraph(core, req, wire) : dispatchEntra(core, req, wire);
}

/** The token endpoint and OpenID metadata: recorded with secrets redacted, open to injected faults. */
async function dispatchEntra(core: SimCore, req: IncomingMessage, wire: WireRequest): Promise<HttpAnswer> {
  const { method, path, query, authorization } = wire;
  const form = Object.fromEntries(new URLSearchParams(wire.rawBody).entries());
  const logged = { ...form };
  if ('client_secret' in logged) logged.client_secret = '[redacted]';
  if ('client_assertion' in logged) logged.client_assertion = '[redacted]';
  const kind = method === 'GET' ? 'metadata' : 'token';
  record(core, req, { kind, method, path, query, body: logged, authorization });
  const injected = await core.faults.injected(method, path);
  if (injected) return injected;
  return (
    handleEntra(
      { origin: core.url, tenants: core.tenants, tokens: core.tokens },
      method,
      wire.segments,
      form,
    ) ?? new HttpAnswer(404, { error: 'not_found', error_description: `No such endpoint ${path}` })
  );
}

/**
 * A Graph call: recorded, then held, stormed, faulted, delayed or throttled as the test asked, then checked
 * for a bearer of a known tenant issued for this origin, then routed to its area.
 */
async function dispatchGraph(core: SimCore, req: IncomingMessage, wire: WireRequest): Promise<HttpAnswer> {
  const { method, path, query, authorization } = wire;
  let body: unknown = undefined;
  if (wire.rawBody !== '') {
    try {
      body = JSON.parse(wire.rawBody);
    } catch {
      record(core, req, { kind: 'graph', method, path, query, body: wire.rawBody, authorization });
      return graphError(
        400,
        'BadRequest',
        'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
      );
    }
  }
  const bearer = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  const grant = bearer ? core.tokens.get(bearer) : undefined;
  const header = req.headers.consistencylevel;
  const consistencyLevel = typeof header === 'string' ? header : undefined;
  record(core, req, {
    kind: 'graph',
    method,
    path,
    query,
    body,
    authorization,
    tenantId: grant?.tenantId,
    consistencyLevel,
  });

  const held = core.holds.gate(method, path, 'request', req);
  if (held && (await held) === 'drop') return DROPPED;
  const stormed = core.faults.stormAnswer(grant?.tenantId, path);
  if (stormed) return stormed;
  const injected = await core.faults.injected(method, path);
  if (injected) return injected;
  if (core.latencyMs) await sleep(core.latencyMs);
  const limited = core.faults.throttle(grant?.tenantId);
  if (limited) return limited;

  const tenant = authorize(core, bearer, grant);
  if (tenant instanceof HttpAnswer) return tenant;
  const eventual = consistencyLevel?.toLowerCase() === 'eventual';
  const version = wire.segments[0]!;
  return routeGraph({
    method,
    version,
    segments: wire.segments.slice(1),
    query,
    body,
    tenant,
    eventual,
    origin: core.url,
  });
}

/** The tenant a Graph call acts in, or the 401 Graph answers a missing, unknown, expired or foreign token with. */
function authorize(
  core: SimCore,
  bearer: string | undefined,
  grant: TokenGrant | undefined,
): TenantState | HttpAnswer {
  if (!bearer) return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
  if (!grant || grant.expiresAt < Date.now()) {
    return graphError(
      401,
      'InvalidAuthenticationToken',
      'IDX14100: JWT is not well formed, there are no dots (.).',
    );
  }
  if (grant.audience !== core.url)
    return graphError(
      401,
      'InvalidAuthenticationToken',
      'Access token validation failure. Invalid audience.',
    );
  const tenant = core.tenants.get(grant.tenantId);
  if (!tenant) return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure.');
  return tenant;
}
/** Answers one request, unless a hold on its answer drops it; times its departure for the benchmark. */
function serve(core: SimCore, req: IncomingMessage, res: ServerResponse): void {
  res.on('finish', () => {
    const i = core.indexOf.get(req);
    if (i !== undefined) core.departures[i] = performance.now();
  });
  dispatch(core, req).then(
    async (answer) => {
      const held = core.holds.gate(
        req.method ?? 'GET',
        new URL(req.url ?? '/', 'https://x').pathname,
        'answer',
        req,
      );
      respond(res, held && (await held) === 'drop' ? DROPPED : answer);
    },
    (err: unknown) => respond(res, graphError(500, 'InternalServerError', `Simulator error: ${String(err)}`)),
  );
}

/** Starts the simulator on an ephemeral port of 127.0.0.1. */
export async function startGraphSimulator(simOptions: GraphSimOptions = {}): Promise<GraphSimulator> {
  const tls = simTls();
  const core: SimCore = {
    url: '',
    tenants: new Map(),
    tokens: new Map(),
    requests: [],
    arrivals: [],
    departures: [],
    indexOf: new WeakMap(),
    faults: createFaultControls(simOptions),
    holds: createHoldRegistry(),
    latencyMs: simOptions.latencyMs,
  };
  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => serve(core, req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  core.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return simulatorApi(core, server);
}

/** What a test drives and reads the simulator through. */
function simulatorApi(core: SimCore, server: Server): GraphSimulator {
  const { tenants, requests } = core;
  return {
    get url() {
      return core.url;
    },
    requests,
    arrivals: core.arrivals,
    departures: core.departures,
    tenant: (tenantId) => tenantBuilder(tenants, tenantId),
    registerApp(tenantId, clientId, clientSecret, grant) {
      tenantState(tenants, tenantId).apps.set(clientId, simApp(tenantId, clientId, clientSecret, grant));
    },
    servicePrincipalId: servicePrincipalIdOf,
    user(tenantId, userId) {
      const u = tenants.get(tenantId.toLowerCase())?.users.get(userId);
      return u ? clone(u) : undefined;
    },
    failNext: (fault) => core.faults.failNext(fault),
    hold: (spec) => core.holds.add(spec),
    storm: (tenantId, answer) => core.faults.storm(tenantId, answer),
    signsIn(tenantId, userId, at = new Date()) {
      signIn(seededUser(tenants, tenantId, userId), at);
    },
    signsInAndChangesPassword(tenantId, userId, at = new Date(), password = 'Own#Passw0rd-2026') {
      signInAndChangePassword(seededUser(tenants, tenantId, userId), at, password);
    },
    registersMethod(tenantId, userId, method, at = new Date()) {
      registerMethod(seededUser(tenants, tenantId, userId), method, at);
    },
    sentMail(tenantId) {
      return clone(tenants.get(tenantId.toLowerCase())?.outbox ?? []);
    },
    issueToken(tenantId) {
      tenantState(tenants, tenantId);
      return issueAppToken(core.tokens, tenantId, 'test', core.url, undefined);
    },
    graphRequests(tenantId) {
      return requests.filter(
        (r) => r.kind === 'graph' && (tenantId === undefined || r.tenantId === tenantId.toLowerCase()),
      );
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
