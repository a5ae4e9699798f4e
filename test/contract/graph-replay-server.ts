import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { FaultSpec, SimGroupSpec, SimUserSpec } from '../simulators/graph-simulator.js';
import type { SimTapPolicy } from '../simulators/graph-sim-tap.js';
import { simTls } from '../support/sim-tls.js';

/**
 * Recorded Graph exchanges (test/contract/graph-recordings/*.json) and an HTTPS server that answers strictly
 * from them. Anything not in the recording set gets status 599, which no adapter path treats as success, so a
 * change in what the adapter sends fails the test instead of silently hitting a lenient fake.
 *
 * Recorded bodies name https://graph.microsoft.com; the server answers with its own origin instead, so a recorded
 * `@odata.nextLink` leads back to it.
 */

export const RECORDED_GRAPH_ORIGIN = 'https://graph.microsoft.com';

export interface RecordedExchange {
  name: string;
  /** How the simulator is made to produce this answer when it is not a state-driven one (throttling). */
  fault?: Omit<FaultSpec, 'pathPattern' | 'method'>;
  request: {
    method: string;
    /** Decoded path with the version: `/v1.0/users/{id}`. */
    path: string;
    /** Decoded query parameters. */
    query: Record<string, string>;
    body?: unknown;
    /** Request headers the exchange depends on (e.g. `ConsistencyLevel`); each must be sent with this value. */
    headers?: Record<string, string>;
  };
  response: { status: number; headers: Record<string, string>; body: unknown };
  /**
   * Top-level response keys whose values the service makes up anew on every call (a new pass, its id and
   * times): the simulator check compares their type, not their value.
   */
  volatile?: string[];
}

export interface Recording {
  /** File name without `.json`. */
  name: string;
  description: string;
  /** The tenant state the exchanges assume (in the simulator's shapes). */
  seed: {
    users: SimUserSpec[];
    groups?: SimGroupSpec[];
    /** False for a tenant without Entra ID P2 / ID Governance. Default true. */
    pimLicensed?: boolean;
    /** The simulator's page size that reproduces the recorded paging. Default Graph's 100. */
    pageSize?: number;
    /** False for a tenant without Entra ID P1/P2 (no sign-in activity). Default true. */
    entraPremium?: boolean;
    /** The tenant's Temporary Access Pass policy. Default Entra's (off). */
    tapPolicy?: Partial<SimTapPolicy>;
  };
  exchanges: RecordedExchange[];
}

export const REPLAY_TOKEN = 'replay-access-token';

const recordingsDir = join(dirname(fileURLToPath(import.meta.url)), 'graph-recordings');

/** Every recording in graph-recordings, by file name. */
export function loadRecordings(): Map<string, Recording> {
  const recordings = new Map<string, Recording>();
  for (const file of readdirSync(recordingsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const name = file.replace(/\.json$/, '');
    const parsed = JSON.parse(readFileSync(join(recordingsDir, file), 'utf8')) as Omit<Recording, 'name'>;
    recordings.set(name, { name, ...parsed });
  }
  return recordings;
}

export interface UnexpectedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  why: string;
}

export interface GraphReplayServer {
  /** https://127.0.0.1:PORT — Graph base URL and authority host. */
  readonly url: string;
  /** Requests that matched no exchange (each was answered 599). */
  readonly unexpected: UnexpectedRequest[];
  /** Names of the exchanges that were replayed, in order. */
  readonly replayed: string[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Starts a server answering from `exchanges` (an exchange may be replayed more than once). It also serves the
 * Entra endpoints MSAL's client-credentials flow needs for any tenant and secret, issuing `REPLAY_TOKEN`; a
 * Graph request without that bearer token is unexpected.
 */
export async function startGraphReplayServer(exchanges: RecordedExchange[]): Promise<GraphReplayServer> {
  const tls = simTls();
  const unexpected: UnexpectedRequest[] = [];
  const replayed: string[] = [];
  let url = '';

  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    void (async () => {
      const method = (req.method ?? 'GET').toUpperCase();
      const parsed = new URL(req.url ?? '/', 'https://127.0.0.1');
      const path = decodeURIComponent(parsed.pathname);
      const query = Object.fromEntries(parsed.searchParams.entries());
      const raw = await readBody(req);
      const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        const payload = body === null || body === undefined ? undefined : JSON.stringify(body);
        res.writeHead(
          status,
          payload === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
        );
        res.end(payload);
      };

      const openid = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
      if (method === 'GET' && openid) {
        const tenant = openid[1];
        return send(200, {
          token_endpoint: `${url}/${tenant}/oauth2/v2.0/token`,
          issuer: `${url}/${tenant}/v2.0`,
          authorization_endpoint: `${url}/${tenant}/oauth2/v2.0/authorize`,
          jwks_uri: `${url}/${tenant}/discovery/v2.0/keys`,
        });
      }
      if (method === 'POST' && /^\/[^/]+\/oauth2\/v2\.0\/token$/.test(path)) {
        return send(200, {
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: REPLAY_TOKEN,
        });
      }

      let body: unknown = undefined;
      if (raw !== '') {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
      }
      const reject = (why: string): void => {
        unexpected.push({ method, path, query, body, why });
        send(599, { error: { code: 'UnexpectedRequest', message: `Not in the recording set: ${why}` } });
      };
      if (req.headers.authorization !== `Bearer ${REPLAY_TOKEN}`)
        return reject('missing or wrong bearer token');
      const match = exchanges.find(
        (e) =>
          e.request.method === method &&
          e.request.path === path &&
          isDeepStrictEqual(e.request.query, query) &&
          isDeepStrictEqual(e.request.body ?? undefined, body) &&
          Object.entries(e.request.headers ?? {}).every(
            ([name, value]) => req.headers[name.toLowerCase()] === value,
          ),
      );
      if (!match) return reject(`${method} ${path}`);
      replayed.push(match.name);
      const answer =
        match.response.body === null || match.response.body === undefined
          ? match.response.body
          : (JSON.parse(
              JSON.stringify(match.response.body).split(`${RECORDED_GRAPH_ORIGIN}/`).join(`${url}/`),
            ) as unknown);
      send(match.response.status, answer, match.response.headers);
    })().catch((err: unknown) => {
      res.writeHead(599).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    get url() {
      return url;
    },
    unexpected,
    replayed,
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
