import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PsaError, TransientError } from '../../services/domain/errors.js';
import type { PsaAdapter } from '../../services/domain/ports.js';
import { createLogger } from '../../services/logging/logger.js';
import { createHaloPsaAdapter, type HaloOptions } from '../../integrations/halopsa/halopsa-adapter.js';
import { renderNoteHtml } from '../../integrations/halopsa/halopsa-note-html.js';
import {
  HaloClient,
  normaliseHaloAuthServerUrl,
  normaliseHaloResourceServerUrl,
  parseRetryAfter,
} from '../../integrations/halopsa/halopsa-client.js';
import {
  htmlToText,
  startHaloSimulator,
  type HaloSimCustomField,
  type HaloSimOptions,
  type HaloSimTicketSeed,
  type HaloSimulator,
} from '../simulators/halopsa-simulator.js';
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
import { psaDriverContract, simulatorSession, type PsaDriver } from './psa-driver-contract.js';
import {
  loadHaloRecordings,
  startHaloReplayServer,
  type HaloRecording,
  type HaloReplayServer,
} from './replay-server.js';

const CLIENT_ID = 12;
const RESET_TYPE = 25;
const OTHER_TYPE = 3;
const AWAITING_STATUS = 22;
const RESOLVED_STATUS = 9;
const CUSTOMER_RESOLVED_STATUS = 31;
const ENGINEER_STATUS = 26;
const HANDOFF = { teamId: 12, teamName: 'Service Desk', statusId: 3 };
/** This instance's ticket source ids (Halo numbers its sources per instance). */
const SOURCE_EMAIL = 1;
const SOURCE_PORTAL = 3;
const ATTESTATION_FIELD = 'CFSpokenToStaffMember';

const silent = createLogger({ level: 'silent' });

function optionsFor(
  urls: { resourceServerUrl: string; authServerUrl: string },
  app: { clientId: string; clientSecret: string },
  overrides: Partial<HaloOptions> = {},
): HaloOptions {
  return {
    ...urls,
    tenant: 'contoso',
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    scope: 'all',
    timeoutMs: 2_000,
    resetTicketTypeIds: [RESET_TYPE],
    fields: {
      target: 'CFResetTarget',
      resetPassword: 'CFResetPassword',
      resetMfa: 'CFResetMfa',
      attestation: ATTESTATION_FIELD,
    },
    outcomes: { customerNoteId: 21, internalNoteId: 7 },
    sources: { email: [SOURCE_EMAIL, 'Email'], portal: [SOURCE_PORTAL, 'Self Service Portal'] },
    statuses: { awaitingConfirmationId: AWAITING_STATUS, resolvedId: RESOLVED_STATUS },
    handoff: { ...HANDOFF },
    ...overrides,
  };
}

/** Seeds Halo data the way a tenant's reset form stores it: every field of the ticket type present, flags as Yes/No. */
class HaloSeeder {
  private nextTicket = 4200;
  private nextUser = 70;

  constructor(private readonly sim: HaloSimulator) {
    sim.addClient(CLIENT_ID, 'Contoso Ltd');
  }

  user(email: string | undefined): number {
    const id = this.nextUser++;
    this.sim.addUser({
      id,
      client_id: CLIENT_ID,
      name: 'Mark Manager',
      ...(email ? { emailaddress: email } : {}),
    });
    return id;
  }

  ticket(fields: Partial<HaloSimTicketSeed>): number {
    const id = this.nextTicket++;
    this.sim.addTicket({
      id,
      summary: 'Password reset',
      tickettype_id: RESET_TYPE,
      client_id: CLIENT_ID,
      status_id: 1,
      team_id: 5,
      team: '1st Line',
      ...fields,
    });
    return id;
  }

