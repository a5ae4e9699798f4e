import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PsaError, TransientError } from '../../services/domain/errors.js';
import type { PsaAdapter } from '../../services/domain/ports.js';
import { createLogger } from '../../services/logging/logger.js';
import {
  createConnectWiseAdapter,
  type ConnectWiseOptions,
} from '../../integrations/connectwise/connectwise-adapter.js';
import {
  ConnectWiseClient,
  connectWiseApiBase,
  parseRetryAfter,
} from '../../integrations/connectwise/connectwise-client.js';
import {
  startConnectWiseSimulator,
  type ConnectWiseSimulator,
  type CwSimCustomField,
  type CwSimOptions,
  type CwSimTicketSeed,
} from '../simulators/connectwise-simulator.js';
import { rejection } from './adapter-test-helpers.js';
import {
  addRecordedActivities,
  describeAdapterReplays,
  describeSimulatorDrift,
  sendRecordedRequest,
  type ReplayScenario,
} from './recorded-exchanges.js';
import { sharedRecordedScenarios } from './psa-recorded-scenarios.js';
import {
  psaAdapterContract,
  simulatorActivity,
  type PsaContractHarness,
  type ResetTicketSeed,
} from './psa-contract.js';
import { errorDump, psaDriverContract, simulatorSession, type PsaDriver } from './psa-driver-contract.js';
import {
  loadConnectWiseRecordings,
  startConnectWiseReplayServer,
  type ConnectWiseRecording,
  type CwReplayServer,
} from './replay-server.js';

const COMPANY = 19300;
const RESET_BOARD = 1;
const AWAITING_STATUS = 22;
const ENGINEER_STATUS = 23;
const RESOLVED_STATUS = 24;
const CUSTOMER_RESOLVED_STATUS = 25;
const HANDOFF = { boardId: 2, statusId: 31, ownerIdentifier: 'jdoe', teamId: 25 };
const OTHER_BOARD = 3;
const RESET_TYPE = 'Password / MFA reset';
const FIELDS = {
  target: 'Reset target',
  resetPassword: 'Reset password',
  resetMfa: 'Remove MFA',
  attestation: 'Spoken to staff member',
};

const silent = createLogger({ level: 'silent' });

interface Credentials {
  companyId: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
}

function optionsFor(
  site: { siteUrl: string; codebase: string },
  creds: Credentials,
  overrides: Partial<ConnectWiseOptions> = {},
): ConnectWiseOptions {
  return {
    ...site,
    ...creds,
    timeoutMs: 2_000,
    resetBoardIds: [RESET_BOARD],
    resetTypeNames: [RESET_TYPE],
    fields: { ...FIELDS },
    awaitingConfirmation: { statusId: AWAITING_STATUS },
    resolved: { statusId: RESOLVED_STATUS },
    handoff: { ...HANDOFF },
    ...overrides,
  };
}

function simCreds(sim: ConnectWiseSimulator): Credentials {
  return { companyId: sim.companyId, ...sim.member, clientId: sim.clientId };
}

function simSite(sim: ConnectWiseSimulator): { siteUrl: string; codebase: string } {
  return { siteUrl: sim.url, codebase: sim.codebase };
}

/** Seeds a site the way a reset form stores it: every field of the form present, flags as a Yes/No list. */
class CwSeeder {
  private nextTicket = 4200;
  private nextContact = 70;

  constructor(private readonly sim: ConnectWiseSimulator) {
    sim.addCompany(COMPANY, 'Contoso', 'Contoso Ltd');
    sim.addBoard(RESET_BOARD, 'Service Desk', [
      { id: 1, name: 'New' },
      { id: AWAITING_STATUS, name: 'Waiting on Customer' },
      { id: ENGINEER_STATUS, name: 'In Progress' },
      { id: RESOLVED_STATUS, name: 'Resolved' },
      { id: CUSTOMER_RESOLVED_STATUS, name: 'Completed' },
    ]);
    sim.addBoard(HANDOFF.boardId, 'Escalations', [
      { id: 30, name: 'New' },
      { id: HANDOFF.statusId, name: 'Assigned' },
    ]);
    sim.addBoard(OTHER_BOARD, 'Projects', [{ id: 40, name: 'Open' }]);
  }

  contact(
    email: string | undefined,
    extra: Partial<Parameters<ConnectWiseSimulator['addContact']>[0]> = {},
  ): number {
    const id = this.nextContact++;
    this.sim.addContact({
      id,
      companyId: COMPANY,
      firstName: 'Mark',
      lastName: 'Manager',
      ...(email ? { email } : {}),
      ...extra,
    });
    return id;
  }

