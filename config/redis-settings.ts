import { existsSync, readFileSync } from 'node:fs';

/**
 * The Redis part of the configuration, checked as a whole: exactly one topology (standalone, Sentinel or
 * Cluster), complete, with no setting of another topology, and on Cluster a key prefix whose hash tag keeps
 * every multi-key command in one slot. Each problem names its key and env var; load-config turns them into
 * the start-up refusal (exit 78).
 */

export interface RedisAddress {
  host: string;
  port: number;
}

/** TLS towards Redis; `ca` (PEM) replaces the system's certificate authorities when set. */
export interface RedisTls {
  ca?: string;
}

export type RedisTopology =
  | {
      mode: 'standalone';
      url: string;
      username?: string;
      password?: string;
      /** Only to add a certificate authority; TLS itself comes from the rediss:// scheme. */
      tls?: RedisTls;
    }
  | {
      mode: 'sentinel';
      sentinels: RedisAddress[];
      masterName: string;
      username?: string;
      password?: string;
      tls?: RedisTls;
      sentinelUsername?: string;
      sentinelPassword?: string;
      sentinelTls?: RedisTls;
      natMap?: Record<string, RedisAddress>;
    }
  | {
      mode: 'cluster';
      nodes: RedisAddress[];
      username?: string;
      password?: string;
      tls?: RedisTls;
      natMap?: Record<string, RedisAddress>;
    };

export interface RedisSettings {
  keyPrefix: string;
  topology: RedisTopology;
  /** Replicas that must acknowledge a write the service relies on (see services/redis/replicated-writes.ts). */
  waitReplicas: number;
}

