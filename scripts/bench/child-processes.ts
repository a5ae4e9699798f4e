// The service and the intake baseline as child processes: built, started with the image's Node options,
// sampled for memory while they run, and stopped.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { log, PROFILE, sleep, TSX } from './settings.js';

export interface Child {
  proc: ChildProcess;
  port?: number;
  peakRssKb: number;
  sampler?: NodeJS.Timeout;
}

function rssKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * The service and the baseline run as compiled JavaScript under plain `node`, as the Docker image runs them
 * (`npm run build`), unless `--tsx` asks for the TypeScript loader (its transpiler then stays in memory).
 */
export function buildChildren(): void {
  if (TSX) return;
  log('building the service (tsc -p tsconfig.bench.json)');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.bench.json'], {
    stdio: 'inherit',
  });
}

/** The service runs with the Node options its Docker image sets (`ENV NODE_OPTIONS=` in docker/Dockerfile). */
export const IMAGE_NODE_OPTIONS = (
  /^ENV NODE_OPTIONS=(.+)$/m.exec(readFileSync('docker/Dockerfile', 'utf8'))?.[1] ?? ''
)
  .split(' ')
  .filter((o) => o !== '');

export async function spawnChild(script: string, env: Record<string, string>, label: string): Promise<Child> {
  const execArgv = TSX ? ['--import', 'tsx'] : [];
  execArgv.push(...IMAGE_NODE_OPTIONS);
  if (PROFILE) execArgv.push('--cpu-prof', `--cpu-prof-dir=bench-results/profiles/${label}`);
  const entry = TSX ? script : `bench-results/build/${script.replace(/\.ts$/, '.js')}`;
  const proc = fork(entry, [], {
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', process.env.BENCH_LOG_LEVEL ? 'inherit' : 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number | undefined>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start in 30 s`)), 30_000);
    proc.once('message', (m: { port?: number }) => {
      clearTimeout(timer);
      resolve(m.port);
    });
    proc.once('exit', (code) => reject(new Error(`${label} exited with ${code}`)));
  });
  const child: Child = { proc, port, peakRssKb: 0 };
  child.sampler = setInterval(() => {
    child.peakRssKb = Math.max(child.peakRssKb, rssKb(proc.pid!, 'VmRSS'));
  }, 200);
  return child;
}

export async function stopChild(child: Child): Promise<number> {
  clearInterval(child.sampler);
  const hwm = rssKb(child.proc.pid!, 'VmHWM');
  child.peakRssKb = Math.max(child.peakRssKb, hwm);
  if (child.proc.exitCode === null) {
    const exited = new Promise((r) => child.proc.once('exit', r));
    child.proc.kill('SIGTERM');
    await Promise.race([exited, sleep(8000)]);
    if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
  }
  return child.peakRssKb;
}
