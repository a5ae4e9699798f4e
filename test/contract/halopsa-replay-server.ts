import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

/**
 * Replays recorded HaloPSA exchanges strictly: requests must arrive in the recorded order and match method, path,
 * query, body and (when recorded) the Authorization header. Anything else is answered with 599 and logged in
 * `unexpected`, so a test can fail on it even if the adapter swallowed the error.
 */

export interface RecordedRequest {
  method: string;
  /** Full path including `/auth` or `/api`. */
  path: string;
  /** Query parameters as strings; absent means "no query". */
  query?: Record<string, string>;
  /** Form body (application/x-www-form-urlencoded), compared as key/value pairs. */
  form?: Record<string, string>;
  /** JSON body, compared deeply. */
  json?: unknown;
  authorization?: string;
}

export interface RecordedResponse {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
}

export interface HaloRecording {
  description: string;
  /** Where the shapes come from; recordings are not captures of a live tenant unless this says so. */
  provenance: string;
  /** Simulator options and seed that reproduce the recorded state (used to check the simulator for drift). */
  simulator?: {
    rateLimit?: { max: number; windowMs: number };
    clients?: Array<{ id: number; name: string }>;
    users?: Array<{ id: number; client_id: number; name: string; emailaddress?: string }>;
    tickets?: Array<Record<string, unknown>>;
    /** Actions posted through the API before the exchanges are replayed. */
    actions?: Array<Record<string, unknown>>;
  };
  exchanges: Array<{ request: RecordedRequest; response: RecordedResponse }>;
}

export interface ReplayServer {
  url: string;
  authServerUrl: string;
  resourceServerUrl: string;
  /** Requests that did not match the next recorded exchange. */
  unexpected: Array<{ method: string; path: string; reason: string }>;
  /** Recorded exchanges not yet consumed. */
  remaining(): number;
  close(): Promise<void>;
}

const recordingsDir = join(dirname(fileURLToPath(import.meta.url)), 'halopsa-recordings');

/** Every recording in `halopsa-recordings/`, by file name without `.json`. */
export function loadHaloRecordings(): Map<string, HaloRecording> {
  const map = new Map<string, HaloRecording>();
  for (const file of readdirSync(recordingsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    map.set(
      file.replace(/\.json$/, ''),
      JSON.parse(readFileSync(join(recordingsDir, file), 'utf8')) as HaloRecording,
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
  expected: RecordedRequest,
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
  if (expected.form !== undefined) {
    const form = Object.fromEntries(new URLSearchParams(raw).entries());
    if (!isDeepStrictEqual(form, expected.form))
      return `form body differs: keys ${Object.keys(form).join(',')}`;
  } else if (expected.json !== undefined) {
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
export async function startHaloReplayServer(recording: HaloRecording): Promise<ReplayServer> {
  const queue = [...recording.exchanges];
  const unexpected: ReplayServer['unexpected'] = [];

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
    authServerUrl: `${url}/auth`,
    resourceServerUrl: `${url}/api`,
    unexpected,
    remaining: () => queue.length,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
