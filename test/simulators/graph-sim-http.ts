import { randomUUID } from 'node:crypto';

/** One simulated HTTP answer (Graph or Entra), shared by the simulator's areas. */
export class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** Graph's error envelope: `{"error":{"code","message","innerError":{date, request-id, client-request-id}}}`. */
export function graphError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): HttpAnswer {
  const requestId = randomUUID();
  return new HttpAnswer(
    status,
    {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().slice(0, 19),
          'request-id': requestId,
          'client-request-id': requestId,
        },
      },
    },
    { 'request-id': requestId, ...headers },
  );
}

/** Graph's answer to a method the target does not take. */
export function methodNotAllowed(code = 'Request_BadRequest'): HttpAnswer {
  return graphError(405, code, 'Specified HTTP method is not allowed for the request target.');
}

/** A DateTimeOffset as Graph writes it: ISO 8601 UTC without milliseconds. */
export function graphTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
