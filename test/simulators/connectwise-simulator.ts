import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { createFailureQueue, listenSim, writeThroughApi, type SimFailureMatch } from './sim-server.js';
import { activityNote, type CwSimActivity } from './connectwise-sim-activity.js';

/**
 * In-process simulator of one ConnectWise PSA (Manage) site: the parts of its REST API under
 * `/{codebase}apis/3.0/...` that resetdesk uses, and the callback signing-key endpoint
 * (`/{codebase}system/callbackkey/index.rails?companyName=…&id=…`). It follows the shared PSA reference (public PSA docs)
 * and is wrong in the ways the real one is:
 *
 * - every API call needs `Authorization: Basic base64("{companyId}+{publicKey}:{privateKey}")` of a registered
 *   API member AND the integration's `clientId` header, else 401;
 * - a note without any display flag is refused with 400 "serviceNote object is invalid" / "Please choose where to
 *   display the notes in order to save this record.";
 * - a JSON Patch on a sub-path (`status/id`, `board/id`, …) answers 200 and changes nothing (the false 200);
 *   `path` is case-sensitive; a status that is not on the ticket's (new) board is refused with 400;
 * - an unknown ticket is 404; faults (429 with Retry-After, 5xx, delays, false successes) are injected with
 *   `failNext`.
 *
 * Customer-visible notes posted with `processNotifications: true` are "emailed" to the contact's default email
 * when the ticket's `automaticEmailContactFlag` is on (the default), and recorded in `emails`.
 */

/** A custom field as ConnectWise returns it on a ticket; `value` is dropped from responses when empty. */
export interface CwSimCustomField {
  id: number;
  caption: string;
  type?: string;
  entryMethod?: string;
  value?: unknown;
}

export interface CwSimTicketSeed {
  id: number;
  summary: string;
  boardId: number;
  statusId: number;
  companyId: number;
  contactId?: number | null;
  typeName?: string;
  subTypeName?: string;
  sourceName?: string;
  customFields?: CwSimCustomField[];
  /** The address recorded on the ticket; defaults to the contact's default email. */
  contactEmailAddress?: string;
  /** Whether notes with `processNotifications` email the contact (default true). */
  automaticEmailContactFlag?: boolean;
  ownerIdentifier?: string;
  teamId?: number;
  /**
   * The ticket's initial description. Manage does not return it on the ticket: it becomes the ticket's first note,
   * a Discussion note (`detailDescriptionFlag`) entered with the ticket. For a ticket the email connector created
   * (`sourceName: 'Email Connector'`), it is the message body, the note is attributed to the ticket's contact,
   * and `contactEmailAddress` is the sender's address. Manage keeps no Reply-To that its API returns.
   */
  initialDescription?: string;
  /** When the ticket was entered (`_info.dateEntered`); default 2026-01-01T08:00:00Z. */
  dateEntered?: string;
}

export interface CwSimContactSeed {
  id: number;
  companyId: number;
  firstName: string;
  lastName: string;
  /** The contact's default email. */
  email?: string;
  /** Further communication items, e.g. a non-default email or a phone. */
  otherCommunicationItems?: Array<{ type: 'Email' | 'Phone'; value: string; defaultFlag?: boolean }>;
}

/**
 * A string `pathPattern` is matched as a prefix of both the full path and the path below `apis/3.0`
 * (`/service/tickets`). Without `status`, the request is only delayed (or, with `falseSuccess`, falsely applied).
 */
export interface CwSimFailure extends SimFailureMatch {
  /** Response headers (e.g. `Location` for a redirect). */
  headers?: Record<string, string>;
  /** Response body; a string is sent as text/html, an object as JSON. Default: a ConnectWise-style error. */
  body?: string | Record<string, unknown>;
  /** A ticket PATCH answers 200 with the unchanged ticket and applies nothing (the false 200). */
  falseSuccess?: boolean;
}

export interface CwSimRequest {
  method: string;
  /** Full path, e.g. `/v4_6_release/apis/3.0/service/tickets/1`. */
  path: string;
  /** The path below `apis/3.0`, e.g. `/service/tickets/1`; undefined outside the API. */
  apiPath?: string;
  query: Record<string, unknown>;
  body: unknown;
  /** Whether the Authorization header named a registered API member (its value is never recorded). */
  authorized: boolean;
  /** Whether the clientId header carried the simulator's clientId. */
  clientIdValid: boolean;
}

export interface CwSimEmail {
  to: string;
  ticketId: number;
  noteId: number;
  text: string;
}

