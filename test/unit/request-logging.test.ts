import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { requestLogging } from '../../services/http/request-logging.js';
import { createLogger } from '../../services/logging/logger.js';

function appWithLog(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level,
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }) as never,
  });
  const app = express();
  app.use(requestLogging(logger));
  const router = express.Router();
  router.post('/', (req, res) => {
    req.log.warn({ event: 'test.route' }, 'from the route');
    res.status(202).json({ id: req.id });
  });
  app.use('/webhooks/halopsa', router);
  app.get('/s/:token', (_req, res) => void res.status(200).send('ok'));
  app.get('/healthz', (_req, res) => void res.status(200).send('ok'));
  return { app, lines };
}

describe('request logging', () => {
  it('uses a well-formed X-Request-Id, answers it, and binds it with the full route to req.log', async () => {
    const { app, lines } = appWithLog('info');
    const res = await request(app).post('/webhooks/halopsa?x=1').set('X-Request-Id', 'abc-123').send('{}');
    expect(res.status).toBe(202);
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.body).toEqual({ id: 'abc-123' });
    const fromRoute = lines.find((l) => l.event === 'test.route');
    expect(fromRoute?.req).toEqual({ id: 'abc-123', method: 'POST', url: '/webhooks/halopsa' });
    const done = lines.find((l) => l.msg === 'request completed');
    expect(done?.res).toEqual({ statusCode: 202 });
    expect(typeof done?.responseTime).toBe('number');
  });

  it('replaces a malformed X-Request-Id with a new UUID', async () => {
    const { app } = appWithLog('info');
    const res = await request(app).post('/webhooks/halopsa').set('X-Request-Id', 'bad id!').send('{}');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never logs a link token, and does not log health probes', async () => {
    const { app, lines } = appWithLog('info');
    await request(app).get('/s/SECRET-LINK-TOKEN');
    await request(app).get('/healthz');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('SECRET-LINK-TOKEN');
    expect(lines.find((l) => l.msg === 'request completed')?.req).toMatchObject({ url: '/s/[token]' });
    expect(lines.filter((l) => l.msg === 'request completed')).toHaveLength(1);
  });

  it('writes no completion line below the info level, but routes still log warnings', async () => {
    const { app, lines } = appWithLog('warn');
    await request(app).post('/webhooks/halopsa').send('{}');
    expect(lines.map((l) => l.msg)).toEqual(['from the route']);
  });
});
