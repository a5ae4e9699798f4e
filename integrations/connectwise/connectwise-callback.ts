import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { positiveIntegerText } from '../shared/ids.js';
import { BodyParseError, getKeyIgnoringCase } from '../shared/webhook-body.js';
import { CallbackKeyError, type CallbackKeyFetcher } from './connectwise-callback-keys.js';

/**
 * HTTP-edge helpers for ConnectWise PSA callbacks. ConnectWise signs each callback: the `x-content-signature`
 * header is `base64(HMAC-SHA256(key = SHA-256(utf8 signing_key), message = raw body bytes))`, where the signing key
 * is fetched from the `Metadata.key_url` of the very body being verified (connectwise-callback-keys.ts says how
 * that URL is kept from being abused). The body is only a trigger: the worker re-reads the ticket through the
 * API.
 */

/** A callback as far as resetdesk needs one. Only trust it after {@link verifyConnectWiseCallback} said ok. */
export interface ConnectWiseCallback {
  /** ConnectWise's message id; a dedupe key. */
  messageId?: string;
  /** The Manage login company id the callback came from (tenant routing). */
  companyId?: string;
  /** The member who made the change. */
  memberId?: string;
  /** Lower-case action: "added", "updated" or "deleted" ('' when absent). */
  action: string;
  /** Lower-case record type, e.g. "ticket" ('' when absent). */
  type: string;
  /** The record id as a decimal string: top-level `ID`, else `Entity.id`. */
  recordId?: string;
  /** The record in REST shape, parsed from the `Entity` JSON string; undefined when empty (e.g. on delete). */
  entity?: unknown;
  /**
   * The record's `company.id` from `Entity`, when present. A scheduling hint only: nothing is decided from
   * it, the worker reads the ticket's company from the API.
   */
  recordCompanyId?: string;
  /** Id of the callback subscription that fired (`CallbackObjectRecId`), for routing. */
  callbackObjectRecId?: string;
  /** The site host that sent it (`FromUrl`). */
  fromUrl?: string;
}

/** A callback body that is not a JSON object at all. */
export class ConnectWiseCallbackParseError extends BodyParseError {}

