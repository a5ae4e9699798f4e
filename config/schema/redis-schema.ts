/**
 * Redis: one topology (standalone, Sentinel or Cluster), its credentials and TLS, and the key prefix. The
 * section is checked as a whole by config/redis-settings.ts.
 */
export const redisSchema = {
  mode: {
    doc: 'Redis topology: "standalone" (redis.url), "sentinel" (a master found through Redis Sentinel) or "cluster" (Redis Cluster). A setting of another topology stops the start.',
    format: ['standalone', 'sentinel', 'cluster'],
    default: 'standalone',
    env: 'REDIS_MODE',
  },
  url: {
    doc: 'Standalone only: the Redis URL (redis:// or rediss:// for TLS; may hold user and password). Unset: redis://127.0.0.1:6379. Redis 6.2+, maxmemory-policy noeviction, AOF on.',
    format: 'redis-url',
    default: null as string | null,
    nullable: true,
    env: 'REDIS_URL',
    sensitive: true,
  },
  username: {
    doc: 'ACL user of the Redis data nodes (Sentinel: the master and replicas; Cluster: every node). Standalone: in redis.url or here.',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'REDIS_USERNAME',
  },
  password: {
    doc: 'Password of the Redis data nodes (requirepass or the ACL user). Standalone: in redis.url or here, not both.',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'REDIS_PASSWORD',
    sensitive: true,
  },
  tls: {
    doc: 'Sentinel and Cluster: TLS to the data nodes. Standalone uses a rediss:// URL instead.',
    format: Boolean,
    default: false,
    env: 'REDIS_TLS',
  },
  tlsCaPath: {
    doc: 'PEM file of the certificate authority that signs the Redis (and sentinel) TLS certificates, when not a public one. Only with TLS on.',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'REDIS_TLS_CA_PATH',
  },
  sentinels: {
    doc: 'Sentinel only: sentinels to ask for the master, as host:port,host:port (a few of them suffice).',
    format: 'redis-address-list',
    default: [] as string[],
    env: 'REDIS_SENTINELS',
  },
  sentinelMasterName: {
    doc: 'Sentinel only: the master name the sentinels monitor ("sentinel monitor <name> ...").',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'REDIS_SENTINEL_MASTER_NAME',
  },
  sentinelUsername: {
    doc: 'Sentinel only: ACL user of the sentinels themselves, when they require one.',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'REDIS_SENTINEL_USERNAME',
  },
  sentinelPassword: {
    doc: 'Sentinel only: password of the sentinels themselves (sentinel requirepass), separate from redis.password.',
    format: String,
    default: null as string | null,
    nullable: true,
    env: 'REDIS_SENTINEL_PASSWORD',
    sensitive: true,
  },
  sentinelTls: {
    doc: 'Sentinel only: TLS to the sentinels (redis.tls covers the data nodes).',
    format: Boolean,
    default: false,
    env: 'REDIS_SENTINEL_TLS',
  },
  clusterNodes: {
    doc: 'Cluster only: seed nodes as host:port,host:port; the rest of the cluster is discovered from them.',
    format: 'redis-address-list',
    default: [] as string[],
    env: 'REDIS_CLUSTER_NODES',
  },
  natMap: {
    doc: 'Sentinel and Cluster: addresses the nodes announce mapped to addresses this service can reach (NAT, container port mapping), as announced-host:port=reachable-host:port,...',
    format: 'redis-nat-map',
    default: [] as string[],
    env: 'REDIS_NAT_MAP',
  },
  waitReplicas: {
    doc: 'Replicas that must hold a write the service relies on (an accepted webhook, a reset step) before it goes on (Redis WAIT, 1 s; else 503 or a retry). Unset: 1 on Sentinel, 0 otherwise.',
    format: 'nat',
    default: null as number | null,
    nullable: true,
    env: 'REDIS_WAIT_REPLICAS',
  },
  keyPrefix: {
    doc: 'Prefix of every Redis key the service writes (queues, ledger, links, pacing). On Redis Cluster it must hold a hash tag, e.g. {resetdesk}, so that all its keys share one slot.',
    format: String,
    default: 'resetdesk',
    env: 'REDIS_KEY_PREFIX',
  },
};
