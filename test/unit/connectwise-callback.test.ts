import { createServer, type IncomingHttpHeaders, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConnectWiseCallbackParseError,
  connectWiseSignature,
  parseConnectWiseCallback,
  verifyConnectWiseCallback,
} from '../../integrations/connectwise/connectwise-callback.js';
import {
  DEFAULT_CONNECTWISE_KEY_ORIGINS,
  createCallbackKeyFetcher,
  isAllowedKeyUrl,
  type CallbackKeyFetcher,
  type CallbackKeyFetcherOptions,
} from '../../integrations/connectwise/connectwise-callback-keys.js';
import { startConnectWiseSimulator, type ConnectWiseSimulator } from '../simulators/connectwise-simulator.js';

const CLIENT_ID = '3f1a9c2e-7b4d-4e8a-9c61-2d5f0b7e8a13';
const SIGNING_KEY = 'recorded-signing-key-not-real';

/** A local key endpoint that counts requests and answers with `respond`. */
interface KeyServer {
  origin: string;
  hits: Array<{ path: string; headers: IncomingHttpHeaders }>;
  respond: (res: ServerResponse, path: string) => void;
  close(): Promise<void>;
}

async function startKeyServer(): Promise<KeyServer> {
  const state: KeyServer = {
    origin: '',
    hits: [],
    respond: (res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ signing_key: SIGNING_KEY }));
    },
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    state.hits.push({ path: req.url ?? '', headers: req.headers });
    state.respond(res, req.url ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** A callback envelope naming `keyUrl`, signed with `key`, as raw bytes plus its signature header. */
function signed(
  keyUrl: string,
  key = SIGNING_KEY,
  extra: Record<string, unknown> = {},
): { raw: Buffer; signature: string } {
  const body = JSON.stringify({
    MessageId: 'cb67323f-43ba-4c1e-9d6e-5d2b8b0f1a11',
    FromUrl: 'sandbox-na.myconnectwise.net',
    CompanyId: 'contoso_msp',
    MemberId: 'jdoe',
    Action: 'added',
    Type: 'ticket',
    ID: 57937,
    Entity: JSON.stringify({ id: 57937, summary: 'Password reset' }),
    Metadata: { key_url: keyUrl },
    CallbackObjectRecId: 26567,
    ...extra,
  });
  const raw = Buffer.from(body, 'utf8');
  return { raw, signature: connectWiseSignature(raw, key) };
}

function fetcherFor(
  origins: readonly string[],
  overrides: Partial<CallbackKeyFetcherOptions> = {},
): CallbackKeyFetcher {
  return createCallbackKeyFetcher({
    allowedOrigins: origins,
    clientId: CLIENT_ID,
    timeoutMs: 1_000,
    maxBytes: 4_096,
    cacheTtlMs: 60_000,
    companyId: 'contoso_msp',
    maxKeyUrlsPerMinute: 100,
    ...overrides,
  });
}

describe('verifyConnectWiseCallback against the simulator', () => {
  let sim: ConnectWiseSimulator;

  beforeEach(async () => {
    sim = await startConnectWiseSimulator();
    sim.addCompany(19300, 'Contoso', 'Contoso Ltd');
    sim.addContact({
      id: 77,
      companyId: 19300,
      firstName: 'Mark',
      lastName: 'Manager',
      email: 'm@contoso.example',
    });
    sim.addBoard(1, 'Service Desk', [{ id: 1, name: 'New' }]);
    sim.addTicket({
      id: 4242,
      summary: 'Password reset',
      boardId: 1,
      statusId: 1,
      companyId: 19300,
      contactId: 77,
    });
  });

  afterEach(async () => {
    await sim.close();
  });

  it('When the simulator signs a callback, Then it verifies and the ticket, action and entity are read', async () => {
    const { body, headers } = sim.signedCallback(4242, { action: 'added', memberId: 'jdoe' });

    const result = await verifyConnectWiseCallback(
      Buffer.from(body),
      headers['x-content-signature'],
      fetcherFor([sim.url], { companyId: sim.companyId }),
    );

    expect(result).toMatchObject({
      ok: true,
      callback: {
        action: 'added',
        type: 'ticket',
        recordId: '4242',
        companyId: sim.companyId,
        memberId: 'jdoe',
        entity: { id: 4242, summary: 'Password reset', board: { id: 1 } },
      },
    });
    expect(sim.keyRequests()).toBe(1);
  });

  it('When one byte of the body is changed, Then the signature does not match', async () => {
    const { body, headers } = sim.signedCallback(4242);
    const tampered = Buffer.from(body.replace('"ID":4242', '"ID":4243'));

    const result = await verifyConnectWiseCallback(
      tampered,
      headers['x-content-signature'],
      fetcherFor([sim.url], { companyId: sim.companyId }),
    );

    expect(result).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('When the key was rotated after signing, Then the old key_url still verifies its own callback only', async () => {
    const before = sim.signedCallback(4242);
    sim.rotateSigningKey();
    const after = sim.signedCallback(4242, { action: 'updated' });
    const fetcher = fetcherFor([sim.url], { companyId: sim.companyId });

    const forged = connectWiseSignature(Buffer.from(after.body), sim.signingKey().key + 'x');

    await expect(
      verifyConnectWiseCallback(Buffer.from(before.body), before.headers['x-content-signature'], fetcher),
    ).resolves.toMatchObject({ ok: true });
    await expect(verifyConnectWiseCallback(Buffer.from(after.body), forged, fetcher)).resolves.toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
  });

  it('When a deleted ticket is called back, Then the empty entity is tolerated and the id comes from ID', async () => {
    const { body, headers } = sim.signedCallback(4242, { action: 'deleted' });

    const result = await verifyConnectWiseCallback(
      Buffer.from(body),
      headers['x-content-signature'],
      fetcherFor([sim.url], { companyId: sim.companyId }),
    );

    expect(result).toMatchObject({ ok: true, callback: { action: 'deleted', recordId: '4242' } });
    expect(result.ok && 'entity' in result.callback).toBe(false);
  });
});

describe('verifyConnectWiseCallback', () => {
  let keys: KeyServer;
  let keyUrl: string;

  beforeEach(async () => {
    keys = await startKeyServer();
    keyUrl = `${keys.origin}/v4_6_release/system/callbackkey/index.rails?companyName=contoso_msp&id=5a6f7d74`;
  });

  afterEach(async () => {
    await keys.close();
  });

  it('When the signature is right, Then it verifies, and the key request carried the clientId header', async () => {
    const { raw, signature } = signed(keyUrl);

    const result = await verifyConnectWiseCallback(raw, signature, fetcherFor([keys.origin]));

    expect(result).toEqual({
      ok: true,
      callback: {
        messageId: 'cb67323f-43ba-4c1e-9d6e-5d2b8b0f1a11',
        companyId: 'contoso_msp',
        memberId: 'jdoe',
        action: 'added',
        type: 'ticket',
        recordId: '57937',
        entity: { id: 57937, summary: 'Password reset' },
        callbackObjectRecId: '26567',
        fromUrl: 'sandbox-na.myconnectwise.net',
      },
    });
    expect(keys.hits).toHaveLength(1);
    expect(keys.hits[0]?.headers.clientid).toBe(CLIENT_ID);
  });

  it('When the body was signed with another key, Then the signature does not match', async () => {
    const { raw, signature } = signed(keyUrl, 'some-other-signing-key');

    await expect(verifyConnectWiseCallback(raw, signature, fetcherFor([keys.origin]))).resolves.toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['blank', '   '],
  ])(
    'When the signature header is %s, Then it is refused without fetching anything',
    async (_case, header) => {
      const { raw } = signed(keyUrl);

      await expect(verifyConnectWiseCallback(raw, header, fetcherFor([keys.origin]))).resolves.toEqual({
        ok: false,
        reason: 'missing signature header',
      });
      expect(keys.hits).toHaveLength(0);
    },
  );

  it.each([
    ['longer', (s: string) => `${s}AAAA`],
    ['shorter', (s: string) => s.slice(0, 10)],
    ['not base64', () => '***'],
    ['hex instead of base64', (s: string) => Buffer.from(s, 'base64').toString('hex')],
  ])('When the signature is %s, Then it does not match (and nothing throws)', async (_case, mangle) => {
    const { raw, signature } = signed(keyUrl);

    await expect(
      verifyConnectWiseCallback(raw, mangle(signature), fetcherFor([keys.origin])),
    ).resolves.toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
  });

  it('When the key_url is off the allow-list, Then it is never fetched', async () => {
    const { raw, signature } = signed(keyUrl);

    const result = await verifyConnectWiseCallback(
      raw,
      signature,
      fetcherFor(DEFAULT_CONNECTWISE_KEY_ORIGINS),
    );

    expect(result).toEqual({ ok: false, reason: 'key_url not allowed' });
    expect(keys.hits).toHaveLength(0);
  });

  it.each([
    ['another company', (u: string) => u.replace('companyName=contoso_msp', 'companyName=fabrikam_msp')],
    ['no companyName', (u: string) => u.replace('companyName=contoso_msp&', '')],
    ['an empty companyName', (u: string) => u.replace('companyName=contoso_msp', 'companyName=')],
    ['a second, other companyName', (u: string) => `${u}&companyname=fabrikam_msp`],
    [
      'the company as a prefix only',
      (u: string) => u.replace('companyName=contoso_msp', 'companyName=contoso'),
    ],
  ])('When the key_url names %s, Then it is never fetched', async (_case, mangle) => {
    const { raw, signature } = signed(mangle(keyUrl));

    await expect(verifyConnectWiseCallback(raw, signature, fetcherFor([keys.origin]))).resolves.toEqual({
      ok: false,
      reason: 'key_url names another company',
    });
    expect(keys.hits).toHaveLength(0);
  });

  it('When the key_url names the configured company in another case, Then it is fetched', async () => {
    const upper = keyUrl.replace('companyName=contoso_msp', 'companyName=CONTOSO_MSP');
    const { raw, signature } = signed(upper);

    await expect(verifyConnectWiseCallback(raw, signature, fetcherFor([keys.origin]))).resolves.toMatchObject(
      { ok: true },
    );
    expect(keys.hits).toHaveLength(1);
  });

  it('When a flood of distinct key URLs arrives, Then at most the cap is fetched per minute and the rest are to be retried', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const fetcher = fetcherFor([keys.origin], { maxKeyUrlsPerMinute: 5 });
      const withId = (id: string) => keyUrl.replace('id=5a6f7d74', `id=${id}`);
      const verify = (id: string) => {
        const { raw, signature } = signed(withId(id));
        return verifyConnectWiseCallback(raw, signature, fetcher);
      };

      const flood = await Promise.all(Array.from({ length: 200 }, (_, i) => verify(`flood-${i}`)));

      expect(keys.hits).toHaveLength(5);
      expect(flood.filter((r) => r.ok)).toHaveLength(5);
      const refused = flood.filter((r) => !r.ok);
      expect(refused).toHaveLength(195);
      for (const r of refused) {
        expect(r).toEqual({
          ok: false,
          reason: 'signing key unavailable: too many distinct key URLs in the last minute',
          retryable: true,
        });
      }
      // A key already fetched is still used from the cache; a new URL waits for the window to move on.
      await expect(verify('flood-0')).resolves.toMatchObject({ ok: true });
      await expect(verify('new')).resolves.toMatchObject({ ok: false, retryable: true });
      expect(keys.hits).toHaveLength(5);
      vi.setSystemTime(Date.now() + 61_000);
      await expect(verify('new')).resolves.toMatchObject({ ok: true });
      expect(keys.hits).toHaveLength(6);
    } finally {
      vi.useRealTimers();
    }
  });

  it('When the key_url carries userinfo, Then it is never fetched even though its origin is listed', async () => {
    const withUser = keyUrl.replace('http://', 'http://cw:secret@');
    const { raw, signature } = signed(withUser);

    await expect(verifyConnectWiseCallback(raw, signature, fetcherFor([keys.origin]))).resolves.toEqual({
      ok: false,
      reason: 'key_url not allowed',
    });
    expect(keys.hits).toHaveLength(0);
  });

  it('When the key_url is http and only the https origin is listed, Then it is never fetched', async () => {
    const { raw, signature } = signed(keyUrl);

    await expect(
      verifyConnectWiseCallback(raw, signature, fetcherFor([keys.origin.replace('http://', 'https://')])),
    ).resolves.toEqual({ ok: false, reason: 'key_url not allowed' });
    expect(keys.hits).toHaveLength(0);
  });

  it('When the key endpoint redirects, Then the redirect is refused and its target never fetched', async () => {
    keys.respond = (res, path) => {
      if (path.startsWith('/elsewhere')) {
        res.end(JSON.stringify({ signing_key: SIGNING_KEY }));
        return;
      }
      res.writeHead(302, { Location: `${keys.origin}/elsewhere` }).end();
    };
    const { raw, signature } = signed(keyUrl);

    const result = await verifyConnectWiseCallback(raw, signature, fetcherFor([keys.origin]));

    expect(result).toEqual({
      ok: false,
      reason: 'signing key unavailable: signing key endpoint redirected (HTTP 302)',
    });
    expect(keys.hits.map((h) => h.path)).toEqual([new URL(keyUrl).pathname + new URL(keyUrl).search]);
  });

  it.each([
    ['declared in Content-Length', true],
    ['streamed without a length', false],
  ])('When the key response is too large (%s), Then it is refused', async (_case, declared) => {
    const big = JSON.stringify({ signing_key: SIGNING_KEY, padding: 'x'.repeat(10_000) });
    keys.respond = (res) => {
      if (declared) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(big) });
        res.end(big);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      for (let i = 0; i < big.length; i += 1_000) res.write(big.slice(i, i + 1_000));
      res.end();
    };
    const { raw, signature } = signed(keyUrl);

    const result = await verifyConnectWiseCallback(
      raw,
      signature,
      fetcherFor([keys.origin], { maxBytes: 1_024 }),
    );

    expect(result).toEqual({
      ok: false,
      reason: 'signing key unavailable: signing key response is larger than 1024 bytes',
    });
  });

  it('When the key endpoint does not answer in time, Then it times out and says a retry may work', async () => {
    keys.respond = (res) => {
      setTimeout(() => res.end(JSON.stringify({ signing_key: SIGNING_KEY })), 600);
    };
    const { raw, signature } = signed(keyUrl);
    const started = Date.now();

    const result = await verifyConnectWiseCallback(
      raw,
      signature,
      fetcherFor([keys.origin], { timeoutMs: 100 }),
    );

    expect(result).toEqual({
      ok: false,
      reason: 'signing key unavailable: signing key request timed out after 100 ms',
      retryable: true,
    });
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('When the key endpoint sends headers and then trickles the body, Then the deadline still holds', async () => {
    keys.respond = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"signing_key":');
      setTimeout(() => res.end(`"${SIGNING_KEY}"}`), 600);
    };
    const { raw, signature } = signed(keyUrl);

    const result = await verifyConnectWiseCallback(
      raw,
      signature,
      fetcherFor([keys.origin], { timeoutMs: 100 }),
    );

    expect(result).toMatchObject({ ok: false, retryable: true });
  });

  it.each([
    ['an error status', 404, '{"code":"NotFound"}', 'signing key endpoint answered HTTP 404'],
    ['no signing_key', 200, '{"key":"x"}', 'signing key response carries no signing_key'],
    ['not JSON', 200, '<html></html>', 'signing key response is not JSON'],
  ])(
    'When the key endpoint answers %s, Then verification fails and says why',
    async (_case, status, text, why) => {
      keys.respond = (res) => void res.writeHead(status).end(text);
      const { raw, signature } = signed(keyUrl);

      await expect(verifyConnectWiseCallback(raw, signature, fetcherFor([keys.origin]))).resolves.toEqual({
        ok: false,
        reason: `signing key unavailable: ${why}`,
      });
    },
  );

  it('When two callbacks share a key_url, Then the key is fetched once (also when they arrive together)', async () => {
    const fetcher = fetcherFor([keys.origin]);
    const a = signed(keyUrl);
    const b = signed(keyUrl, SIGNING_KEY, { Action: 'updated' });

    const together = await Promise.all([
      verifyConnectWiseCallback(a.raw, a.signature, fetcher),
      verifyConnectWiseCallback(b.raw, b.signature, fetcher),
      verifyConnectWiseCallback(a.raw, a.signature, fetcher),
    ]);
    const later = await verifyConnectWiseCallback(b.raw, b.signature, fetcher);

    expect([...together, later].every((r) => r.ok)).toBe(true);
    expect(keys.hits).toHaveLength(1);
  });

  it('When the cached key has expired, Then it is fetched again', async () => {
    const fetcher = fetcherFor([keys.origin], { cacheTtlMs: 30 });
    const { raw, signature } = signed(keyUrl);

    await verifyConnectWiseCallback(raw, signature, fetcher);
    await new Promise((r) => setTimeout(r, 60));
    await verifyConnectWiseCallback(raw, signature, fetcher);

    expect(keys.hits).toHaveLength(2);
  });

  it('When a key fetch failed, Then the failure is not cached and the next callback fetches again', async () => {
    let first = true;
    keys.respond = (res) => {
      if (first) {
        first = false;
        res.writeHead(503).end();
        return;
      }
      res.end(JSON.stringify({ signing_key: SIGNING_KEY }));
    };
    const fetcher = fetcherFor([keys.origin]);
    const { raw, signature } = signed(keyUrl);

    await expect(verifyConnectWiseCallback(raw, signature, fetcher)).resolves.toMatchObject({
      ok: false,
      retryable: true,
    });
    await expect(verifyConnectWiseCallback(raw, signature, fetcher)).resolves.toMatchObject({ ok: true });
    expect(keys.hits).toHaveLength(2);
  });

  it.each([
    ['not JSON', Buffer.from('not json'), 'body is not a JSON object'],
    ['a JSON array', Buffer.from('[]'), 'body is not a JSON object'],
    ['without Metadata', Buffer.from('{"ID":1}'), 'missing Metadata.key_url'],
    ['with an empty key_url', Buffer.from('{"Metadata":{"key_url":""}}'), 'missing Metadata.key_url'],
  ])('When the body is %s, Then it is refused without fetching', async (_case, raw, reason) => {
    await expect(verifyConnectWiseCallback(raw, 'c2ln', fetcherFor([keys.origin]))).resolves.toEqual({
      ok: false,
      reason,
    });
    expect(keys.hits).toHaveLength(0);
  });
});

