// The service as `npm run bench` starts it: a child process configured by env vars (like production), with
// pacing and metrics wired through the composition root's overrides. BENCH_PACING_JSON (partial
// PacingOptions) sets the pacing; METRICS_PORT gives a worker-only process its own /metrics listener.
// Tells the parent it is ready over IPC, and on request sends the spans of its outside HTTP calls.
import { subscribe } from 'node:diagnostics_channel';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis, type Command } from 'ioredis';
import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../services/logging/logger.js';
import { createMetrics } from '../services/metrics/metrics.js';
import { createMetricsApp } from '../services/metrics/metrics-server.js';
import { pacingOptions, type DeepPartial, type PacingOptions } from '../services/pacing/pacing-options.js';
import { createResetdesk } from '../app/resetdesk.js';

const config = loadConfig({ args: process.argv.slice(2) });
const logger = createLogger({ level: config.log.level });
const metrics = createMetrics();
const pacing = pacingOptions(JSON.parse(process.env.BENCH_PACING_JSON ?? '{}') as DeepPartial<PacingOptions>);
const desk = createResetdesk(config, logger, { pacing, metrics });

let app = desk.app;
if (!app && process.env.METRICS_PORT) app = createMetricsApp(metrics);
const server = app ? createServer(app) : undefined;
const port = desk.app ? config.server.port : Number(process.env.METRICS_PORT ?? 0);
const ready = () =>
  process.send?.({ ready: true, port: server ? (server.address() as AddressInfo).port : undefined });
if (server) server.listen(port, '127.0.0.1', ready);
else ready();

// Outside HTTP calls (Graph through fetch, the PSA through axios, token requests), timed at the transport:
// from the request's creation to its response (fetch: whole body received; node:http: response arrived).
// The benchmark subtracts this waiting from a ticket's wall time to get the service's own time. Epoch ms
// with sub-millisecond precision, so the parent can line them up with its own clock.
const clock = () => performance.timeOrigin + performance.now();
const spans: Array<[number, number]> = [];
const opened = new WeakMap<object, number>();
const open = (message: unknown) => void opened.set((message as { request: object }).request, clock());
const close = (message: unknown) => {
  const from = opened.get((message as { request: object }).request);
  if (from !== undefined) spans.push([from, clock()]);
};
subscribe('undici:request:create', open);
subscribe('undici:request:trailers', close);
subscribe('http.client.request.start', open);
subscribe('http.client.response.finish', close);
// Redis commands, timed the same way (sent → reply), blocking reads excluded: the breakdown of own time.
const redisSpans: Array<[number, number]> = [];
const BLOCKING = new Set(['bzpopmin', 'bzpopmax', 'brpoplpush', 'blmove', 'brpop', 'blpop', 'xread']);
const sendCommand = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function timed(this: Redis, command: Command, stream?: never) {
  const result = sendCommand.call(this, command, stream);
  if (!BLOCKING.has(command.name.toLowerCase())) {
    const from = clock();
    command.promise.then(
      () => redisSpans.push([from, clock()]),
      () => undefined,
    );
  }
  return result;
};
process.on('message', (message: { type?: string }) => {
  if (message?.type === 'spans') process.send?.({ spans: spans.splice(0), redisSpans: redisSpans.splice(0) });
});

process.on('SIGTERM', () => {
  server?.close();
  server?.closeAllConnections();
  void desk.close(3000).then(() => process.exit(0));
});