  resetTicket(seed: ResetTicketSeed = {}): number {
    const userId = this.user(seed.requesterEmail ?? 'manager@contoso.example');
    const yesNo = (v: boolean | undefined) =>
      v === undefined ? { value: '' } : { value: v ? '1' : '0', display: v ? 'Yes' : 'No' };
    const customfields: HaloSimCustomField[] = [
      { id: 171, name: 'CFResetTarget', value: seed.target ?? '' },
      { id: 172, name: 'CFResetPassword', ...yesNo(seed.resetPassword) },
      { id: 173, name: 'CFResetMfa', ...yesNo(seed.resetMfa) },
      { id: 174, name: ATTESTATION_FIELD, ...yesNo(seed.attested) },
    ];
    const email = seed.channel === 'email';
    const html = (text: string) =>
      `<p>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').split('\n').join('<br>')}</p>`;
    return this.ticket({
      user_id: userId,
      customfields,
      source: email ? SOURCE_EMAIL : SOURCE_PORTAL,
      ...(seed.ticketEmail ? { user_email: seed.ticketEmail } : {}),
      // Halo keeps no Reply-To on the email action, so `seed.emailReplyTo` has nowhere to go.
      ...(email
        ? {
            email: {
              from: seed.emailFrom ?? 'manager@contoso.example',
              to: 'support@msp.example',
              ...(seed.details !== undefined ? { body: seed.details } : {}),
            },
          }
        : {}),
      ...(seed.details !== undefined ? { details: html(seed.details) } : {}),
    });
  }
}

/** A Halo simulator for tenant contoso, seeded like a tenant's reset setup, and an adapter configured for it. */
async function startHalo(options: HaloSimOptions = {}) {
  const sim = await startHaloSimulator({ tenant: 'contoso', ...options });
  const adapter = createHaloPsaAdapter(optionsFor(sim, sim.defaultApp), silent);
  return { sim, seeder: new HaloSeeder(sim), adapter };
}

async function haloHarness(): Promise<PsaContractHarness> {
  const { sim, seeder, adapter } = await startHalo();
  return {
    adapter,
    customerId: String(CLIENT_ID),
    emailOrigin: { from: true, replyTo: false },
    activity: simulatorActivity(
      sim,
      { engineer: ENGINEER_STATUS, resolved: RESOLVED_STATUS, customerResolved: CUSTOMER_RESOLVED_STATUS },
      {
        garbleNextNotesRead: () =>
          sim.failNext({
            method: 'GET',
            pathPattern: '/api/Actions',
            status: 200,
            json: { record_count: 1 },
          }),
        statusOf: (ticketId) => sim.ticket(ticketId)?.status_id,
        adapterWithoutResolvedStatus: (logger) =>
          createHaloPsaAdapter(
            optionsFor(sim, sim.defaultApp, { statuses: { awaitingConfirmationId: AWAITING_STATUS } }),
            logger,
          ),
        leftUnresolvedLog: {},
        calls: () =>
          sim.requests.filter((r) => r.path.startsWith('/api')).map((r) => [r.method, r.path, r.query]),
        // The ticket, then its actions without Halo's system actions.
        activityReads: (ticketId) => [
          ['GET', `/api/Tickets/${ticketId}`, {}],
          ['GET', '/api/Actions', { ticket_id: ticketId, excludesys: 'true' }],
        ],
        moveBodies: () =>
          sim.requests.filter((r) => r.method === 'POST' && r.path === '/api/Tickets').map((r) => r.body),
        // Exactly the status: Halo keeps what a ticket update leaves out.
        resolvedBody: (ticketId, statusId) => [{ id: Number(ticketId), status_id: Number(statusId) }],
      },
    ),
    seedResetTicket: async (seed) => String(seeder.resetTicket(seed)),
    seedOtherTicket: async () =>
      String(seeder.ticket({ tickettype_id: OTHER_TYPE, user_id: seeder.user('someone@contoso.example') })),
    notesOf: async (ticketId) => {
      const emails = sim.emails.filter((e) => e.ticketId === Number(ticketId));
      return sim.actions(Number(ticketId)).map((a) => {
        const html = String(a.note_html ?? '');
        const emailed = emails.find((e) => e.html === html);
        return {
          text: htmlToText(html),
          visibility: a.hiddenfromuser === true ? ('internal' as const) : ('customer' as const),
          ...(emailed ? { emailedTo: emailed.to } : {}),
        };
      });
    },
    stateOf: async (ticketId) => {
      const t = sim.ticket(Number(ticketId));
      if (t?.status_id === HANDOFF.statusId && t.team_id === HANDOFF.teamId)
        return { disposition: 'engineers' };
      if (t?.status_id === AWAITING_STATUS) return { disposition: 'awaiting-confirmation' };
      return {};
    },
    injectRateLimit: (retryAfterSeconds) =>
      sim.failNext({ pathPattern: '/api', status: 429, retryAfterSeconds }),
    expireToken: () => sim.expireTokens(),
    tokenRequests: () => sim.tokenRequests(),
    teardown: () => sim.close(),
  };
}

