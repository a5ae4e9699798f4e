// The run's settings from the command line (see scripts/bench.ts for the flags) and the small helpers every
// phase uses. Read once at start: every module of the bench takes them from here.
export const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const num = (name: string, fallback: number) => {
  const raw = argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return raw === undefined ? fallback : Number(raw);
};
export const QUICK = flag('quick');
export const PROFILE = flag('profile');
export const TSX = flag('tsx');
export const ONLY = argv.find((a) => a.startsWith('--only='))?.slice(7);
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const S = {
  intakeSeconds: QUICK ? 5 : 10,
  connections: num('connections', 32),
  pipelineTickets: QUICK ? 200 : 600,
  pipelineCustomers: 10,
  overheadTickets: QUICK ? 25 : 80,
  latency: { graphMs: 40, haloMs: 60 },
  burstTickets: num('tickets', QUICK ? 400 : 2000),
  burstCustomers: num('customers', QUICK ? 20 : 50),
  workerConcurrency: 50,
  // Simulated limits (scaled: a real Halo allows ~1 req/s, which would make a 2,000-ticket run last hours).
  graphLimit: { ratePerSecond: 4, burst: 8 },
  haloLimit: { max: 150, windowMs: 1000 },
};
// Pacing the service uses in the burst: just under the simulated limits.
export const BURST_PACING = {
  graph: { ratePerSecond: 3.8, burst: 7 },
  psa: { halopsa: { ratePerSecond: 130, burst: 15 } },
};
// Generous pacing for pipeline/overhead: tickets still reserve their tokens in Redis as in production.
export const OPEN_PACING = {
  graph: { ratePerSecond: 10_000, burst: 10_000 },
  psa: { halopsa: { ratePerSecond: 10_000, burst: 10_000 } },
};
export const GRAPH_APP = {
  clientId: '7c1f4b2e-0000-4000-8000-00000000c0de',
  secret: 'graph-app-secret-bench',
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
export const pct = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
