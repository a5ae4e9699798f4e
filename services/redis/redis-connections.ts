import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisTls, RedisTopology } from '../../config/redis-settings.js';
import type { Logger } from '../logging/logger.js';
import type { RedisClient } from './redis-client.js';

/**
 * Every Redis client the service creates is built here, from the configured topology (standalone, Sentinel or
 * Cluster) and the role the client plays:
 *
 * - `intake`: the API's client, also used by the stores, the limiters and pacing. Fails fast: no offline
 *   queue and one retry per command, so a webhook gets 503 at once (and the PSA retries) while Redis is down
 *   or has no master, instead of waiting on a queue that may never drain.
 * - `worker`, `link-events` and `events`: the BullMQ workers' clients. BullMQ requires `maxRetriesPerRequest: null` for
 *   blocking commands; commands wait out a reconnect (offline queue on) and are sent again afterwards.
 *
 * Failover (see `onWriteRefused`): a Sentinel client asks the sentinels for the master whenever it
 * (re)connects, and reconnects when a node refuses a write because it is no longer a writable master. It does
 * not subscribe to the sentinels' `+switch-master` (ioredis's `failoverDetector`): that disconnect can land
 * while the client is reconnecting, which ends the client for good. Instead the old master refuses writes
 * (`min-replicas-to-write`, README), the worker clients move at its first refusal, and Sentinel closes the
 * other connections when it turns the old master into a replica.
 */
export type RedisRole = 'intake' | 'worker' | 'link-events' | 'aftercare' | 'events';

interface RoleOptions {
  enableOfflineQueue: boolean;
  maxRetriesPerRequest: number | null;
}

const ROLE_OPTIONS: Record<RedisRole, RoleOptions> = {
  intake: { enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  worker: { enableOfflineQueue: true, maxRetriesPerRequest: null },
  'link-events': { enableOfflineQueue: true, maxRetriesPerRequest: null },
  aftercare: { enableOfflineQueue: true, maxRetriesPerRequest: null },
  events: { enableOfflineQueue: true, maxRetriesPerRequest: null },
};

/**
 * How a client answers a node that cannot take writes now. READONLY: the node was demoted, so reconnect
 * (Sentinel names the new master). NOREPLICAS (`min-replicas-to-write`): the master has lost its replicas,
 * which is the old master in the moment of a failover or the new one until a replica has joined it; nothing
 * was written. The worker clients reconnect and send the command again (after a pause, since Redis may need
 * seconds), so a job rides out the failover; the intake client fails the command (a webhook gets 503) and
 * reconnects too: after a failover the refusing node may be the old master, which keeps refusing until
 * Sentinel demotes it, while the sentinels already name the new one.
 */
function onWriteRefused(role: RedisRole) {
  const queues = ROLE_OPTIONS[role].enableOfflineQueue;
  let refusedForReplicas = false;
  return {
    reconnectOnError(err: Error): boolean | 1 | 2 {
      if (err.message.startsWith('READONLY')) return queues ? 2 : 1;
      if (err.message.startsWith('NOREPLICAS')) {
        refusedForReplicas = true;
        return queues ? 2 : 1;
      }
      return false;
    },
    /** ioredis's default backoff, slowed while the master waits for a replica. */
    retryStrategy(times: number): number {
      const delay = refusedForReplicas ? 250 : Math.min(times * 50, 2000);
      refusedForReplicas = false;
      return delay;
    },
  };
}

function tlsOptions(tls: RedisTls | undefined): TlsOptions | undefined {
  if (!tls) return undefined;
  return tls.ca ? { ca: tls.ca } : {};
}

/** Options of one connection to a data node, common to the three topologies. */
function nodeOptions(topology: RedisTopology, role: RedisRole) {
  return {
    maxRetriesPerRequest: ROLE_OPTIONS[role].maxRetriesPerRequest,
    connectionName: `resetdesk:${role}`,
    ...(topology.username ? { username: topology.username } : {}),
    ...(topology.password ? { password: topology.password } : {}),
  };
}

/** A single connection (standalone or Sentinel): the node options, the role's queueing and failover handling. */
function connectionOptions(topology: RedisTopology, role: RedisRole): RedisOptions {
  const refused = onWriteRefused(role);
  return {
    ...nodeOptions(topology, role),
    enableOfflineQueue: ROLE_OPTIONS[role].enableOfflineQueue,
    reconnectOnError: (err) => refused.reconnectOnError(err),
    retryStrategy: (times) => refused.retryStrategy(times),
  };
}

/**
 * Cluster redirections during a failover: a worker keeps trying for longer than Redis's default
 * `cluster-node-timeout` (15 s) takes to promote a replica; the intake keeps ioredis's short defaults.
 */
const CLUSTER_FAILOVER_PATIENCE: Record<RedisRole, Partial<ClusterOptions>> = {
  intake: {},
  worker: { retryDelayOnFailover: 300, maxRedirections: 60 },
  'link-events': { retryDelayOnFailover: 300, maxRedirections: 60 },
  aftercare: { retryDelayOnFailover: 300, maxRedirections: 60 },
  events: { retryDelayOnFailover: 300, maxRedirections: 60 },
};

/** Builds one client for `role` on the configured topology. Connects at once; errors go to `logger`. */
export function createRedisClient(topology: RedisTopology, role: RedisRole, logger?: Logger): RedisClient {
  let client: RedisClient;
  switch (topology.mode) {
    case 'standalone':
      client = new Redis(topology.url, {
        ...connectionOptions(topology, role),
        ...(topology.tls ? { tls: tlsOptions(topology.tls) } : {}),
      });
      break;
    case 'sentinel':
      client = new Redis({
        ...connectionOptions(topology, role),
        sentinels: topology.sentinels,
        name: topology.masterName,
        role: 'master',
        enableTLSForSentinelMode: topology.tls !== undefined,
        tls: tlsOptions(topology.tls),
        sentinelTLS: tlsOptions(topology.sentinelTls),
        sentinelUsername: topology.sentinelUsername,
        sentinelPassword: topology.sentinelPassword,
        natMap: topology.natMap,
      });
      break;
    case 'cluster':
      client = new Cluster(topology.nodes, {
        enableOfflineQueue: ROLE_OPTIONS[role].enableOfflineQueue,
        // Every read goes to the master: a replica may not have the latest job state or link yet.
        scaleReads: 'master',
        natMap: topology.natMap,
        ...CLUSTER_FAILOVER_PATIENCE[role],
        redisOptions: { ...nodeOptions(topology, role), tls: tlsOptions(topology.tls) },
      });
      break;
  }
  client.on('error', (err: Error) =>
    logger?.warn({ err: { message: err.message }, redisRole: role }, `redis connection error (${role})`),
  );
  return client;
}

/** Closes a client: politely when it is connected, at once otherwise. Never throws. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
}
