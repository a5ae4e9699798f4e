import type { IncomingMessage } from 'node:http';

/**
 * Holding a request at a simulator, so a test can act (kill or freeze a worker, stop Redis) at an exact step
 * of a reset without any hook in the service. `phase: 'request'`: the request is held before the simulator
 * acts on it; `'answer'`: the simulator acts on it (the side effect happens) and its answer is held. A held
 * request whose client goes away (the worker was killed) is never acted on, and a held answer never sent.
 */
export interface HoldSpec {
  method?: string;
  /** A string matches the path exactly (case-insensitive); a RegExp is tested against it. */
  pathPattern: string | RegExp;
  phase?: 'request' | 'answer';
  /** How many matching requests to hold (default 1). */
  times?: number;
}

export interface SimHold {
  /** Resolves when the first matching request is held. */
  readonly arrived: Promise<void>;
  /** Matching requests held so far. */
  held(): number;
  /** Lets every held request (or answer) go on, and stops holding. */
  release(): void;
  /** Cuts every held request off without acting on it (or without answering), and stops holding. */
  drop(): void;
}

type Verdict = 'release' | 'drop';

export interface HoldRegistry {
  add(spec: HoldSpec): SimHold;
  /**
   * For a request that matches a hold: waits until the test decides, or the client goes away (then 'drop').
   * Undefined when no hold matches (the request goes on at once).
   */
  gate(
    method: string,
    path: string,
    phase: 'request' | 'answer',
    req: IncomingMessage,
  ): Promise<Verdict> | undefined;
}

export function createHoldRegistry(): HoldRegistry {
  const holds: Array<{
    spec: HoldSpec;
    remaining: number;
    count: number;
    verdict?: Verdict;
    waiting: Array<(v: Verdict) => void>;
    onArrive: () => void;
  }> = [];

  return {
    add(spec) {
      let onArrive: () => void = () => undefined;
      const arrived = new Promise<void>((resolve) => (onArrive = resolve));
      const entry = {
        spec,
        remaining: spec.times ?? 1,
        count: 0,
        waiting: [],
        onArrive,
      } as (typeof holds)[0];
      holds.push(entry);
      const decide = (verdict: Verdict) => {
        entry.verdict = verdict;
        entry.remaining = 0;
        for (const resolve of entry.waiting.splice(0)) resolve(verdict);
      };
      return {
        arrived,
        held: () => entry.count,
        release: () => decide('release'),
        drop: () => decide('drop'),
      };
    },
    gate(method, path, phase, req) {
      const entry = holds.find(
        (h) =>
          h.remaining > 0 &&
          (h.spec.phase ?? 'request') === phase &&
          (h.spec.method === undefined || h.spec.method.toUpperCase() === method.toUpperCase()) &&
          (typeof h.spec.pathPattern === 'string'
            ? h.spec.pathPattern.toLowerCase() === path.toLowerCase()
            : h.spec.pathPattern.test(path)),
      );
      if (!entry) return undefined;
      entry.remaining--;
      entry.count++;
      entry.onArrive();
      return new Promise<Verdict>((resolve) => {
        entry.waiting.push(resolve);
        req.socket.once('close', () => resolve('drop'));
      });
    },
  };
}
