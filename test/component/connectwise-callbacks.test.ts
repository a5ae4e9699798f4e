import { createHash, createHmac } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectWiseSimulator } from '../simulators/connectwise-simulator.js';
import { listenSim, type SimServer } from '../simulators/sim-server.js';
import { startHarness, type Harness } from '../support/component-harness.js';

/**
 * ConnectWise-specific intake rules: the key_url allow-list and company, the cap on key fetches, deletions,
 * echoes, other companies, key outages.
 */
describe('ConnectWise callbacks', () => {
  let h: Harness;
  let cw: ConnectWiseSimulator;
  let rogue: SimServer;
  let rogueHits = 0;
  let rogueUrl: string;

  beforeAll(async () => {
    h = await startHarness({ CONNECTWISE_KEY_URL_FETCHES_PER_MINUTE: '4' }, 'connectwise');
    cw = (h.sandbox.psa as unknown as { connectwise: ConnectWiseSimulator }).connectwise;
    rogue = await listenSim((_req, res) => {
      rogueHits++;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ signing_key: 'attacker-chosen-key' }));
    });
    rogueUrl = rogue.url;
  });
  afterAll(async () => {
    await rogue.close();
    await h.close();
  });

  const post = (body: string, signature?: string) => {
    const r = request(h.desk.app!).post('/webhooks/connectwise').set('Content-Type', 'application/json');
    return (signature ? r.set('x-content-signature', signature) : r).send(body);
  };
  const signWith = (key: string, body: string) =>
    createHmac('sha256', createHash('sha256').update(key, 'utf8').digest())
      .update(Buffer.from(body))
      .digest('base64');

  it('When key_url points off the allow-list, then the key is never fetched and the callback gets 401', async () => {
    cw.addTicket({
      id: 501,
      summary: 'Password / MFA reset',
      boardId: 1,
      statusId: 1,
      companyId: 19300,
      contactId: 77,
      typeName: 'Password / MFA reset',
    });
    const envelope = JSON.parse(cw.signedCallback(501).body) as { Metadata: { key_url: string } };
    envelope.Metadata.key_url = `${rogueUrl}/callbackkey?id=1`;
    const body = JSON.stringify(envelope);
    const res = await post(body, signWith('attacker-chosen-key', body));
    expect(res.status).toBe(401);
    expect(rogueHits).toBe(0);
    expect(await h.job(501)).toBeUndefined();
  });

  it('When the callback is for a deleted ticket, then it is acknowledged and nothing is queued', async () => {
    cw.addTicket({ id: 502, summary: 'x', boardId: 1, statusId: 1, companyId: 19300, contactId: 77 });
    const { body, headers } = cw.signedCallback(502, { action: 'deleted' });
    const res = await post(body, headers['x-content-signature']);
    expect(res.status).toBe(200);
    expect(res.body.ignored).toMatch(/deleted/);
    expect(await h.job(502)).toBeUndefined();
  });

  it('When the callback echoes an update made by the service itself, then nothing is queued', async () => {
    cw.addTicket({ id: 503, summary: 'x', boardId: 1, statusId: 1, companyId: 19300, contactId: 77 });
    const { body, headers } = cw.signedCallback(503, { action: 'updated', memberId: 'resetdesk-api' });
    const res = await post(body, headers['x-content-signature']);
    expect(res.status).toBe(200);
    expect(await h.job(503)).toBeUndefined();
  });

  it('When a correctly signed callback names another ConnectWise company, then 401', async () => {
    cw.registerMember('other_msp', 'pub', 'priv');
    cw.addTicket({ id: 504, summary: 'x', boardId: 1, statusId: 1, companyId: 19300, contactId: 77 });
    const { body, headers } = cw.signedCallback(504, { companyId: 'other_msp' });
    const res = await post(body, headers['x-content-signature']);
    expect(res.status).toBe(401);
    expect(await h.job(504)).toBeUndefined();
  });

  it('When the signing-key endpoint is down, then the answer is 429 so ConnectWise retries, and nothing is queued', async () => {
    cw.addTicket({ id: 505, summary: 'x', boardId: 1, statusId: 1, companyId: 19300, contactId: 77 });
    cw.rotateSigningKey();
    const { body, headers } = cw.signedCallback(505);
    cw.failNext({ pathPattern: /callbackkey/, status: 503, times: 1 });
    const res = await post(body, headers['x-content-signature']);
    expect(res.status).toBe(429);
    expect(await h.job(505)).toBeUndefined();
    const retried = await post(body, headers['x-content-signature']);
    expect(retried.status).toBe(202);
  });

  it('When a correctly signed callback has a key_url naming another company, then nothing is fetched and 401', async () => {
    cw.addTicket({
      id: 506,
      summary: 'Password / MFA reset',
      boardId: 1,
      statusId: 1,
      companyId: 19300,
      contactId: 77,
      typeName: 'Password / MFA reset',
    });
    const envelope = JSON.parse(cw.signedCallback(506).body) as { Metadata: { key_url: string } };
    const keyUrl = new URL(envelope.Metadata.key_url);
    expect(keyUrl.searchParams.get('companyName')).toBe(cw.companyId);
    keyUrl.searchParams.set('companyName', 'fabrikam_msp');
    envelope.Metadata.key_url = keyUrl.href;
    const body = JSON.stringify(envelope);
    const before = cw.keyRequests();
    const res = await post(body, signWith(cw.signingKey().key, body));
    expect(res.status).toBe(401);
    expect(cw.keyRequests()).toBe(before);
    expect(await h.job(506)).toBeUndefined();
    expect(h.logs.join('\n')).toContain('key_url names another company');
  });

  it('When callbacks flood in with distinct key URLs, then at most the configured number is fetched and the rest get 429', async () => {
    cw.addTicket({ id: 507, summary: 'x', boardId: 1, statusId: 1, companyId: 19300, contactId: 77 });
    const signedBody = cw.signedCallback(507).body;
    const envelope = JSON.parse(signedBody) as { Metadata: { key_url: string } };
    const before = cw.keyRequests();
    const statuses = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const keyUrl = new URL(envelope.Metadata.key_url);
        keyUrl.searchParams.set('id', `flood-${i}`);
        const body = JSON.stringify({ ...envelope, Metadata: { key_url: keyUrl.href } });
        return (await post(body, signWith('whatever', body))).status;
      }),
    );
    const fetched = cw.keyRequests() - before;
    // The earlier tests fetched two key URLs of the four a minute allows.
    expect(fetched).toBeLessThanOrEqual(2);
    expect(statuses.filter((s) => s === 401)).toHaveLength(fetched);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30 - fetched);
    // A key already fetched is still used: the real callback of the moment goes through.
    const { body, headers } = cw.signedCallback(507);
    expect((await post(body, headers['x-content-signature'])).status).toBe(202);
  });
});
