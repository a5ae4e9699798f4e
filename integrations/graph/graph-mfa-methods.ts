import type { MfaMethodResult } from '../../services/domain/ports.js';
import { TransientError } from '../../services/domain/errors.js';
import { describeMethodFailure, isDefaultMethodRefusal, translateGraphError } from './graph-errors.js';
import type { GraphTransport } from './graph-transport.js';
import { pathSegment } from './odata.js';

/** The password method cannot be deleted; it is always skipped. */
export const PASSWORD_METHOD_TYPE = '#microsoft.graph.passwordAuthenticationMethod';
/** The fixed ids Graph gives the three phone methods. */
export const MOBILE_PHONE_ID = '3179e48a-750b-4051-897c-87b9720928f7';
export const ALTERNATE_MOBILE_PHONE_ID = 'b6332ec1-7057-4abe-9331-3d72feddfe41';
export const OFFICE_PHONE_ID = 'e37fc753-ff3b-4958-9484-eaa9425c82bc';

/** A method as listed by `GET /users/{id}/authentication/methods`. */
export interface ListedMethod {
  '@odata.type': string;
  id: string;
}

/**
 * Deletes every MFA method except the password, through the per-type paths (the generic
 * `/authentication/methods/{id}` DELETE is delegated-only).
 *
 * Order: non-phone methods, then phones with the alternate mobile before the mobile (Graph refuses to delete
 * the mobile while an alternate exists). Graph does not say which method is the default in v1.0, so a method
 * refused with "Cannot delete default method with other methods configured" is retried once after all the
 * others are gone; a mobile refused because of the alternate is retried in the same pass.
 *
 * Failures: one method's refusal (400/403/…) is recorded as `failed` with a plain-words detail and the rest
 * continue; a method already gone (404) counts as removed. A throttle or outage (429/5xx/timeout), on the list
 * or on any DELETE, throws `TransientError`: the rest would almost certainly hit the same limit, and a retry
 * re-lists so it deletes only what remains, which makes the whole operation idempotent. An authentication
 * failure throws `DirectoryError('auth-failed')`, as it concerns the app, not the method.
 */
export async function removeMfaMethods(graph: GraphTransport, userId: string): Promise<MfaMethodResult[]> {
  const user = pathSegment(userId);
  const listOperation = "list the user's MFA methods";
  const listed = await graph.call({
    operation: listOperation,
    method: 'GET',
    path: `/users/${user}/authentication/methods`,
  });
  const methods = graph
    .okValues(listed, listOperation)
    .filter(isListedMethod)
    .filter((m) => m['@odata.type'] !== PASSWORD_METHOD_TYPE);

  const results = new Map<ListedMethod, MfaMethodResult>();
  const retryLater: ListedMethod[] = [];
  for (const method of orderMethodsForRemoval(methods)) {
    const outcome = await deleteMethod(graph, userId, method);
    if (outcome.retry) retryLater.push(method);
    results.set(method, outcome.result);
  }
  for (const method of orderMethodsForRemoval(retryLater)) {
    results.set(method, (await deleteMethod(graph, userId, method)).result);
  }
  return [...results.values()];
}

async function deleteMethod(
  graph: GraphTransport,
  userId: string,
  method: ListedMethod,
): Promise<{ result: MfaMethodResult; retry: boolean }> {
  const kind = methodKind(method);
  const target = methodDeletePath(userId, method);
  if (!target) {
    return {
      result: {
        kind,
        id: method.id,
        outcome: 'failed',
        detail: 'this kind of method cannot be removed through Microsoft Graph',
      },
      retry: false,
    };
  }
  const operation = `remove the ${kind} MFA method`;
  const result = await graph.call({
    operation,
    method: 'DELETE',
    path: target.path,
    version: target.version,
  });
  if (result.ok) return { result: { kind, id: method.id, outcome: 'removed' }, retry: false };
  const { info } = result;
  if (info.statusCode === 404) {
    return {
      result: { kind, id: method.id, outcome: 'removed', detail: 'it was already gone' },
      retry: false,
    };
  }
  const translated = translateGraphError(info, operation);
  if (translated instanceof TransientError) throw translated;
  if (translated.reason === 'auth-failed') throw translated;
  const retry =
    isDefaultMethodRefusal(info) ||
    (info.statusCode === 400 && kind === 'phoneAuthenticationMethod' && method.id === MOBILE_PHONE_ID);
  return { result: { kind, id: method.id, outcome: 'failed', detail: describeMethodFailure(info) }, retry };
}

function isListedMethod(value: unknown): value is ListedMethod {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v['@odata.type'] === 'string' && typeof v.id === 'string';
}

/** The Graph method type without namespace: `phoneAuthenticationMethod`. */
export function methodKind(method: ListedMethod): string {
  const type = method['@odata.type'];
  return type.slice(type.lastIndexOf('.') + 1);
}

/**
 * The per-type DELETE path of a method (Microsoft Graph docs): last segment of `@odata.type`, "AuthenticationMethod"
 * becoming "Methods" (`phoneAuthenticationMethod` → `phoneMethods/{id}`); external methods are references
 * under `externalAuthenticationMethods/{id}/$ref`; the QR-code PIN is a beta singleton. Undefined for the password method and for type names that
 * are not plain identifiers.
 */
export function methodDeletePath(
  userId: string,
  method: ListedMethod,
): { version: 'v1.0' | 'beta'; path: string } | undefined {
  if (method['@odata.type'] === PASSWORD_METHOD_TYPE) return undefined;
  const kind = methodKind(method);
  if (!/^[A-Za-z0-9]+AuthenticationMethod$/.test(kind)) return undefined;
  const base = `/users/${pathSegment(userId)}/authentication`;
  if (kind === 'qrCodePinAuthenticationMethod') return { version: 'beta', path: `${base}/qrCodePinMethod` };
  // External methods are references in their own collection (`externalAuthenticationMethods/{id}/$ref`),
  // the one exception to the naming rule.
  if (kind === 'externalAuthenticationMethod') {
    return { version: 'v1.0', path: `${base}/externalAuthenticationMethods/${pathSegment(method.id)}/$ref` };
  }
  const collection = kind.replace(/AuthenticationMethod$/, 'Methods');
  return { version: 'v1.0', path: `${base}/${collection}/${pathSegment(method.id)}` };
}

function removalRank(method: ListedMethod): number {
  if (methodKind(method) !== 'phoneAuthenticationMethod') return 0;
  if (method.id === MOBILE_PHONE_ID) return 3;
  if (method.id === ALTERNATE_MOBILE_PHONE_ID) return 2;
  return 1;
}

/**
 * The order to delete methods in: every non-phone method (in listed order), then the phones with the office
 * phone first, the alternate mobile next and the mobile last.
 */
export function orderMethodsForRemoval<T extends ListedMethod>(methods: readonly T[]): T[] {
  return methods
    .map((method, index) => ({ method, index }))
    .sort((a, b) => removalRank(a.method) - removalRank(b.method) || a.index - b.index)
    .map(({ method }) => method);
}
