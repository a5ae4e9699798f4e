import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loggableUrl, requestLogging } from '../../services/http/request-logging.js';
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

  it('never logs a token-like path segment, whatever its case, encoding, slashes or place', async () => {
    const { app, lines } = appWithLog('info');
    const token = randomBytes(32).toString('base64url');
    const encoded = [...token].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
    const doubleEncoded = encoded.replaceAll('%', '%25');
    const half = token.slice(0, 22);
    const urls = [
      `/S/${token}`,
      `/C/${token}`,
      `/s/${token}`,
      `//s/${token}`,
      `/s//${token}`,
      `//S//${token}/`,
      `/%73/${token}`,
      `/%53/${token}?a=1`,
      `/s/${encoded}`,
      `/x/${doubleEncoded}`,
      `/S/${token}/extra`,
      `/webhooks/halopsa/${token}`,
      `/anything/${token}.css`,
      `/anything/${half}`,
      `/s/assets/${token}`,
    ];
    for (const url of urls) await request(app).get(url);
    const text = JSON.stringify(lines);
    expect(text).not.toContain(token);
    expect(text).not.toContain(half);
    expect(text).not.toContain(encoded);
    expect(text).not.toContain(encoded.slice(0, 30));
    const logged = lines.filter((l) => l.msg === 'request completed');
    expect(logged).toHaveLength(urls.length);
    for (const line of logged) expect(JSON.stringify(line)).toContain('[token]');
  });
});

describe('loggableUrl', () => {
  const token = randomBytes(32).toString('base64url');

  it.each([
    [`/S/${token}`, '/S/[token]'],
    [`/C/${token}`, '/C/[token]'],
    [`/s/${token}?x=1`, '/s/[token]'],
    [`/c/${token}?x=1`, '/c/[token]'],
    [`/n/${token}`, '/n/[token]'],
    [`/s/${token}/destroy`, '/s/[token]'],
    ['/s/junk', '/s/[token]'],
    [`//s//${token}`, '/s/[token]'],
    [`/%73/${token}`, '/s/[token]'],
    [`/webhooks/halopsa/${token}/x`, '/webhooks/halopsa/[token]/x'],
  ])('redacts %s as %s', (url, expected) => {
    expect(loggableUrl(url)).toBe(expected);
  });

  it.each([
    '/webhooks/halopsa',
    '/webhooks/connectwise',
    '/s/assets/secure-link.css',
    '/c/assets/confirmation.css',
    '/n/assets/disavow.css',
    '/metrics',
    '/healthz',
    '/wp-admin/admin-ajax.php',
  ])('leaves %s as it is', (url) => {
    expect(loggableUrl(url)).toBe(url);
  });

  it('drops the query string', () => {
    expect(loggableUrl('/webhooks/halopsa?secret=abc')).toBe('/webhooks/halopsa');
  });
});
