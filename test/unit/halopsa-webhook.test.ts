import { describe, expect, it } from 'vitest';
import {
  HaloWebhookParseError,
  authenticateHaloWebhook,
  parseHaloWebhook,
} from '../../integrations/halopsa/halopsa-webhook.js';
import { haloWebhookBody } from '../simulators/halopsa-simulator.js';

const expected = { username: 'halo-contoso', password: 'Zx8v-2rQ-long-random-secret' };
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('authenticateHaloWebhook', () => {
  it('When user and password are right, Then it authenticates', () => {
    expect(authenticateHaloWebhook(basic(expected.username, expected.password), expected)).toBe(true);
  });

  it('When the scheme is written in another case with extra spaces, Then it still authenticates', () => {
    const header = basic(expected.username, expected.password).replace('Basic ', 'basic   ');
    expect(authenticateHaloWebhook(header, expected)).toBe(true);
  });

  it('When the password contains colons, Then only the first colon separates the user', () => {
    const withColon = { username: 'u', password: 'a:b:c' };
    expect(authenticateHaloWebhook(basic('u', 'a:b:c'), withColon)).toBe(true);
  });

  it.each([
    ['wrong user', basic('halo-fabrikam', expected.password)],
    ['wrong password', basic(expected.username, 'Zx8v-2rQ-long-random-secreT')],
    ['shorter password', basic(expected.username, 'Zx8v')],
    ['longer password', basic(expected.username, `${expected.password}-and-more`)],
    ['empty password', basic(expected.username, '')],
    ['swapped user and password', basic(expected.password, expected.username)],
    [
      'Bearer scheme',
      `Bearer ${Buffer.from(`${expected.username}:${expected.password}`).toString('base64')}`,
    ],
    [
      'credentials without scheme',
      Buffer.from(`${expected.username}:${expected.password}`).toString('base64'),
    ],
    ['garbage base64', 'Basic ***not-base64***'],
    ['base64 with bad padding', 'Basic abc'],
    ['no colon inside', `Basic ${Buffer.from('just-a-user').toString('base64')}`],
    ['empty credentials', 'Basic '],
    ['empty header', ''],
    ['missing header', undefined],
  ])('When the header has %s, Then it is refused', (_case, header) => {
    expect(authenticateHaloWebhook(header, expected)).toBe(false);
  });

  it('When the expected credentials are empty (misconfiguration), Then nothing authenticates', () => {
    expect(authenticateHaloWebhook(basic('', ''), { username: '', password: '' })).toBe(false);
    expect(authenticateHaloWebhook(basic('u', ''), { username: 'u', password: '' })).toBe(false);
  });
});