  ticket(fields: Partial<CwSimTicketSeed>): number {
    const id = this.nextTicket++;
    this.sim.addTicket({
      id,
      summary: 'Password reset',
      boardId: RESET_BOARD,
      statusId: 1,
      companyId: COMPANY,
      typeName: RESET_TYPE,
      sourceName: 'Portal',
      ...fields,
    });
    return id;
  }

  resetTicket(seed: ResetTicketSeed = {}): number {
    const contactId = this.contact(seed.requesterEmail ?? 'manager@contoso.example');
    const yesNo = (v: boolean | undefined) => (v === undefined ? {} : { value: v ? 'Yes' : 'No' });
    const customFields: CwSimCustomField[] = [
      { id: 41, caption: FIELDS.target, type: 'Text', ...(seed.target ? { value: seed.target } : {}) },
      {
        id: 42,
        caption: FIELDS.resetPassword,
        type: 'Text',
        entryMethod: 'List',
        ...yesNo(seed.resetPassword),
      },
      { id: 43, caption: FIELDS.resetMfa, type: 'Text', entryMethod: 'List', ...yesNo(seed.resetMfa) },
      // A Checkbox: ConnectWise leaves an unticked box without a value.
      { id: 44, caption: FIELDS.attestation, type: 'Checkbox', ...(seed.attested ? { value: true } : {}) },
    ];
    const email = seed.channel === 'email';
    // The email connector records the sender as the ticket's address; Manage keeps no Reply-To to seed.
    const address = email ? (seed.emailFrom ?? 'manager@contoso.example') : seed.ticketEmail;
    return this.ticket({
      contactId,
      customFields,
      sourceName: email ? 'Email Connector' : 'Portal',
      ...(address ? { contactEmailAddress: address } : {}),
      ...(seed.details !== undefined ? { initialDescription: seed.details } : {}),
    });
  }
}

/** A ConnectWise simulator seeded like a site's reset setup, and an adapter configured for it. */
async function startCw(options: CwSimOptions = {}) {
  const sim = await startConnectWiseSimulator(options);
  const adapter = createConnectWiseAdapter(optionsFor(simSite(sim), simCreds(sim)), silent);
  return { sim, seeder: new CwSeeder(sim), adapter };
}

async function cwHarness(): Promise<PsaContractHarness> {
  const { sim, seeder, adapter } = await startCw();
  return {
    adapter,
    customerId: String(COMPANY),
    emailOrigin: { from: true, replyTo: false },
    activity: simulatorActivity(
      sim,
      { engineer: ENGINEER_STATUS, resolved: RESOLVED_STATUS, customerResolved: CUSTOMER_RESOLVED_STATUS },
      {
        garbleNextNotesRead: () =>
          sim.failNext({
            method: 'GET',
            pathPattern: /\/service\/tickets\/\d+\/notes$/,
            status: 200,
            body: { notes: 'see the portal' },
          }),
        statusOf: (ticketId) =>
          (sim.ticket(ticketId) as { status?: { id?: number } } | undefined)?.status?.id,
        adapterWithoutResolvedStatus: (logger) =>
          createConnectWiseAdapter(optionsFor(simSite(sim), simCreds(sim), { resolved: {} }), logger),
        leftUnresolvedLog: { disposition: 'resolved' },
        calls: () => sim.requests.map((r) => [r.method, r.apiPath, r.query, r.body]),
        // The ticket, then its notes in one page of the largest size.
        activityReads: (ticketId) => [
          ['GET', `/service/tickets/${ticketId}`, {}, undefined],
          ['GET', `/service/tickets/${ticketId}/notes`, { page: '1', pageSize: '1000' }, undefined],
        ],
        moveBodies: () => sim.requests.filter((r) => r.method !== 'GET').map((r) => r.body),
        // One JSON Patch replacing the whole status object.
        resolvedBody: (_ticketId, statusId) => [
          { op: 'replace', path: 'status', value: { id: Number(statusId) } },
        ],
      },
    ),
    seedResetTicket: async (seed) => String(seeder.resetTicket(seed)),
    seedOtherTicket: async () =>
      String(
        seeder.ticket({
          boardId: OTHER_BOARD,
          statusId: 40,
          contactId: seeder.contact('someone@contoso.example'),
        }),
      ),
    // Notes the adapter wrote: the seeded initial description (written by the contact) is not one of them.
    notesOf: async (ticketId) =>
      sim
        .notes(Number(ticketId))
        .filter((n) => n.member !== undefined)
        .map((n) => {
          const emailed = sim.emails.find((e) => e.noteId === n.id);
          return {
            text: n.text,
            visibility: n.detailDescriptionFlag ? ('customer' as const) : ('internal' as const),
            ...(emailed ? { emailedTo: emailed.to } : {}),
          };
        }),
    stateOf: async (ticketId) => {
      const t = sim.ticket(Number(ticketId)) as
        | {
            board: { id: number };
            status: { id: number };
            owner?: { identifier: string };
            team?: { id: number };
          }
        | undefined;
      if (
        t?.board.id === HANDOFF.boardId &&
        t.status.id === HANDOFF.statusId &&
        t.owner?.identifier === HANDOFF.ownerIdentifier &&
        t.team?.id === HANDOFF.teamId
      ) {
        return { disposition: 'engineers' };
      }
      if (t?.status.id === AWAITING_STATUS) return { disposition: 'awaiting-confirmation' };
      return {};
    },
    injectRateLimit: (retryAfterSeconds) =>
      sim.failNext({ pathPattern: '/', status: 429, retryAfterSeconds }),
    teardown: () => sim.close(),
  };
}

