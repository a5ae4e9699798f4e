import { configKeys } from '../config/config-keys.js';
import { ConfigError, loadConfig, type AppConfig } from '../config/load-config.js';
import { graphTenantDoctor, type TenantToCheck } from '../integrations/graph/graph-doctor.js';
import { createLogger } from '../services/logging/logger.js';
import { planWarnings, planWiring, type WiringPlan } from './wiring-plan.js';
import { checksOf, type CheckResult, type CheckStatus } from '../services/doctor/doctor-check.js';
import { publicUrlDoctor } from '../services/doctor/public-url-doctor.js';
import { redisDoctor } from '../services/doctor/redis-doctor.js';

/**
 * `resetdesk doctor`: loads the configuration exactly as the service does (a problem is a failed check naming
 * the key, not a crash), then checks every outside system the configuration points at, in parallel, and
 * reports one line per check in a fixed order: configuration, Redis, each customer tenant, each enabled PSA,
 * the public URL. Nothing is written anywhere. Every configured secret is blanked from the report, whatever
 * a remote system echoes back.
 */

export interface DoctorReport {
  results: CheckResult[];
  failed: number;
  warnings: number;
}

export interface DoctorOptions {
  env?: NodeJS.ProcessEnv;
  /** How many customer tenants are checked at the same time. */
  tenantConcurrency?: number;
}

export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const config = checksOf('configuration');
  let loaded: AppConfig;
  let plan: WiringPlan;
  try {
    loaded = loadConfig({ env: options.env ?? process.env });
    plan = planWiring(loaded);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return summarise([
      config.fail(
        'load',
        err.message,
        'correct the setting named (docs/configuration.md lists every key, its env var and format); the service stops at start (exit 78) with the same message',
      ),
    ]);
  }
  const env = options.env ?? process.env;
  const source = env.RESETDESK_CONFIG ? `${env.RESETDESK_CONFIG} and the environment` : 'the environment';
  const results: CheckResult[] = [
    config.ok(
      'load',
      `from ${source}: ${loaded.customers.length} customer(s), PSA: ${plan.psas.map((p) => p.kind).join(', ')}`,
    ),
    ...planWarnings(plan).map((warning) =>
      config.warn('warning', warning, "list the PSA's ticket sources (docs/configuration.md)"),
    ),
  ];

  // The PSA clients log at debug level only; the report is the doctor's only output.
  const logger = createLogger({ level: 'silent' });
  const [redis, tenants, psas, publicUrl] = await Promise.all([
    redisDoctor(plan.redis.topology),
    inBatches(tenantsOf(loaded), options.tenantConcurrency ?? 4, (tenant) =>
      graphTenantDoctor({ graph: plan.graph, revokeSessions: plan.reset.revokeSessions }, tenant),
    ),
    Promise.all(plan.psas.map((psa) => psa.doctor(logger))),
    publicUrlDoctor(plan.links.publicBaseUrl),
  ]);
  results.push(...redis, ...tenants.flat(), ...psas.flat(), ...publicUrl);
  return summarise(results.map((r) => blankSecrets(r, secretsOf(loaded))));
}

/** Each customer tenant once, named after the customers that use it. */
function tenantsOf(config: AppConfig): TenantToCheck[] {
  const byTenant = new Map<string, string[]>();
  for (const customer of config.customers) {
    const key = customer.tenantId.toLowerCase();
    byTenant.set(key, [...(byTenant.get(key) ?? []), customer.name]);
  }
  return [...byTenant].map(([tenantId, names]) => ({ tenantId, name: names.join('/') }));
}

async function inBatches<T, R>(items: T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(run))));
  return out;
}

/** Every secret value of the loaded configuration (sensitive keys, the key ring), as text. */
function secretsOf(config: AppConfig): string[] {
  const values: string[] = [];
  for (const [key, leaf] of configKeys()) {
    // Redis secrets are read from the checked topology below.
    if (!leaf.sensitive || key.startsWith('redis.')) continue;
    const value = key
      .split('.')
      .reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], config);
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'string') values.push(v);
      if (Buffer.isBuffer(v)) values.push(v.toString('base64'), v.toString('hex'));
    }
  }
  const { topology } = config.redis;
  const urlPassword = topology.mode === 'standalone' ? safeUrl(topology.url)?.password : undefined;
  if (urlPassword) values.push(decodeURIComponent(urlPassword));
  if (topology.password) values.push(topology.password);
  if (topology.mode === 'sentinel' && topology.sentinelPassword) values.push(topology.sentinelPassword);
  return values.filter((v) => v.length >= 4).sort((a, b) => b.length - a.length);
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function blankSecrets(result: CheckResult, secrets: string[]): CheckResult {
  const blank = (text: string) => secrets.reduce((t, secret) => t.split(secret).join('[secret]'), text);
  return { ...result, detail: blank(result.detail), ...(result.fix ? { fix: blank(result.fix) } : {}) };
}

function summarise(results: CheckResult[]): DoctorReport {
  return {
    results,
    failed: results.filter((r) => r.status === 'fail').length,
    warnings: results.filter((r) => r.status === 'warn').length,
  };
}

const TAGS: Record<CheckStatus, string> = { ok: '[ ok ]', warn: '[warn]', fail: '[FAIL]', skip: '[skip]' };

/** The report as printed: one line per check (with its fix when it failed or warns), then a summary. */
export function formatReport(report: DoctorReport): string[] {
  const lines = report.results.map(
    (r) => `${TAGS[r.status]} ${r.subject}: ${r.check} — ${r.detail}${r.fix ? ` → fix: ${r.fix}` : ''}`,
  );
  const verdict =
    report.failed > 0
      ? `${report.failed} failed: resetdesk will not work until they are fixed`
      : report.warnings > 0
        ? 'nothing failed; read the warnings'
        : 'all good';
  lines.push(
    `resetdesk doctor: ${report.results.length} checks, ${report.failed} failed, ${report.warnings} warning(s): ${verdict}`,
  );
  return lines;
}