/** A stored ServiceNote, as the API returns it. */
export interface CwSimNote {
  id: number;
  ticketId: number;
  text: string;
  detailDescriptionFlag: boolean;
  internalAnalysisFlag: boolean;
  resolutionFlag: boolean;
  issueFlag: boolean;
  /** The member who wrote the note; absent on a note the contact wrote (portal, email connector). */
  member?: { id: number; identifier: string; name: string };
  /** The contact who wrote the note, when a contact did. */
  contact?: { id: number; name: string };
  customerUpdatedFlag: boolean;
  processNotifications: boolean;
  internalFlag: boolean;
  externalFlag: boolean;
  dateCreated: string;
  createdBy: string;
  _info: { lastUpdated: string; updatedBy: string };
}

export interface CwSimOptions {
  /** Codebase path segment (default `v4_6_release/`). */
  codebase?: string;
  /** The Manage login company id (default `contoso_msp`). */
  companyId?: string;
  /** The integration clientId every call must carry (default: a random GUID). */
  clientId?: string;
  /**
   * Store "\n" in note text as a space, as the Developer Guide says the real API may (unconfirmed). Off by
   * default so note text round-trips.
   */
  newlinesAsSpaces?: boolean;
}

export interface SignedCallbackOptions {
  action?: 'added' | 'updated' | 'deleted';
  /** The login company id in the envelope (default the simulator's). */
  companyId?: string;
  memberId?: string;
  /** The Entity: an object is JSON-encoded, a string sent as is. Default: the ticket's current REST view ('' on delete). */
  entity?: unknown;
}

export interface ConnectWiseSimulator {
  /** `http://127.0.0.1:<port>`; use as `siteUrl`. */
  url: string;
  /** The codebase segment, e.g. `v4_6_release/`. */
  codebase: string;
  /** `${url}/${codebase}apis/3.0`. */
  apiBase: string;
  /** The Manage login company id. */
  companyId: string;
  /** The integration clientId every call must carry. */
  clientId: string;
  /** The API member registered at start, for `companyId`. */
  member: { publicKey: string; privateKey: string };
  close(): Promise<void>;
  registerMember(companyId: string, publicKey: string, privateKey: string): void;
  addCompany(id: number, identifier: string, name: string): void;
  addContact(contact: CwSimContactSeed): void;
  /**
   * A service board with its statuses and, optionally, its teams, ticket types and subtypes (all of which
   * belong to a board in ConnectWise). Read through `/service/boards/{id}` and its child lists.
   */
  addBoard(
    id: number,
    name: string,
    statuses: Array<{ id: number; name: string }>,
    setup?: { teams?: Array<{ id: number; name: string }>; types?: string[]; subTypes?: string[] },
  ): void;
  /** A member (System → Members), found by `GET /system/members?conditions=identifier="…"`. */
  addMember(identifier: string, name: string): void;
  addTicket(ticket: CwSimTicketSeed): void;
  /** The ticket as `GET /service/tickets/{id}` returns it, or undefined. A copy. */
  ticket(id: number): Record<string, unknown> | undefined;
  /** The ticket's stored notes as the API returns them (oldest first). */
  notes(ticketId: number): CwSimNote[];
  /** Note bodies posted for the ticket, exactly as received (refused posts included). */
  notePosts(ticketId: number): unknown[];
  /** Emails ConnectWise would have sent to contacts. */
  readonly emails: CwSimEmail[];
  /** Every request received, oldest first. */
  readonly requests: CwSimRequest[];
  failNext(failure: CwSimFailure): void;
  /** The current callback signing key and its key_url. */
  signingKey(): { key: string; keyUrl: string };
  /** Issues a new signing key under a new key_url; later signed callbacks use it. */
  rotateSigningKey(): void;
  /** How many times the signing-key endpoint was called. */
  keyRequests(): number;
  /** A callback for the ticket, signed the way ConnectWise signs it, with key_url pointing at this simulator. */
  signedCallback(
    ticketId: number,
    options?: SignedCallbackOptions,
  ): { body: string; headers: Record<string, string> };
  /** A note by the ticket's contact or a member (see connectwise-sim-activity.ts). */
  addActivity(ticketId: number, activity: CwSimActivity): void;
  /** A member sets the ticket's status in Manage (no board check). */
  setStatus(ticketId: number, statusId: number): void;
  /** The ticket is deleted: every read of it answers 404. */
  deleteTicket(ticketId: number): void;
  /** A note the API member wrote earlier, posted through `POST /service/tickets/{id}/notes` as that member. */
  writeNoteAsApi(ticketId: number, body: Record<string, unknown>): Promise<void>;
}

