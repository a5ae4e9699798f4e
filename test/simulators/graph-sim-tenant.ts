import {
  DEFAULT_APP_PERMISSIONS,
  type SimAppGrant,
  type SimGroupSpec,
  type SimUserState,
  type TenantBuilder,
} from './graph-sim-model.js';
import { stableGuid } from './graph-sim-ids.js';
import type { SimSentMail } from './graph-sim-mail.js';
import type { SignInActivityAccess } from './graph-sim-sign-in.js';
import { DEFAULT_TAP_POLICY, type SimTapPolicy } from './graph-sim-tap.js';

/** One simulated tenant: its directory, its consented apps and the switches tests flip. */
export interface TenantState {
  signInAccess: SignInActivityAccess;
  tapPolicy: SimTapPolicy;
  outbox: SimSentMail[];
  users: Map<string, SimUserState>;
  groups: Map<string, SimGroupSpec>;
  apps: Map<string, SimApp>;
  banned: string[];
  pimLicensed: boolean;
  pageSize: number;
}

/** An app consented to in a tenant: its secret, its service principal and what that principal holds. */
export interface SimApp {
  secret: string;
  servicePrincipalId: string;
  permissions: string[];
  directoryRoles: Array<{ role: string; scope: string }>;
}

/** The tenants of one simulator, keyed by lower-case tenant id. */
export type Tenants = Map<string, TenantState>;

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The object id of an app's service principal in a tenant: stable, so tests can name it. */
export function servicePrincipalIdOf(tenantId: string, clientId: string): string {
  return stableGuid(`service-principal:${tenantId.toLowerCase()}:${clientId.toLowerCase()}`);
}

export function simApp(tenantId: string, clientId: string, secret: string, grant: SimAppGrant = {}): SimApp {
  return {
    secret,
    servicePrincipalId: servicePrincipalIdOf(tenantId, clientId),
    permissions: [...(grant.permissions ?? DEFAULT_APP_PERMISSIONS)],
    directoryRoles: (grant.directoryRoles ?? ['User Administrator']).map((r) =>
      typeof r === 'string' ? { role: r, scope: '/' } : { ...r },
    ),
  };
}

/** A tenant's state, created empty (Entra's defaults) the first time it is named. */
export function tenantState(tenants: Tenants, tenantId: string): TenantState {
  const key = tenantId.toLowerCase();
  let state = tenants.get(key);
  if (!state) {
    state = {
      users: new Map(),
      groups: new Map(),
      apps: new Map(),
      banned: [],
      pimLicensed: true,
      pageSize: 100,
      signInAccess: { entraPremium: true, readable: true },
      tapPolicy: { ...DEFAULT_TAP_POLICY },
      outbox: [],
    };
    tenants.set(key, state);
  }
  return state;
}

/** A seeded user's live state, for the verbs that play the staff member. */
export function seededUser(tenants: Tenants, tenantId: string, userId: string): SimUserState {
  const found = tenants.get(tenantId.toLowerCase())?.users.get(userId);
  if (!found) throw new Error(`No user ${userId} in tenant ${tenantId}`);
  return found;
}

/** A user by id or UPN (case-insensitive), as Graph resolves `/users/{id | userPrincipalName}`. */
export function findUser(tenant: TenantState, idOrUpn: string): SimUserState | undefined {
  const direct = tenant.users.get(idOrUpn);
  if (direct) return direct;
  const lower = idOrUpn.toLowerCase();
  return [...tenant.users.values()].find(
    (u) => u.userPrincipalName.toLowerCase() === lower || u.id.toLowerCase() === lower,
  );
}

/** Seeds one tenant. Refuses what Entra refuses (see TenantBuilder.addGroup). */
export function tenantBuilder(tenants: Tenants, tenantId: string): TenantBuilder {
  const state = tenantState(tenants, tenantId);
  const b: TenantBuilder = {
    tenantId,
    addUser(spec) {
      state.users.set(spec.id, {
        ...clone(spec),
        accountEnabled: spec.accountEnabled ?? true,
        methods: clone(spec.methods ?? []),
      });
      return b;
    },
    registerApp(clientId, clientSecret, grant) {
      state.apps.set(clientId, simApp(tenantId, clientId, clientSecret, grant));
      return b;
    },
    bannedPasswords(words) {
      state.banned = [...words];
      return b;
    },
    addGroup(group) {
      if (group.isAssignableToRole && group.members.some((m) => state.groups.has(m))) {
        throw new Error(`A group cannot be a member of the role-assignable group ${group.displayName}`);
      }
      if (!group.isAssignableToRole && (group.activeRoles?.length ?? 0) > 0) {
        throw new Error(`Only a role-assignable group can hold roles (${group.displayName})`);
      }
      state.groups.set(group.id, clone(group));
      return b;
    },
    pimLicensed(licensed) {
      state.pimLicensed = licensed;
      return b;
    },
    entraPremium(licensed) {
      state.signInAccess.entraPremium = licensed;
      return b;
    },
    signInActivityReadable(readable) {
      state.signInAccess.readable = readable;
      return b;
    },
    tapPolicy(policy) {
      state.tapPolicy = { ...state.tapPolicy, ...structuredClone(policy) };
      return b;
    },
    pageSize(size) {
      state.pageSize = size;
      return b;
    },
  };
  return b;
}
