import { randomBytes, randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { createFailureQueue, listenSim, writeThroughApi, type SimFailureMatch } from './sim-server.js';
import { activityAction, HALO_SIM_API_AGENT_ID, type HaloSimActivity } from './halopsa-sim-activity.js';
import { createHoldRegistry, type HoldSpec, type SimHold } from './sim-hold.js';

/**
 * In-process simulator of one HaloPSA instance: its authorisation server (`/auth/token`) and the parts of its
 * REST API (`/api/...`) resetdesk uses. It follows the behaviour in the shared PSA reference (public PSA docs):
 * client-credentials tokens that expire, 401 without a valid token, array bodies for create/update, a mandatory
 * outcome on actions, 429 "Rate Limit Reached". Unconfirmed Halo behaviour is modelled conservatively.
 */

/** A custom field as Halo returns it on a ticket. */
export interface HaloSimCustomField {
  id: number;
  name: string;
  value: unknown;
  display?: string;
}

/** Ticket fields a test can seed; anything else passes through and comes back on GET. */
export interface HaloSimTicketSeed {
  id: number;
  summary?: string;
  details?: string;
  tickettype_id: number;
  client_id: number;
  user_id?: number | null;
  /** The address the request came from; defaults to the user's `emailaddress`. */
  user_email?: string;
  status_id?: number;
  team_id?: number;
  team?: string;
  agent_id?: number;
  /** Halo's numeric ticket source id (per instance; e.g. the id of "Email"). */
  source?: number;
  sourcename?: string;
  customfields?: HaloSimCustomField[];
  /**
   * The email that opened the ticket. Halo's mail processing then adds a system action ("Ticket logged") and the
   * first conversation action, which carries the message's sender, To and Cc in `emailfrom`/`emailto`/`emailcc`
   * and its body as the note. Halo keeps no Reply-To there, so the seed has none. `reportedby` defaults to the
   * sender.
   */
  email?: { from: string; to?: string; cc?: string; body?: string };
  [key: string]: unknown;
}

export interface HaloSimUser {
  id: number;
  client_id: number;
  name: string;
  emailaddress?: string;
  site_id?: number;
}

export interface HaloSimFailure extends SimFailureMatch {
  /** A JSON body to answer with instead of Halo's error text (e.g. a 200 the client cannot read). */
  json?: unknown;
}

export interface HaloSimRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  body: unknown;
  /** Whether an Authorization header was present (its value is never recorded). */
  authorized: boolean;
}

export interface HaloSimEmail {
  to: string;
  ticketId: number;
  html: string;
}

export interface HaloSimOptions {
  /** Token lifetime in seconds (default 3600). */
  tokenTtlSeconds?: number;
  /** When set, the token request must carry `?tenant=<tenant>`. */
  tenant?: string;
  /** Rolling-window limit over `/api` calls; exceeding it answers 429 "Rate Limit Reached" with Retry-After. */
  rateLimit?: { max: number; windowMs: number };
  /** Added before every `/api` answer, like a real round trip (benchmark). */
  latencyMs?: number;
  /** Called for every action stored (benchmark: when a note was written). */
  onAction?: (ticketId: number, action: { hiddenfromuser: boolean }) => void;
  /** Called for every 429 the rate limit sends. */
  onThrottle?: () => void;
}

