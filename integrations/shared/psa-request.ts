import { AxiosError, type AxiosInstance, type Method } from 'axios';
import type { Logger } from '../../services/logging/logger.js';
import { translatePsaHttpError, type PsaHttpErrorProfile } from './http-errors.js';

/**
 * What the HaloPSA, ConnectWise and Autotask clients share about one call to their REST API: how it is described,
 * sent and logged, which failure it tolerates, and how any other failure becomes a domain error.
 */

/** What every PSA client is configured with besides its site and credentials. */
export interface PsaClientOptions {
  /** Per-request timeout. A timeout is a `TransientError`. */
  timeoutMs: number;
}

/** One call to a PSA's REST API. `path` is relative to the client's API base and starts with `/`. */
export interface PsaRequest {
  method: Method;
  path: string;
  params?: Record<string, string | number | boolean>;
  body?: unknown;
  /** When true a 404 resolves to `null` instead of throwing `PsaError`. */
  notFoundAsNull?: boolean;
}

/** How one client sends its calls. */
export interface PsaCall {
  /** The REST base the request's `path` is appended to. */
  apiBase: string;
  /** The credential headers (on top of the axios instance's own). */
  headers: Record<string, string>;
  /** The call as error messages name it, e.g. `Autotask GET /v1.0/Tickets/7`. */
  what: string;
  errors: PsaHttpErrorProfile;
  logger: Logger;
  /** The debug line logged for every answered call, e.g. `autotask api call`. */
  logMessage: string;
}

/**
 * Sends one call and returns the parsed body. A 404 the request tolerates is `null`; any other failure is
 * translated into a domain error ({@link translatePsaHttpError}).
 */
export async function sendPsaRequest<T>(
  http: AxiosInstance,
  req: PsaRequest,
  call: PsaCall,
): Promise<T | null> {
  try {
    const res = await http.request<T>({
      method: req.method,
      url: `${call.apiBase}${req.path}`,
      params: req.params,
      data: req.body,
      headers: call.headers,
    });
    call.logger.debug({ method: req.method, path: req.path, status: res.status }, call.logMessage);
    return res.data;
  } catch (err) {
    if (req.notFoundAsNull && failedStatus(err) === 404) return null;
    throw translatePsaHttpError(err, call.what, call.errors);
  }
}

/** The HTTP status of a failed call, or undefined when no response came back (or the error is not axios's). */
function failedStatus(err: unknown): number | undefined {
  return err instanceof AxiosError ? err.response?.status : undefined;
}
