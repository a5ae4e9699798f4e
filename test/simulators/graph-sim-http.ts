import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

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

/** A request as read off the wire. */
export interface WireRequest {
  method: string;
  /** Decoded path, version included. */
  path: string;
  /** Split on the raw path, then decoded, so an encoded '/' stays inside its segment. */
  segments: string[];
  query: Record<string, string>;
  rawBody: string;
  authorization?: string;
}

/** Not an answer: the connection is cut (a held request whose client went away, or a dropped hold). */
export const DROPPED = new HttpAnswer(0);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Reads a request: method, decoded path and segments, query and body (400 for an undecodable path). */
export async function readWire(req: IncomingMessage): Promise<WireRequest | HttpAnswer> {
  const method = (req.method ?? 'GET').toUpperCase();
  const parsed = new URL(req.url ?? '/', 'https://127.0.0.1');
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return graphError(400, 'BadRequest', 'The request URI is not valid.');
  }
  const query = Object.fromEntries(parsed.searchParams.entries());
  const rawBody = await readBody(req);
  const segments = parsed.pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  return { method, path, segments, query, rawBody, authorization: req.headers.authorization };
}

/** Writes an answer as Graph does (OData JSON), or cuts the connection for DROPPED. */
export function respond(res: ServerResponse, answer: HttpAnswer): void {
  if (answer === DROPPED) {
    res.socket?.destroy();
    return;
  }
  const headers: Record<string, string> = { ...answer.headers };
  let payload: string | undefined;
  if (answer.body !== undefined && answer.status !== 204) {
    payload = JSON.stringify(answer.body);
    headers['Content-Type'] ??=
      'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
  }
  res.writeHead(answer.status, headers);
  res.end(payload);
}