export interface HaloSimulator {
  url: string;
  authServerUrl: string;
  resourceServerUrl: string;
  /** The API application registered at start. */
  defaultApp: { clientId: string; clientSecret: string };
  close(): Promise<void>;
  registerApp(clientId: string, secret: string): void;
  addClient(id: number, name: string): void;
  /**
   * Configuration records this instance has (Configuration → Tickets / Teams), read by their lookup endpoints
   * `GET /api/TicketType/{id}`, `/api/Status/{id}`, `/api/Team/{id}`, `/api/Outcome/{id}` (404 when unknown).
   * Built in: status 1 "New" and outcome 7 "Private Note".
   */
  addTicketType(id: number, name: string): void;
  addStatus(id: number, name: string): void;
  addTeam(id: number, name: string): void;
  addOutcome(id: number, name: string): void;
  addUser(user: HaloSimUser): void;
  addTicket(ticket: HaloSimTicketSeed): void;
  /** The ticket as the API would return it, or undefined. A copy: mutating it changes nothing. */
  ticket(id: number): Record<string, unknown> | undefined;
  /** Action objects posted for the ticket, exactly as received. */
  actions(ticketId: number): Array<Record<string, unknown>>;
  /** Emails Halo would have sent: customer-visible actions with `sendemail: true`, to the ticket user's address. */
  readonly emails: HaloSimEmail[];
  /** Every request received, oldest first. */
  readonly requests: HaloSimRequest[];
  /**
   * When each of `requests` arrived and when its answer was sent (`performance.now()`, same index): lets a
   * benchmark tell the simulator's time from its client's.
   */
  readonly arrivals: number[];
  readonly departures: number[];
  /** Token requests received (successful or not). */
  tokenRequests(): number;
  failNext(failure: HaloSimFailure): void;
  /** Holds matching requests (or their answers) until the test lets them go (see sim-hold.ts). */
  hold(spec: HoldSpec): SimHold;
  /** Answers every `/api` request with this status until called again with undefined (the PSA is down). */
  down(status?: number): void;
  /** Invalidates every issued token on the server side (clients still believe theirs is valid). */
  expireTokens(): void;
  /** An action by the ticket's end user or an agent (see halopsa-sim-activity.ts). */
  addActivity(ticketId: number, activity: HaloSimActivity): void;
  /** An agent sets the ticket's status in Halo's UI. */
  setStatus(ticketId: number, statusId: number): void;
  /**
   * Someone with access to the ticket changes its fields (e.g. rewrites `details`), as Halo's UI or a
   * `POST /api/Tickets` would; only the fields that request may change are applied.
   */
  editTicket(ticketId: number, fields: HaloSimTicketEdit): void;
  /** The ticket is deleted: every read of it answers 404. */
  deleteTicket(ticketId: number): void;
  /** A bearer token for the default app, issued by `POST /auth/token` as any client would get one. */
  issueToken(): Promise<string>;
  /** Actions the API application wrote earlier, posted through `POST /api/Actions` with the default app's token. */
  writeActionsAsApi(actions: Array<Record<string, unknown>>): Promise<void>;
}

interface StoredAction {
  id: number;
  ticket_id: number;
  outcome_id?: number;
  outcome?: string;
  note: string;
  note_html: string;
  hiddenfromuser: boolean;
  sendemail: boolean;
  datetime: string;
  who: string;
  /** The acting agent (the API application's agent for what the API writes); 0 for an end user. */
  who_agentid?: number;
  /** The client id of the API application that wrote the action. */
  actionby_application_id?: string;
  /** Set on actions made from an incoming email. */
  emailfrom?: string;
  emailto?: string;
  emailcc?: string;
}

/** Whether an action is a system action (left out by `excludesys=true`); kept beside the action, not in it. */
const systemActions = new WeakSet<StoredAction>();

