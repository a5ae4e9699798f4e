import { createServer } from 'node:http';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { createLogger } from './logging/logger.js';
import { createMetrics } from './metrics/metrics.js';
import { createMetricsApp, listenForMetrics } from './metrics/metrics-server.js';
import { pacingOptions } from './pacing/pacing-options.js';
import { createResetdesk } from './resetdesk.js';

/**
 * Process entry point. `--role=api|worker|all` (or RESETDESK_ROLE) chooses what runs; missing or invalid
 * configuration stops the process here, before anything starts, with a message naming the key.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({ args: process.argv.slice(2) });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`resetdesk: invalid configuration: ${err.message}`);
      process.exit(78);
    }
    throw err;
  }
  const logger = createLogger({ level: config.log.level });
  const metrics = config.metrics.enabled ? createMetrics() : undefined;
  const pc = config.pacing;
  const pacing = pc.enabled
    ? pacingOptions({
        graph: { ratePerSecond: pc.graphRatePerSecond, burst: pc.graphBurst },
        psa: {
          halopsa: { ratePerSecond: pc.halopsaRatePerSecond },
          connectwise: { ratePerSecond: pc.connectwiseRatePerSecond },
          autotask: { ratePerSecond: pc.autotaskRatePerSecond },
        },
      })
    : undefined;
  // GET /metrics has a listener of its own in every role, never the public port (unless a bearer token is
  // configured, see buildApp). Started first: a port that cannot be had stops the start like any bad setting.
  const metricsPort = config.metrics.port;
  const metricsServer =
    metrics && metricsPort > 0
      ? await listenForMetrics(
          createMetricsApp(metrics, { bearerToken: config.metrics.bearerToken }),
          metricsPort,
          config.server.host,
        ).catch((err: NodeJS.ErrnoException) => {
          console.error(
            `resetdesk: invalid configuration: metrics.port (METRICS_PORT): cannot listen on ${config.server.host}:${metricsPort}: ${err.code ?? err.message}`,
          );
          process.exit(78);
        })
      : undefined;
  if (metricsServer) logger.info({ port: metricsPort }, 'metrics listening');
  const desk = createResetdesk(config, logger, { pacing, metrics });
  const server = desk.app ? createServer(desk.app) : undefined;
  if (server) {
    server.listen(config.server.port, config.server.host, () =>
      logger.info({ port: config.server.port, role: config.role }, 'resetdesk listening'),
    );
  } else {
    logger.info({ role: config.role }, 'resetdesk worker started');
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
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: { message: (reason as Error)?.message } }, 'unhandled rejection');
  });
}

void main();
