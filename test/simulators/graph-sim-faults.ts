import { graphError, HttpAnswer } from './graph-sim-http.js';
import type { FaultSpec } from './graph-sim-model.js';

/**
 * What goes wrong on purpose: one-off faults (`failNext`), a tenant-wide throttling storm or outage
 * (`storm`), and the benchmark's per-tenant rate limit. Holds live in sim-hold.ts.
 */

const STATUS_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'Authorization_RequestDenied',
  404: 'Request_ResourceNotFound',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/** The answer a fault sends, or undefined for a fault that only delays. */
export function faultAnswer(fault: FaultSpec): HttpAnswer | undefined {
  if (fault.status === undefined) return undefined;
  const headers: Record<string, string> = {};
  if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
  if (fault.retryAfter !== undefined) headers['Retry-After'] = fault.retryAfter;
  if (fault.body !== undefined) return new HttpAnswer(fault.status, fault.body, headers);
  const code = STATUS_CODES[fault.status] ?? 'UnknownError';
  const message =
    fault.status === 429
      ? 'Too many requests. Please try again later.'
      : fault.status >= 500
        ? 'The service is temporarily unavailable. Please try again later.'
        : 'Simulated failure.';
  return graphError(fault.status, code, message, headers);
}

/** A token bucket per tenant over Graph calls (the benchmark's load option). */
export interface RateLimitOptions {
  perTenantRateLimit?: { ratePerSecond: number; burst: number };
  onThrottle?: (tenantId: string) => void;
}

export interface FaultControls {
  failNext(fault: FaultSpec): void;
  storm(tenantId: string, answer?: { status: number; retryAfterSeconds?: number }): void;
  /** The answer of the storm on the token's tenant, if one is raging. */
  stormAnswer(tenantId: string | undefined, path: string): HttpAnswer | undefined;
  /** Takes the next matching fault, waits its delay, and returns its answer (undefined: handle normally). */
  injected(method: string, path: string): Promise<HttpAnswer | undefined>;
  /** Undefined when the tenant's call may go, else the 429 to send. */
  throttle(tenantId: string | undefined): HttpAnswer | undefined;
}

export function createFaultControls(limits: RateLimitOptions): FaultControls {
  const faults: Array<FaultSpec & { remaining: number }> = [];
  const storms = new Map<string, { status: number; retryAfterSeconds?: number }>();
  const buckets = new Map<string, { tokens: number; at: number }>();

  const takeFault = (method: string, path: string): FaultSpec | undefined => {
    const index = faults.findIndex(
      (f) =>
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (typeof f.pathPattern === 'string' ? f.pathPattern === path : f.pathPattern.test(path)),
    );
    if (index < 0) return undefined;
    const fault = faults[index]!;
    fault.remaining--;
    if (fault.remaining <= 0) faults.splice(index, 1);
    return fault;
  };

  const throttle = (tenantId: string | undefined): HttpAnswer | undefined => {
    const limit = limits.perTenantRateLimit;
    if (!limit || tenantId === undefined) return undefined;
    const now = Date.now();
    const b = buckets.get(tenantId) ?? { tokens: limit.burst, at: now };
    b.tokens = Math.min(limit.burst, b.tokens + ((now - b.at) * limit.ratePerSecond) / 1000);
    b.at = now;
    buckets.set(tenantId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    limits.onThrottle?.(tenantId);
    const seconds = Math.max(1, Math.ceil((1 - b.tokens) / limit.ratePerSecond));
    return graphError(429, 'TooManyRequests', 'Too many requests. Please try again later.', {
      'Retry-After': String(seconds),
    });
  };

  return {
    failNext(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    storm(tenantId, answer) {
      if (answer) storms.set(tenantId.toLowerCase(), answer);
      else storms.delete(tenantId.toLowerCase());
    },
    stormAnswer(tenantId, path) {
      const storm = tenantId === undefined ? undefined : storms.get(tenantId);
      return storm && faultAnswer({ ...storm, pathPattern: path });
    },
    async injected(method, path) {
      const fault = takeFault(method, path);
      if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      return fault && faultAnswer(fault);
    },
    throttle,
  };
}