psaAdapterContract('ConnectWise adapter against the ConnectWise simulator', cwHarness);

const cwDriver: PsaDriver = {
  psaName: 'ConnectWise',
  customerId: String(COMPANY),
  fields: FIELDS,
  sourceCases: [
    { label: 'Email Connector', source: 'Email Connector', channel: 'email' },
    { label: 'E-mail', source: 'E-mail', channel: 'email' },
    { label: 'Portal', source: 'Portal', channel: 'portal' },
    { label: 'Customer Portal', source: 'Customer Portal', channel: 'portal' },
    { label: 'Phone', source: 'Phone', channel: 'agent' },
    { label: 'Walk In', source: 'Walk In', channel: 'agent' },
    { label: 'Carrier pigeon', source: 'Carrier pigeon', channel: 'unknown' },
    { label: 'missing', source: undefined, channel: 'unknown' },
  ],
  fieldSpellings: [[' RESET TARGET', 'reset password ', 'remove mfa']],
  // A custom field's type and value: a Checkbox left unticked has no value at all.
  flagCases: (
    [
      ['Text', 'Yes', true],
      ['Text', ' no ', false],
      ['Text', 'TRUE', true],
      ['Text', '0', false],
      ['Text', 'y', true],
      ['Text', undefined, true],
      ['Number', 1, true],
      ['Number', 0, false],
      ['Checkbox', true, true],
      ['Checkbox', false, false],
      ['Checkbox', undefined, false],
    ] as Array<[string, unknown, boolean]>
  ).map(([type, value, expected]) => ({
    label: `${type} ${value === undefined ? 'without a value' : JSON.stringify(value)}`,
    seed: { type, ...(value === undefined ? {} : { value }) },
    expected,
  })),
  foreignPathId: '../company/contacts/1',
  rateLimitDefault: { ms: 5_000 },
  credentialHints: [/public\/private keys and the clientId/],
  forbiddenHint: /security role/,
  redirectHint: /redirected \(HTTP 302\)/,
  credentialHeaderPattern: /Basic |Authorization/i,
  parseRetryAfter,
  keepsTicketAddress: true,
  allowsNoMoves: true,
  wire: {
    // A CRLF line break must reach ConnectWise as LF.
    customerNoteText: 'Hello <Mark> & team,\r\nLink: https://links.example/s/a1?x=1&y=2.\n\nRef RD-9',
    customerNoteKind: 'Discussion note with notifications',
    internalNoteKind: 'Internal note without notifications',
    customerNote: (id) => ({
      posts: [
        {
          text: 'Hello <Mark> & team,\nLink: https://links.example/s/a1?x=1&y=2.\n\nRef RD-9',
          detailDescriptionFlag: true,
          internalAnalysisFlag: false,
          resolutionFlag: false,
          processNotifications: true,
        },
      ],
      email: {
        to: 'manager@contoso.example',
        ticketId: id,
        noteId: expect.any(Number),
        text: expect.stringContaining('RD-9'),
      },
    }),
    internalNotePosts: (_id, text) => [
      {
        text,
        detailDescriptionFlag: false,
        internalAnalysisFlag: true,
        resolutionFlag: false,
        processNotifications: false,
      },
    ],
    moves: {
      engineers: {
        label:
          'one JSON Patch replaces whole board, status, owner and team objects and the ticket is re-read',
        calls: (id) => [
          [
            'PATCH',
            `/service/tickets/${id}`,
            [
              { op: 'replace', path: 'board', value: { id: 2 } },
              { op: 'replace', path: 'status', value: { id: 31 } },
              { op: 'replace', path: 'owner', value: { identifier: 'jdoe' } },
              { op: 'replace', path: 'team', value: { id: 25 } },
            ],
          ],
          ['GET', `/service/tickets/${id}`, undefined],
        ],
        ticket: () => ({
          board: { id: 2, name: 'Escalations' },
          status: { id: 31, name: 'Assigned' },
          owner: { identifier: 'jdoe' },
          team: { id: 25 },
        }),
      },
      'awaiting-confirmation': {
        label: 'only the status object is replaced and the ticket is re-read',
        calls: (id) => [
          [
            'PATCH',
            `/service/tickets/${id}`,
            [{ op: 'replace', path: 'status', value: { id: AWAITING_STATUS } }],
          ],
          ['GET', `/service/tickets/${id}`, undefined],
        ],
        ticket: () => ({ board: { id: RESET_BOARD }, status: { id: AWAITING_STATUS } }),
      },
      teamOnly: {
        label: 'only the team is patched and the board stays',
        calls: (id) => [
          ['PATCH', `/service/tickets/${id}`, [{ op: 'replace', path: 'team', value: { id: 25 } }]],
          ['GET', `/service/tickets/${id}`, undefined],
        ],
        ticket: () => ({ board: { id: RESET_BOARD }, status: { id: 1 }, team: { id: 25 } }),
      },
    },
    ticketReadLabel:
      'the ticket, its contact record and its first note are read, each with valid keys and clientId',
    ticketReadCalls: (id) => [
      ['GET', `/v4_6_release/apis/3.0/service/tickets/${id}`, {}, true, true],
      ['GET', '/v4_6_release/apis/3.0/company/contacts/70', {}, true, true],
      [
        'GET',
        `/v4_6_release/apis/3.0/service/tickets/${id}/notes`,
        { orderBy: 'id asc', page: '1', pageSize: '1' },
        true,
        true,
      ],
    ],
  },
  async start() {
    const { sim, seeder } = await startCw();
    const adapterFor = (overrides: Partial<ConnectWiseOptions>, logger = silent) =>
      createConnectWiseAdapter(optionsFor(simSite(sim), simCreds(sim), overrides), logger);
    const withContact = (fields: Partial<CwSimTicketSeed>) =>
      String(seeder.ticket({ contactId: seeder.contact('m@contoso.example'), ...fields }));
    return {
      ...simulatorSession(sim),
      adapter: adapterFor({}),
      adapterWith: ({ timeoutMs, logger }) => adapterFor(timeoutMs ? { timeoutMs } : {}, logger),
      adapterWithSecret: (privateKey) =>
        createConnectWiseAdapter(optionsFor(simSite(sim), { ...simCreds(sim), privateKey }), silent),
      adapterAt: (url) =>
        createConnectWiseAdapter(optionsFor({ siteUrl: url, codebase: sim.codebase }, simCreds(sim)), silent),
      adapterWithTeamOnlyHandoff: () => adapterFor({ handoff: { teamId: 25 } }),
      adapterWithoutMoves: () => adapterFor({ awaitingConfirmation: {}, handoff: {} }),
      seedResetTicket: (seed) => String(seeder.resetTicket(seed)),
      seedTicketWithFields: (fields) =>
        withContact({
          customFields: fields.map(({ name, value, type }, i) => ({
            id: i + 1,
            caption: name,
            ...(type ? { type } : {}),
            ...(value === undefined ? {} : { value }),
          })),
        }),
      seedTicketFromSource: (source) =>
        withContact(source === undefined ? { sourceName: undefined } : { sourceName: String(source) }),
      seedTicketWithoutContact: () =>
        String(seeder.ticket({ contactId: null, contactEmailAddress: 'someone@contoso.example' })),
      seedTicketWithMissingContact: (contactId) =>
        String(seeder.ticket({ contactId, contactEmailAddress: 'spoofed@attacker.example' })),
      seedTicketWithAddressOnly: (address) => {
        const contactId = seeder.contact(undefined);
        return {
          ticketId: String(seeder.ticket({ contactId, contactEmailAddress: address })),
          contactId: String(contactId),
        };
      },
      apiCalls: () => sim.requests.map((r) => [r.method, r.path, r.query, r.authorized, r.clientIdValid]),
      apiRequests: () => sim.requests,
      notePosts: (ticketId) => sim.notePosts(Number(ticketId)),
      moveCalls: () =>
        sim.requests.filter((r) => r.apiPath !== undefined).map((r) => [r.method, r.apiPath, r.body]),
      contactReads: () => sim.requests.filter((r) => r.apiPath?.startsWith('/company/contacts')).length,
      storedNotes: (ticketId) => sim.notes(Number(ticketId)),
      failTicketRead: (failure) => sim.failNext({ pathPattern: '/service/tickets', ...failure }),
      failNotePost: (_ticketId, status) =>
        sim.failNext({ method: 'POST', pathPattern: '/service/tickets', status }),
      secrets: (wrongKey) => [
        sim.member.privateKey,
        ...(wrongKey
          ? [wrongKey, Buffer.from(`${sim.companyId}+${sim.member.publicKey}:${wrongKey}`).toString('base64')]
          : []),
      ],
    };
  },
};