describe('isAllowedKeyUrl', () => {
  const key = '/v4_6_release/system/callbackkey/index.rails?companyName=x&id=1';

  it.each<[string, boolean]>([
    [`https://api-na.myconnectwise.net${key}`, true],
    [`https://sandbox-eu.myconnectwise.net${key}`, true],
    [`https://API-AU.MyConnectWise.NET${key}`, true],
    [`https://a.b.myconnectwise.net${key}`, true],
    [`https://api-na.myconnectwise.net:443${key}`, true],
    [`https://myconnectwise.net${key}`, false],
    [`https://evilmyconnectwise.net${key}`, false],
    [`https://api-na.myconnectwise.net.evil.example${key}`, false],
    [`http://api-na.myconnectwise.net${key}`, false],
    [`https://api-na.myconnectwise.net:8443${key}`, false],
    [`https://cw@api-na.myconnectwise.net${key}`, false],
    [`https://api-na.myconnectwise.net%2F@evil.example${key}`, false],
    [`ftp://api-na.myconnectwise.net${key}`, false],
    ['not a url', false],
  ])('When the default allow-list meets %s, Then allowed is %s', (url, expected) => {
    expect(isAllowedKeyUrl(url, DEFAULT_CONNECTWISE_KEY_ORIGINS)).toBe(expected);
  });

  it.each<[string, boolean]>([
    ['http://127.0.0.1:3456/v4_6_release/system/callbackkey/index.rails', true],
    ['http://127.0.0.1:3457/x', false],
    ['https://127.0.0.1:3456/x', false],
    ['https://cw.msp.example/x', true],
    ['http://cw.msp.example/x', false],
    ['https://sub.cw.msp.example/x', false],
  ])('When exact origins are listed and the key_url is %s, Then allowed is %s', (url, expected) => {
    expect(isAllowedKeyUrl(url, ['http://127.0.0.1:3456', 'https://cw.msp.example/'])).toBe(expected);
  });

  it.each([
    '*.myconnectwise.net',
    'https://*.net',
    'https://cw.example/path',
    'https://a.*.example',
    'file:///etc',
    'https://u:p@cw.example',
  ])('When the allow-list holds %s, Then the fetcher refuses to be created', (origin) => {
    expect(() => fetcherFor([origin])).toThrow(/callback key origin/);
  });
});

