import type {
  Directory,
  DirectoryFactory,
  DirectoryPrivileges,
  DirectoryUser,
  IssuedTemporaryAccessPass,
  MfaMethodResult,
  NotificationAddresses,
  SignInState,
} from '../../services/domain/ports.js';
import { DirectoryError } from '../../services/domain/errors.js';
import type { Logger } from '../../services/logging/logger.js';
import { translateGraphError } from './graph-errors.js';
import { removeMfaMethods } from './graph-mfa-methods.js';
import { searchUsersByName } from './graph-name-search.js';
import { notificationAddresses } from './graph-notification-addresses.js';
import { getPrivileges } from './graph-privileges.js';
import { readSignInState } from './graph-sign-in-state.js';
import { issueTemporaryAccessPass, removeTemporaryAccessPass } from './graph-temporary-access-pass.js';
import type { GraphOptions } from './graph-credential.js';
import { createGraphTransport, type GraphTransport } from './graph-transport.js';
import {
  findUsersByAddress,
  getManager,
  getManagerChain,
  isMemberOfGroup,
  listMembers,
  listReports,
} from './graph-users.js';
import { pathSegment } from './odata.js';

/**
 * Creates the Graph-backed `DirectoryFactory`. One credential and one Graph client per customer tenant, made on
 * first use and kept for the life of the process (the credential caches its token until shortly before expiry).
 */
export function createGraphDirectoryFactory(options: GraphOptions, logger: Logger): DirectoryFactory {
  if (!options.certificatePath && !options.clientSecret) {
    throw new Error('Graph options need certificatePath or clientSecret');
  }
  const directories = new Map<string, GraphDirectory>();
  return {
    forTenant(tenantId: string): Directory {
      if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(tenantId)) {
        throw new DirectoryError('bad-request', 'The tenant id is not a GUID or domain name');
      }
      let directory = directories.get(tenantId);
      if (!directory) {
        const child = logger.child({ tenantId, component: 'graph' });
        directory = new GraphDirectory(createGraphTransport(options, tenantId, child));
        directories.set(tenantId, directory);
      }
      return directory;
    },
  };
}

/**
 * The `Directory` of one customer tenant: each port method is one Graph operation of graph-users.ts,
 * graph-name-search.ts, graph-mfa-methods.ts, graph-privileges.ts, graph-sign-in-state.ts,
 * graph-notification-addresses.ts or graph-temporary-access-pass.ts, or, for the writes that carry no
 * reading, written here.
 */
class GraphDirectory implements Directory {
  constructor(private readonly graph: GraphTransport) {}

  findUsersByAddress(address: string): Promise<DirectoryUser[]> {
    return findUsersByAddress(this.graph, address);
  }

  getManager(userId: string): Promise<DirectoryUser | null> {
    return getManager(this.graph, userId);
  }

  async resetPassword(userId: string, temporaryPassword: string): Promise<void> {
    const operation = 'reset the password';
    const result = await this.graph.call({
      operation,
      method: 'PATCH',
      path: `/users/${pathSegment(userId)}`,
      body: { passwordProfile: { forceChangePasswordNextSignIn: true, password: temporaryPassword } },
    });
    if (result.ok) return;
    // Graph does not echo the password, but its message is the one place it could come back: blank it anyway.
    throw translateGraphError(result.info, operation, temporaryPassword);
  }

  removeMfaMethods(userId: string): Promise<MfaMethodResult[]> {
    return removeMfaMethods(this.graph, userId);
  }

  async revokeSignInSessions(userId: string): Promise<void> {
    const operation = 'revoke sign-in sessions';
    // Documented as 204; the service answers 200 {"value":true}. Any 2xx is success.
    const result = await this.graph.call({
      operation,
      method: 'POST',
      path: `/users/${pathSegment(userId)}/revokeSignInSessions`,
    });
    this.graph.okBody(result, operation);
  }

  async blockSignIn(userId: string): Promise<void> {
    const operation = 'block sign-in';
    const result = await this.graph.call({
      operation,
      method: 'PATCH',
      path: `/users/${pathSegment(userId)}`,
      body: { accountEnabled: false },
    });
    this.graph.okBody(result, operation);
  }

  readSignInState(userId: string): Promise<SignInState> {
    return readSignInState(this.graph, userId);
  }

  notificationAddresses(userId: string): Promise<NotificationAddresses> {
    return notificationAddresses(this.graph, userId);
  }

  issueTemporaryAccessPass(
    userId: string,
    options: { lifetimeMinutes: number; usableOnce: boolean },
  ): Promise<IssuedTemporaryAccessPass> {
    return issueTemporaryAccessPass(this.graph, userId, options);
  }

  removeTemporaryAccessPass(userId: string, passId: string): Promise<void> {
    return removeTemporaryAccessPass(this.graph, userId, passId);
  }

  searchUsersByName(text: string, limit: number): Promise<DirectoryUser[]> {
    return searchUsersByName(this.graph, text, limit);
  }

  listMembers(limit: number): Promise<DirectoryUser[]> {
    return listMembers(this.graph, limit);
  }

  listReports(userId: string, depth: number): Promise<DirectoryUser[]> {
    return listReports(this.graph, userId, depth);
  }

  getManagerChain(userId: string, depth: number): Promise<DirectoryUser[]> {
    return getManagerChain(this.graph, userId, depth);
  }

  isMemberOfGroup(userId: string, groupId: string): Promise<boolean> {
    return isMemberOfGroup(this.graph, userId, groupId);
  }

  getPrivileges(userId: string): Promise<DirectoryPrivileges> {
    return getPrivileges(this.graph, userId);
  }
}