/** The `redis` section as the schema holds it. */
export interface RawRedisSettings {
  mode: string;
  url: string | null;
  username: string | null;
  password: string | null;
  tls: boolean;
  tlsCaPath: string | null;
  sentinels: string[];
  sentinelMasterName: string | null;
  sentinelUsername: string | null;
  sentinelPassword: string | null;
  sentinelTls: boolean;
  clusterNodes: string[];
  natMap: string[];
  waitReplicas: number | null;
  keyPrefix: string;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * The hash tag Redis Cluster hashes a key by: the text between the first `{` and the first `}` after it,
 * when not empty (https://redis.io/docs/reference/cluster-spec/#hash-tags). A key prefix with a tag gives
 * every key built on it the same slot.
 */
export function hashTagOf(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

function addressOf(text: string): RedisAddress {
  const cut = text.lastIndexOf(':');
  return { host: text.slice(0, cut).replace(/^\[(.*)\]$/, '$1'), port: Number(text.slice(cut + 1)) };
}

const KEYS: Record<Exclude<keyof RawRedisSettings, 'mode' | 'keyPrefix' | 'waitReplicas'>, string> = {
  url: 'REDIS_URL',
  username: 'REDIS_USERNAME',
  password: 'REDIS_PASSWORD',
  tls: 'REDIS_TLS',
  tlsCaPath: 'REDIS_TLS_CA_PATH',
  sentinels: 'REDIS_SENTINELS',
  sentinelMasterName: 'REDIS_SENTINEL_MASTER_NAME',
  sentinelUsername: 'REDIS_SENTINEL_USERNAME',
  sentinelPassword: 'REDIS_SENTINEL_PASSWORD',
  sentinelTls: 'REDIS_SENTINEL_TLS',
  clusterNodes: 'REDIS_CLUSTER_NODES',
  natMap: 'REDIS_NAT_MAP',
};
type OptionalKey = keyof typeof KEYS;

/** Which topologies each optional key belongs to; any other topology refuses it. */
const APPLIES_TO: Record<OptionalKey, ReadonlyArray<RedisTopology['mode']>> = {
  url: ['standalone'],
  username: ['standalone', 'sentinel', 'cluster'],
  password: ['standalone', 'sentinel', 'cluster'],
  tls: ['sentinel', 'cluster'],
  tlsCaPath: ['standalone', 'sentinel', 'cluster'],
  sentinels: ['sentinel'],
  sentinelMasterName: ['sentinel'],
  sentinelUsername: ['sentinel'],
  sentinelPassword: ['sentinel'],
  sentinelTls: ['sentinel'],
  clusterNodes: ['cluster'],
  natMap: ['sentinel', 'cluster'],
};

const named = (key: OptionalKey | 'mode' | 'keyPrefix') =>
  key === 'mode'
    ? 'redis.mode (REDIS_MODE)'
    : key === 'keyPrefix'
      ? 'redis.keyPrefix (REDIS_KEY_PREFIX)'
      : `redis.${key} (${KEYS[key]})`;

function isSet(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'boolean') return value;
  return value !== null && value !== undefined && value !== '';
}

const orUndefined = (value: string | null) => (value === null || value === '' ? undefined : value);

/** Checks the `redis` section; `problems` is empty exactly when `settings` is set. */
export function redisSettingsFrom(
  raw: RawRedisSettings,
): { settings: RedisSettings; problems: [] } | { settings?: undefined; problems: string[] } {
  const problems: string[] = [];
  const mode = raw.mode as RedisTopology['mode'];

  for (const key of Object.keys(KEYS) as OptionalKey[]) {
    if (isSet(raw[key]) && !APPLIES_TO[key].includes(mode)) {
      const hint =
        key === 'tls'
          ? ' (standalone: use a rediss:// URL for TLS)'
          : `; set REDIS_MODE or remove ${KEYS[key]}`;
      problems.push(
        `${named(key)} only applies when ${named('mode')} is ${APPLIES_TO[key].join(' or ')}, not ${mode}${hint}`,
      );
    }
  }

  if (!raw.keyPrefix) problems.push(`${named('keyPrefix')} must not be empty`);
  if (mode === 'sentinel') {
    if (!isSet(raw.sentinels)) problems.push(`${named('sentinels')} is required when redis.mode is sentinel`);
    if (!isSet(raw.sentinelMasterName)) {
      problems.push(`${named('sentinelMasterName')} is required when redis.mode is sentinel`);
    }
  }
  if (mode === 'cluster') {
    if (!isSet(raw.clusterNodes))
      problems.push(`${named('clusterNodes')} is required when redis.mode is cluster`);
    if (raw.keyPrefix && !hashTagOf(raw.keyPrefix)) {
      problems.push(
        `${named('keyPrefix')} must hold a hash tag on Redis Cluster, e.g. {${raw.keyPrefix.replace(/[{}]/g, '') || 'resetdesk'}} ` +
          `(got "${raw.keyPrefix}"): every key of one Lua script, transaction or queue must hash to the same slot, ` +
          'and only a shared {tag} in the prefix makes them',
      );
    }
  }

  if (mode === 'cluster' && raw.waitReplicas) {
    problems.push(
      'redis.waitReplicas (REDIS_WAIT_REPLICAS) is not supported on Redis Cluster: leave it unset or 0',
    );
  }

  const url = raw.url ?? DEFAULT_REDIS_URL;
  if (mode === 'standalone' && (isSet(raw.username) || isSet(raw.password))) {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (parsed && (parsed.username || parsed.password)) {
      problems.push(
        `${named('url')} already holds credentials: set them there or in REDIS_USERNAME/REDIS_PASSWORD, not both`,
      );
    }
  }

  const usesTls =
    (mode === 'standalone' && url.startsWith('rediss://')) ||
    (mode !== 'standalone' && raw.tls) ||
    (mode === 'sentinel' && raw.sentinelTls);
  let ca: string | undefined;
  if (raw.tlsCaPath) {
    if (!usesTls) {
      problems.push(
        `${named('tlsCaPath')} is set but no TLS is on (use a rediss:// URL, REDIS_TLS=true or REDIS_SENTINEL_TLS=true)`,
      );
    } else if (!existsSync(raw.tlsCaPath)) {
      problems.push(`${named('tlsCaPath')}: file not found: ${raw.tlsCaPath}`);
    } else {
      ca = readFileSync(raw.tlsCaPath, 'utf8');
      if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
        problems.push(`${named('tlsCaPath')}: ${raw.tlsCaPath} holds no PEM certificate`);
      }
    }
  }
  if (problems.length > 0) return { problems };

  const tls = (on: boolean): RedisTls | undefined => (on ? (ca ? { ca } : {}) : undefined);
  const natMap =
    raw.natMap.length > 0
      ? Object.fromEntries(
          raw.natMap.map((entry) => {
            const [from, to] = entry.split('=') as [string, string];
            return [from.replace(/^\[(.*)\]:/, '$1:'), addressOf(to)];
          }),
        )
      : undefined;
  const credentials = { username: orUndefined(raw.username), password: orUndefined(raw.password) };
  let topology: RedisTopology;
  if (mode === 'sentinel') {
    topology = {
      mode,
      sentinels: raw.sentinels.map(addressOf),
      masterName: raw.sentinelMasterName as string,
      ...credentials,
      tls: tls(raw.tls),
      sentinelUsername: orUndefined(raw.sentinelUsername),
      sentinelPassword: orUndefined(raw.sentinelPassword),
      sentinelTls: tls(raw.sentinelTls),
      natMap,
    };
  } else if (mode === 'cluster') {
    topology = { mode, nodes: raw.clusterNodes.map(addressOf), ...credentials, tls: tls(raw.tls), natMap };
  } else {
    topology = { mode: 'standalone', url, ...credentials, tls: ca ? { ca } : undefined };
  }
  const waitReplicas = raw.waitReplicas ?? (mode === 'sentinel' ? 1 : 0);
  return { settings: { keyPrefix: raw.keyPrefix, topology, waitReplicas }, problems: [] };
}
