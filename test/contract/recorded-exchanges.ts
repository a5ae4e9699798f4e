import axios, { type AxiosResponse } from 'axios';
import { describe, expect, it } from 'vitest';
import type { RecordedRequest, RecordedResponse, RecordingBase, ReplayServer } from './replay-server.js';

/**
 * The two checks every PSA's recordings go through, so the recordings stay the one source of truth for what the
 * PSA says:
 *
 * - the real adapter, driven by a scenario per recording, against a strict replay of it: every recorded exchange
 *   is used and nothing else is sent ({@link describeAdapterReplays});
 * - the PSA's simulator against the same requests: statuses, response headers, shapes and pinned values match,
 *   so the simulator the other suites trust has not drifted from the recordings ({@link describeSimulatorDrift}).
 */

/**
 * Keys and value kinds of `recorded` that `actual` lacks or contradicts, down to `maxDepth` levels (values
 * themselves are not compared; arrays are compared through their first item).
 */
export function shapeDiff(
  recorded: unknown,
  actual: unknown,
  maxDepth: number,
  path = '$',
  depth = 0,
): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (recorded === null) return [];
  if (kind(recorded) !== kind(actual))
    return [`${path}: ${kind(recorded)} recorded, ${kind(actual)} simulated`];
  if (depth >= maxDepth) return [];
  if (Array.isArray(recorded) && Array.isArray(actual)) {
    if (recorded.length > 0 && actual.length === 0) return [`${path}: recorded items, simulated none`];
    return recorded.length > 0 ? shapeDiff(recorded[0], actual[0], maxDepth, `${path}[0]`, depth + 1) : [];
  }
  if (kind(recorded) === 'object') {
    const r = recorded as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    return Object.keys(r).flatMap((k) =>
      k in a
        ? shapeDiff(r[k], a[k], maxDepth, `${path}.${k}`, depth + 1)
        : [`${path}.${k}: missing in simulator`],
    );
  }
  return [];
}

/** The value at a dotted path (`status.id`), or undefined where the path leaves the objects. */
export function valueAt(value: unknown, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>(
      (v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
      value,
    );
}

/** A scenario drives the real adapter (or client) against the replay of the recording of the same name. */
export type ReplayScenario<Rec, Server> = (replay: Server, recording: Rec) => Promise<void>;

/**
 * Declares the replay suite: exactly one scenario per recording (and the other way round), every recording says
 * where it comes from, and each scenario consumes its recording completely without sending anything else.
 */
export function describeAdapterReplays<
  Rec extends RecordingBase<RecordedRequest>,
  Server extends ReplayServer,
>(
  title: string,
  recordings: ReadonlyMap<string, Rec>,
  scenarios: Record<string, ReplayScenario<Rec, Server>>,
  startReplay: (recording: Rec) => Promise<Server>,
): void {
  describe(title, () => {
    it('When a recording exists, Then a scenario replays it (and vice versa), and it says where it comes from', () => {
      expect([...recordings.keys()].sort()).toEqual(Object.keys(scenarios).sort());
      for (const recording of recordings.values()) expect(recording.provenance.length).toBeGreaterThan(40);
    });

    for (const [name, recording] of recordings) {
      it(`When replaying ${name}, Then every recorded exchange is used and nothing else is sent`, async () => {
        const replay = await startReplay(recording);
        try {
          const scenario = scenarios[name];
          if (!scenario) throw new Error(`no scenario for recording ${name}`);
          await scenario(replay, recording);
          expect(replay.unexpected).toEqual([]);
          expect(replay.remaining()).toBe(0);
        } finally {
          await replay.close();
        }
      });
    }
  });
}

/** Adds a recording's activities (dated as ISO strings) to its simulator, oldest first as recorded. */
export function addRecordedActivities<R extends { ticketId: number; at: string }>(
  addActivity: (ticketId: number, activity: Omit<R, 'ticketId' | 'at'> & { at: Date }) => void,
  activities: R[] = [],
): void {
  for (const { ticketId, at, ...activity } of activities)
    addActivity(ticketId, { ...activity, at: new Date(at) });
}

/**
 * Puts a recorded request to a simulator at `origin` (scheme, host and port: recorded paths are full paths),
 * with the body and headers the PSA's drift check adapts; every status is an answer, and redirects are answers too.
 */
export function sendRecordedRequest(
  origin: string,
  request: RecordedRequest,
  send: { data?: unknown; headers?: Record<string, string> },
): Promise<AxiosResponse<unknown>> {
  return axios.request<unknown>({
    method: request.method,
    url: `${origin}${request.path}`,
    params: request.query,
    data: send.data,
    headers: send.headers ?? {},
    validateStatus: () => true,
    maxRedirects: 0,
  });
}

/** A simulator seeded with a recording's state, and how to put a recorded request to it. */
export interface DriftSimulator<Req extends RecordedRequest> {
  /** Sends the recorded request the way the adapter would (credentials adapted to the simulator's where needed). */
  send(exchange: { request: Req; response: RecordedResponse }): Promise<AxiosResponse<unknown>>;
  close(): Promise<void>;
}

/** What differs between PSAs in the drift check. */
export interface DriftOptions<Rec extends RecordingBase<RecordedRequest>> {
  /** Starts the PSA's simulator in the recording's state. */
  startSimulator(recording: Rec): Promise<DriftSimulator<Rec['exchanges'][number]['request']>>;
  /** How deep response shapes are compared (see {@link shapeDiff}). */
  shapeDepth: number;
  /** Further checks on each exchange, e.g. that an error body reads the same. */
  checkExchange?(actual: AxiosResponse<unknown>, recorded: RecordedResponse, where: string): void;
}

/**
 * Declares the drift suite: each recording's requests are sent to the PSA's simulator, and its answers must match
 * the recorded status, response headers, text (or JSON string) exactly, JSON shape, and pinned values.
 */
export function describeSimulatorDrift<Rec extends RecordingBase<RecordedRequest>>(
  title: string,
  recordings: ReadonlyMap<string, Rec>,
  options: DriftOptions<Rec>,
): void {
  describe(title, () => {
    for (const [name, recording] of recordings) {
      it(`When the ${name} requests hit the simulator, Then statuses, shapes and pinned values match the recording`, async () => {
        const sim = await options.startSimulator(recording);
        try {
          for (const exchange of recording.exchanges) {
            const { request, response } = exchange;
            const res = await sim.send(exchange);
            const where = `${request.method} ${request.path}`;
            expect(res.status, where).toBe(response.status);
            for (const [header, value] of Object.entries(response.headers ?? {})) {
              expect(res.headers[header.toLowerCase()], `${where} ${header}`).toBe(value);
            }
            if (response.text !== undefined) expect(res.data, where).toBe(response.text);
            else if (typeof response.json === 'string') expect(res.data, where).toBe(response.json);
            else expect(shapeDiff(response.json, res.data, options.shapeDepth), where).toEqual([]);
            for (const pinned of response.pinned ?? []) {
              expect(valueAt(res.data, pinned), `${where} ${pinned}`).toEqual(valueAt(response.json, pinned));
            }
            options.checkExchange?.(res, response, where);
          }
        } finally {
          await sim.close();
        }
      });
    }
  });
}