const FAILURE_BODIES: Record<number, string> = {
  429: 'Rate Limit Reached',
  500: 'An error has occurred.',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Starts a simulator on 127.0.0.1 with a random port. */
export async function startHaloSimulator(options: HaloSimOptions = {}): Promise<HaloSimulator> {
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
  const apps = new Map<string, string>();
  const tokens = new Map<string, { expiresAt: number; clientId: string }>();
  const clients = new Map<number, { id: number; name: string }>();
  const lookups = {
    TicketType: new Map<number, Record<string, unknown>>(),
    Status: new Map<number, Record<string, unknown>>([[1, { id: 1, name: 'New', type: 0 }]]),
    Team: new Map<number, Record<string, unknown>>(),
    Outcome: new Map<number, Record<string, unknown>>([
      [7, { id: 7, outcome: 'Private Note', buttonname: 'Private Note', hiddenfromuser: true }],
    ]),
  };
  const users = new Map<number, HaloSimUser>();
  const tickets = new Map<number, Record<string, unknown>>();
  const storedActions: StoredAction[] = [];
  const received = new Map<number, Array<Record<string, unknown>>>();
  const emails: HaloSimEmail[] = [];
  const requests: HaloSimRequest[] = [];
  const arrivals: number[] = [];
  const departures: number[] = [];
  const failures = createFailureQueue<HaloSimFailure>();
  const apiHits: number[] = [];
  let tokenRequestCount = 0;
  let nextActionId = 1000;
  let nextTicketId = 9000;

  const defaultApp = { clientId: 'resetdesk-sim', clientSecret: randomBytes(16).toString('hex') };
  apps.set(defaultApp.clientId, defaultApp.clientSecret);

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb' }));
  app.use(express.urlencoded({ extended: false }));

  app.use((req, res, next) => {
    const index = requests.length;
    res.on('finish', () => void (departures[index] = performance.now()));
    arrivals.push(performance.now());
    requests.push({
      method: req.method,
      path: req.path,
      query: { ...(req.query as Record<string, unknown>) },
      body: structuredClone(req.body as unknown),
      authorized: typeof req.headers.authorization === 'string',
    });
    next();
  });

  const holds = createHoldRegistry();
  let downStatus: number | undefined;
  app.use(async (req, res, next) => {
    const beforeAct = holds.gate(req.method, req.path, 'request', req);
    if (beforeAct && (await beforeAct) === 'drop') {
      req.socket.destroy();
      return;
    }
    const afterAct = holds.gate(req.method, req.path, 'answer', req);
    if (afterAct) {
      const end = res.end.bind(res) as (...args: unknown[]) => Response;
      res.end = ((...args: unknown[]) => {
        void afterAct.then((verdict) => (verdict === 'release' ? end(...args) : req.socket.destroy()));
        return res;
      }) as Response['end'];
    }
    if (downStatus !== undefined && req.path.toLowerCase().startsWith('/api')) {
      res
        .status(downStatus)
        .type('text/plain')
        .send(FAILURE_BODIES[downStatus] ?? 'Error');
      return;
    }
    next();
  });

  app.use(
    failures.middleware((res, failure, status) => {
      if (failure.json !== undefined) return void res.json(failure.json);
      res.type('text/plain').send(FAILURE_BODIES[status] ?? 'Error');
    }),
  );

  // --- authorisation server ---------------------------------------------------------------------------------
  app.post('/auth/token', (req, res) => {
    tokenRequestCount += 1;
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    if (options.tenant !== undefined && req.query.tenant !== options.tenant) {
      res.status(400).json({ error: 'invalid_request', error_description: 'Unknown tenant' });
      return;
    }
    if (body.grant_type !== 'client_credentials') {
      res.status(400).json({ error: 'unsupported_grant_type' });
      return;
    }
    const secret = body.client_id === undefined ? undefined : apps.get(body.client_id);
    if (secret === undefined || secret !== body.client_secret) {
      res.status(401).json({ error: 'invalid_client' });
      return;
    }
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, { expiresAt: Date.now() + tokenTtlSeconds * 1000, clientId: body.client_id ?? '' });
    res.json({
      access_token: token,
      token_type: 'Bearer',
      expires_in: tokenTtlSeconds,
      scope: body.scope ?? 'all',
    });
  });

  // --- resource server --------------------------------------------------------------------------------------
  const api = express.Router({ caseSensitive: false });
  if (options.latencyMs) api.use((_req, _res, next) => void setTimeout(next, options.latencyMs));

  api.use((req, res, next) => {
    if (options.rateLimit) {
      const now = Date.now();
      while (apiHits.length > 0 && (apiHits[0] ?? 0) <= now - options.rateLimit.windowMs) apiHits.shift();
      if (apiHits.length >= options.rateLimit.max) {
        const oldest = apiHits[0] ?? now;
        const retryAfter = Math.max(1, Math.ceil((oldest + options.rateLimit.windowMs - now) / 1000));
        options.onThrottle?.();
        res.set('Retry-After', String(retryAfter)).status(429).type('text/plain').send('Rate Limit Reached');
        return;
      }
      apiHits.push(now);
    }
    const header = req.headers.authorization ?? '';
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    const entry = token === undefined ? undefined : tokens.get(token);
    if (!entry || entry.expiresAt <= Date.now()) {
      res.status(401).end();
      return;
    }
    res.locals.clientId = entry.clientId;
    next();
  });

  api.get('/Tickets/:id', (req, res) => {
    const ticket = tickets.get(Number(req.params.id));
    if (!ticket) return notFound(res, 'Ticket');
    res.json(view(ticket));
  });

  api.post('/Tickets', (req, res) => {
    const items = arrayBody(req, res);
    if (!items) return;
    const results: Array<Record<string, unknown>> = [];
    for (const item of items) {
      if (item.id === undefined || item.id === null || item.id === 0) {
        const id = nextTicketId++;
        tickets.set(id, { ...item, id, customfields: item.customfields ?? [] });
        results.push(view(tickets.get(id) ?? {}));
        continue;
      }
      const ticket = tickets.get(Number(item.id));
      if (!ticket) return notFound(res, 'Ticket');
      applyEdit(ticket, item);
      results.push(view(ticket));
    }
    res.status(201).json(results.length === 1 ? results[0] : results);
  });

  api.get('/Users/:id', (req, res) => {
    const user = users.get(Number(req.params.id));
    if (!user) return notFound(res, 'User');
    res.json({ ...user, client_name: clients.get(user.client_id)?.name ?? '' });
  });

  for (const [resource, records] of Object.entries(lookups)) {
    api.get(`/${resource}/:id`, (req, res) => {
      const record = records.get(Number(req.params.id));
      if (!record) return notFound(res, resource);
      res.json(structuredClone(record));
    });
  }

  api.get('/Client/:id', (req, res) => {
    const client = clients.get(Number(req.params.id));
    if (!client) return notFound(res, 'Client');
    res.json(client);
  });

  api.get('/Actions', (req, res) => {
    const ticketId = req.query.ticket_id === undefined ? undefined : Number(req.query.ticket_id);
    const excludeSystem = String(req.query.excludesys ?? '').toLowerCase() === 'true';
    const list = storedActions.filter(
      (a) => (ticketId === undefined || a.ticket_id === ticketId) && !(excludeSystem && systemActions.has(a)),
    );
    res.json({ record_count: list.length, actions: list });
  });

  api.post('/Actions', (req, res) => {
    const items = arrayBody(req, res);
    if (!items) return;
    // Validate the whole batch before storing anything.
    for (const item of items) {
      if (!tickets.has(Number(item.ticket_id))) return notFound(res, 'Ticket');
      const hasOutcome =
        (typeof item.outcome_id === 'number' && item.outcome_id > 0) ||
        (typeof item.outcome === 'string' && item.outcome.trim() !== '');
      if (!hasOutcome) {
        res.status(400).json('An Outcome must be entered for this Action');
        return;
      }
    }
    const created: StoredAction[] = [];
    for (const item of items) {
      const ticketId = Number(item.ticket_id);
      const ticket = tickets.get(ticketId) ?? {};
      const html = typeof item.note_html === 'string' ? item.note_html : undefined;
      const plain = typeof item.note === 'string' ? item.note : undefined;
      const action: StoredAction = {
        id: nextActionId++,
        ticket_id: ticketId,
        ...(typeof item.outcome_id === 'number' ? { outcome_id: item.outcome_id } : {}),
        ...(typeof item.outcome === 'string' ? { outcome: item.outcome } : {}),
        note: plain ?? htmlToText(html ?? ''),
        note_html: html ?? `<p>${escapeForSim(plain ?? '')}</p>`,
        hiddenfromuser: item.hiddenfromuser === true,
        sendemail: item.sendemail === true,
        datetime: new Date().toISOString(),
        who: 'API',
        who_agentid: HALO_SIM_API_AGENT_ID,
        actionby_application_id: String(res.locals.clientId ?? ''),
      };
      storedActions.push(action);
      options.onAction?.(ticketId, action);
      received.set(ticketId, [...(received.get(ticketId) ?? []), structuredClone(item)]);
      if (typeof item.new_status === 'number') ticket.status_id = item.new_status;
      if (action.sendemail && !action.hiddenfromuser) {
        const to = users.get(Number(ticket.user_id))?.emailaddress;
        if (to) emails.push({ to, ticketId, html: action.note_html });
      }
      created.push(action);
    }
    res.status(201).json(created.length === 1 ? created[0] : created);
  });

  api.use((_req, res) => {
    res.status(404).json({ message: 'Not found' });
  });

  app.use('/api', api);
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status ?? 500;
    res.status(status).json({ message: status === 400 ? 'Invalid request body' : 'An error has occurred.' });
  });

  function view(ticket: Record<string, unknown>): Record<string, unknown> {
    const user = users.get(Number(ticket.user_id));
    const client = clients.get(Number(ticket.client_id));
    return structuredClone({
      ...ticket,
      client_name: client?.name ?? '',
      user_name: user?.name ?? ticket.user_name ?? '',
      user_email: ticket.user_email ?? user?.emailaddress ?? '',
      customfields: ticket.customfields ?? [],
    });
  }

  const server = await listenSim(app);
  const url = server.url;

  const issueToken = async (): Promise<string> => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: defaultApp.clientId,
      client_secret: defaultApp.clientSecret,
      scope: 'all',
    });
    const tenant = options.tenant === undefined ? '' : `?tenant=${encodeURIComponent(options.tenant)}`;
    const res = await fetch(`${url}/auth/token${tenant}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  };

  return {
    url,
    authServerUrl: `${url}/auth`,
    resourceServerUrl: `${url}/api`,
    defaultApp,
    emails,
    requests,
    arrivals,
    departures,
    close: server.close,
    registerApp: (clientId, secret) => void apps.set(clientId, secret),
    addClient: (id, name) => void clients.set(id, { id, name }),
    addTicketType: (id, name) => void lookups.TicketType.set(id, { id, name, active: true }),
    addStatus: (id, name) => void lookups.Status.set(id, { id, name, type: 0 }),
    addTeam: (id, name) => void lookups.Team.set(id, { id, name, inactive: false }),
    addOutcome: (id, name) => void lookups.Outcome.set(id, { id, outcome: name, buttonname: name }),
    addUser: (user) => void users.set(user.id, { ...user }),
    addTicket: (seed) => {
      const user = seed.user_id ? users.get(seed.user_id) : undefined;
      const { email, ...fields } = structuredClone(seed);
      tickets.set(seed.id, {
        status_id: 1,
        summary: '',
        details: email?.body === undefined ? '' : `<p>${escapeForSim(email.body)}</p>`,
        ...(email ? { reportedby: email.from } : {}),
        ...fields,
        user_email: seed.user_email ?? user?.emailaddress ?? '',
        customfields: structuredClone(seed.customfields ?? []),
        hasbeenclosed: false,
      });
      if (email) {
        const opened = Date.UTC(2026, 0, 1, 8, 0, 0);
        const logged: StoredAction = {
          id: nextActionId++,
          ticket_id: seed.id,
          outcome: 'Ticket Logged',
          note: 'Ticket logged from email',
          note_html: '<p>Ticket logged from email</p>',
          hiddenfromuser: true,
          sendemail: false,
          datetime: new Date(opened - 1000).toISOString(),
          who: 'System',
        };
        systemActions.add(logged);
        const body = email.body ?? '';
        storedActions.push(logged, {
          id: nextActionId++,
          ticket_id: seed.id,
          outcome: 'Email Received',
          note: body,
          note_html: `<p>${escapeForSim(body)}</p>`,
          hiddenfromuser: false,
          sendemail: false,
          datetime: new Date(opened).toISOString(),
          who: user?.name ?? email.from,
          emailfrom: email.from,
          ...(email.to !== undefined ? { emailto: email.to } : {}),
          ...(email.cc !== undefined ? { emailcc: email.cc } : {}),
        });
      }
    },
    ticket: (id) => {
      const t = tickets.get(id);
      return t ? view(t) : undefined;
    },
    actions: (ticketId) => structuredClone(received.get(ticketId) ?? []),
    tokenRequests: () => tokenRequestCount,
    failNext: (failure) => failures.push(failure),
    hold: (spec) => holds.add(spec),
    down: (status) => void (downStatus = status),
    expireTokens: () => {
      for (const entry of tokens.values()) entry.expiresAt = 0;
    },
    addActivity: (ticketId, activity) =>
      void storedActions.push(activityAction(nextActionId++, ticketId, activity) as unknown as StoredAction),
    setStatus: (ticketId, statusId) => {
      const ticket = tickets.get(ticketId);
      if (ticket) ticket.status_id = statusId;
    },
    editTicket: (ticketId, fields) => {
      const ticket = tickets.get(ticketId);
      if (!ticket) throw new Error(`no Halo ticket ${ticketId} to edit`);
      applyEdit(ticket, fields);
    },
    deleteTicket: (ticketId) => void tickets.delete(ticketId),
    issueToken,
    writeActionsAsApi: async (items) =>
      void (await writeThroughApi(`${url}/api/Actions`, items, {
        Authorization: `Bearer ${await issueToken()}`,
      })),
  };
}

/** The ticket fields an edit (`POST /api/Tickets` with an id) may change. */
const EDITABLE_FIELDS = [
  'status_id',
  'team_id',
  'team',
  'agent_id',
  'priority_id',
  'summary',
  'details',
] as const;

export type HaloSimTicketEdit = Partial<Record<(typeof EDITABLE_FIELDS)[number], unknown>>;

function applyEdit(ticket: Record<string, unknown>, fields: Record<string, unknown>): void {
  for (const key of EDITABLE_FIELDS) {
    if (fields[key] !== undefined) ticket[key] = fields[key];
  }
}

function arrayBody(req: Request, res: Response): Array<Record<string, unknown>> | undefined {
  const body: unknown = req.body;
  if (!Array.isArray(body) || body.some((x) => typeof x !== 'object' || x === null || Array.isArray(x))) {
    res.status(400).json('The request body must be an array of objects');
    return undefined;
  }
  return body as Array<Record<string, unknown>>;
}

function notFound(res: Response, what: string): void {
  res.status(404).json(`${what} not found`);
}

function escapeForSim(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Halo keeps a plain-text copy of each note; this mimics it: block tags → newlines, tags dropped, entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}

let webhookSequence = 0;

/**
 * A webhook body in one of Halo's payload shapes (reference §1.2): `full` (full object with linked objects),
 * `keyfields` (small object with key fields), `eventonly` (event information only, no ticket) and `batch`
 * (batching on: an array, here a full delivery plus an event-only one for the same ticket).
 */
export function haloWebhookBody(
  ticketId: number,
  kind: 'full' | 'keyfields' | 'eventonly' | 'batch',
  ticket: Partial<HaloSimTicketSeed> = {},
): unknown {
  webhookSequence += 1;
  const envelope = (event: string, message: string) => ({
    id: randomUUID(),
    webhook_id: '53232637-2f3c-4b5e-9a53-0f3c2a1b7d11',
    notification_id: 41,
    escmsg_id: randomUUID(),
    event,
    message,
    object_id: ticketId,
    agent_id: 1,
    timestamp: new Date(Date.UTC(2026, 0, 1, 9, 0, webhookSequence % 60)).toISOString(),
  });
  const padded = String(ticketId).padStart(7, '0');
  switch (kind) {
    case 'full':
      return {
        ...envelope('new ticket logged', `A new Ticket has been logged: ${padded}.`),
        ticket: {
          id: ticketId,
          summary: 'Password reset',
          status_id: 1,
          tickettype_id: 25,
          client_id: 1,
          team_id: 5,
          agent_id: 1,
          customfields: [],
          hasbeenclosed: false,
          ...ticket,
        },
      };
    case 'keyfields':
      return {
        ...envelope('new ticket logged', `A new Ticket has been logged: ${padded}.`),
        ticket: {
          id: ticketId,
          summary: ticket.summary ?? 'Password reset',
          status_id: ticket.status_id ?? 1,
        },
      };
    case 'eventonly': {
      const { id, event, object_id, webhook_id, notification_id, escmsg_id, timestamp } = envelope(
        'new ticket logged',
        '',
      );
      return { id, event, object_id, webhook_id, notification_id, escmsg_id, timestamp };
    }
    case 'batch':
      return [
        haloWebhookBody(ticketId, 'full', ticket),
        {
          ...(haloWebhookBody(ticketId, 'eventonly') as Record<string, unknown>),
          event: 'ticket status changed',
        },
      ];
  }
}
