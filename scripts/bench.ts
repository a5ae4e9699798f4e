// `npm run bench`: a benchmark, not a test. Starts resetdesk as child processes (API and worker, like a
// scaled-out deployment) against the local Redis and in-process Graph/HaloPSA simulators, drives it over
// loopback, prints a table and writes bench-results/bench-<timestamp>.json. Stops by itself.
//
// Phases: intake (autocannon vs a bare Express + queue.add baseline), pipeline (resets/s with zero-latency
// simulators), overhead (own time per reset with realistic simulator latency), burst (N tickets across M
// customers under per-tenant 429 limits: drain time, lost/duplicated, fairness, 429s, peak RSS).
//
// Flags: --quick (smaller, ~3 min)  --tickets=N --customers=M (burst)  --profile (CPU profiles of the
// service processes into bench-results/profiles)  --connections=C (intake)  --tsx (run the service under
// the TypeScript loader instead of compiled)  --only=intake|pipeline|overhead|burst (one phase);
// --only=email-reader times the email reader in process (scripts/bench-email-reader.ts).
// BENCH_TRACE=1 prints the last overhead ticket's timeline (each outside call and Redis command, with the
// gap before it); BENCH_LOG_LEVEL=debug shows the service's logs.
//
// This file is the run itself: the phases in order, the targets and the report. The phases, the simulated
// world, the child processes and the settings live in scripts/bench/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { emailReaderPhase } from './bench-email-reader.js';
import { burstPhase } from './bench/burst-phase.js';
import { buildChildren, IMAGE_NODE_OPTIONS } from './bench/child-processes.js';
import { intakePhase } from './bench/intake-phase.js';
import { overheadPhase } from './bench/overhead-phase.js';
import { pipelinePhase } from './bench/pipeline-phase.js';
import { redis } from './bench/redis.js';
import { argv, log, ONLY, QUICK, round, S, TSX } from './bench/settings.js';

