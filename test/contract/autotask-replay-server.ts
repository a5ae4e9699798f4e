import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

/**
 * Replays recorded Autotask REST exchanges strictly: requests must arrive in the recorded order and match method,
 * path, query, JSON body and (when recorded) the named headers. Anything else is answered with 599 and logged in
 * `unexpected`, so a test can fail on it even if the adapter swallowed the error.
 */

export interface AutotaskRecordedRequest {
  method: string;
  /** Full path, e.g. `/atservicesrest/v1.0/Tickets/7865`. */
  path: string;
  /** Query parameters as strings; absent means "no query". */
  query?: Record<string, string>;
  /** JSON body, compared deeply; absent means "no body". */
  json?: unknown;
  /** Headers that must be present with exactly these values (names compared case-insensitively). */
  headers?: Record<string, string>;
}

export interface AutotaskRecordedResponse {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
}

export interface AutotaskRecording {
  description: string;
  /** Where the shapes come from; recordings are not captures of a live database unless this says so. */
  provenance: string;
  /** Simulator options and seed that reproduce the recorded state (used to check the simulator for drift). */
  simulator?: {
    apiUser?: { username: string; secret: string; integrationCode: string };
    companies?: Array<{ id: number; name: string }>;
    contacts?: Array<{
      id: number;
      companyID: number;
      firstName: string;
      lastName: string;
      emailAddress?: string;
      isActive?: number;
    }>;
    tickets?: Array<Record<string, unknown>>;
    /** Notes created through the API before the exchanges are replayed: `[ticketId, body]`. */
    notes?: Array<{ ticketId: number; body: Record<string, unknown> }>;
    statusIds?: number[];
    queueIds?: number[];
    /** Ticket categories that require note titles. */
    titleRequiredCategories?: number[];
    /** Faults injected before the exchanges are replayed. */
    failNext?: Array<{ method?: string; pathPattern: string; status: number; retryAfterSeconds?: number }>;
  };
  exchanges: Array<{ request: AutotaskRecordedRequest; response: AutotaskRecordedResponse }>;
}

export interface AutotaskReplayServer {
  /** The REST base to configure (`.../atservicesrest`). */
  baseUrl: string;
  /** Requests that did not match the next recorded exchange. */
  unexpected: Array<{ method: string; path: string; reason: string }>;
  /** Recorded exchanges not yet consumed. */
  remaining(): number;
  close(): Promise<void>;
}

const recordingsDir = join(dirname(fileURLToPath(import.meta.url)), 'autotask-recordings');

/** Every recording in `autotask-recordings/`, by file name without `.json`. */
export function loadAutotaskRecordings(): Map<string, AutotaskRecording> {
  const map = new Map<string, AutotaskRecording>();
  for (const file of readdirSync(recordingsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    map.set(
      file.replace(/\.json$/, ''),
      JSON.parse(readFileSync(join(recordingsDir, file), 'utf8')) as AutotaskRecording,
    );
  }
  return map;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function mismatch(
  expected: AutotaskRecordedRequest,
  req: IncomingMessage,
  url: URL,
  raw: string,
): string | undefined {
  if (req.method !== expected.method) return `method ${req.method} != ${expected.method}`;
  if (url.pathname !== expected.path) return `path ${url.pathname} != ${expected.path}`;
  const query = Object.fromEntries(url.searchParams.entries());
  if (!isDeepStrictEqual(query, expected.query ?? {})) return `query ${JSON.stringify(query)} differs`;
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    // The value is not echoed: recorded headers include the (fake) secret.
    if (req.headers[name.toLowerCase()] !== value) return `header ${name} differs`;
  }
  if (expected.json !== undefined) {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return 'body is not JSON';
    }
    if (!isDeepStrictEqual(body, expected.json)) return `json body differs: ${raw.slice(0, 300)}`;
  } else if (raw !== '') {
    return 'unexpected body';
  }
  return undefined;
}

/** Starts a replay server for one recording on 127.0.0.1 with a random port. */
export async function startAutotaskReplayServer(recording: AutotaskRecording): Promise<AutotaskReplayServer> {
  const queue = [...recording.exchanges];
  const unexpected: AutotaskReplayServer['unexpected'] = [];

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://replay.invalid');
      const next = queue[0];
      const reason = next ? mismatch(next.request, req, url, raw) : 'no exchange left';
      if (!next || reason !== undefined) {
        unexpected.push({ method: req.method ?? '', path: url.pathname, reason: reason ?? 'unknown' });
        res.writeHead(599, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: ['unexpected request'], reason }));
        return;
      }
      queue.shift();
      const { status, headers = {}, json, text } = next.response;
      if (json !== undefined) {
        res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify(json));
      } else {
        res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
        res.end(text ?? '');
      }
    })();
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: `${url}/atservicesrest`,
    unexpected,
    remaining: () => queue.length,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
