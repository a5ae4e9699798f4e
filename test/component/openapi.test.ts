import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../config/load-config.js';
import { createLogger } from '../../services/logging/logger.js';
import { createMetrics } from '../../services/metrics/metrics.js';
import { createInternalApp } from '../../services/metrics/metrics-server.js';
import { createResetdesk, type Resetdesk } from '../../app/resetdesk.js';
import { keysUnder, testRedis, testRedisUrl } from '../support/redis.js';
import { OTHER_PSAS_ENV, validEnv } from '../support/test-config.js';

/**
 * docs/openapi.yaml and the routes the app really has, kept in step: every route of the public app (every PSA
 * enabled, /metrics on the public port) and of the internal listener is described, and every described path
 * and method answers something other than the catch-all 404.
 */

interface Operation {
  responses?: Record<string, unknown>;
}
interface OpenApi {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, Operation>>;
}

const doc = parse(readFileSync(new URL('../../docs/openapi.yaml', import.meta.url), 'utf8')) as OpenApi;
const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];
const described = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.keys(item)
    .filter((key) => METHODS.includes(key))
    .map((method) => `${method.toUpperCase()} ${path}`),
);

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: unknown;
}

/** Every `METHOD /path` an Express app routes, mounted routers included; `:param` written as `{param}`. */
function routesOf(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = `${prefix}${layer.route.path}`.replace(/:([A-Za-z]+)/g, '{$1}');
      return Object.keys(layer.route.methods)
        .filter((m) => m !== '_all')
        .map((m) => `${m.toUpperCase()} ${path}`);
    }
    if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      return routesOf(layer.handle.stack, `${prefix}${mount}`);
    }
    return [];
  });
}

const routerOf = (app: Express) => (app as unknown as { router: { stack: Layer[] } }).router.stack;

const TOKEN = 'metrics-scrape-token-0123456789';
/**
 * The operator console is left out of the API description on purpose: it is HTML pages for the MSP's own
 * engineers behind an Entra sign-in (README, "Operator console"), not an API anyone integrates with.
 */
const CONSOLE_PATH = '/console';
const prefix = `rdtest-openapi-${randomUUID().slice(0, 8)}`;
let desk: Resetdesk;
let app: Express;

beforeAll(async () => {
  const env = validEnv({
    RESETDESK_ROLE: 'api',
    REDIS_URL: await testRedisUrl(),
    REDIS_KEY_PREFIX: prefix,
    METRICS_BEARER_TOKEN: TOKEN,
    ...OTHER_PSAS_ENV,
    // On, so that its routes are there to be left out knowingly (see CONSOLE_PATH below).
    CONSOLE_ENABLED: 'true',
    CONSOLE_OIDC_ISSUER: 'https://login.microsoftonline.com/99999999-8888-4777-8666-555555555555/v2.0',
    CONSOLE_OIDC_CLIENT_ID: '33333333-aaaa-4bbb-8ccc-444444444444',
    CONSOLE_OIDC_CLIENT_SECRET: 'console-client-secret-value',
    CONSOLE_ALLOWED_GROUP_ID: '55555555-aaaa-4bbb-8ccc-666666666666',
  });
  desk = createResetdesk(loadConfig({ env }), createLogger({ level: 'silent' }), {
    metrics: createMetrics({ defaultMetrics: false }),
  });
  app = desk.app!;
});

afterAll(async () => {
  await desk?.close(1000);
  const redis = await testRedis();
  const keys = await keysUnder(redis, prefix);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe('docs/openapi.yaml', () => {
  it('is an OpenAPI 3.1 document of this release, every operation with its responses', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.version).toBe(pkg.version);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item).filter((k) => METHODS.includes(k))) {
        expect(Object.keys(item[method]!.responses ?? {}).length, `${method} ${path}`).toBeGreaterThan(0);
      }
    }
  });

  it('describes every route of the public app and of the internal listener', () => {
    const internal = createInternalApp({
      metrics: createMetrics({ defaultMetrics: false }),
      health: () => desk.health,
    });
    const routes = new Set([
      ...routesOf(routerOf(app)),
      ...routesOf(routerOf(internal)),
      ...routesOf(desk.health.stack as Layer[]),
    ]);
    expect(routes.size).toBeGreaterThan(10);
    const consoleRoutes = [...routes].filter((r) => r.split(' ')[1]!.startsWith(`${CONSOLE_PATH}/`));
    expect(consoleRoutes).toContain(`GET ${CONSOLE_PATH}/auth/sign-in`);
    for (const route of routes) {
      if (!consoleRoutes.includes(route)) expect(described, route).toContain(route);
    }
    expect(described.filter((d) => d.includes(CONSOLE_PATH))).toEqual([]);
  });

  it('describes only paths that exist: each answers something other than the catch-all 404', async () => {
    const token = 'A'.repeat(43);
    for (const operation of described) {
      const [method, path] = operation.split(' ') as [string, string];
      const url = path.replace('{token}', token);
      const agent = request(app);
      const res = await (method === 'POST' ? agent.post(url) : agent.get(url))
        .set('Authorization', `Bearer ${TOKEN}`)
        .set('Content-Type', 'application/json')
        .send(method === 'POST' ? '{}' : undefined);
      // A link path answers its own 404 page (HTML) for an unknown token; the catch-all answers JSON.
      const catchAll = res.status === 404 && res.body?.error === 'not-found';
      expect(catchAll, `${operation} answered ${res.status}`).toBe(false);
    }
  });
});
