import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configKeys, type ConfigLeaf } from '../../config/config-keys.js';
import { loadConfig } from '../../config/load-config.js';
import { planWiring } from '../../app/wiring-plan.js';

/**
 * Deployment as written: the files an operator copies and runs (.env.example, the example configurations,
 * README "Running it", docker-compose.yml, docker/Dockerfile, .dockerignore) start the service, pin what they
 * run, check health, hold no secret and name only variables the service knows. Docker is not needed: the files
 * are read, not run.
 */

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const leafByEnv = new Map(
  configKeys().map(([key, leaf]) => [leaf.env!, [key, leaf] as [string, ConfigLeaf]]),
);
/** Read by docker compose and Caddy only, never by the service. */
const COMPOSE_ONLY = new Set(['RESETDESK_HOSTNAME', 'ACME_EMAIL']);
const isServiceVariable = (name: string) =>
  leafByEnv.has(name) ||
  name === 'RESETDESK_CONFIG' ||
  (name.endsWith('_FILE') && leafByEnv.get(name.slice(0, -5))?.[1].sensitive === true);

interface EnvLine {
  name: string;
  value: string;
  commented: boolean;
}

function envExample(): EnvLine[] {
  return read('.env.example')
    .split('\n')
    .map((line) => /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[2]!, value: m[3]!, commented: m[1] !== undefined }));
}

/** A value an operator would put in, valid for the variable's format. */
function filledIn(name: string): string {
  const leaf = leafByEnv.get(name)?.[1];
  if (name === 'GRAPH_CLIENT_ID') return '7c1f4b2e-0000-4000-8000-000000000001';
  switch (leaf?.format) {
    case 'base64-32-bytes':
      return randomBytes(32).toString('base64');
    case 'base64-32-bytes-list':
      return '';
    default:
      return `operator-value-${randomBytes(12).toString('hex')}`;
  }
}

/** The environment .env.example gives a deployment of this PSA, every empty value filled in. */
function envFor(psa: 'halopsa' | 'connectwise' | 'autotask'): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { name, value, commented } of envExample()) {
    const psaOfLine = /^(HALOPSA|CONNECTWISE|AUTOTASK)_/.exec(name)?.[1]?.toLowerCase();
    const wanted = psaOfLine ? psaOfLine === psa : !commented;
    if (wanted) env[name] = value === '' ? filledIn(name) : value;
  }
  return env;
}

describe('.env.example', () => {
  it('names only variables the service (or docker compose and Caddy) reads', () => {
    for (const { name } of envExample()) {
      expect(isServiceVariable(name) || COMPOSE_ONLY.has(name), name).toBe(true);
    }
  });

  it('holds no secret: every secret is left empty for the operator', () => {
    for (const { name, value } of envExample()) {
      if (leafByEnv.get(name)?.[1].sensitive) expect(value, name).toBe('');
    }
  });

  it.each([
    ['halopsa', 'config/example.config.json'],
    ['connectwise', 'config/example.connectwise.config.json'],
    ['autotask', 'config/example.autotask.config.json'],
  ] as const)('with the %s example configuration, filled in, starts the service', (psa, file) => {
    const env = { ...envFor(psa), RESETDESK_CONFIG: new URL(file, root).pathname };
    const config = loadConfig({ env });
    const plan = planWiring(config);
    expect(plan.psas.map((p) => p.kind)).toEqual([psa]);
    expect(config.customers.map((c) => c.name)).toEqual(['contoso', 'fabrikam']);
    expect(plan.links.publicBaseUrl).toBe('https://reset.example-msp.com');
  });

  it('lists every key the service requires: leaving any filled-in one out stops the start naming it', () => {
    const env = {
      ...envFor('halopsa'),
      RESETDESK_CONFIG: new URL('config/example.config.json', root).pathname,
    };
    for (const name of [
      'GRAPH_CLIENT_ID',
      'HALOPSA_CLIENT_ID',
      'HALOPSA_WEBHOOK_USERNAME',
      'SECURE_LINK_SERVER_KEY',
    ]) {
      const without: Record<string, string> = { ...env };
      delete without[name];
      expect(() => loadConfig({ env: without }), name).toThrow(new RegExp(name));
    }
  });
});