psaDriverContract('ConnectWise adapter against the ConnectWise simulator', cwDriver);

describe('ConnectWise adapter specifics (simulator)', () => {
  let sim: ConnectWiseSimulator;
  let seeder: CwSeeder;
  let adapter: PsaAdapter;

  beforeEach(async () => {
    ({ sim, seeder, adapter } = await startCw());
  });

  afterEach(async () => {
    await sim.close();
  });

  const apiCalls = () => sim.requests.filter((r) => r.apiPath !== undefined);

  describe('outbound bodies', () => {
    it('When looking for a marker, Then the notes are read with the largest page size', async () => {
      const id = seeder.resetTicket();

      await adapter.hasNoteWithMarker(String(id), 'RD-1');

      expect(apiCalls().map((r) => [r.method, r.apiPath, r.query])).toEqual([
        ['GET', `/service/tickets/${id}/notes`, { page: '1', pageSize: '1000' }],
      ]);
    });
  });

  describe('reading tickets', () => {
    it('When the contact has a default and a non-default email, Then the default one is the requester email', async () => {
      const contactId = seeder.contact(undefined, {
        otherCommunicationItems: [
          { type: 'Email', value: 'old.address@contoso.example' },
          { type: 'Phone', value: '+44 20 7946 0000', defaultFlag: true },
          { type: 'Email', value: 'manager@contoso.example', defaultFlag: true },
        ],
      });
      const id = seeder.ticket({ contactId, contactEmailAddress: 'spoofed@attacker.example' });

      const ticket = await adapter.getTicket(String(id));

      expect(ticket?.requester).toEqual({
        contactId: String(contactId),
        name: 'Mark Manager',
        email: 'manager@contoso.example',
      });
    });

    it.each<[string, Partial<CwSimTicketSeed>, Partial<ConnectWiseOptions>, boolean]>([
      ['reset board and type', {}, {}, true],
      ['type in other case and spacing', { typeName: '  password / mfa RESET ' }, {}, true],
      ['another board', { boardId: OTHER_BOARD, statusId: 40 }, {}, false],
      ['another type', { typeName: 'Printer' }, {}, false],
      ['no type', { typeName: undefined }, {}, false],
      ['any type when no type names are configured', { typeName: 'Printer' }, { resetTypeNames: [] }, true],
      ['matching subtype', { subTypeName: 'Microsoft 365' }, { resetSubTypeNames: ['microsoft 365'] }, true],
      ['other subtype', { subTypeName: 'On-prem AD' }, { resetSubTypeNames: ['Microsoft 365'] }, false],
    ])('When the ticket has %s, Then isResetRequest is %s', async (_case, ticketFields, filter, expected) => {
      const filtered = createConnectWiseAdapter(optionsFor(simSite(sim), simCreds(sim), filter), silent);
      const id = seeder.ticket({ contactId: seeder.contact('m@contoso.example'), ...ticketFields });

      expect((await filtered.getTicket(String(id)))?.isResetRequest).toBe(expected);
    });

    it('When the site stores newlines as spaces, Then the marker is still found and no content is lost', async () => {
      await sim.close();
      ({ sim, seeder, adapter } = await startCw({ newlinesAsSpaces: true }));
      const id = String(seeder.resetTicket());

      await adapter.addNote(id, { text: 'Reset done.\nRef RD-77', visibility: 'customer', marker: 'RD-77' });

      await expect(adapter.hasNoteWithMarker(id, 'RD-77')).resolves.toBe(true);
      expect(sim.notes(Number(id)).map((n) => n.text)).toEqual(['Reset done. Ref RD-77']);
    });
  });

  describe('moving tickets', () => {
    it('When ConnectWise answers 200 but does not apply the patch, Then a PsaError says the move did not take', async () => {
      const id = seeder.resetTicket();
      sim.failNext({ method: 'PATCH', pathPattern: '/service/tickets', falseSuccess: true });

      const error = await rejection(adapter.moveTicket(String(id), 'engineers'));

      expect(error).toBeInstanceOf(PsaError);
      expect((error as Error).message).toMatch(/did not take \(board, status, owner, team unchanged\)/);
      expect(sim.ticket(id)).toMatchObject({ board: { id: RESET_BOARD }, status: { id: 1 } });
    });

    it('When the hand-off status is not a status of the hand-off board, Then a PsaError carries the ConnectWise reason', async () => {
      const id = seeder.resetTicket();
      const misconfigured = createConnectWiseAdapter(
        optionsFor(simSite(sim), simCreds(sim), { handoff: { boardId: HANDOFF.boardId, statusId: 1 } }),
        silent,
      );

      const error = await rejection(misconfigured.moveTicket(String(id), 'engineers'));

      expect(error).toBeInstanceOf(PsaError);
      expect((error as PsaError).status).toBe(400);
      expect((error as Error).message).toContain('Service Status 1 not found for Service Board 2');
      expect(sim.ticket(id)).toMatchObject({ board: { id: RESET_BOARD }, status: { id: 1 } });
    });

    it.each<[string, Partial<ConnectWiseOptions>]>([
      ['a hand-off board without a status', { handoff: { boardId: 2 } }],
      ['no reset board', { resetBoardIds: [] }],
      ['an empty field caption', { fields: { ...FIELDS, target: ' ' } }],
      ['a non-integer status', { awaitingConfirmation: { statusId: 1.5 } }],
      ['no clientId', { clientId: '' }],
    ])('When the configuration has %s, Then the adapter refuses to start', (_case, overrides) => {
      expect(() =>
        createConnectWiseAdapter(optionsFor(simSite(sim), simCreds(sim), overrides), silent),
      ).toThrow(PsaError);
    });
  });

  describe('failures', () => {
    it('When ConnectWise answers 429 with Retry-After, Then the TransientError waits that long', async () => {
      const id = seeder.resetTicket();
      sim.failNext({ pathPattern: '/service/tickets', status: 429, retryAfterSeconds: 9 });

      const error = await rejection(adapter.getTicket(String(id)));

      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).retryAfterMs).toBe(9_000);
    });

    it('When a note is refused with 400, Then a PsaError quotes the ConnectWise reasons', async () => {
      const id = seeder.resetTicket();
      sim.failNext({
        method: 'POST',
        pathPattern: '/service/tickets',
        status: 400,
        body: {
          code: 'InvalidObject',
          message: 'serviceNote object is invalid',
          errors: [
            {
              code: 'InvalidField',
              message: 'Please choose where to display the notes in order to save this record.',
            },
          ],
        },
      });

      const error = await rejection(
        adapter.addNote(String(id), { text: 'x', visibility: 'customer', marker: 'x' }),
      );

      expect(error).toBeInstanceOf(PsaError);
      expect((error as PsaError).status).toBe(400);
      expect((error as Error).message).toBe(
        `ConnectWise POST /service/tickets/${id}/notes failed with HTTP 400: serviceNote object is invalid - ` +
          'Please choose where to display the notes in order to save this record.',
      );
    });

    it('When the clientId is not the integration one, Then ConnectWise refuses with 401', async () => {
      const other = createConnectWiseAdapter(
        optionsFor(simSite(sim), { ...simCreds(sim), clientId: '00000000-0000-0000-0000-000000000000' }),
        silent,
      );

      const error = await rejection(other.getTicket(String(seeder.resetTicket())));

      expect((error as PsaError).status).toBe(401);
      expect(sim.requests.at(-1)).toMatchObject({ authorized: true, clientIdValid: false });
    });

    it('When the site answers 200 with an HTML page, Then a PsaError says to check siteUrl and codebase', async () => {
      const id = seeder.resetTicket();
      sim.failNext({ pathPattern: '/service/tickets', status: 200, body: '<html>Login</html>' });

      const error = await rejection(adapter.getTicket(String(id)));

      expect(error).toBeInstanceOf(PsaError);
      expect((error as Error).message).toMatch(/not JSON; check siteUrl and codebase/);
    });
  });
});

