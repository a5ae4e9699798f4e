import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What `resetdesk_build_info` reports: the release, the commit when the build recorded it, and Node. */
export interface BuildInfo {
  version: string;
  commit?: string;
  node: string;
}

/**
 * Reads the version from the package.json of the installation (found upward from this module, in the source
 * tree or under dist/) and the commit from `build-info.json` beside it, which the image build writes
 * (docker/Dockerfile). Outside an image the commit is unknown and left out.
 */
export function readBuildInfo(from: string = dirname(fileURLToPath(import.meta.url))): BuildInfo {
  let dir = from;
  for (let depth = 0; depth < 6; depth++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'resetdesk') {
        return { version: pkg.version ?? 'unknown', commit: readCommit(dir), node: process.version };
      }
    }
    dir = dirname(dir);
  }
  return { version: 'unknown', node: process.version };
}

function readCommit(dir: string): string | undefined {
  const file = join(dir, 'build-info.json');
  if (!existsSync(file)) return undefined;
  try {
    const { commit } = JSON.parse(readFileSync(file, 'utf8')) as { commit?: unknown };
    return typeof commit === 'string' && /^[0-9a-f]{7,40}$/i.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}