describe('README "Running it"', () => {
  const readme = read('README.md');
  const section = readme.slice(
    readme.indexOf('## Running it'),
    readme.indexOf('\n## ', readme.indexOf('## Running it') + 1),
  );
  const shell = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).join('\n');

  it('copies an example configuration and .env.example, and starts with both', () => {
    expect(shell).toContain('cp config/example.config.json config/resetdesk.json');
    expect(shell).toContain('cp .env.example .env');
    expect(shell).toMatch(/set -a; \. \.\/\.env; set \+a/);
    expect(shell).toMatch(/RESETDESK_CONFIG=config\/resetdesk\.json .*npm start/);
    expect(shell).toContain('docker compose up -d --build');
    expect(shell).toContain('resetdesk doctor');
  });

  it('sets only variables the service reads', () => {
    for (const [, name] of shell.matchAll(/\b([A-Z][A-Z0-9_]{2,})=/g))
      expect(isServiceVariable(name!), name).toBe(true);
  });
});

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  user?: string;
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const services = compose.services;
  const PINNED = /^[a-z0-9][a-z0-9./-]*:\d+\.\d+\.\d+(-[a-z0-9.-]+)?(@sha256:[0-9a-f]{64})?$/;

  it('runs Redis, the API, the worker and a TLS proxy', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'caddy', 'redis', 'worker']);
  });

  it('pins every image it pulls to a release; the API and the worker run the one image built here', () => {
    for (const name of ['redis', 'caddy']) expect(services[name]!.image, name).toMatch(PINNED);
    expect(services.api!.image).toBe(services.worker!.image);
    expect(services.api!.build).toEqual(services.worker!.build);
    expect(services.api!.build?.dockerfile).toBe('docker/Dockerfile');
  });

  it('gives every service a health check; the worker is checked on its internal port', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.disable, name).not.toBe(true);
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(1);
    }
    expect(services.worker!.healthcheck!.test!.join(' ')).toContain('127.0.0.1:9464/readyz');
    expect(services.worker!.expose).toContain('9464');
    expect(services.api!.expose).toEqual(expect.arrayContaining(['8080', '9464']));
  });

  it('publishes only the proxy; the API trusts exactly that one hop', () => {
    expect(
      Object.entries(services)
        .filter(([, s]) => s.ports)
        .map(([name]) => name),
    ).toEqual(['caddy']);
    expect(services.caddy!.ports).toEqual(expect.arrayContaining(['80:80', '443:443']));
    expect(services.api!.environment!.TRUST_PROXY_HOPS).toBe('1');
    const caddyfile = read('docker/Caddyfile');
    expect(services.caddy!.volumes).toContain('./docker/Caddyfile:/etc/caddy/Caddyfile:ro');
    expect(caddyfile).toMatch(/reverse_proxy api:8080/);
    expect(caddyfile).toMatch(/respond @metrics 404/);
  });

  it('configures Redis for queues: AOF on, noeviction', () => {
    const command = services.redis!.command!.join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
  });

  it('sets only variables the service reads, and no secret value (secrets come from .env or files)', () => {
    for (const name of ['api', 'worker']) {
      const service = services[name]!;
      expect(service.env_file, name).toBe('.env');
      for (const [variable, value] of Object.entries(service.environment ?? {})) {
        expect(isServiceVariable(variable), `${name}: ${variable}`).toBe(true);
        if (leafByEnv.get(variable)?.[1].sensitive) {
          // Only a Redis URL without credentials may be written here.
          expect(variable, `${name}: ${variable}`).toBe('REDIS_URL');
          expect(new URL(value).password, `${name}: ${variable}`).toBe('');
        }
      }
    }
    expect(services.api!.environment!.RESETDESK_ROLE).toBe('api');
    expect(services.worker!.environment!.RESETDESK_ROLE).toBe('worker');
  });
});

describe('docker/Dockerfile', () => {
  const dockerfile = read('docker/Dockerfile');
  const pkg = JSON.parse(read('package.json')) as { bin: { resetdesk: string } };
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => /^[A-Z]+\s/.test(l));

  it('builds from a base image pinned to a release', () => {
    const nodeImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(nodeImage).toMatch(/^node:\d+\.\d+\.\d+-slim$/);
    for (const from of instructions.filter((l) => l.startsWith('FROM ')))
      expect(from).toMatch(/^FROM \$\{NODE_IMAGE\}/);
  });

  it('runs as an unprivileged user, with a health check and the service as its command', () => {
    const users = instructions.filter((l) => l.startsWith('USER '));
    expect(users.at(-1)).toBe('USER node');
    expect(instructions.some((l) => l.startsWith('HEALTHCHECK ') && l.includes('/healthz'))).toBe(true);
    expect(instructions.at(-1)).toBe('CMD ["node", "dist/app/main.js"]');
  });

  it('puts the resetdesk command (package.json bin) on the path', () => {
    expect(pkg.bin.resetdesk).toBe('dist/app/resetdesk-cli.js');
    expect(dockerfile).toContain(`ln -s /app/${pkg.bin.resetdesk} /usr/local/bin/resetdesk`);
    expect(existsSync(new URL(pkg.bin.resetdesk.replace(/^dist\//, '').replace(/\.js$/, '.ts'), root))).toBe(
      true,
    );
  });

  it('bakes in no secret and copies only what exists', () => {
    const secrets = configKeys()
      .filter(([, leaf]) => leaf.sensitive)
      .map(([, leaf]) => leaf.env!);
    for (const line of instructions.filter((l) => /^(ENV|ARG) /.test(l))) {
      for (const secret of secrets) expect(line, line).not.toMatch(new RegExp(`\\b${secret}(_FILE)?\\b`));
    }
    for (const line of instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
      for (const source of line.split(/\s+/).slice(1, -1))
        expect(existsSync(new URL(source, root)), source).toBe(true);
    }
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, local state and the live configuration out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.env', '.env.*', 'node_modules', 'dist', 'test', 'config/resetdesk.json', '.git']) {
      expect(ignored, entry).toContain(entry);
    }
  });
});
