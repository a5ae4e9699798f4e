import type { Redis } from 'ioredis';
import { TransientError } from '../domain/errors.js';
import type { RedisClient } from './redis-client.js';

/** Longest wait for the replicas' acknowledgement of one write. */
export const REPLICA_ACK_TIMEOUT_MS = 1000;

/**
 * Runs a write and returns once `replicas` replicas hold it (Redis WAIT on the same connection), so that a
 * failover cannot discard it afterwards: Redis replicates asynchronously, and a write the master acknowledged
 * in the moment its replica was promoted is otherwise gone. Used where the service relies on a write: an
 * accepted webhook's job before the 2xx, a step of a reset's journal before the next outside call.
 *
 * Throws a `TransientError` (the write may or may not have landed; doing it again must be safe) when fewer
 * replicas acknowledge in time, or when the client reconnected after the write and sent the WAIT again over
 * the new connection (which has written nothing, so its WAIT vouches for nothing). With `replicas` 0 the
 * write runs unchanged.
 */
export type ReplicatedWrite = <T>(write: () => Promise<T>) => Promise<T>;

export function replicatedWrites(client: RedisClient, replicas: number): ReplicatedWrite {
  if (replicas <= 0) return (write) => write();
  // The configuration refuses a replica count on Cluster: a WAIT there must reach the node of the written
  // slot over the very connection that wrote, which the Cluster client does not expose.
  if ('isCluster' in client && client.isCluster) {
    throw new Error('replicated writes need a single-node or Sentinel client');
  }
  const redis = client as Redis;
  return async (write) => {
    const result = await write();
    // The connection the write's reply just came over: the one WAIT must run on. A write the client sent
    // again after a reconnect was applied over the new connection, which is then the right one.
    const stream = redis.stream;
    let acknowledged: number;
    try {
      acknowledged = await redis.wait(replicas, REPLICA_ACK_TIMEOUT_MS);
    } catch (err) {
      throw new TransientError(`Redis could not confirm a write: ${(err as Error).message}`, undefined, {
        cause: err,
      });
    }
    if (redis.stream !== stream) {
      throw new TransientError('Redis reconnected before confirming a write');
    }
    if (acknowledged < replicas) {
      throw new TransientError(
        `Redis confirmed a write on ${acknowledged} of ${replicas} replica(s) within ${REPLICA_ACK_TIMEOUT_MS} ms`,
      );
    }
    return result;
  };
}
