import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../support/redis-server.js';

/**
 * The service as real processes, the way production runs it: compiled JavaScript (`npm run build`, in
 * dist/) started with `node dist/app/main.js`, configured by env vars only. Each process writes its
 * JSON log lines to a file of its own, which the suite reads (log floods, events).
 */
export type Role = 'api' | 'worker' | 'all';

export interface ServiceProcess {
  readonly role: Role;
  readonly label: string;
  readonly pid: number;
  /** The HTTP port (api and all). */
  readonly port?: number;
  readonly logFile: string;
  readonly exited: Promise<number | null>;
  /** Parsed log lines so far. */
  logLines(): Array<Record<string, unknown>>;
  signal(sig: NodeJS.Signals): void;
  alive(): boolean;
}

const running = new Set<ChildProcess>();

/** Kills every process this suite started (on exit, and between scenarios). */
export function killAllServices(): void {
  for (const proc of running) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  running.clear();
}
process.once('exit', killAllServices);

export async function startService(
  role: Role,
  env: Record<string, string>,
  logDir: string,
  label: string,
): Promise<ServiceProcess> {
  const port = role === 'worker' ? undefined : await freePort();
  const logFile = join(logDir, `${label}.log`);
  const out: WriteStream = createWriteStream(logFile, { flags: 'a' });
  const proc = spawn(process.execPath, ['dist/app/main.js'], {
    env: {
      ...process.env,
      ...env,
      RESETDESK_ROLE: role,
      ...(port ? { PORT: String(port), HOST: '127.0.0.1' } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  proc.stdout!.pipe(out);
  proc.stderr!.pipe(out);
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code, signal) => {
      running.delete(proc);
      resolve(code ?? (signal ? -1 : null));
    }),
  );

  // Ready: an API answers /healthz; a worker has logged that it started.
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start in 30 s`)), 30_000);
    void exited.then((code) => reject(new Error(`${label} exited with ${code} while starting`)));
    if (port) {
      const poll = async () => {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`);
          if (res.ok) {
            clearTimeout(timer);
            resolve();
            return;
          }
        } catch {
          // not listening yet
        }
        setTimeout(() => void poll(), 50);
      };
      void poll();
    } else {
      proc.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString('utf8').includes('resetdesk worker started')) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
  await ready;

  return {
    role,
    label,
    pid: proc.pid!,
    port,
    logFile,
    exited,
    logLines() {
      return readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    signal(sig) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
    },
    alive: () => proc.exitCode === null && proc.signalCode === null,
  };
}
