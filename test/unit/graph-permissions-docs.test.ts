import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GRAPH_APPLICATION_PERMISSIONS } from '../../integrations/graph/graph-doctor.js';
import { DEFAULT_APP_PERMISSIONS } from '../simulators/graph-simulator.js';

describe('the Graph application permissions', () => {
  it("resetdesk doctor checks exactly the permissions the README's Entra section asks for", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('## Register the Entra app');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const listed = [...section.matchAll(/^\s+- `([A-Za-z.-]+)`/gm)].map((m) => m[1]);
    expect(listed).toEqual([...GRAPH_APPLICATION_PERMISSIONS]);
  });

  it('the Graph simulator grants the same set by default (a consented app as the README sets it up)', () => {
    expect([...DEFAULT_APP_PERMISSIONS]).toEqual([...GRAPH_APPLICATION_PERMISSIONS]);
  });
});
