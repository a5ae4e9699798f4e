import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AutotaskWebhookParseError,
  parseAutotaskWebhook,
  verifyAutotaskSignature,
} from '../../integrations/autotask/autotask-webhook.js';
import {
  signAutotaskBody,
  startAutotaskSimulator,
  type AutotaskSimulator,
} from '../simulators/autotask-simulator.js';

const SECRET_KEY = 'at-webhook-secret-0123456789';
const BODY = Buffer.from(
  '{"Action":"Create","Guid":"6f1c1e2a-0b7e-4c55-9d3a-2f9f0c1d2e3f","EntityType":"Ticket","Id":7865,' +
    '"Fields":{"id":7865,"title":"Password reset"},"EventTime":"2026-01-01T09:00:00.000Z","SequenceNumber":12,"PersonID":29682885}',
);
const digest = (body: Buffer | string, key = SECRET_KEY) =>
  createHmac('sha1', key).update(body).digest('base64');

describe('verifyAutotaskSignature', () => {
  it('When the header is sha1=<base64 HMAC-SHA1 of the raw body>, Then it verifies', () => {
    expect(verifyAutotaskSignature(BODY, `sha1=${digest(BODY)}`, SECRET_KEY)).toBe(true);
  });

  it('When the header has surrounding space or an upper-case prefix, Then it still verifies', () => {
    expect(verifyAutotaskSignature(BODY, `  SHA1=${digest(BODY)} `, SECRET_KEY)).toBe(true);
  });

  it('When the sha1= prefix is missing, Then the bare digest is accepted (the HMAC is what authenticates)', () => {
    expect(verifyAutotaskSignature(BODY, digest(BODY), SECRET_KEY)).toBe(true);
  });

  it('When one byte of the body is changed, Then it does not verify', () => {
    const tampered = Buffer.from(BODY);
    tampered[tampered.indexOf('7865')] = '8'.charCodeAt(0);

    expect(verifyAutotaskSignature(tampered, `sha1=${digest(BODY)}`, SECRET_KEY)).toBe(false);
  });

  it('When the body was re-serialised (same JSON, other bytes), Then it does not verify', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(BODY.toString('utf8')), null, 1));

    expect(verifyAutotaskSignature(reserialised, `sha1=${digest(BODY)}`, SECRET_KEY)).toBe(false);
  });

  it('When the signature was made with another key, Then it does not verify', () => {
    expect(verifyAutotaskSignature(BODY, `sha1=${digest(BODY, 'another-key')}`, SECRET_KEY)).toBe(false);
  });

  it('When the header is missing or the secret key is empty, Then it does not verify', () => {
    expect(verifyAutotaskSignature(BODY, undefined, SECRET_KEY)).toBe(false);
    expect(verifyAutotaskSignature(BODY, '', SECRET_KEY)).toBe(false);
    expect(verifyAutotaskSignature(BODY, `sha1=${digest(BODY, '')}`, '')).toBe(false);
  });

  it.each([
    [
      'a digest of another length (SHA-256)',
      `sha1=${createHmac('sha256', SECRET_KEY).update(BODY).digest('base64')}`,
    ],
    ['a truncated digest', `sha1=${digest(BODY).slice(0, 20)}`],
    ['another algorithm prefix', `sha256=${digest(BODY)}`],
    ['a hex digest', `sha1=${createHmac('sha1', SECRET_KEY).update(BODY).digest('hex')}`],
    ['the prefix only', 'sha1='],
    ['garbage', 'sha1=!!!not base64!!!'],
    ['two signatures', `sha1=${digest(BODY)},sha1=${digest(BODY)}`],
    ['base64url characters', `sha1=${digest(BODY).replace(/\+/g, '-').replace(/\//g, '_')}x`],
    ['a non-canonical padding', `sha1=${digest(BODY).replace(/=$/, '')}==`],
  ])('When the header holds %s, Then it does not verify and does not throw', (_what, header) => {
    expect(verifyAutotaskSignature(BODY, header, SECRET_KEY)).toBe(false);
  });

  it('When the body is not a Buffer, Then it does not verify', () => {
    expect(
      verifyAutotaskSignature(BODY.toString() as unknown as Buffer, `sha1=${digest(BODY)}`, SECRET_KEY),
    ).toBe(false);
  });

  it('When checked against the documented example shape, Then the header is sha1= plus 28 base64 characters', () => {
    expect(signAutotaskBody(BODY, SECRET_KEY)).toMatch(/^sha1=[A-Za-z0-9+/]{27}=$/);
  });
});