describe('parseConnectWiseCallback', () => {
  it('When Entity is a JSON string, Then it is parsed and ID wins as the record id', () => {
    expect(
      parseConnectWiseCallback({
        MessageId: 'm-1',
        Action: 'Updated',
        Type: 'Ticket',
        ID: '00042',
        Entity: '{"id":42,"board":{"id":1}}',
      }),
    ).toEqual({
      messageId: 'm-1',
      action: 'updated',
      type: 'ticket',
      recordId: '42',
      entity: { id: 42, board: { id: 1 } },
    });
  });

  it.each<[string, unknown, string | undefined]>([
    ['a numeric company id', { id: 42, company: { id: 250, identifier: 'Contoso' } }, '250'],
    ['a company id in other case', { id: 42, Company: { ID: '251' } }, '251'],
    ['no company', { id: 42 }, undefined],
    ['a company without an id', { id: 42, company: { identifier: 'Contoso' } }, undefined],
    ['a non-numeric company id', { id: 42, company: { id: 'x' } }, undefined],
  ])(
    'When the Entity has %s, Then the company hint is read only from a positive integer',
    (_w, entity, hint) => {
      const callback = parseConnectWiseCallback({ Type: 'Ticket', ID: 42, Entity: JSON.stringify(entity) });
      expect(callback.recordCompanyId).toBe(hint);
    },
  );

  it('When keys come in other cases and ID is missing, Then keys still match and the entity id is used', () => {
    expect(
      parseConnectWiseCallback({ action: 'added', TYPE: 'ticket', entity: { id: 7 }, companyid: 'c' }),
    ).toEqual({
      action: 'added',
      type: 'ticket',
      companyId: 'c',
      recordId: '7',
      entity: { id: 7 },
    });
  });

  it('When a delete carries an empty Entity, Then entity is undefined and the id comes from ID', () => {
    const parsed = parseConnectWiseCallback(
      JSON.stringify({ Action: 'deleted', Type: 'ticket', ID: 9, Entity: '' }),
    );

    expect(parsed).toEqual({ action: 'deleted', type: 'ticket', recordId: '9' });
  });

  it('When fields are missing or malformed, Then the callback is still read with empty action and type', () => {
    expect(parseConnectWiseCallback(Buffer.from('{"Entity":"{not json","ID":"abc"}'))).toEqual({
      action: '',
      type: '',
    });
    expect(parseConnectWiseCallback({ ID: -3, Entity: null })).toEqual({ action: '', type: '' });
  });

  it.each([['not json'], ['[]'], ['5'], [null]])(
    'When the body is %j, Then a parse error is thrown',
    (body) => {
      expect(() => parseConnectWiseCallback(body)).toThrow(ConnectWiseCallbackParseError);
    },
  );
});
