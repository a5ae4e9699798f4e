import express, { type Router } from 'express';
import type { RedisClient } from '../redis/redis-client.js';

/**
 * Liveness says the process answers; readiness says it can take work: Redis answers within a second, and
 * the worker (in a process that runs one) has not stopped.
 */
export function createHealthRouter(redis: RedisClient, workerRunning?: () => boolean): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (workerRunning && !workerRunning()) {
      res.status(503).json({ status: 'not-ready', reason: 'worker' });
      return;
    }
    try {
      await Promise.race([
        redis.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000).unref()),
      ]);
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'not-ready', reason: 'redis' });
    }
  });
  return router;
}
