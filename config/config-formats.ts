import convict from 'convict';
import { GUID_PATTERN, customerListSchema, describeCustomerErrors } from './customer-settings.js';
import { describeEndpointErrors, eventEndpointListSchema } from './event-endpoints.js';

/**
 * The value formats the configuration schema uses beyond convict's own. Each one refuses what the service
 * could not run with safely, so a bad value stops the start (exit 78) naming its key instead of failing at
 * the first ticket.
 */

/** Most previous keys a ring holds: a key is kept only as long as links made under it can live. */
const MAX_PREVIOUS_KEYS = 10;

const parseJsonOrKeep = (value: string): unknown => {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
};

convict.addFormat({
  name: 'customer-list',
  validate(value: unknown) {
    const parsed = customerListSchema.safeParse(value);
    if (!parsed.success) throw new Error(describeCustomerErrors(parsed.error, value));
  },
  coerce: parseJsonOrKeep,
});

// The event endpoints are sensitive: the message names entries and fields, never a value.
convict.addFormat({
  name: 'event-endpoint-list',
  validate(value: unknown) {
    const parsed = eventEndpointListSchema.safeParse(value);
    if (!parsed.success) throw new Error(describeEndpointErrors(parsed.error));
  },
  coerce: parseJsonOrKeep,
});

convict.addFormat({
  name: 'password-separators',
  validate(value: unknown) {
    // The symbols a password may use are the generator's to say; checked with the whole format (app/).
    if (typeof value !== 'string' || value.length > 32) {
      throw new Error('must be a string of separator symbols, e.g. "-#!"');
    }
  },
});

function parseUrl(value: unknown, protocols: string[], what: string): URL {
  if (typeof value !== 'string') throw new Error(`must be ${what}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`must be ${what}`);
  }
  if (!protocols.includes(url.protocol)) throw new Error(`must be ${what}`);
  return url;
}

convict.addFormat({
  name: 'http-url',
  validate(value: unknown) {
    parseUrl(value, ['https:', 'http:'], 'an http(s) URL');
  },
});

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for a host that only this machine can reach (plain http is harmless there, and tests use it). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

// Managers open secure links from mail: over plain http the password would cross the internet in clear.
convict.addFormat({
  name: 'public-url',
  validate(value: unknown) {
    const url = parseUrl(value, ['https:', 'http:'], 'an https URL');
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      throw new Error('must be an https URL (plain http is only accepted for localhost)');
    }
    if (url.username || url.password || url.search || url.hash) {
      throw new Error('must be a bare origin or path, without credentials, query or fragment');
    }
  },
});

convict.addFormat({
  name: 'redis-url',
  validate(value: unknown) {
    const url = parseUrl(value, ['redis:', 'rediss:'], 'a redis:// or rediss:// URL');
    if (!url.hostname) throw new Error('must name a host, e.g. redis://127.0.0.1:6379');
  },
});

// A Redis address as `host:port`, IPv6 hosts in brackets (`[::1]:26379`).
const REDIS_ADDRESS = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
function isRedisAddress(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const port = Number(REDIS_ADDRESS.exec(value)?.[1]);
  return port >= 1 && port <= 65535;
}
const commaList = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

convict.addFormat({
  name: 'redis-address-list',
  validate(value: unknown) {
    if (!Array.isArray(value) || !value.every(isRedisAddress)) {
      throw new Error('must be a comma-separated list of host:port (IPv6 as [address]:port)');
    }
  },
  coerce: commaList,
});

convict.addFormat({
  name: 'redis-nat-map',
  validate(value: unknown) {
    const ok =
      Array.isArray(value) &&
      value.every((entry) => {
        const [from, to, extra] = typeof entry === 'string' ? entry.split('=') : [];
        return extra === undefined && isRedisAddress(from) && isRedisAddress(to);
      });
    if (!ok) throw new Error('must be a comma-separated list of announced-host:port=reachable-host:port');
  },
  coerce: commaList,
});

convict.addFormat({
  name: 'int-list',
  validate(value: unknown) {
    if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new Error('must be a list of whole numbers');
    }
  },
  coerce(value: string) {
    return value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean)
      .map(Number);
  },
});

convict.addFormat({
  name: 'string-list',
  validate(value: unknown) {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) {
      throw new Error('must be a list of non-empty strings');
    }
  },
  coerce: commaList,
});

convict.addFormat({
  name: 'base64-32-bytes',
  validate(value: unknown) {
    if (typeof value !== 'string' || Buffer.from(value, 'base64').length !== 32) {
      throw new Error('must be 32 random bytes, base64-encoded (openssl rand -base64 32)');
    }
  },
});

convict.addFormat({
  name: 'tenant-guid',
  validate(value: unknown) {
    if (typeof value !== 'string' || !GUID_PATTERN.test(value)) {
      throw new Error('must be the Entra tenant id (a GUID), not a domain name');
    }
  },
});

// Older secure-link server keys (key rotation): a list, so env and _FILE values separate keys by commas,
// spaces or newlines (base64 holds none of them).
convict.addFormat({
  name: 'base64-32-bytes-list',
  coerce: (value: string) => value.split(/[\s,]+/).filter(Boolean),
  validate(value: unknown) {
    if (!Array.isArray(value)) throw new Error('must be a list of base64-encoded 32-byte keys');
    value.forEach((key: unknown, index) => {
      if (typeof key !== 'string' || Buffer.from(key, 'base64').length !== 32) {
        throw new Error(
          `entry ${index + 1} must be 32 random bytes, base64-encoded (openssl rand -base64 32)`,
        );
      }
    });
    if (value.length > MAX_PREVIOUS_KEYS) {
      throw new Error(`at most ${MAX_PREVIOUS_KEYS} keys (drop those older than the longest link lifetime)`);
    }
  },
});

// Pacing rates divide time: zero or a negative rate would never refill a bucket.
convict.addFormat({
  name: 'positive-number',
  coerce: (value: unknown) => (typeof value === 'string' ? Number(value) : value),
  validate(value: unknown) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new Error('must be a number above 0');
    }
  },
});

const registeredRanges = new Set<string>();

/**
 * A whole number within bounds, e.g. a link's views (a 0-view link could never be opened) or a lifetime
 * (100,000 hours is a password left lying around). Registers the format once and returns its name, which
 * the configuration reference shows (`integer 1-20`).
 */
export function intBetween(min: number, max: number): string {
  const name = `integer ${min}-${max}`;
  if (!registeredRanges.has(name)) {
    registeredRanges.add(name);
    convict.addFormat({
      name,
      coerce: (value: unknown) =>
        typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value,
      validate(value: unknown) {
        if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
          throw new Error(`must be a whole number from ${min} to ${max}`);
        }
      },
    });
  }
  return name;
}
/** A numeric id that may be left unset (null): the PSA ids the MSP fills in from its own instance. */
export function nullableNat(doc: string, env: string) {
  return { doc, format: 'nat', default: null as number | null, nullable: true, env };
}

/** A string that may be left unset (null): secrets and per-instance names have no default. */
export function nullableString(doc: string, env: string, sensitive = false) {
  return { doc, format: String, default: null as string | null, nullable: true, env, sensitive };
}