describe('ConnectWise helpers', () => {
  it.each([
    [
      'https://api-na.myconnectwise.net',
      'v4_6_release/',
      'https://api-na.myconnectwise.net/v4_6_release/apis/3.0',
    ],
    [
      'https://api-na.myconnectwise.net/',
      '/v4_6_release',
      'https://api-na.myconnectwise.net/v4_6_release/apis/3.0',
    ],
    ['api-eu.myconnectwise.net', 'v2025_1', 'https://api-eu.myconnectwise.net/v2025_1/apis/3.0'],
    [' https://cw.msp.example// ', '//v2025_1//', 'https://cw.msp.example/v2025_1/apis/3.0'],
    ['http://127.0.0.1:8080', '', 'http://127.0.0.1:8080/apis/3.0'],
  ])('When the site is %j and the codebase %j, Then the API base is %s', (site, codebase, expected) => {
    expect(connectWiseApiBase(site, codebase)).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Recorded exchanges: the real adapter against a strict replay, and the simulator against the same requests.

const recordings = loadConnectWiseRecordings();
const RECORDED: Credentials = {
  companyId: 'contoso_msp',
  publicKey: 'recordedPublicKey01',
  privateKey: 'recorded-private-key-not-real',
  clientId: '3f1a9c2e-7b4d-4e8a-9c61-2d5f0b7e8a13',
};

function recordedOptions(
  replay: CwReplayServer,
  overrides: Partial<ConnectWiseOptions> = {},
): ConnectWiseOptions {
  // A trailing slash on the site and a leading one on the codebase exercise URL normalisation.
  return optionsFor({ siteUrl: `${replay.url}/`, codebase: '/v4_6_release' }, RECORDED, {
    fields: {
      target: 'Reset target',
      resetPassword: 'Reset password',
      resetMfa: 'Remove MFA',
      attestation: 'Spoken to staff member',
    },
    ...overrides,
  });
}

function recordedAdapter(replay: CwReplayServer, overrides: Partial<ConnectWiseOptions> = {}): PsaAdapter {
  return createConnectWiseAdapter(recordedOptions(replay, overrides), silent);
}

const scenarios: Record<string, ReplayScenario<ConnectWiseRecording, CwReplayServer>> = {
  ...sharedRecordedScenarios<ConnectWiseRecording, CwReplayServer>({
    adapter: (replay) => recordedAdapter(replay),
    ticketId: '4242',
    ticketReads: {
      'ticket-read': {
        ticketId: '4242',
        psaCustomerId: '19300',
        summary: 'Password reset for Jane Doe',
        isResetRequest: true,
        channel: 'portal',
        requester: { contactId: '77', name: 'Mark Manager', email: 'mark.manager@contoso.example' },
        targetIdentifier: 'jane.doe@contoso.example',
        resetPassword: true,
        resetMfa: false,
        details: 'Please reset Jane, she is locked out.',
        attested: true,
        statusId: '1',
      },
      'ticket-read-email': {
        ticketId: '4243',
        psaCustomerId: '19300',
        summary: 'Password reset please',
        isResetRequest: true,
        channel: 'email',
        requester: { contactId: '77', name: 'Mark Manager', email: 'mark.manager@contoso.example' },
        resetPassword: true,
        // An unticked Checkbox is a no.
        resetMfa: false,
        details: 'Hi,\nplease reset the password for Jane Doe.\nThanks, Mark',
        emailOrigin: { from: 'mark.manager@contoso.example' },
        attested: false,
        statusId: '1',
      },
    },
    notFound: 'ticket-not-found',
    notesPost: 'notes-post',
    markerLookup: 'notes-list',
    moveToEngineers: 'ticket-move',
    activity: {
      name: 'activity-read',
      // Telling the service's own notes from an engineer's needs the API member's identifier.
      adapter: (replay) => recordedAdapter(replay, { apiMemberIdentifier: 'ResetdeskAPI' }),
      replies: [
        { at: new Date('2026-12-01T09:20:00Z'), by: 'contact', author: 'Mark Manager' },
        { at: new Date('2026-12-01T09:25:00Z'), by: 'engineer', author: 'Jane Doe-Tech' },
      ],
    },
    rateLimited: { name: 'rate-limited', retryAfterMs: 7_000 },
  }),
  'ticket-awaiting': async (replay) => {
    await recordedAdapter(replay).moveTicket('4242', 'awaiting-confirmation');
  },
  'patch-subpath-false-200': async (replay) => {
    // The adapter never patches a sub-path; the client is driven directly to pin what the false 200 looks like.
    const client = new ConnectWiseClient(recordedOptions(replay), silent);
    const patched = await client.request<{ status: { id: number } }>({
      method: 'PATCH',
      path: '/service/tickets/4242',
      body: [{ op: 'replace', path: 'status/id', value: 22 }],
    });
    expect(patched?.status.id).toBe(1);
    const reread = await client.request<{ status: { id: number } }>({
      method: 'GET',
      path: '/service/tickets/4242',
    });
    expect(reread?.status.id).toBe(1);
  },
  'status-not-on-board': async (replay) => {
    const error = await rejection(
      recordedAdapter(replay, { handoff: { boardId: 2, statusId: 1 } }).moveTicket('4242', 'engineers'),
    );
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(400);
    expect((error as Error).message).toContain('Service Status 1 not found for Service Board 2');
  },
  'note-no-display-flag': async (replay) => {
    // The adapter always sets one display flag, so the client is driven directly to check how the refusal reads.
    const client = new ConnectWiseClient(recordedOptions(replay), silent);
    const error = await rejection(
      client.request({
        method: 'POST',
        path: '/service/tickets/4242/notes',
        body: {
          text: 'No flags',
          detailDescriptionFlag: false,
          internalAnalysisFlag: false,
          resolutionFlag: false,
        },
      }),
    );
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(400);
    expect((error as Error).message).toContain('Please choose where to display the notes');
  },
  'auth-refused': async (replay) => {
    const error = await rejection(
      recordedAdapter(replay, { privateKey: 'wrong-private-key-not-real' }).getTicket('4242'),
    );
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(401);
    expect(errorDump(error)).not.toContain('wrong-private-key-not-real');
  },
};

describeAdapterReplays(
  'ConnectWise adapter against recorded exchanges',
  recordings,
  scenarios,
  startConnectWiseReplayServer,
);

/** The human-readable parts of a ConnectWise error body: `message` and each `errors[].message`. */
function errorTexts(body: unknown): unknown {
  const b = body as { message?: unknown; errors?: Array<{ message?: unknown }> } | undefined;
  return { message: b?.message, errors: (b?.errors ?? []).map((e) => e.message) };
}

async function seedSimulatorFrom(recording: ConnectWiseRecording): Promise<ConnectWiseSimulator> {
  const seed = recording.simulator;
  const sim = await startConnectWiseSimulator({
    codebase: seed.codebase,
    companyId: seed.companyId,
    clientId: seed.clientId,
  });
  for (const m of seed.members) sim.registerMember(m.companyId, m.publicKey, m.privateKey);
  for (const c of seed.companies ?? []) sim.addCompany(c.id, c.identifier, c.name);
  for (const c of seed.contacts ?? []) sim.addContact(c);
  for (const b of seed.boards ?? []) sim.addBoard(b.id, b.name, b.statuses);
  for (const t of seed.tickets ?? []) sim.addTicket(t);
  addRecordedActivities((ticketId, activity) => sim.addActivity(ticketId, activity), seed.activities);
  for (const n of seed.notes ?? []) await sim.writeNoteAsApi(n.ticketId, n.body);
  for (const f of seed.failures ?? []) sim.failNext(f);
  return sim;
}

describeSimulatorDrift('ConnectWise simulator against recorded exchanges (drift check)', recordings, {
  shapeDepth: 4,
  async startSimulator(recording) {
    const sim = await seedSimulatorFrom(recording);
    return {
      send: ({ request }) =>
        sendRecordedRequest(sim.url, request, {
          data: request.json,
          headers: {
            ...(request.authorization ? { Authorization: request.authorization } : {}),
            ...(request.clientId ? { clientId: request.clientId } : {}),
          },
        }),
      close: () => sim.close(),
    };
  },
  checkExchange(res, response, where) {
    if (response.status >= 400) expect(errorTexts(res.data), where).toEqual(errorTexts(response.json));
  },
});