interface StoredTicket {
  id: number;
  summary: string;
  boardId: number;
  statusId: number;
  companyId: number;
  contactId: number | null;
  typeName?: string;
  subTypeName?: string;
  sourceName?: string;
  customFields: CwSimCustomField[];
  contactEmailAddress?: string;
  automaticEmailContactFlag: boolean;
  owner?: { id: number; identifier: string; name: string };
  teamId?: number;
  lastUpdated: string;
  dateEntered: string;
}

interface Board {
  id: number;
  name: string;
  statuses: Array<{ id: number; name: string }>;
  teams: Array<{ id: number; name: string }>;
  types: string[];
  subTypes: string[];
}

const API_MEMBER = { id: 243, identifier: 'ResetdeskAPI', name: 'resetdesk API' };

/** ConnectWise-style error body `{code, message, errors?}`. */
function cwError(
  code: string,
  message: string,
  errors?: Array<Record<string, string>>,
): Record<string, unknown> {
  return errors ? { code, message, errors } : { code, message };
}

const FAILURE_BODIES: Record<number, Record<string, unknown>> = {
  400: cwError('InvalidObject', 'ticket object is invalid'),
  401: cwError('Unauthorized', 'Authentication failed'),
  403: cwError('Security', 'You do not have security permission to perform this action.'),
  429: cwError('TooManyRequests', 'Too many requests, please retry later'),
  500: cwError('UnexpectedServerError', 'An unexpected server error has occurred'),
  502: cwError('BadGateway', 'Bad Gateway'),
  503: cwError('ServiceUnavailable', 'Service Unavailable'),
};

/** Stable small ids for names (types, subtypes, sources, owners) so the same name always gets the same id. */
function nameIds(start: number): (name: string) => number {
  const ids = new Map<string, number>();
  let next = start;
  return (name) => {
    const key = name.toLowerCase();
    let id = ids.get(key);
    if (id === undefined) {
      id = next++;
      ids.set(key, id);
    }
    return id;
  };
}

