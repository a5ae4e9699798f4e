import { createHmac } from 'node:crypto';

/**
 * The server key ring: the current secure-link server key, which every new link, confirmation record, form
 * nonce and sealed job token uses, and older keys that only open what was made under them. Rotating is: make a
 * new key current, keep the old one in the ring until the longest-lived link made under it has expired, then
 * drop it (README, "Rotating SECURE_LINK_SERVER_KEY").
 *
 * Each stored record and sealed value carries the id of its key: a short, non-secret tag (an HMAC of a fixed
 * label under the key, so it tells nothing about the key). A record whose key id is not in the ring cannot be
 * opened: removing a key from the ring retires everything made under it.
 */

export interface ServerKey {
  /** 8 hex characters naming the key; stored beside what the key protects. Not secret. */
  readonly id: string;
  readonly key: Buffer;
}

export interface KeyRing {
  /** The key new links, records and sealed values are made with. */
  readonly current: ServerKey;
  /** Every key that may open something: the current key first, then the previous keys in the given order. */
  readonly keys: readonly ServerKey[];
  /** The key with this id, or undefined when it is not (or no longer) in the ring. */
  find(id: string | undefined): ServerKey | undefined;
}

const KEY_BYTES = 32;

/** The non-secret id of a server key (see the module comment). */
export function serverKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('resetdesk server key id v1').digest('hex').slice(0, 8);
}

/**
 * A ring of the current key and the previous ones. Throws on a key that is not 32 bytes or on a key given
 * twice (a configuration mistake: loading the configuration reports it naming the key).
 */
export function createKeyRing(current: Buffer, previous: readonly Buffer[] = []): KeyRing {
  const keys: ServerKey[] = [];
  for (const key of [current, ...previous]) {
    if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
      throw new Error(`a server key must be exactly ${KEY_BYTES} bytes`);
    }
    const id = serverKeyId(key);
    if (keys.some((k) => k.id === id)) throw new Error('the same server key is in the ring twice');
    // Private copies: later changes to the caller's buffers cannot affect the ring.
    keys.push(Object.freeze({ id, key: Buffer.from(key) }));
  }
  const byId = new Map(keys.map((k) => [k.id, k]));
  return Object.freeze({
    current: keys[0]!,
    keys: Object.freeze(keys),
    find: (id: string | undefined) => (id === undefined ? undefined : byId.get(id)),
  });
}
