import { createServer, type Server } from 'node:http';
import type { Router } from 'express';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { envOf } from '../config/config-keys.js';
import { createLogger, type Logger } from '../services/logging/logger.js';
import { createMetrics } from '../services/metrics/metrics.js';
import { createInternalApp } from '../services/metrics/metrics-server.js';
import { assembleResetdesk } from './resetdesk.js';
import { planWarnings, planWiring, type WiringPlan } from './wiring-plan.js';

/** The exit code of every configuration problem (EX_CONFIG): a supervisor should not restart in a loop. */
const EXIT_CONFIG = 78;

function refuseToStart(message: string): never {
  console.error(`resetdesk: invalid configuration: ${message}`);
  process.exit(EXIT_CONFIG);
}

/** The configuration and its wiring plan, or the process stops here naming the key at fault. */
function planFromEnvironment(): WiringPlan {
  try {
    return planWiring(loadConfig({ args: process.argv.slice(2) }));
  } catch (err) {
    if (err instanceof ConfigError) refuseToStart(err.message);
    throw err;
  }
}

/** Listens, or stops the start naming the key when the address cannot be taken (in use, not permitted). */
function listen(server: Server, port: number, host: string, key: string, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${err.code ?? err.message})`;
      logger.fatal({ port, host, code: err.code }, `cannot listen on ${host}:${port}`);
      refuseToStart(`${key} (${envOf(key)}): port ${port} on ${host} ${why}`);
    });
    server.listen(port, host, () => resolve());
  });
}

/**
 * Process entry point. `--role=api|worker|all` (or RESETDESK_ROLE) chooses what runs; missing, invalid or
 * unsafe configuration stops the process here, before anything starts, with a message naming the key.
 */
async function main(): Promise<void> {
  const plan = planFromEnvironment();
  const logger = createLogger({ level: plan.log.level });
  for (const warning of planWarnings(plan)) logger.warn({ event: 'config.warning' }, warning);
  const metrics = plan.metrics.enabled ? createMetrics() : undefined;
  // GET /metrics, /healthz and /readyz have a listener of its own in every role (a worker has no other), never
  // the public port for /metrics (unless a bearer token is configured, see buildApp). Started first: a port
  // that cannot be had stops the start like any bad setting.
  const assembled: { health?: Router } = {};
  const metricsServer =
    plan.metrics.port > 0
      ? createServer(
          createInternalApp({
            metrics,
            bearerToken: plan.metrics.bearerToken,
            health: () => assembled.health,
          }),
        )
      : undefined;
  if (metricsServer) {
    await listen(metricsServer, plan.metrics.port, plan.http.host, 'metrics.port', logger);
    logger.info({ port: plan.metrics.port }, 'metrics listening');
  }
  const desk = assembleResetdesk(plan, logger, { metrics });
  assembled.health = desk.health;
  const server = desk.app ? createServer(desk.app) : undefined;
  if (server) {
    await listen(server, plan.http.port, plan.http.host, 'server.port', logger);
    logger.info({ port: plan.http.port, role: plan.roles.name }, 'resetdesk listening');
  } else {
    logger.info({ role: plan.roles.name }, 'resetdesk worker started');
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new webhooks, finishing running jobs');
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    server?.closeIdleConnections();
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    await desk.close();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2000).unref())]);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Customers reload without a restart; a change of the configuration file reloads them too.
  process.on('SIGHUP', () => desk.reloadCustomers('SIGHUP'));
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: { message: (reason as Error)?.message } }, 'unhandled rejection');
  });
}

void main();