describe('parseAutotaskWebhook', () => {
  it('When a ticket Create callout arrives, Then its ticket, action, guid and delivery id are read', () => {
    expect(parseAutotaskWebhook(BODY)).toEqual({
      deliveries: [
        {
          ticketId: '7865',
          action: 'Create',
          guid: '6f1c1e2a-0b7e-4c55-9d3a-2f9f0c1d2e3f',
          deliveryId: '6f1c1e2a-0b7e-4c55-9d3a-2f9f0c1d2e3f:12',
        },
      ],
    });
  });

  it.each<[string, unknown, string | undefined]>([
    ['companyID', { id: 7865, companyID: 29683 }, '29683'],
    ['CompanyID in other case', { id: 7865, CompanyID: '29684' }, '29684'],
    ['no companyID', { id: 7865 }, undefined],
    ['a zero companyID', { id: 7865, companyID: 0 }, undefined],
  ])(
    'When Fields hold %s, Then the company hint is read only from a positive integer',
    (_w, fields, hint) => {
      const [delivery] = parseAutotaskWebhook({ EntityType: 'Ticket', Id: 7865, Fields: fields }).deliveries;
      expect(delivery?.customerHint).toBe(hint);
    },
  );

  it('When the body is a JSON string or an already parsed object, Then it is read the same', () => {
    const parsed = JSON.parse(BODY.toString('utf8')) as unknown;
    expect(parseAutotaskWebhook(BODY.toString('utf8'))).toEqual(parseAutotaskWebhook(parsed));
  });

  it('When keys differ in case and the id is a numeric string, Then they are still read', () => {
    expect(
      parseAutotaskWebhook({
        action: 'Update',
        ID: ' 0042 ',
        entitytype: 'ticket',
        guid: 'g',
        sequencenumber: '7',
      }),
    ).toEqual({ deliveries: [{ ticketId: '42', action: 'Update', guid: 'g', deliveryId: 'g:7' }] });
  });

  it('When there is no Guid, no SequenceNumber, no Action and no EntityType, Then only the ticket id is returned', () => {
    expect(parseAutotaskWebhook({ Id: 7865 })).toEqual({ deliveries: [{ ticketId: '7865' }] });
  });

  it('When there is a SequenceNumber but no Guid, Then the delivery id falls back to the ticket id', () => {
    expect(parseAutotaskWebhook({ Id: 7865, SequenceNumber: 3 }).deliveries[0]?.deliveryId).toBe('7865:3');
  });

  it('When the top-level Id is missing but Fields.id names the ticket, Then that id is used', () => {
    expect(
      parseAutotaskWebhook({ Action: 'Update', EntityType: 'Ticket', Fields: { id: 77 } }).deliveries,
    ).toEqual([{ ticketId: '77', action: 'Update' }]);
  });

  it.each(['Delete', 'delete', 'Deactivated'])(
    'When the action is %s, Then no delivery is returned',
    (action) => {
      expect(parseAutotaskWebhook({ Action: action, EntityType: 'Ticket', Id: 7865 })).toEqual({
        deliveries: [],
      });
    },
  );

  it('When an array of callouts names the same ticket twice, Then it is delivered once (first wins)', () => {
    expect(
      parseAutotaskWebhook([
        { Action: 'Create', Id: 7865, Guid: 'g', SequenceNumber: 1 },
        { Action: 'Update', Id: 7865, Guid: 'g', SequenceNumber: 2 },
        { Action: 'Update', Id: 7866, Guid: 'g', SequenceNumber: 3 },
      ]).deliveries,
    ).toEqual([
      { ticketId: '7865', action: 'Create', guid: 'g', deliveryId: 'g:1' },
      { ticketId: '7866', action: 'Update', guid: 'g', deliveryId: 'g:3' },
    ]);
  });

  it.each<[string, unknown]>([
    ['another entity type', { Action: 'Create', EntityType: 'Contact', Id: 30682 }],
    ['no id', { Action: 'Create', EntityType: 'Ticket', Fields: {} }],
    ['a zero id', { Action: 'Create', Id: 0 }],
    ['a negative id', { Action: 'Create', Id: -5 }],
    ['a fractional id', { Action: 'Create', Id: 1.5 }],
    ['a non-numeric id', { Action: 'Create', Id: '12abc' }],
    ['an empty object', {}],
    ['an empty array', []],
    ['null', null],
    ['a number', 42],
    ['invalid JSON text', '{"Id": '],
    ['invalid JSON bytes', Buffer.from('not json')],
  ])('When the body has %s, Then AutotaskWebhookParseError is thrown', (_what, body) => {
    expect(() => parseAutotaskWebhook(body)).toThrow(AutotaskWebhookParseError);
  });
});

describe('Autotask simulator webhooks', () => {
  let sim: AutotaskSimulator;

  beforeEach(async () => {
    sim = await startAutotaskSimulator();
    sim.addCompany(174, 'Contoso Ltd');
    sim.addTicket({ id: 7865, title: 'Password reset', companyID: 174, queueID: 29683482, status: 1 });
  });

  afterEach(async () => {
    await sim.close();
  });

  it('When the simulator signs a callout, Then it verifies with the same key and parses to the ticket', () => {
    const { body, headers } = sim.signedWebhook(7865, { action: 'Create', secretKey: SECRET_KEY });

    expect(verifyAutotaskSignature(Buffer.from(body), headers['X-Hook-Signature'], SECRET_KEY)).toBe(true);
    expect(verifyAutotaskSignature(Buffer.from(body), headers['X-Hook-Signature'], 'wrong-key')).toBe(false);
    const [delivery] = parseAutotaskWebhook(Buffer.from(body)).deliveries;
    expect(delivery).toMatchObject({ ticketId: '7865', action: 'Create' });
    expect(delivery?.deliveryId).toMatch(/^[0-9a-f-]{36}:\d+$/);
    expect(JSON.parse(body)).toMatchObject({
      EntityType: 'Ticket',
      Id: 7865,
      Fields: { id: 7865, title: 'Password reset', status: 1, queueID: 29683482 },
    });
  });

  it('When two callouts are signed, Then their delivery ids differ; a Delete yields no delivery', () => {
    const first = parseAutotaskWebhook(
      sim.signedWebhook(7865, { action: 'Update', secretKey: SECRET_KEY }).body,
    );
    const second = parseAutotaskWebhook(
      sim.signedWebhook(7865, { action: 'Update', secretKey: SECRET_KEY, fields: { status: 5 } }).body,
    );
    const deleted = parseAutotaskWebhook(
      sim.signedWebhook(7865, { action: 'Delete', secretKey: SECRET_KEY }).body,
    );

    expect(first.deliveries[0]?.deliveryId).not.toBe(second.deliveries[0]?.deliveryId);
    expect(deleted.deliveries).toEqual([]);
  });
});
