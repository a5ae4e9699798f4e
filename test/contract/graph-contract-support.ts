import { randomUUID } from 'node:crypto';
import { createGraphDirectoryFactory } from '../../integrations/graph/graph-directory.js';
import type { GraphOptions } from '../../integrations/graph/graph-credential.js';
import type { Directory } from '../../services/domain/ports.js';
import { createLogger, type Logger } from '../../services/logging/logger.js';
import type { GraphSimulator, SimUserSpec } from '../simulators/graph-simulator.js';
import type { ContractFixture, ContractUser } from './directory-contract.js';

/** What the Graph adapter's contract and wire tests share: the app, its options, and seeding the simulator. */

export const CLIENT_ID = '6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
export const CLIENT_SECRET = 'sim~Secret.Value_0123456789abcdef';
export const GRAPH_PATH = /^\/(v1\.0|beta)\//;
export const GOOD_PASSWORD = 'Tq7#vLm2!xRb9z';

export const silent = createLogger({ level: 'silent' });

export function graphOptions(url: string, overrides: Partial<GraphOptions> = {}): GraphOptions {
  return {
    baseUrl: url,
    authorityHost: url,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    timeoutMs: 5_000,
    disableInstanceDiscovery: true,
    ...overrides,
  };
}

/** The contract's user in the simulator's shape: Graph reports cloud-only users with `onPremisesSyncEnabled: null`. */
export function toSimUser(user: ContractUser): SimUserSpec {
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    mail: user.mail ?? null,
    accountEnabled: user.accountEnabled,
    onPremisesSyncEnabled: user.onPremisesSyncEnabled ? true : null,
    onPremisesSamAccountName: user.onPremises?.samAccountName ?? null,
    onPremisesDomainName: user.onPremises?.domainName ?? null,
    onPremisesLastSyncDateTime: user.onPremises?.lastSyncDateTime ?? null,
    onPremisesDistinguishedName: user.onPremises?.distinguishedName ?? null,
    givenName: user.givenName ?? null,
    surname: user.surname ?? null,
    department: user.department ?? null,
    managerId: user.managerId,
    privileged: user.privileged,
    activeRoles: user.activeRoles,
    eligibleRoles: user.eligibleRoles,
    methods: user.methods.map((m) => ({ '@odata.type': m.type, id: m.id, isDefault: m.isDefault })),
    ...(user.userType ? { userType: user.userType } : {}),
    ...(user.otherMails ? { otherMails: [...user.otherMails] } : {}),
    ...(user.proxyAddresses ? { proxyAddresses: [...user.proxyAddresses] } : {}),
  };
}

/** A logger whose every line is kept, to prove what never reaches the logs. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'trace',
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { logger, lines };
}

/** A fresh tenant in the simulator, seeded with `fixture`, and the real adapter pointed at it. */
export function seedTenant(
  sim: GraphSimulator,
  fixture: ContractFixture,
  logger: Logger = silent,
): { tenantId: string; directory: Directory } {
  const tenantId = randomUUID();
  const tenant = sim
    .tenant(tenantId)
    .registerApp(CLIENT_ID, CLIENT_SECRET)
    .bannedPasswords(fixture.bannedPasswords)
    .pimLicensed(fixture.pimLicensed)
    .entraPremium(fixture.entraPremium ?? true);
  if (fixture.tapPolicy) {
    tenant.tapPolicy({
      state: fixture.tapPolicy.enabled ? 'enabled' : 'disabled',
      includeTargets: fixture.tapPolicy.includeGroupIds,
      // A tenant that hands passes out for recovery lets them live up to a day.
      maximumLifetimeInMinutes: 1440,
      minimumLifetimeInMinutes: 10,
    });
  }
  for (const user of fixture.users) tenant.addUser(toSimUser(user));
  for (const group of fixture.groups) tenant.addGroup(structuredClone(group));
  const directory = createGraphDirectoryFactory(graphOptions(sim.url), logger).forTenant(tenantId);
  return { tenantId, directory };
}
