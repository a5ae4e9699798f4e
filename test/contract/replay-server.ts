import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { AutotaskSimContact } from '../simulators/autotask-simulator.js';
import type { CwSimContactSeed, CwSimFailure, CwSimTicketSeed } from '../simulators/connectwise-simulator.js';

/**
 * Replays recorded PSA exchanges strictly: requests must arrive in the recorded order and match method, path,
 * query, body and (when recorded) the PSA's credential headers. Anything else is answered with 599 and logged in
 * `unexpected`, so a test can fail on it even if the adapter swallowed the error.
 *
 * One server serves every PSA; what differs (which credential headers a recording pins, what an error body looks
 * like, which base URL the adapter is configured with) is a {@link ReplayQuirks} value per PSA, below the core.
 */

/** One recorded request. PSA formats add the credential headers they pin. */
export interface RecordedRequest {
  method: string;
  /** Full path, including any base segments (`/api`, the codebase, `/atservicesrest/v1.0`). */
  path: string;
  /** Query parameters as strings; absent means "no query". */
  query?: Record<string, string>;
  /** Form body (application/x-www-form-urlencoded), compared as key/value pairs. */
  form?: Record<string, string>;
  /** JSON body, compared deeply; absent (with no `form`) means "no body". */
  json?: unknown;
}

/** One recorded response, sent back as JSON when `json` is set, else as plain text. */
export interface RecordedResponse {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  /** Dotted paths whose values (not only shapes) the simulator must reproduce, e.g. `status.id`. */
  pinned?: string[];
}

/** What every PSA's recording file holds besides its simulator seed. */
export interface RecordingBase<Req extends RecordedRequest = RecordedRequest> {
  description: string;
  /** Where the shapes come from; recordings are not captures of a live PSA unless this says so. */
  provenance: string;
  exchanges: Array<{ request: Req; response: RecordedResponse }>;
}

/** A running replay server. */
export interface ReplayServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  url: string;
  /** Requests that did not match the next recorded exchange. */
  unexpected: Array<{ method: string; path: string; reason: string }>;
  /** Recorded exchanges not yet consumed. */
  remaining(): number;
  close(): Promise<void>;
}

/** How one PSA's recordings differ from the others'. */
export interface ReplayQuirks<Req extends RecordedRequest> {
  /** Why the request's credential headers do not match the recorded ones, or undefined when they do. */
  headerMismatch(expected: Req, req: IncomingMessage): string | undefined;
  /** The body of the 599 answer to an unexpected request, in the PSA's error shape. */
  unexpectedBody(reason: string | undefined): unknown;
}

const contractDir = dirname(fileURLToPath(import.meta.url));

