import type { Cluster, Redis } from 'ioredis';

/**
 * A Redis connection as the service's stores, limiters and queues take it: a single-node or Sentinel client
 * (`Redis`) or a Cluster client. Both speak the same commands; on Cluster every key of one command, Lua
 * script or transaction must hash to the same slot, which the hash-tagged key prefix ensures.
 */
export type RedisClient = Redis | Cluster;
