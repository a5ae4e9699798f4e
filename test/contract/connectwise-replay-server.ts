import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { CwSimContactSeed, CwSimFailure, CwSimTicketSeed } from '../simulators/connectwise-simulator.js';

/**
 * Replays recorded ConnectWise PSA exchanges strictly: requests must arrive in the recorded order and match method,
 * path, query, JSON body and (when recorded) the Authorization and clientId headers. Anything else is answered with
 * 599 and logged in `unexpected`, so a test fails on it even if the adapter swallowed the error.
 */

export interface CwRecordedRequest {
  method: string;
  /** Full path including the codebase, e.g. `/v4_6_release/apis/3.0/service/tickets/4242`. */
  path: string;
  /** Query parameters as strings; absent means "no query". */
  query?: Record<string, string>;
  /** JSON body, compared deeply; absent means "no body". */
  json?: unknown;
  authorization?: string;
  clientId?: string;
}

export interface CwRecordedResponse {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  /** Dotted paths whose values (not only shapes) the simulator must reproduce, e.g. `status.id`. */
  pinned?: string[];
}

export interface ConnectWiseRecording {
  description: string;
  /** Where the shapes come from; recordings are not captures of a live site unless this says so. */
  provenance: string;
  /** Simulator options and seed that reproduce the recorded state (used to check the simulator for drift). */
  simulator: {
    codebase: string;
    companyId: string;
    clientId: string;
    members: Array<{ companyId: string; publicKey: string; privateKey: string }>;
    companies?: Array<{ id: number; identifier: string; name: string }>;
    contacts?: CwSimContactSeed[];
    boards?: Array<{ id: number; name: string; statuses: Array<{ id: number; name: string }> }>;
    tickets?: CwSimTicketSeed[];
    /** Notes posted through the API before the exchanges are replayed. */
    notes?: Array<{ ticketId: number; body: Record<string, unknown> }>;
    /** Faults injected before the exchanges are replayed. */
    failures?: CwSimFailure[];
  };
  exchanges: Array<{ request: CwRecordedRequest; response: CwRecordedResponse }>;
}

export interface CwReplayServer {
  /** Use as `siteUrl`. */
  url: string;
  unexpected: Array<{ method: string; path: string; reason: string }>;
  remaining(): number;
  close(): Promise<void>;
}

const recordingsDir = join(dirname(fileURLToPath(import.meta.url)), 'connectwise-recordings');

/** Every recording in `connectwise-recordings/`, by file name without `.json`. */
export function loadConnectWiseRecordings(): Map<string, ConnectWiseRecording> {
  const map = new Map<string, ConnectWiseRecording>();
  for (const file of readdirSync(recordingsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    map.set(
      file.replace(/\.json$/, ''),
      JSON.parse(readFileSync(join(recordingsDir, file), 'utf8')) as ConnectWiseRecording,
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
  expected: CwRecordedRequest,
  req: IncomingMessage,
  url: URL,
  raw: string,
): string | undefined {
  if (req.method !== expected.method) return `method ${req.method} != ${expected.method}`;
  if (url.pathname !== expected.path) return `path ${url.pathname} != ${expected.path}`;
  const query = Object.fromEntries(url.searchParams.entries());
  if (!isDeepStrictEqual(query, expected.query ?? {})) return `query ${JSON.stringify(query)} differs`;
  if (expected.authorization !== undefined && req.headers.authorization !== expected.authorization) {
    return 'authorization header differs';
  }
  if (expected.clientId !== undefined && req.headers.clientid !== expected.clientId) {
    return 'clientId header differs';
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
export async function startConnectWiseReplayServer(recording: ConnectWiseRecording): Promise<CwReplayServer> {
  const queue = [...recording.exchanges];
  const unexpected: CwReplayServer['unexpected'] = [];

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://replay.invalid');
      const next = queue[0];
      const reason = next ? mismatch(next.request, req, url, raw) : 'no exchange left';
      if (!next || reason !== undefined) {
        unexpected.push({ method: req.method ?? '', path: url.pathname, reason: reason ?? 'unknown' });
        res.writeHead(599, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'unexpected request', reason }));
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
    url,
    unexpected,
    remaining: () => queue.length,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