/** Every recording in `test/contract/<dirName>/`, by file name without `.json`, in file-name order. */
export function loadRecordings<T>(dirName: string): Map<string, T> {
  const dir = join(contractDir, dirName);
  const map = new Map<string, T>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    map.set(file.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, file), 'utf8')) as T);
  }
  return map;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function mismatch<Req extends RecordedRequest>(
  expected: Req,
  req: IncomingMessage,
  url: URL,
  raw: string,
  quirks: ReplayQuirks<Req>,
): string | undefined {
  if (req.method !== expected.method) return `method ${req.method} != ${expected.method}`;
  if (url.pathname !== expected.path) return `path ${url.pathname} != ${expected.path}`;
  const query = Object.fromEntries(url.searchParams.entries());
  if (!isDeepStrictEqual(query, expected.query ?? {})) return `query ${JSON.stringify(query)} differs`;
  const headers = quirks.headerMismatch(expected, req);
  if (headers !== undefined) return headers;
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

/** Starts a strict replay of `exchanges` on 127.0.0.1 with a random port. */
export async function startReplayServer<Req extends RecordedRequest>(
  exchanges: ReadonlyArray<{ request: Req; response: RecordedResponse }>,
  quirks: ReplayQuirks<Req>,
): Promise<ReplayServer> {
  const queue = [...exchanges];
  const unexpected: ReplayServer['unexpected'] = [];

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://replay.invalid');
      const next = queue[0];
      const reason = next ? mismatch(next.request, req, url, raw, quirks) : 'no exchange left';
      if (!next || reason !== undefined) {
        unexpected.push({ method: req.method ?? '', path: url.pathname, reason: reason ?? 'unknown' });
        res.writeHead(599, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(quirks.unexpectedBody(reason)));
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

/** The generic 599 body: HaloPSA and ConnectWise both answer errors as an object with a text. */
const plainUnexpected = (reason: string | undefined): unknown => ({ error: 'unexpected request', reason });

// ---------------------------------------------------------------------------------------------------------------
// HaloPSA: OAuth token call with a form body, then bearer calls; a recording may pin the Authorization header.

/** A reply or note by someone other than the service, as a recording seeds it (`at` as ISO 8601). */
export type RecordedActivity<Extra = object> = {
  ticketId: number;
  by: 'contact' | 'engineer';
  text: string;
  at: string;
} & Extra;

/** A recorded HaloPSA request; paths include `/auth` or `/api`. */
export interface HaloRecordedRequest extends RecordedRequest {
  authorization?: string;
}

export interface HaloRecording extends RecordingBase<HaloRecordedRequest> {
  /** Simulator options and seed that reproduce the recorded state (used to check the simulator for drift). */
  simulator?: {
    rateLimit?: { max: number; windowMs: number };
    clients?: Array<{ id: number; name: string }>;
    users?: Array<{ id: number; client_id: number; name: string; emailaddress?: string }>;
    tickets?: Array<Record<string, unknown>>;
    /** Actions by end users and agents (see halopsa-sim-activity.ts), added before `actions`. */
    activities?: Array<RecordedActivity<{ hidden?: boolean }>>;
    /** Actions posted through the API before the exchanges are replayed. */
    actions?: Array<Record<string, unknown>>;
  };
}

export interface HaloReplayServer extends ReplayServer {
  authServerUrl: string;
  resourceServerUrl: string;
}

/** Every recording in `halopsa-recordings/`, by file name without `.json`. */
export function loadHaloRecordings(): Map<string, HaloRecording> {
  return loadRecordings<HaloRecording>('halopsa-recordings');
}

/** Starts a replay server for one HaloPSA recording, with Halo's `/auth` and `/api` bases. */
export async function startHaloReplayServer(recording: HaloRecording): Promise<HaloReplayServer> {
  const server = await startReplayServer(recording.exchanges, {
    headerMismatch: (expected, req) =>
      expected.authorization !== undefined && req.headers.authorization !== expected.authorization
        ? 'authorization header differs'
        : undefined,
    unexpectedBody: plainUnexpected,
  });
  return { ...server, authServerUrl: `${server.url}/auth`, resourceServerUrl: `${server.url}/api` };
}

// ---------------------------------------------------------------------------------------------------------------
// ConnectWise: Basic API-member keys plus the integration's clientId header on every call.

/** A recorded ConnectWise request; paths include the codebase, e.g. `/v4_6_release/apis/3.0/service/tickets/4242`. */
export interface CwRecordedRequest extends RecordedRequest {
  authorization?: string;
  clientId?: string;
}

export interface ConnectWiseRecording extends RecordingBase<CwRecordedRequest> {
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
    /** Notes by contacts and members (see connectwise-sim-activity.ts), added before `notes`. */
    activities?: Array<RecordedActivity<{ memberIdentifier?: string }>>;
    /** Notes posted through the API before the exchanges are replayed. */
    notes?: Array<{ ticketId: number; body: Record<string, unknown> }>;
    /** Faults injected before the exchanges are replayed. */
    failures?: CwSimFailure[];
  };
}

/** A ConnectWise replay server; use `url` as `siteUrl`. */
export type CwReplayServer = ReplayServer;

/** Every recording in `connectwise-recordings/`, by file name without `.json`. */
export function loadConnectWiseRecordings(): Map<string, ConnectWiseRecording> {
  return loadRecordings<ConnectWiseRecording>('connectwise-recordings');
}

/** Starts a replay server for one ConnectWise recording. */
export function startConnectWiseReplayServer(recording: ConnectWiseRecording): Promise<CwReplayServer> {
  return startReplayServer(recording.exchanges, {
    headerMismatch: (expected, req) => {
      if (expected.authorization !== undefined && req.headers.authorization !== expected.authorization) {
        return 'authorization header differs';
      }
      if (expected.clientId !== undefined && req.headers.clientid !== expected.clientId) {
        return 'clientId header differs';
      }
      return undefined;
    },
    unexpectedBody: plainUnexpected,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Autotask: three credential headers (ApiIntegrationCode, UserName, Secret) on every call; errors are `{errors}`.

/** A recorded Autotask request; paths are full, e.g. `/atservicesrest/v1.0/Tickets/7865`. */
export interface AutotaskRecordedRequest extends RecordedRequest {
  /** Headers that must be present with exactly these values (names compared case-insensitively). */
  headers?: Record<string, string>;
}

export interface AutotaskRecording extends RecordingBase<AutotaskRecordedRequest> {
  /** Simulator options and seed that reproduce the recorded state (used to check the simulator for drift). */
  simulator?: {
    apiUser?: { username: string; secret: string; integrationCode: string };
    companies?: Array<{ id: number; name: string }>;
    contacts?: AutotaskSimContact[];
    tickets?: Array<Record<string, unknown>>;
    /** Notes and time entries by contacts and resources (see autotask-sim-activity.ts), added before `notes`. */
    activities?: Array<RecordedActivity<{ kind?: 'note' | 'time-entry' }>>;
    /** Notes created through the API before the exchanges are replayed: `[ticketId, body]`. */
    notes?: Array<{ ticketId: number; body: Record<string, unknown> }>;
    statusIds?: number[];
    queueIds?: number[];
    /** Ticket categories that require note titles. */
    titleRequiredCategories?: number[];
    /** Faults injected before the exchanges are replayed. */
    failNext?: Array<{ method?: string; pathPattern: string; status: number; retryAfterSeconds?: number }>;
  };
}

export interface AutotaskReplayServer extends ReplayServer {
  /** The REST base to configure (`.../atservicesrest`). */
  baseUrl: string;
}

/** Every recording in `autotask-recordings/`, by file name without `.json`. */
export function loadAutotaskRecordings(): Map<string, AutotaskRecording> {
  return loadRecordings<AutotaskRecording>('autotask-recordings');
}

/** Starts a replay server for one Autotask recording, under Autotask's `/atservicesrest` base. */
export async function startAutotaskReplayServer(recording: AutotaskRecording): Promise<AutotaskReplayServer> {
  const server = await startReplayServer(recording.exchanges, {
    headerMismatch: (expected, req) => {
      for (const [name, value] of Object.entries(expected.headers ?? {})) {
        // The value is not echoed: recorded headers include the (fake) secret.
        if (req.headers[name.toLowerCase()] !== value) return `header ${name} differs`;
      }
      return undefined;
    },
    // Autotask's own error shape, so the adapter quotes the reason the way it quotes Autotask's errors.
    unexpectedBody: (reason) => ({ errors: ['unexpected request'], reason }),
  });
  return { ...server, baseUrl: `${server.url}/atservicesrest` };
}