async function main() {
  const info = (await redis.info('server')) + (await redis.info('persistence'));
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
  const machine = {
    cpu: cpus()[0]?.model ?? '?',
    cores: cpus().length,
    memoryGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    redis: redisVersion,
    loadAverageAtStart: (await import('node:os')).loadavg().map((l) => round(l, 2)),
    serviceRuntime: TSX ? 'tsx' : 'compiled (node)',
    serviceNodeOptions: IMAGE_NODE_OPTIONS.join(' '),
  };
  log(
    `machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Redis ${redisVersion}${QUICK ? ' (quick)' : ''}`,
  );
  if (ONLY === 'email-reader') {
    process.stdout.write(`${JSON.stringify(emailReaderPhase(), null, 2)}\n`);
    return;
  }
  buildChildren();
  const startedAt = new Date();
  if (ONLY) {
    // For working on one phase: prints its figures and stops.
    const phases: Record<string, () => Promise<object>> = {
      burst: () => burstPhase({ graph: 12, psa: 4 }),
      intake: intakePhase,
      pipeline: pipelinePhase,
      overhead: overheadPhase,
    };
    const phase = phases[ONLY];
    if (!phase) throw new Error(`--only takes ${Object.keys(phases).join(', ')}`);
    const figures = await phase();
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
    return;
  }
  const intake = await intakePhase();
  const pipeline = await pipelinePhase();
  const overhead = await overheadPhase();
  const burst = await burstPhase({ graph: pipeline.graphCallsPerTicket, psa: pipeline.psaCallsPerTicket });
  const peakRssMb = Math.max(burst.peakRssMb.api, burst.peakRssMb.worker);
  const targets = {
    intakeRatio: { target: '>= 0.70', value: intake.ratio, met: intake.ratio >= 0.7 },
    intakeP99: { target: '< 50 ms', value: intake.ours.p99Ms, met: intake.ours.p99Ms < 50 },
    overheadP50: { target: '< 10 ms', value: overhead.overheadP50Ms, met: overhead.overheadP50Ms < 10 },
    burstDrain: { target: '<= 1.5x ideal', value: burst.drainVsIdeal, met: burst.drainVsIdeal <= 1.5 },
    noLossNoDup: {
      target: '0 / 0',
      value: `${burst.lost} / ${burst.duplicated}`,
      met: burst.lost === 0 && burst.duplicated === 0,
    },
    fairness: {
      target: 'no customer starved (spread of finish times < 0.25 of drain)',
      value: burst.customerFinishSeconds.spreadOfDrain,
      met: burst.customerFinishSeconds.spreadOfDrain < 0.25,
    },
    peakRss: { target: '< 250 MB per process', value: peakRssMb, met: peakRssMb < 250 },
  };
  const result = {
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    startedAt: startedAt.toISOString(),
    durationSeconds: round((Date.now() - startedAt.getTime()) / 1000, 0),
    machine,
    settings: S,
    intake,
    pipeline,
    overhead,
    burst,
    targets,
  };
  mkdirSync('bench-results', { recursive: true });
  const file = `bench-results/bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

  const rows: Array<[string, string, string]> = [
    [
      'intake rps (ours / baseline)',
      `${intake.ours.rps} / ${intake.baseline.rps} (${intake.ratio}x)`,
      targets.intakeRatio.met ? 'ok ≥0.70' : 'MISS ≥0.70',
    ],
    [
      'intake p50 / p99 ms (ours)',
      `${intake.ours.p50Ms} / ${intake.ours.p99Ms}`,
      targets.intakeP99.met ? 'ok p99<50' : 'MISS p99<50',
    ],
    [
      'intake p50 / p99 ms (baseline)',
      `${intake.baseline.p50Ms} / ${intake.baseline.p99Ms}`,
      `${intake.connections} connections`,
    ],
    [
      'pipeline resets/s (1 worker)',
      `${pipeline.resetsPerSecond}`,
      `${pipeline.graphCallsPerTicket} Graph + ${pipeline.psaCallsPerTicket} PSA calls/ticket`,
    ],
    [
      'own overhead p50 / p99 ms',
      `${overhead.overheadP50Ms} / ${overhead.overheadP99Ms}`,
      targets.overheadP50.met ? 'ok p50<10' : 'MISS p50<10',
    ],
    [
      '  (at the simulators p50 / p99 ms)',
      `${overhead.overheadAtSimulatorsP50Ms} / ${overhead.overheadAtSimulatorsP99Ms}`,
      'incl. loopback hops between processes',
    ],
    [
      '  (total per reset p50 / p99 ms)',
      `${overhead.totalP50Ms} / ${overhead.totalP99Ms}`,
      `Graph +${S.latency.graphMs}, Halo +${S.latency.haloMs} ms/call`,
    ],
    [
      'burst drain s (ideal)',
      `${burst.drainSeconds} (${burst.idealSeconds}) = ${burst.drainVsIdeal}x`,
      targets.burstDrain.met ? 'ok ≤1.5x' : 'MISS ≤1.5x',
    ],
    [
      'burst lost / duplicated',
      `${burst.lost} / ${burst.duplicated}`,
      targets.noLossNoDup.met ? 'ok' : 'MISS',
    ],
    [
      'customer finish min/p50/max s',
      `${burst.customerFinishSeconds.min} / ${burst.customerFinishSeconds.p50} / ${burst.customerFinishSeconds.max}`,
      targets.fairness.met
        ? `ok spread ${burst.customerFinishSeconds.spreadOfDrain}`
        : `MISS spread ${burst.customerFinishSeconds.spreadOfDrain}`,
    ],
    [
      '429s received (Graph / Halo)',
      `${burst.throttled429.graph} / ${burst.throttled429.halo}`,
      `of ${burst.outsideCalls.graph} / ${burst.outsideCalls.halo} calls`,
    ],
    [
      'peak RSS MB (api / worker)',
      `${burst.peakRssMb.api} / ${burst.peakRssMb.worker}`,
      targets.peakRss.met ? 'ok <250' : 'MISS <250',
    ],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  process.stdout.write(
    `\nresetdesk bench — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Redis ${redisVersion}\n\n`,
  );
  for (const [a, b, c] of rows) process.stdout.write(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}\n`);
  process.stdout.write(`\nfigures: ${file}\n`);
}

main()
  .then(() => redis.quit())
  .then(
    () => process.exit(0),
    (err: Error) => {
      console.error(`bench failed: ${err.stack ?? err.message}`);
      process.exit(1);
    },
  );