psaAdapterContract('HaloPSA adapter against the Halo simulator', haloHarness);

/** The action an internal note is: hidden, not emailed, with the internal outcome. */
function haloInternalAction(ticketId: number, text: string) {
  return {
    ticket_id: ticketId,
    outcome_id: 7,
    note_html: `<p>${text}</p>`,
    hiddenfromuser: true,
    sendemail: false,
  };
}

const haloDriver: PsaDriver = {
  psaName: 'HaloPSA',
  customerId: String(CLIENT_ID),
  fields: { target: 'CFResetTarget', resetPassword: 'CFResetPassword', resetMfa: 'CFResetMfa' },
  sourceCases: [
    { label: 'Email', source: 'Email', channel: 'email' },
    { label: 'Self Service Portal', source: 'Self Service Portal', channel: 'portal' },
    { label: 'Agent', source: 'Agent', channel: 'agent' },
    { label: 'Carrier pigeon', source: 'Carrier pigeon', channel: 'unknown' },
  ],
  fieldSpellings: [
    ['resettarget', 'RESETPASSWORD', 'cfresetmfa'],
    ['CFRESETTARGET', 'ResetPassword', 'CfResetMfa'],
  ],
  // A Yes/No field's value, with the display text Halo sends beside it where it decides.
  flagCases: (
    [
      [true, undefined, true],
      [false, undefined, false],
      [1, undefined, true],
      [0, undefined, false],
      [' YES ', undefined, true],
      ['no', undefined, false],
      ['y', undefined, true],
      ['N', undefined, false],
      ['True', undefined, true],
      ['0', undefined, false],
      ['', undefined, true],
      [null, undefined, true],
      [2, 'Yes', true],
      [1, 'No', false],
    ] as Array<[unknown, string | undefined, boolean]>
  ).map(([value, display, expected]) => ({
    label: `value ${JSON.stringify(value)}${display ? ` shown as ${display}` : ''}`,
    seed: { value, ...(display ? { display } : {}) },
    expected,
  })),
  foreignPathId: '../Users/1',
  rateLimitDefault: { ms: 30_000, quote: 'Rate Limit Reached' },
  credentialHints: [/client secret/, 'invalid_client'],
  redirectHint: /HTTP 302/,
  credentialHeaderPattern: /Bearer|Authorization/i,
  parseRetryAfter,
  keepsTicketAddress: true,
  allowsNoMoves: true,
  wire: {
    customerNoteText: 'Hello <Mark> & team,\nLink: https://links.example/s/a1?x=1&y=2.\n\nRef RD-9',
    customerNoteKind: 'visible, emailed action with the customer outcome',
    internalNoteKind: 'hidden, non-emailed action with the internal outcome',
    customerNote: (id) => ({
      posts: [
        [
          {
            ticket_id: id,
            outcome_id: 21,
            note_html:
              '<p>Hello &lt;Mark&gt; &amp; team,<br>Link: <a href="https://links.example/s/a1?x=1&amp;y=2">' +
              'https://links.example/s/a1?x=1&amp;y=2</a>.</p><p>Ref RD-9</p>',
            hiddenfromuser: false,
            sendemail: true,
          },
        ],
      ],
      email: { to: 'manager@contoso.example', ticketId: id, html: expect.stringContaining('Ref RD-9') },
    }),
    internalNotePosts: (id, text) => [[haloInternalAction(id, text)]],
    internalNoteStored: haloInternalAction,
    moves: {
      engineers: {
        label: 'only the configured team and status are posted',
        calls: (id) => [[{ id, team_id: 12, team: 'Service Desk', status_id: 3 }]],
      },
      'awaiting-confirmation': {
        label: 'the status only is posted',
        calls: (id) => [[{ id, status_id: AWAITING_STATUS }]],
      },
      teamOnly: {
        label: 'engineers posts id and team name only',
        calls: (id) => [[{ id, team: 'L2' }]],
        ticket: () => ({ team: 'L2', team_id: 5, status_id: 1 }),
      },
    },
    ticketReadLabel: 'the ticket is read with includedetails and the user record is read',
    ticketReadCalls: (id) => [
      ['GET', `/api/Tickets/${id}`, { includedetails: 'true' }],
      ['GET', '/api/Users/70', {}],
    ],
  },
  async start() {
    const { sim, seeder } = await startHalo();
    const apiRequests = () => sim.requests.filter((r) => r.path.startsWith('/api'));
    const adapterFor = (overrides: Partial<HaloOptions>, logger = silent) =>
      createHaloPsaAdapter(optionsFor(sim, sim.defaultApp, overrides), logger);
    const withUser = (fields: Partial<HaloSimTicketSeed>) =>
      String(seeder.ticket({ user_id: seeder.user('m@contoso.example'), ...fields }));
    return {
      ...simulatorSession(sim),
      adapter: adapterFor({}),
      adapterWith: ({ timeoutMs, logger }) => adapterFor(timeoutMs ? { timeoutMs } : {}, logger),
      adapterWithSecret: (clientSecret) =>
        createHaloPsaAdapter(optionsFor(sim, { clientId: sim.defaultApp.clientId, clientSecret }), silent),
      adapterAt: (url) =>
        createHaloPsaAdapter(
          optionsFor({ resourceServerUrl: url, authServerUrl: url }, { clientId: 'a', clientSecret: 'b' }),
          silent,
        ),
      adapterWithTeamOnlyHandoff: () => adapterFor({ handoff: { teamName: 'L2' } }),
      adapterWithoutMoves: () => adapterFor({ statuses: {}, handoff: {} }),
      seedResetTicket: (seed) => String(seeder.resetTicket(seed)),
      seedTicketWithFields: (fields) =>
        withUser({
          customfields: fields.map(({ name, value, display }, i) => ({
            id: i + 1,
            name,
            value,
            ...(display ? { display } : {}),
          })),
        }),
      seedTicketFromSource: (source) => withUser({ sourcename: String(source) }),
      seedTicketWithoutContact: () =>
        String(seeder.ticket({ user_id: null, user_email: 'someone@contoso.example', customfields: [] })),
      seedTicketWithMissingContact: (userId) =>
        String(seeder.ticket({ user_id: userId, user_email: 'spoofed@attacker.example' })),
      seedTicketWithAddressOnly: (address) => {
        const userId = seeder.user(undefined);
        return {
          ticketId: String(seeder.ticket({ user_id: userId, user_email: address })),
          contactId: String(userId),
        };
      },
      apiCalls: () => apiRequests().map((r) => [r.method, r.path, r.query]),
      apiRequests,
      notePosts: () =>
        sim.requests.filter((r) => r.method === 'POST' && r.path === '/api/Actions').map((r) => r.body),
      moveCalls: () => sim.requests.filter((r) => r.path === '/api/Tickets').map((r) => r.body),
      contactReads: () => sim.requests.filter((r) => r.path.startsWith('/api/Users')).length,
      storedNotes: (ticketId) => sim.actions(Number(ticketId)),
      failTicketRead: (failure) => sim.failNext({ pathPattern: '/api/Tickets', ...failure }),
      failNotePost: (_ticketId, status) => sim.failNext({ pathPattern: '/api/Actions', status }),
      secrets: (wrongSecret) => [sim.defaultApp.clientSecret, ...(wrongSecret ? [wrongSecret] : [])],
    };
  },
};