/** Starts a simulator on 127.0.0.1 with a random port. */
export async function startConnectWiseSimulator(options: CwSimOptions = {}): Promise<ConnectWiseSimulator> {
  const codebase = `${(options.codebase ?? 'v4_6_release/').replace(/^\/+|\/+$/g, '')}/`;
  const companyId = options.companyId ?? 'contoso_msp';
  const clientId = options.clientId ?? randomUUID();
  const member = { publicKey: randomBytes(8).toString('hex'), privateKey: randomBytes(16).toString('hex') };
  const apiMembers: Array<{ companyId: string; publicKey: string; privateKey: string }> = [
    { companyId, ...member },
  ];
  const companies = new Map<number, { id: number; identifier: string; name: string }>();
  const contacts = new Map<number, CwSimContactSeed>();
  const boards = new Map<number, Board>();
  const members = new Map<string, { id: number; identifier: string; name: string }>([
    [API_MEMBER.identifier.toLowerCase(), { ...API_MEMBER }],
  ]);
  const tickets = new Map<number, StoredTicket>();
  const storedNotes: CwSimNote[] = [];
  const posted = new Map<number, unknown[]>();
  const emails: CwSimEmail[] = [];
  const requests: CwSimRequest[] = [];
  const failures = createFailureQueue<CwSimFailure>();
  const signingKeys = new Map<string, string>();
  let currentKeyId = randomUUID();
  signingKeys.set(currentKeyId, randomBytes(24).toString('base64'));
  let keyRequestCount = 0;
  let nextNoteId = 5501;
  // Initial-description notes are written with their ticket, before anything posted later: lower ids.
  let nextInitialNoteId = 101;
  const typeId = nameIds(30);
  const sourceId = nameIds(2);
  const memberId = nameIds(150);
  const apiPrefix = `/${codebase}apis/3.0`;
  const keyPath = `/${codebase}system/callbackkey/index.rails`;

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));

  function authOk(req: Request): boolean {
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
    if (!match?.[1]) return false;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const plus = decoded.indexOf('+');
    if (colon < 0 || plus < 0 || plus > colon) return false;
    const [company, publicKey, privateKey] = [
      decoded.slice(0, plus),
      decoded.slice(plus + 1, colon),
      decoded.slice(colon + 1),
    ];
    return apiMembers.some(
      (m) =>
        m.companyId.toLowerCase() === company.toLowerCase() &&
        m.publicKey === publicKey &&
        m.privateKey === privateKey,
    );
  }

  function clientIdOk(req: Request): boolean {
    const header = req.headers.clientid;
    return typeof header === 'string' && header.toLowerCase() === clientId.toLowerCase();
  }

  function apiPathOf(path: string): string | undefined {
    return path.toLowerCase().startsWith(apiPrefix.toLowerCase())
      ? path.slice(apiPrefix.length) || '/'
      : undefined;
  }

  app.use((req, _res, next) => {
    const apiPath = apiPathOf(req.path);
    requests.push({
      method: req.method,
      path: req.path,
      ...(apiPath !== undefined ? { apiPath } : {}),
      query: { ...(req.query as Record<string, unknown>) },
      body: structuredClone(req.body as unknown),
      authorized: authOk(req),
      clientIdValid: clientIdOk(req),
    });
    next();
  });

  app.use(
    failures.middleware(
      (res, failure, status) => {
        if (failure.headers) res.set(failure.headers);
        if (typeof failure.body === 'string') res.type('text/html').send(failure.body);
        else res.json(failure.body ?? FAILURE_BODIES[status] ?? cwError('Error', 'Error'));
      },
      {
        alsoPrefixPaths: (req) => [apiPathOf(req.path)],
        onTaken: (res, failure) => void (failure.falseSuccess && (res.locals.falseSuccess = true)),
      },
    ),
  );

  // --- callback signing key ---------------------------------------------------------------------------------
  app.get(keyPath, (req, res) => {
    keyRequestCount += 1;
    const key = typeof req.query.id === 'string' ? signingKeys.get(req.query.id) : undefined;
    if (!key) {
      res.status(404).json(cwError('NotFound', 'Callback key not found'));
      return;
    }
    res.json({ signing_key: key });
  });

  // --- REST API ---------------------------------------------------------------------------------------------
  const api = express.Router();

  api.use((req, res, next) => {
    if (!authOk(req) || !clientIdOk(req)) {
      res.status(401).json(FAILURE_BODIES[401]);
      return;
    }
    next();
  });

  api.get('/service/tickets/:id', (req, res) => {
    const ticket = tickets.get(Number(req.params.id));
    if (!ticket) return notFound(res, 'Ticket');
    res.json(view(ticket));
  });

  api.patch('/service/tickets/:id', (req, res) => {
    const ticket = tickets.get(Number(req.params.id));
    if (!ticket) return notFound(res, 'Ticket');
    const ops: unknown = req.body;
    if (!Array.isArray(ops) || ops.some((o) => !o || typeof o !== 'object' || Array.isArray(o))) {
      res.status(400).json(cwError('InvalidObject', 'The request body must be a JSON Patch array'));
      return;
    }
    if (res.locals.falseSuccess === true) {
      res.json(view(ticket));
      return;
    }
    const draft: StoredTicket = structuredClone(ticket);
    for (const raw of ops as Array<Record<string, unknown>>) {
      const op = raw.op;
      const path = typeof raw.path === 'string' ? raw.path.replace(/^\//, '') : '';
      const value = raw.value as Record<string, unknown> | undefined;
      if (op !== 'replace' && op !== 'add' && op !== 'remove') {
        res.status(400).json(cwError('InvalidObject', `Invalid patch operation '${String(op)}'`));
        return;
      }
      // The false 200: a sub-path of a reference object is accepted and ignored.
      if (['status', 'board', 'owner', 'team', 'company', 'contact'].some((p) => path.startsWith(`${p}/`))) {
        continue;
      }
      const refId = value && typeof value.id === 'number' ? value.id : undefined;
      switch (path) {
        case 'status':
          if (refId === undefined) return invalidTicket(res, 'status', 'Status is required');
          draft.statusId = refId;
          break;
        case 'board':
          if (refId === undefined || !boards.has(refId)) {
            return invalidTicket(res, 'board', `Service Board ${String(refId)} not found`);
          }
          draft.boardId = refId;
          break;
        case 'team':
          if (op === 'remove') delete draft.teamId;
          else if (refId === undefined) return invalidTicket(res, 'team', 'Team is invalid');
          else draft.teamId = refId;
          break;
        case 'owner': {
          const identifier = value && typeof value.identifier === 'string' ? value.identifier : undefined;
          if (op === 'remove') delete draft.owner;
          else if (!identifier) return invalidTicket(res, 'owner', 'Owner is invalid');
          else draft.owner = { id: memberId(identifier), identifier, name: identifier };
          break;
        }
        case 'summary':
          if (typeof raw.value !== 'string') return invalidTicket(res, 'summary', 'Summary is required');
          draft.summary = raw.value;
          break;
        default:
          res.status(400).json(cwError('InvalidObject', `Cannot patch '${String(raw.path)}'`));
          return;
      }
    }
    const board = boards.get(draft.boardId);
    if (!board?.statuses.some((s) => s.id === draft.statusId)) {
      return invalidTicket(
        res,
        'status/id',
        `Service Status ${draft.statusId} not found for Service Board ${draft.boardId}`,
        'NotFound',
      );
    }
    draft.lastUpdated = new Date().toISOString();
    tickets.set(ticket.id, draft);
    res.json(view(draft));
  });

  api.get('/service/tickets/:id/notes', (req, res) => {
    const ticketId = Number(req.params.id);
    if (!tickets.has(ticketId)) return notFound(res, 'Ticket');
    const pageSize = Math.min(1000, Math.max(1, Number(req.query.pageSize ?? 25) || 25));
    const page = Math.max(1, Number(req.query.page ?? 1) || 1);
    const list = storedNotes.filter((n) => n.ticketId === ticketId);
    const orderBy = typeof req.query.orderBy === 'string' ? req.query.orderBy.trim().toLowerCase() : '';
    if (orderBy !== '' && !/^id(\s+(asc|desc))?$/.test(orderBy)) {
      res.status(400).json(cwError('InvalidObject', `orderBy ${orderBy} is not supported by this simulator`));
      return;
    }
    list.sort((a, b) => (orderBy.endsWith('desc') ? b.id - a.id : a.id - b.id));
    res.json(structuredClone(list.slice((page - 1) * pageSize, page * pageSize)));
  });

  api.post('/service/tickets/:id/notes', (req, res) => {
    const ticketId = Number(req.params.id);
    const ticket = tickets.get(ticketId);
    if (!ticket) return notFound(res, 'Ticket');
    const body = (req.body ?? {}) as Record<string, unknown>;
    posted.set(ticketId, [...(posted.get(ticketId) ?? []), structuredClone(body)]);
    if (typeof body.text !== 'string' || body.text.trim() === '') {
      res.status(400).json(
        cwError('InvalidObject', 'serviceNote object is invalid', [
          {
            code: 'Required',
            message: 'The text field is required.',
            resource: 'serviceNote',
            field: 'text',
          },
        ]),
      );
      return;
    }
    const detail = body.detailDescriptionFlag === true;
    const internal = body.internalAnalysisFlag === true;
    const resolution = body.resolutionFlag === true;
    if (!detail && !internal && !resolution) {
      res.status(400).json(
        cwError('InvalidObject', 'serviceNote object is invalid', [
          {
            code: 'InvalidField',
            message: 'Please choose where to display the notes in order to save this record.',
            resource: 'serviceNote',
            field: 'detailDescriptionFlag',
          },
        ]),
      );
      return;
    }
    const now = new Date().toISOString();
    const note: CwSimNote = {
      id: nextNoteId++,
      ticketId,
      text: options.newlinesAsSpaces ? body.text.replace(/\r?\n/g, ' ') : body.text,
      detailDescriptionFlag: detail,
      internalAnalysisFlag: internal,
      resolutionFlag: resolution,
      issueFlag: false,
      member: { ...API_MEMBER },
      customerUpdatedFlag: false,
      processNotifications: body.processNotifications === true,
      internalFlag: internal,
      externalFlag: detail || resolution,
      dateCreated: now,
      createdBy: API_MEMBER.identifier,
      _info: { lastUpdated: now, updatedBy: API_MEMBER.identifier },
    };
    storedNotes.push(note);
    if (note.processNotifications && note.externalFlag && ticket.automaticEmailContactFlag) {
      const to = ticket.contactId === null ? undefined : defaultEmail(contacts.get(ticket.contactId));
      if (to) emails.push({ to, ticketId, noteId: note.id, text: note.text });
    }
    res.status(201).json(structuredClone(note));
  });

  api.get('/company/contacts/:id', (req, res) => {
    const contact = contacts.get(Number(req.params.id));
    if (!contact) return notFound(res, 'Contact');
    res.json(contactView(contact));
  });

  api.get('/service/boards/:id/statuses', (req, res) => {
    const board = boards.get(Number(req.params.id));
    if (!board) return notFound(res, 'Board');
    res.json(
      board.statuses.map((s, i) => ({
        id: s.id,
        name: s.name,
        board: { id: board.id, name: board.name },
        sortOrder: i,
        closedStatus: false,
        inactive: false,
      })),
    );
  });

  api.get('/system/info', (_req, res) => {
    res.json({ version: 'v2025.1.95833', isCloud: true, serverTimeZone: 'Eastern Standard Time' });
  });

  api.get('/service/boards/:id', (req, res) => {
    const board = boards.get(Number(req.params.id));
    if (!board) return notFound(res, 'Board');
    res.json({ id: board.id, name: board.name, inactiveFlag: false, projectFlag: false });
  });

  api.get('/service/boards/:id/statuses/:statusId', (req, res) => {
    const board = boards.get(Number(req.params.id));
    const index = board?.statuses.findIndex((st) => st.id === Number(req.params.statusId)) ?? -1;
    if (!board || index < 0) return notFound(res, 'Status');
    const st = board.statuses[index]!;
    res.json({ id: st.id, name: st.name, board: { id: board.id, name: board.name }, sortOrder: index });
  });

  api.get('/service/boards/:id/teams', (req, res) => {
    const board = boards.get(Number(req.params.id));
    if (!board) return notFound(res, 'Board');
    res.json(board.teams.map((t) => ({ ...t, boardId: board.id })));
  });

  api.get('/service/boards/:id/teams/:teamId', (req, res) => {
    const team = boards.get(Number(req.params.id))?.teams.find((t) => t.id === Number(req.params.teamId));
    if (!team) return notFound(res, 'Team');
    res.json({ ...team, boardId: Number(req.params.id) });
  });

  for (const [resource, pick] of [
    ['types', (b: Board) => b.types],
    ['subtypes', (b: Board) => b.subTypes],
  ] as const) {
    api.get(`/service/boards/:id/${resource}`, (req, res) => {
      const board = boards.get(Number(req.params.id));
      if (!board) return notFound(res, 'Board');
      const matches = conditionFilter(req, res, 'name');
      if (!matches) return;
      res.json(
        pick(board)
          .filter((name) => matches(name))
          .map((name) => ({ id: typeId(name), name, board: { id: board.id, name: board.name } })),
      );
    });
  }

  api.get('/system/members', (req, res) => {
    const matches = conditionFilter(req, res, 'identifier');
    if (!matches) return;
    res.json([...members.values()].filter((m) => matches(m.identifier)).map((m) => ({ ...m })));
  });

  api.use((_req, res) => {
    res.status(404).json(cwError('NotFound', 'Resource not found'));
  });

  /**
   * The one `conditions` form the lookups send, `<field>="<value>"` (string comparison ignores case, as Manage's
   * does), or none; anything else is refused with 400 as an unsupported condition.
   */
  function conditionFilter(
    req: Request,
    res: Response,
    field: string,
  ): ((value: string) => boolean) | undefined {
    const conditions = req.query.conditions;
    if (conditions === undefined) return () => true;
    const match =
      typeof conditions === 'string'
        ? new RegExp(`^\\s*${field}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"\\s*$`, 'i').exec(conditions)
        : null;
    if (!match) {
      res
        .status(400)
        .json(cwError('InvalidObject', `conditions not supported by this simulator: ${String(conditions)}`));
      return undefined;
    }
    const wanted = match[1]!.replace(/\\(.)/g, '$1').toLowerCase();
    return (value) => value.toLowerCase() === wanted;
  }

  app.use(apiPrefix, api);
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status ?? 500;
    res
      .status(status)
      .json(
        status === 400 ? cwError('InvalidObject', 'The request body is not valid JSON') : FAILURE_BODIES[500],
      );
  });

  function invalidTicket(res: Response, field: string, message: string, code = 'InvalidField'): void {
    res
      .status(400)
      .json(
        cwError('InvalidObject', 'ticket object is invalid', [{ code, message, resource: 'ticket', field }]),
      );
  }

  function ref(id: number, name: string): Record<string, unknown> {
    return { id, name };
  }

  function view(t: StoredTicket): Record<string, unknown> {
    const board = boards.get(t.boardId);
    const status = board?.statuses.find((s) => s.id === t.statusId);
    const company = companies.get(t.companyId);
    const contact = t.contactId === null ? undefined : contacts.get(t.contactId);
    const contactName = contact ? `${contact.firstName} ${contact.lastName}` : undefined;
    return structuredClone({
      id: t.id,
      summary: t.summary,
      recordType: 'ServiceTicket',
      board: ref(t.boardId, board?.name ?? ''),
      status: ref(t.statusId, status?.name ?? ''),
      company: { id: t.companyId, identifier: company?.identifier ?? '', name: company?.name ?? '' },
      ...(t.contactId !== null ? { contact: ref(t.contactId, contactName ?? '') } : {}),
      ...(contactName ? { contactName } : {}),
      ...(t.contactEmailAddress ? { contactEmailAddress: t.contactEmailAddress } : {}),
      ...(t.typeName ? { type: ref(typeId(t.typeName), t.typeName) } : {}),
      ...(t.subTypeName ? { subType: ref(typeId(t.subTypeName), t.subTypeName) } : {}),
      ...(t.sourceName ? { source: ref(sourceId(t.sourceName), t.sourceName) } : {}),
      ...(t.owner ? { owner: { ...t.owner } } : {}),
      ...(t.teamId !== undefined ? { team: ref(t.teamId, `Team ${t.teamId}`) } : {}),
      automaticEmailContactFlag: t.automaticEmailContactFlag,
      automaticEmailResourceFlag: false,
      automaticEmailCcFlag: false,
      closedFlag: false,
      customFields: t.customFields.map((f) => {
        const empty = f.value === undefined || f.value === null || f.value === '';
        return {
          id: f.id,
          caption: f.caption,
          type: f.type ?? 'Text',
          entryMethod: f.entryMethod ?? 'EntryField',
          numberOfDecimals: 0,
          ...(empty ? {} : { value: f.value }),
        };
      }),
      _info: {
        lastUpdated: t.lastUpdated,
        updatedBy: API_MEMBER.identifier,
        dateEntered: t.dateEntered,
        enteredBy: t.sourceName && /mail/i.test(t.sourceName) ? 'EmailConnector' : API_MEMBER.identifier,
      },
    });
  }

  function contactView(c: CwSimContactSeed): Record<string, unknown> {
    const company = companies.get(c.companyId);
    let nextItemId = c.id * 10;
    const item = (type: 'Email' | 'Phone', value: string, defaultFlag: boolean) => ({
      id: nextItemId++,
      type: { id: type === 'Email' ? 1 : 2, name: type === 'Email' ? 'Email' : 'Direct' },
      value,
      defaultFlag,
      communicationType: type,
    });
    return structuredClone({
      id: c.id,
      firstName: c.firstName,
      lastName: c.lastName,
      company: { id: c.companyId, identifier: company?.identifier ?? '', name: company?.name ?? '' },
      inactiveFlag: false,
      communicationItems: [
        ...(c.email ? [item('Email', c.email, true)] : []),
        ...(c.otherCommunicationItems ?? []).map((i) => item(i.type, i.value, i.defaultFlag === true)),
      ],
      _info: { lastUpdated: new Date(0).toISOString() },
    });
  }

  function defaultEmail(c: CwSimContactSeed | undefined): string | undefined {
    if (!c) return undefined;
    if (c.email) return c.email;
    const emailsOnFile = (c.otherCommunicationItems ?? []).filter((i) => i.type === 'Email');
    return (emailsOnFile.find((i) => i.defaultFlag) ?? emailsOnFile[0])?.value;
  }

  const server = await listenSim(app);
  const url = server.url;
  const keyUrlFor = (keyId: string, company: string) =>
    `${url}${keyPath}?companyName=${encodeURIComponent(company)}&id=${keyId}`;

  return {
    url,
    codebase,
    apiBase: `${url}${apiPrefix}`,
    companyId,
    clientId,
    member,
    emails,
    requests,
    close: server.close,
    registerMember: (company, publicKey, privateKey) =>
      void apiMembers.push({ companyId: company, publicKey, privateKey }),
    addCompany: (id, identifier, name) => void companies.set(id, { id, identifier, name }),
    addContact: (contact) => void contacts.set(contact.id, structuredClone(contact)),
    addBoard: (id, name, statuses, setup = {}) =>
      void boards.set(id, {
        id,
        name,
        statuses: structuredClone(statuses),
        teams: structuredClone(setup.teams ?? []),
        types: [...(setup.types ?? [])],
        subTypes: [...(setup.subTypes ?? [])],
      }),
    addMember: (identifier, name) =>
      void members.set(identifier.toLowerCase(), { id: memberId(identifier), identifier, name }),
    addTicket: (seed) => {
      const contactId = seed.contactId ?? null;
      const contactEmailAddress =
        seed.contactEmailAddress ?? (contactId === null ? undefined : defaultEmail(contacts.get(contactId)));
      tickets.set(seed.id, {
        id: seed.id,
        summary: seed.summary,
        boardId: seed.boardId,
        statusId: seed.statusId,
        companyId: seed.companyId,
        contactId,
        ...(seed.typeName ? { typeName: seed.typeName } : {}),
        ...(seed.subTypeName ? { subTypeName: seed.subTypeName } : {}),
        ...(seed.sourceName ? { sourceName: seed.sourceName } : {}),
        customFields: structuredClone(seed.customFields ?? []),
        ...(contactEmailAddress ? { contactEmailAddress } : {}),
        automaticEmailContactFlag: seed.automaticEmailContactFlag ?? true,
        ...(seed.ownerIdentifier
          ? {
              owner: {
                id: memberId(seed.ownerIdentifier),
                identifier: seed.ownerIdentifier,
                name: seed.ownerIdentifier,
              },
            }
          : {}),
        ...(seed.teamId !== undefined ? { teamId: seed.teamId } : {}),
        lastUpdated: new Date(0).toISOString(),
        dateEntered: seed.dateEntered ?? '2026-01-01T08:00:00.000Z',
      });
      if (seed.initialDescription !== undefined && seed.initialDescription.trim() !== '') {
        const dateEntered = seed.dateEntered ?? '2026-01-01T08:00:00.000Z';
        const contact = contactId === null ? undefined : contacts.get(contactId);
        const writer = contact ? `${contact.firstName} ${contact.lastName}` : API_MEMBER.identifier;
        storedNotes.unshift({
          id: nextInitialNoteId++,
          ticketId: seed.id,
          text: seed.initialDescription,
          detailDescriptionFlag: true,
          internalAnalysisFlag: false,
          resolutionFlag: false,
          issueFlag: false,
          ...(contact ? { contact: { id: contact.id, name: writer } } : { member: { ...API_MEMBER } }),
          customerUpdatedFlag: false,
          processNotifications: false,
          internalFlag: false,
          externalFlag: true,
          dateCreated: dateEntered,
          createdBy: writer,
          _info: { lastUpdated: dateEntered, updatedBy: writer },
        });
      }
    },
    ticket: (id) => {
      const t = tickets.get(id);
      return t ? view(t) : undefined;
    },
    notes: (ticketId) => structuredClone(storedNotes.filter((n) => n.ticketId === ticketId)),
    notePosts: (ticketId) => structuredClone(posted.get(ticketId) ?? []),
    failNext: (failure) => failures.push(failure),
    signingKey: () => ({
      key: signingKeys.get(currentKeyId) ?? '',
      keyUrl: keyUrlFor(currentKeyId, companyId),
    }),
    rotateSigningKey: () => {
      currentKeyId = randomUUID();
      signingKeys.set(currentKeyId, randomBytes(24).toString('base64'));
    },
    keyRequests: () => keyRequestCount,
    addActivity: (ticketId, activity) => {
      const contactId = tickets.get(ticketId)?.contactId;
      const c = contactId === null || contactId === undefined ? undefined : contacts.get(contactId);
      const contact = c ? { id: c.id, name: `${c.firstName} ${c.lastName}` } : undefined;
      storedNotes.push(activityNote(nextNoteId++, ticketId, activity, contact) as unknown as CwSimNote);
    },
    setStatus: (ticketId, statusId) => {
      const ticket = tickets.get(ticketId);
      if (ticket) ticket.statusId = statusId;
    },
    deleteTicket: (ticketId) => void tickets.delete(ticketId),
    writeNoteAsApi: async (ticketId, body) =>
      void (await writeThroughApi(`${url}${apiPrefix}/service/tickets/${ticketId}/notes`, body, {
        Authorization: `Basic ${Buffer.from(`${companyId}+${member.publicKey}:${member.privateKey}`).toString('base64')}`,
        clientId,
      })),
    signedCallback: (ticketId, opts = {}) => {
      const action = opts.action ?? 'added';
      const company = opts.companyId ?? companyId;
      const ticket = tickets.get(ticketId);
      let entity: string;
      if (opts.entity !== undefined) {
        entity = typeof opts.entity === 'string' ? opts.entity : JSON.stringify(opts.entity);
      } else entity = action === 'deleted' || !ticket ? '' : JSON.stringify(view(ticket));
      const envelope = {
        MessageId: randomUUID(),
        FromUrl: new URL(url).host,
        CompanyId: company,
        MemberId: opts.memberId ?? 'jdoe',
        Action: action,
        Type: 'ticket',
        ID: ticketId,
        ProductInstanceId: '639c96cab2eb4d3c9e4f2a1b',
        PartnerId: '61ddc2817bcd4e2f8a9b0c1d',
        Entity: entity,
        Metadata: { key_url: keyUrlFor(currentKeyId, company) },
        CallbackObjectRecId: 26567,
      };
      const body = JSON.stringify(envelope);
      const key = createHash('sha256')
        .update(signingKeys.get(currentKeyId) ?? '', 'utf8')
        .digest();
      const signature = createHmac('sha256', key).update(body, 'utf8').digest('base64');
      return { body, headers: { 'content-type': 'application/json', 'x-content-signature': signature } };
    },
  };
}

function notFound(res: Response, what: string): void {
  res.status(404).json(cwError('NotFound', `${what} not found`));
}
