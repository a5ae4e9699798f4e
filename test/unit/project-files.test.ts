import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const pkg = JSON.parse(read('package.json')) as { version: string; license: string };

describe('project files', () => {
  it('LICENSE is the license package.json names', () => {
    expect(pkg.license).toBe('MIT');
    expect(read('LICENSE')).toMatch(/^MIT License\n/);
  });

  it("CHANGELOG.md has an entry for package.json's version, in Keep a Changelog form", () => {
    const changelog = read('CHANGELOG.md');
    expect(changelog).toContain('https://keepachangelog.com/en/1.1.0/');
    expect(changelog).toMatch(
      new RegExp(`^## \\[${pkg.version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'),
    );
    expect(changelog).toMatch(/^## \[Unreleased\]$/m);
  });

  it("SECURITY.md says how to report, and supports package.json's minor version", () => {
    const security = read('SECURITY.md');
    expect(security).toMatch(/## Reporting a vulnerability/);
    const minor = pkg.version.split('.').slice(0, 2).join('.');
    expect(security).toMatch(new RegExp(`\\| ${minor.replace('.', '\\.')}\\.x +\\| yes`));
  });
});
