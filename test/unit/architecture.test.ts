import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The shape a newcomer can rely on, checked on every run: dependencies point one way between the top-level
 * folders, the domain depends on nothing of the project outside itself, nothing imports the composition root,
 * and no folder of the service depends on it.
 */

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const PRODUCTION = ['app', 'config', 'integrations', 'services', 'workers'];
/**
 * Tools run beside the service (the benchmark, the reference generators): held to the same file size and the
 * same one-way folder dependencies, but they start the service through app/ and name their own key prefixes.
 */
const TOOLS = ['scripts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const files = PRODUCTION.flatMap((folder) => sourceFiles(join(ROOT, folder)));
const toolFiles = TOOLS.flatMap((folder) => sourceFiles(join(ROOT, folder)));

/** The project files a source file imports (relative specifiers only), as paths from the project root. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)].map(
    (m) => m[1]!,
  );
  return specifiers.map((s) => relative(ROOT, resolve(dirname(file), s.replace(/\.js$/, '.ts'))));
}

const topFolder = (path: string) => path.split(sep)[0]!;
const edgesOf = (list: string[]) =>
  list.flatMap((file) => {
    const from = relative(ROOT, file);
    return importsOf(file).map((to) => ({ from, to }));
  });
const edges = edgesOf(files);

describe('the architecture', () => {
  it('has no import cycle between the top-level folders', () => {
    const graph = new Map<string, Set<string>>();
    for (const { from, to } of edgesOf([...files, ...toolFiles])) {
      const a = topFolder(from);
      const b = topFolder(to);
      if (a !== b) graph.set(a, (graph.get(a) ?? new Set()).add(b));
    }
    const cycles: string[] = [];
    const reaches = (start: string, goal: string, seen = new Set<string>()): boolean =>
      [...(graph.get(start) ?? [])].some(
        (next) => next === goal || (!seen.has(next) && (seen.add(next), reaches(next, goal, seen))),
      );
    for (const [folder, targets] of graph) {
      for (const target of targets) if (reaches(target, folder)) cycles.push(`${folder} -> ${target}`);
    }
    expect(cycles).toEqual([]);
  });

  it('keeps the domain free of the rest of the project', () => {
    const outside = edges.filter(
      ({ from, to }) =>
        from.startsWith(join('services', 'domain')) && !to.startsWith(join('services', 'domain')),
    );
    expect(outside.map(({ from, to }) => `${from} -> ${to}`)).toEqual([]);
  });

  it('lets nothing import the composition root (app/)', () => {
    const intoRoot = edges.filter(({ from, to }) => topFolder(to) === 'app' && topFolder(from) !== 'app');
    expect(intoRoot.map(({ from, to }) => `${from} -> ${to}`)).toEqual([]);
  });

  it('names every Redis key in one module (services/redis/redis-keys.ts)', () => {
    const keyMakers = files
      .filter((file) => !file.endsWith(join('services', 'redis', 'redis-keys.ts')))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, at: `${relative(ROOT, file)}:${i + 1}` }))
          // A key built from the deployment's or a store's prefix, outside doc comments.
          .filter(
            ({ line }) => /`\$\{(?:options\.)?(?:prefix|keyPrefix)\}/.test(line) && !/^\s*\*/.test(line),
          ),
      );
    expect(keyMakers.map(({ at, line }) => `${at}: ${line.trim()}`)).toEqual([]);
  });

  it('keeps every production and tool file under 450 lines', () => {
    const long = [...files, ...toolFiles]
      .map((file) => ({ file: relative(ROOT, file), lines: readFileSync(file, 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > 450);
    expect(long.map(({ file, lines }) => `${file}: ${lines}`)).toEqual([]);
  });
});
