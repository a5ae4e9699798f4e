// The intake baseline of `npm run bench`: a bare Express route that does one BullMQ `queue.add` of a
// reset job of the same size as the service's (same data shape, job id and options), on the same Redis.
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
});
const queue = new Queue('resets', {
  connection: redis,
  prefix: process.env.REDIS_KEY_PREFIX ?? 'bench-baseline',
});
const app = express();
app.post('/webhooks/halopsa', express.json({ limit: '64kb' }), async (req, res) => {
  const ticketId = String((req.body as { object_id?: number }).object_id ?? 0);
  const jobId = `halopsa-${ticketId}`;
  await queue.add(
    'reset',
    { psa: 'halopsa', ticketId, correlationId: jobId, receivedAt: new Date().toISOString(), progress: {} },
    {
      jobId,
      attempts: 5,
      backoff: { type: 'retry-after' },
      removeOnComplete: { age: 30 * 86400 },
      removeOnFail: { age: 30 * 86400 },
    },
  );
  res.status(202).json({ status: 'queued', jobId });
});
const server = app.listen(0, '127.0.0.1', () =>
  process.send?.({ ready: true, port: (server.address() as AddressInfo).port }),
);
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void queue.close().then(() => redis.quit().finally(() => process.exit(0)));
});