psaDriverContract('HaloPSA adapter against the Halo simulator', haloDriver);

describe('HaloPSA adapter specifics (simulator)', () => {
  let sim: HaloSimulator;
  let seeder: HaloSeeder;
  let adapter: PsaAdapter;

  beforeEach(async () => {
    ({ sim, seeder, adapter } = await startHalo());
  });

  afterEach(async () => {
    await sim.close();
  });

  describe('outbound bodies', () => {
    it('When the token is requested, Then the form carries the client credentials and the tenant goes in the query', async () => {
      await adapter.getTicket(String(seeder.resetTicket()));

      const tokenCalls = sim.requests.filter((r) => r.path === '/auth/token');
      expect(tokenCalls).toEqual([
        {
          method: 'POST',
          path: '/auth/token',
          query: { tenant: 'contoso' },
          body: {
            grant_type: 'client_credentials',
            client_id: sim.defaultApp.clientId,
            client_secret: sim.defaultApp.clientSecret,
            scope: 'all',
          },
          authorized: false,
        },
      ]);
      const apiCalls = sim.requests.filter((r) => r.path.startsWith('/api'));
      expect(apiCalls.every((r) => r.authorized)).toBe(true);
      expect(JSON.stringify(apiCalls)).not.toContain(sim.defaultApp.clientSecret);
    });
  });

  describe('reading tickets', () => {
    it('When the token is still valid, Then it is reused across calls', async () => {
      const id = String(seeder.resetTicket());

      await adapter.getTicket(id);
      await adapter.hasNoteWithMarker(id, 'x');

      expect(sim.tokenRequests()).toBe(1);
    });
  });

  describe('failures', () => {
    it('When the rolling rate limit is exceeded, Then a TransientError carries the simulator Retry-After', async () => {
      await sim.close();
      ({ sim, seeder, adapter } = await startHalo({ rateLimit: { max: 2, windowMs: 60_000 } }));
      const id = String(seeder.resetTicket());

      await adapter.getTicket(id); // ticket + user: two calls
      const error = await rejection(adapter.getTicket(id));

      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).retryAfterMs).toBeGreaterThan(0);
      expect((error as TransientError).retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it('When Halo refuses a write with 400, Then a PsaError carries status and Halo message', async () => {
      const id = seeder.resetTicket();
      sim.failNext({ pathPattern: '/api/Tickets', method: 'POST', status: 400 });

      const error = await rejection(adapter.moveTicket(String(id), 'engineers'));

      expect(error).toBeInstanceOf(PsaError);
      expect((error as PsaError).status).toBe(400);
    });

    it('When Halo answers 401 even with a fresh token, Then a PsaError follows exactly one refresh', async () => {
      const id = seeder.resetTicket();
      await adapter.getTicket(String(id));
      sim.failNext({ pathPattern: '/api/Tickets', status: 401, times: 2 });

      const error = await rejection(adapter.getTicket(String(id)));

      expect(error).toBeInstanceOf(PsaError);
      expect((error as PsaError).status).toBe(401);
      expect(sim.tokenRequests()).toBe(2);
    });

    it('When a note outcome is not configured, Then the adapter refuses to start', () => {
      expect(() =>
        createHaloPsaAdapter(
          optionsFor(sim, sim.defaultApp, { outcomes: { customerNoteId: 0, internalNoteId: 7 } }),
          silent,
        ),
      ).toThrow(PsaError);
    });
  });
});

describe('HaloPSA helpers', () => {
  it.each([
    ['https://acme.halopsa.com', 'https://acme.halopsa.com/api', 'https://acme.halopsa.com/auth'],
    ['https://acme.halopsa.com/', 'https://acme.halopsa.com/api', 'https://acme.halopsa.com/auth'],
    ['https://acme.halopsa.com/api', 'https://acme.halopsa.com/api', 'https://acme.halopsa.com/api/auth'],
    ['https://acme.halopsa.com/auth/', 'https://acme.halopsa.com/auth/api', 'https://acme.halopsa.com/auth'],
    ['https://halo.example/API//', 'https://halo.example/API', 'https://halo.example/API/auth'],
  ])('When the configured URL is %s, Then it normalises to %s / %s', (input, api, auth) => {
    expect(normaliseHaloResourceServerUrl(input)).toBe(api);
    expect(normaliseHaloAuthServerUrl(input)).toBe(auth);
  });

  it('When a note has paragraphs, links and non-https schemes, Then only https URLs become links', () => {
    expect(
      renderNoteHtml('a\nb\n\n\nc (see https://x.example/p).\nhttp://plain.example javascript:alert(1)'),
    ).toBe(
      '<p>a<br>b</p><p>c (see <a href="https://x.example/p">https://x.example/p</a>).<br>' +
        'http://plain.example javascript:alert(1)</p>',
    );
    expect(renderNoteHtml('https://x.example/"onmouseover="alert(1)')).toBe(
      '<p><a href="https://x.example/">https://x.example/</a>&quot;onmouseover=&quot;alert(1)</p>',
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Recorded exchanges: the real adapter against a strict replay, and the simulator against the same requests.

const RECORDED_APP = { clientId: 'resetdesk-recorded', clientSecret: 'recorded-client-secret-not-real' };
const recordings = loadHaloRecordings();

function recordedAdapter(replay: HaloReplayServer, app = RECORDED_APP): PsaAdapter {
  // The bare base URL and a trailing slash exercise URL normalisation against the recorded paths.
  return createHaloPsaAdapter(
    optionsFor({ resourceServerUrl: replay.url, authServerUrl: `${replay.authServerUrl}/` }, app),
    silent,
  );
}

const scenarios: Record<string, ReplayScenario<HaloRecording, HaloReplayServer>> = {
  ...sharedRecordedScenarios<HaloRecording, HaloReplayServer>({
    adapter: (replay) => recordedAdapter(replay),
    ticketId: '4242',
    ticketReads: {
      'ticket-read': {
        ticketId: '4242',
        psaCustomerId: '12',
        summary: 'Password reset for Jane Doe',
        isResetRequest: true,
        channel: 'portal',
        requester: { contactId: '77', name: 'Mark Manager', email: 'mark.manager@contoso.example' },
        targetIdentifier: 'jane.doe@contoso.example',
        resetPassword: true,
        resetMfa: false,
        details: 'Please reset Jane.',
        attested: true,
        statusId: '1',
      },
      'ticket-read-email': {
        ticketId: '4243',
        psaCustomerId: '12',
        summary: 'Password reset please',
        isResetRequest: true,
        channel: 'email',
        requester: { contactId: '77', name: 'Mark Manager', email: 'mark.manager@contoso.example' },
        resetPassword: true,
        resetMfa: true,
        details: 'Hi,\nplease reset the password for Jane Doe & her MFA.\n\nThanks, Mark',
        emailOrigin: { from: 'mark.manager@contoso.example' },
        attested: false,
        statusId: '1',
      },
    },
    notesPost: 'notes-post',
    markerLookup: 'actions-list',
    moveToEngineers: 'ticket-update',
    activity: {
      name: 'activity-read',
      replies: [
        { at: new Date('2026-12-01T09:20:00Z'), by: 'contact', author: 'Mark Manager' },
        { at: new Date('2026-12-01T09:25:00Z'), by: 'engineer', author: 'Ann Agent' },
      ],
    },
    rateLimited: { name: 'rate-limited', retryAfterMs: 30_000 },
  }),
  'outcome-required': async (replay) => {
    // The adapter always sends an outcome, so the client is driven directly to check how the refusal is reported.
    const client = new HaloClient(
      optionsFor(
        { resourceServerUrl: replay.resourceServerUrl, authServerUrl: replay.authServerUrl },
        RECORDED_APP,
      ),
      silent,
    );
    const error = await rejection(
      client.request({
        method: 'POST',
        path: '/Actions',
        body: [{ ticket_id: 4242, note_html: '<p>No outcome</p>', hiddenfromuser: true }],
      }),
    );
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(400);
    expect((error as Error).message).toContain('An Outcome must be entered for this Action');
  },
  'token-refused': async (replay) => {
    const error = await rejection(
      recordedAdapter(replay, { ...RECORDED_APP, clientSecret: 'wrong-secret-not-real' }).getTicket('4242'),
    );
    expect(error).toBeInstanceOf(PsaError);
    expect((error as Error).message).not.toContain('wrong-secret-not-real');
  },
};

describeAdapterReplays(
  'HaloPSA adapter against recorded exchanges',
  recordings,
  scenarios,
  startHaloReplayServer,
);

async function seedSimulatorFrom(recording: HaloRecording): Promise<{ sim: HaloSimulator; token: string }> {
  const seed = recording.simulator ?? {};
  const sim = await startHaloSimulator(seed.rateLimit ? { rateLimit: seed.rateLimit } : {});
  for (const c of seed.clients ?? []) sim.addClient(c.id, c.name);
  for (const u of seed.users ?? []) sim.addUser(u);
  for (const t of seed.tickets ?? []) sim.addTicket(t as HaloSimTicketSeed);
  addRecordedActivities((ticketId, activity) => sim.addActivity(ticketId, activity), seed.activities);
  const token = await sim.issueToken();
  for (const action of seed.actions ?? []) await sim.writeActionsAsApi([action]);
  return { sim, token };
}

describeSimulatorDrift('HaloPSA simulator against recorded exchanges (drift check)', recordings, {
  shapeDepth: 3,
  async startSimulator(recording) {
    const { sim, token } = await seedSimulatorFrom(recording);
    return {
      send: ({ request, response }) => {
        const isToken = request.path === '/auth/token';
        // The recorded app's credentials are not the simulator's: a token call that succeeded must again.
        const form =
          request.form && isToken && response.status !== 401
            ? {
                ...request.form,
                client_id: sim.defaultApp.clientId,
                client_secret: sim.defaultApp.clientSecret,
              }
            : request.form;
        return sendRecordedRequest(sim.url, request, {
          data: form ? new URLSearchParams(form).toString() : request.json,
          headers: isToken ? {} : { Authorization: `Bearer ${token}` },
        });
      },
      close: () => sim.close(),
    };
  },
});