/** A key spelled exactly as documented wins over other spellings; otherwise keys are matched case-insensitively. */
function getKey(obj: Record<string, unknown>, wanted: string): unknown {
  return getKeyIgnoringCase(obj, wanted, { preferExact: true });
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function decodeObject(body: unknown): Record<string, unknown> {
  let value = body;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new ConnectWiseCallbackParseError('ConnectWise callback body is not JSON');
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConnectWiseCallbackParseError('ConnectWise callback body is not a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * Reads a callback body (object, JSON string or bytes) tolerantly: keys are matched case-insensitively, `Entity`
 * may be a JSON string (parsed), an object, or empty (on delete), and missing fields are left undefined.
 *
 * @throws ConnectWiseCallbackParseError when the body is not a JSON object.
 */
export function parseConnectWiseCallback(body: unknown): ConnectWiseCallback {
  const obj = decodeObject(body);
  let entity: unknown = getKey(obj, 'Entity');
  if (typeof entity === 'string') {
    const trimmed = entity.trim();
    if (trimmed === '') entity = undefined;
    else {
      try {
        entity = JSON.parse(trimmed);
      } catch {
        entity = undefined;
      }
    }
  }
  if (entity === null) entity = undefined;
  const record = entity && typeof entity === 'object' && !Array.isArray(entity) ? entity : undefined;
  const entityId = record ? positiveIntegerText(getKey(record as Record<string, unknown>, 'id')) : undefined;
  const company = record ? getKey(record as Record<string, unknown>, 'company') : undefined;
  const recordCompanyId =
    company && typeof company === 'object' && !Array.isArray(company)
      ? positiveIntegerText(getKey(company as Record<string, unknown>, 'id'))
      : undefined;
  const recordId = positiveIntegerText(getKey(obj, 'ID')) ?? entityId;
  const messageId = asText(getKey(obj, 'MessageId'));
  const companyId = asText(getKey(obj, 'CompanyId'));
  const memberId = asText(getKey(obj, 'MemberId'));
  const callbackObjectRecId = asText(getKey(obj, 'CallbackObjectRecId'));
  const fromUrl = asText(getKey(obj, 'FromUrl'));
  return {
    ...(messageId ? { messageId } : {}),
    ...(companyId ? { companyId } : {}),
    ...(memberId ? { memberId } : {}),
    action: (asText(getKey(obj, 'Action')) ?? '').toLowerCase(),
    type: (asText(getKey(obj, 'Type')) ?? '').toLowerCase(),
    ...(recordId ? { recordId } : {}),
    ...(entity !== undefined ? { entity } : {}),
    ...(recordCompanyId ? { recordCompanyId } : {}),
    ...(callbackObjectRecId ? { callbackObjectRecId } : {}),
    ...(fromUrl ? { fromUrl } : {}),
  };
}

/** `base64(HMAC-SHA256(key = SHA-256(utf8 signingKey), message = rawBody))`, ConnectWise's callback signature. */
export function connectWiseSignature(rawBody: Buffer | string, signingKey: string): string {
  const key = createHash('sha256').update(signingKey, 'utf8').digest();
  return createHmac('sha256', key).update(rawBody).digest('base64');
}

function digestEqual(a: string, b: string): boolean {
  // Digests have equal length, so neither a length difference nor a mismatch position shows in the timing.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** The result of verifying a callback. `retryable` marks a key fetch that may work later (answer so CW retries). */
export type ConnectWiseVerification =
  { ok: true; callback: ConnectWiseCallback } | { ok: false; reason: string; retryable?: boolean };

/**
 * Verifies a callback over its raw body bytes. Before the signature checks out only `Metadata.key_url` is read,
 * and only to fetch the key through `fetcher` (which enforces the allow-list). Never throws.
 *
 * Reasons: `missing signature header`, `body is not a JSON object`, `missing Metadata.key_url`,
 * `key_url not allowed`, `key_url names another company`, `signing key unavailable: …` (retryable when a later
 * try may work, including the per-minute cap on key fetches), `signature mismatch`.
 */
export async function verifyConnectWiseCallback(
  rawBody: Buffer,
  signatureHeader: string | undefined,
  fetcher: CallbackKeyFetcher,
): Promise<ConnectWiseVerification> {
  const signature = typeof signatureHeader === 'string' ? signatureHeader.trim() : '';
  // An unsigned request never makes us fetch anything.
  if (signature === '') return { ok: false, reason: 'missing signature header' };
  let envelope: Record<string, unknown>;
  try {
    envelope = decodeObject(rawBody);
  } catch {
    return { ok: false, reason: 'body is not a JSON object' };
  }
  const metadata = getKey(envelope, 'Metadata');
  const keyUrl =
    metadata && typeof metadata === 'object'
      ? getKey(metadata as Record<string, unknown>, 'key_url')
      : undefined;
  if (typeof keyUrl !== 'string' || keyUrl.trim() === '')
    return { ok: false, reason: 'missing Metadata.key_url' };

  let signingKey: string;
  try {
    signingKey = await fetcher.signingKey(keyUrl.trim());
  } catch (err) {
    if (err instanceof CallbackKeyError && err.code !== 'fetch-failed')
      return { ok: false, reason: err.message };
    const message = err instanceof Error ? err.message : 'unknown error';
    const retryable = err instanceof CallbackKeyError ? err.retryable : false;
    return {
      ok: false,
      reason: `signing key unavailable: ${message}`,
      ...(retryable ? { retryable: true } : {}),
    };
  }
  if (!digestEqual(signature, connectWiseSignature(rawBody, signingKey))) {
    return { ok: false, reason: 'signature mismatch' };
  }
  return { ok: true, callback: parseConnectWiseCallback(envelope) };
}