describe('parseHaloWebhook', () => {
  it('When the full object arrives, Then the ticket, delivery id, event and client id hint are read', () => {
    const body = haloWebhookBody(4242, 'full', { client_id: 17 }) as { id: string };

    expect(parseHaloWebhook(body)).toEqual({
      deliveries: [{ ticketId: '4242', deliveryId: body.id, event: 'new ticket logged', customerHint: '17' }],
    });
  });

  it.each([['"17"'], ['0'], ['-3'], ['"x"'], ['null']])(
    'When ticket.client_id is %s, Then a hint is given only for a positive integer',
    (raw) => {
      const [delivery] = parseHaloWebhook({
        object_id: 5,
        ticket: { client_id: JSON.parse(raw) },
      }).deliveries;
      expect(delivery?.customerHint).toBe(raw === '"17"' ? '17' : undefined);
    },
  );

  it.each(['keyfields', 'eventonly'] as const)(
    'When the %s payload arrives, Then the ticket is read',
    (kind) => {
      const body = haloWebhookBody(77, kind) as { id: string };

      expect(parseHaloWebhook(body).deliveries).toEqual([
        { ticketId: '77', deliveryId: body.id, event: 'new ticket logged' },
      ]);
    },
  );

  it('When a batch names the same ticket twice, Then it is returned once, first delivery first', () => {
    const body = haloWebhookBody(4242, 'batch') as Array<{ id: string }>;

    expect(parseHaloWebhook(body).deliveries).toEqual([
      { ticketId: '4242', deliveryId: body[0]?.id, event: 'new ticket logged', customerHint: '1' },
    ]);
  });

  it('When a batch names several tickets and some junk, Then each ticket is returned once and the junk skipped', () => {
    const body = [
      { object_id: 1, event: 'new ticket logged' },
      'junk',
      null,
      { object_id: 'abc' },
      { ticket: { id: '2' } },
      { object_id: 1 },
      { ticket_id: 3 },
    ];

    expect(parseHaloWebhook(body).deliveries.map((d) => d.ticketId)).toEqual(['1', '2', '3']);
  });

  it('When the reference payload from a live tenant arrives, Then its object_id wins', () => {
    const body = {
      id: '8e25bc7b-0000-4000-8000-5d6647e1e79d',
      webhook_id: '53232637-0000',
      notification_id: 41,
      escmsg_id: 'a726ee11-0000',
      event: 'ticket status changed',
      message: 'The status has been changed for Ticket ID: 0004242.',
      object_id: 4242,
      agent_id: 3,
      timestamp: '2026-09-25T06:41:08.7895915Z',
      ticket: { id: 4242, summary: '...', status_id: 9, tickettype_id: 25, client_id: 1, customfields: [] },
    };

    expect(parseHaloWebhook(body).deliveries).toEqual([
      {
        ticketId: '4242',
        deliveryId: '8e25bc7b-0000-4000-8000-5d6647e1e79d',
        event: 'ticket status changed',
        customerHint: '1',
      },
    ]);
  });

  it.each<[string, unknown, string]>([
    ['numeric-string object_id', { object_id: '4242' }, '4242'],
    ['zero-padded string', { object_id: '0004242' }, '4242'],
    ['upper-case keys', { OBJECT_ID: 5 }, '5'],
    ['ticket.id only (Nango shape)', { event: 'new ticket logged', ticket: { id: 123 } }, '123'],
    ['Ticket.ID in other case', { Ticket: { ID: '124' } }, '124'],
    ['top-level ticket_id', { ticket_id: 125 }, '125'],
    ['object.id', { object: { id: 126 } }, '126'],
    ['Data.TICKET_ID', { Data: { TICKET_ID: 127 } }, '127'],
    ['invalid object_id but valid ticket.id', { object_id: -1, ticket: { id: 128 } }, '128'],
    ['JSON text', '{"object_id": 129}', '129'],
    ['JSON bytes', Buffer.from('[{"object_id": 130}]'), '130'],
  ])('When the body has a %s, Then the ticket id is read', (_case, body, ticketId) => {
    expect(parseHaloWebhook(body).deliveries.map((d) => d.ticketId)).toEqual([ticketId]);
  });

  it('When the delivery id is numeric (e.g. a custom payload), Then it is not taken as a delivery id', () => {
    expect(parseHaloWebhook({ id: 4242, object_id: 4242 }).deliveries).toEqual([{ ticketId: '4242' }]);
  });

  it.each<[string, unknown]>([
    ['no id at all', { event: 'new ticket logged' }],
    ['zero id', { object_id: 0 }],
    ['negative id', { object_id: -4 }],
    ['fractional id', { object_id: 4.5 }],
    ['id with letters', { object_id: '42a' }],
    ['id too large', { object_id: 2 ** 60 }],
    ['boolean id', { object_id: true }],
    ['nested id in an array', { ticket: [{ id: 4 }] }],
    ['empty array', []],
    ['array of junk', [1, 'two', null]],
    ['null body', null],
    ['number body', 42],
    ['undefined body', undefined],
    ['invalid JSON text', '{object_id: 1'],
  ])('When the body has %s, Then a HaloWebhookParseError is thrown', (_case, body) => {
    expect(() => parseHaloWebhook(body)).toThrow(HaloWebhookParseError);
  });

  it('When nothing usable is found, Then the error says where a ticket id was looked for', () => {
    expect(() => parseHaloWebhook({ event: 'x' })).toThrow(/object_id, ticket\.id, ticket_id or object\.id/);
  });
});
