import { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { RedisTopology } from '../../config/redis-settings.js';
import type { RedisClient } from '../../services/redis/redis-client.js';
import {
  closeRedisClient,
  createRedisClient,
  type RedisRole,
} from '../../services/redis/redis-connections.js';

/**
 * How each client is built, for what its callers rely on: the intake fails at once when Redis cannot answer
 * (a webhook gets 503), the workers wait and send again (BullMQ requires `maxRetriesPerRequest: null`), and
 * the topology's addresses, credentials and TLS reach the connection. The behaviour itself is shown against
 * real servers in test/component/redis-sentinel.test.ts and redis-cluster.test.ts; nothing here connects
 * (the addresses are unreachable and every client is closed at once).
 */

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const clients: RedisClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map(closeRedisClient));
});

function build(topology: RedisTopology, role: RedisRole): RedisClient {
  const client = createRedisClient(topology, role);
  clients.push(client);
  return client;
}

const sentinel: RedisTopology = {
  mode: 'sentinel',
  sentinels: [{ host: '192.0.2.1', port: 26379 }],
  masterName: 'resetdesk',
  username: 'app',
  password: 'data-secret',
  tls: { ca: CA },
  sentinelUsername: 'watcher',
  sentinelPassword: 'sentinel-secret',
  sentinelTls: {},
  natMap: { '10.0.0.1:6379': { host: '192.0.2.9', port: 16379 } },
};

describe('Redis clients by role', () => {
  it.each([
    ['intake', false, 1],
    ['worker', true, null],
    ['link-events', true, null],
    ['events', true, null],
  ] as const)('a %s client: offline queue %s, retries per command %s', (role, offlineQueue, retries) => {
    for (const topology of [
      { mode: 'standalone', url: 'redis://192.0.2.1:6379' },
      sentinel,
    ] satisfies RedisTopology[]) {
      const client = build(topology, role) as Redis;
      expect(client.options).toMatchObject({
        enableOfflineQueue: offlineQueue,
        maxRetriesPerRequest: retries,
        connectionName: `resetdesk:${role}`,
      });
    }
    const cluster = build({ mode: 'cluster', nodes: [{ host: '192.0.2.1', port: 7000 }] }, role) as Cluster;
    expect(cluster.options.enableOfflineQueue).toBe(offlineQueue);
    expect(cluster.options.redisOptions).toMatchObject({ maxRetriesPerRequest: retries });
  });

  it('When a node answers READONLY (demoted), then every client reconnects; the workers send the command again', () => {
    const readonly = new Error("READONLY You can't write against a read only replica.");
    expect((build(sentinel, 'intake') as Redis).options.reconnectOnError!(readonly)).toBe(1);
    expect((build(sentinel, 'worker') as Redis).options.reconnectOnError!(readonly)).toBe(2);
  });

  it('When the master has lost its replicas (NOREPLICAS), then the intake fails the command and reconnects, and the workers wait and send it again', () => {
    const noReplicas = new Error('NOREPLICAS Not enough good replicas to write.');
    // After a failover the refusing node may be the old master: asking the sentinels again finds the new one.
    expect((build(sentinel, 'intake') as Redis).options.reconnectOnError!(noReplicas)).toBe(1);
    const worker = (build(sentinel, 'worker') as Redis).options;
    expect(worker.reconnectOnError!(noReplicas)).toBe(2);
    expect(worker.retryStrategy!(1)).toBe(250);
    expect(worker.retryStrategy!(1)).toBe(50);
  });

  it('When any other command error comes back, then no client reconnects', () => {
    const wrongType = new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect((build(sentinel, 'worker') as Redis).options.reconnectOnError!(wrongType)).toBe(false);
  });

  it('On Sentinel, the data nodes and the sentinels each get their own credentials and TLS', () => {
    expect((build(sentinel, 'worker') as Redis).options).toMatchObject({
      sentinels: [{ host: '192.0.2.1', port: 26379 }],
      name: 'resetdesk',
      role: 'master',
      username: 'app',
      password: 'data-secret',
      enableTLSForSentinelMode: true,
      tls: { ca: CA },
      sentinelUsername: 'watcher',
      sentinelPassword: 'sentinel-secret',
      sentinelTLS: {},
      natMap: { '10.0.0.1:6379': { host: '192.0.2.9', port: 16379 } },
    });
  });

  it('On Cluster, every node connection gets the credentials and TLS, and reads go to the masters', () => {
    const cluster = build(
      {
        mode: 'cluster',
        nodes: [{ host: '192.0.2.1', port: 7000 }],
        username: 'app',
        password: 'data-secret',
        tls: { ca: CA },
      },
      'worker',
    ) as Cluster;
    expect(cluster.options).toMatchObject({ scaleReads: 'master' });
    expect(cluster.options.redisOptions).toMatchObject({
      username: 'app',
      password: 'data-secret',
      tls: { ca: CA },
    });
  });

  it('Standalone: the URL decides host, port, database and TLS; a CA is added when configured', () => {
    const client = build(
      {
        mode: 'standalone',
        url: 'rediss://cache.example.net:6380/2',
        password: 'data-secret',
        tls: { ca: CA },
      },
      'intake',
    ) as Redis;
    expect(client.options).toMatchObject({
      host: 'cache.example.net',
      port: 6380,
      db: 2,
      password: 'data-secret',
      tls: { ca: CA },
    });
  });
});
