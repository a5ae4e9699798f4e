import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { createFailureQueue, listenSim, writeThroughApi, type SimFailureMatch } from './sim-server.js';
import {
  activityNote,
  activityTimeEntry,
  AUTOTASK_SIM_API_RESOURCE_ID,
  type AutotaskSimActivity,
} from './autotask-sim-activity.js';

/**
 * In-process simulator of one Autotask database's REST API (`/atservicesrest/v1.0/...`), limited to what resetdesk
 * uses. It follows the shared PSA reference (public PSA docs) and Autotask's public entity pages:
 *
 * - every request needs the `UserName`, `Secret` and `ApiIntegrationCode` headers of a registered API user, else 401
 *   (empty body: the real body is unconfirmed);
 * - single reads answer `{item}` (`{item: null}` for an unknown id), queries and child lists `{items, pageDetails}`,
 *   creates and updates `{itemId}`, and errors `{errors: [...]}`;
 * - notes are created only through the child URL `Tickets/{id}/Notes`, as plain text; a note without a title on a
 *   ticket whose category requires titles is refused with **HTTP 500** `{errors:[...]}` (Autotask reports
 *   business-rule refusals as 500; chosen here on the evidence of public issue threads, unconfirmed for this rule);
 * - malformed requests (missing filter, missing required note fields) and picklist values it does not know for
 *   `status` / `queueID` on PATCH answer **HTTP 400** `{errors:[...]}`;
 * - a note whose `publish` is one of `customerPublishIds` is "emailed" to the ticket contact's address on file
 *   (recorded in `emails`), standing in for the database's notification rules.
 */

export interface AutotaskSimContact {
  id: number;
  companyID: number;
  firstName: string;
  lastName: string;
  emailAddress?: string;
  /** 1 (default) or 0, as Autotask returns it. */
  isActive?: number;
}

/** Ticket fields a test can seed; anything else passes through and comes back on GET. */
export interface AutotaskSimTicketSeed {
  id: number;
  title: string;
  companyID: number;
  contactID?: number | null;
  queueID: number;
  status: number;
  issueType?: number | null;
  subIssueType?: number | null;
  source?: number | null;
  /** Ticket category id; see `requireNoteTitles`. */
  ticketCategory?: number;
  userDefinedFields?: Array<{ name: string; value: string | null }>;
  [key: string]: unknown;
}

export interface AutotaskSimFailure extends SimFailureMatch {
  /** A JSON body to answer with instead of Autotask's error body (e.g. a 200 the client cannot read). */
  json?: unknown;
}

export interface AutotaskSimRequest {
  method: string;
  path: string;
  body: unknown;
  /** Whether the three credential headers named a registered API user (their values are never recorded). */
  authorized: boolean;
}

export interface AutotaskSimEmail {
  to: string;
  ticketId: number;
  noteId: number;
  title: string;
  text: string;
}

/** A note as the API returns it. */
export interface AutotaskSimNote {
  id: number;
  ticketID: number;
  title: string | null;
  description: string;
  noteType: number;
  publish: number;
  createDateTime: string;
  lastActivityDate: string;
  creatorResourceID: number | null;
  createdByContactID: number | null;
  impersonatorCreatorResourceID: number | null;
}

export interface AutotaskSimOptions {
  /** `publish` values that make a note customer-visible and emailed to the contact (default `[1]`). */
  customerPublishIds?: number[];
  /** Every `publish` value the database knows (default `[1, 2]`). */
  publishIds?: number[];
  /** Ticket statuses the database knows, besides those of seeded tickets (default New 1, Complete 5, Waiting Customer 7, In Progress 8). */
  statusIds?: number[];
  /** Queues the database knows, besides those of seeded tickets. */
  queueIds?: number[];
  /** Ticket issue types, sub-issue types and sources the database knows (default none). */
  issueTypeIds?: number[];
  subIssueTypeIds?: number[];
  sourceIds?: number[];
  /** Ticket note types (default `[1]`). */
  noteTypeIds?: number[];
  /** Names of the ticket user-defined fields (default the three reset fields: Reset Target, Reset Password, Reset MFA). */
  ticketUdfNames?: string[];
  /** Picklist values that exist but are inactive, by field name (`queueID`, `status`, …). */
  inactive?: Record<string, number[]>;
}

export interface AutotaskSimulator {
  /** The REST base to configure, e.g. `http://127.0.0.1:4567/atservicesrest` (paths are under `/v1.0`). */
  baseUrl: string;
  /** The API user registered at start. */
  defaultApiUser: { username: string; secret: string; integrationCode: string };
  close(): Promise<void>;
  registerApiUser(username: string, secret: string, integrationCode: string): void;
  addCompany(id: number, name: string): void;
  addContact(contact: AutotaskSimContact): void;
  addTicket(ticket: AutotaskSimTicketSeed): void;
  addStatus(id: number): void;
  addQueue(id: number): void;
  /** Notes on tickets of this category must carry a title ("Require titles on ticket notes"). */
  requireNoteTitles(ticketCategoryId: number): void;
  /** The ticket as the API would return it, or undefined. A copy. */
  ticket(id: number): Record<string, unknown> | undefined;
  /** The ticket's notes as the API would return them, oldest first. Copies. */
  notes(ticketId: number): AutotaskSimNote[];
  /** Emails the database's notification rules would have sent (see `customerPublishIds`). */
  readonly emails: AutotaskSimEmail[];
  /** Every request received, oldest first. */
  readonly requests: AutotaskSimRequest[];
  failNext(failure: AutotaskSimFailure): void;
  /**
   * A realistic, signed ticket webhook callout for a seeded ticket: the JSON body exactly as sent and its
   * `X-Hook-Signature` header. `fields` are added to (or override) the body's `Fields`.
   */
  signedWebhook(
    ticketId: number,
    options: { action: 'Create' | 'Update' | 'Delete'; secretKey: string; fields?: Record<string, unknown> },
  ): { body: string; headers: { 'X-Hook-Signature': string } };
  /** A note by the ticket's contact or a resource, or a resource's time entry (see autotask-sim-activity.ts). */
  addActivity(ticketId: number, activity: AutotaskSimActivity): void;
  /** A resource sets the ticket's status in Autotask. */
  setStatus(ticketId: number, statusId: number): void;
  /** The ticket is deleted: reading it answers `{item: null}`. */
  deleteTicket(ticketId: number): void;
  /** A note the API user wrote earlier, posted through `POST /Tickets/{id}/Notes` with the default user's headers. */
  writeNoteAsApi(ticketId: number, body: Record<string, unknown>): Promise<void>;
}

const ROOT = '/atservicesrest/v1.0';

const FAILURE_BODIES: Record<number, unknown> = {
  429: { errors: ['Request limit exceeded. Please try again later.'] },
  500: { errors: ['An unexpected error has occurred.'] },
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Starts a simulator on 127.0.0.1 with a random port. */
export async function startAutotaskSimulator(options: AutotaskSimOptions = {}): Promise<AutotaskSimulator> {
  const customerPublish = new Set(options.customerPublishIds ?? [1]);
  const publishIds = new Set(options.publishIds ?? [1, 2]);
  const statuses = new Set(options.statusIds ?? [1, 5, 7, 8]);
  const queues = new Set(options.queueIds ?? []);
  const titleCategories = new Set<number>();
  const issueTypes = new Set(options.issueTypeIds ?? []);
  const subIssueTypes = new Set(options.subIssueTypeIds ?? []);
  const sources = new Set(options.sourceIds ?? []);
  const noteTypes = new Set(options.noteTypeIds ?? [1]);
  const udfNames = options.ticketUdfNames ?? ['Reset Target', 'Reset Password', 'Reset MFA'];
  const apiUsers = new Map<string, { secret: string; integrationCode: string }>();
  const companies = new Map<number, { id: number; companyName: string; isActive: boolean }>();
  const contacts = new Map<number, Required<AutotaskSimContact>>();
  const tickets = new Map<number, Record<string, unknown>>();
  const storedNotes: AutotaskSimNote[] = [];
  const timeEntries: Array<Record<string, unknown>> = [];
  const emails: AutotaskSimEmail[] = [];
  const requests: AutotaskSimRequest[] = [];
  const failures = createFailureQueue<AutotaskSimFailure>();
  const webhookGuid = randomUUID();
  let webhookSequence = 0;
  let nextNoteId = 30_777_000;

  const defaultApiUser = {
    username: 'resetdesk-sim@msp.example',
    secret: randomBytes(16).toString('base64url'),
    integrationCode: 'RESETDESKSIMINTEGRATIONCODE',
  };
  apiUsers.set(defaultApiUser.username.toLowerCase(), {
    secret: defaultApiUser.secret,
    integrationCode: defaultApiUser.integrationCode,
  });

  const isAuthorized = (req: Request): boolean => {
    const username = req.get('username');
    const user = username === undefined ? undefined : apiUsers.get(username.toLowerCase());
    return (
      user !== undefined &&
      req.get('secret') === user.secret &&
      req.get('apiintegrationcode') === user.integrationCode
    );
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb' }));

  app.use((req, _res, next) => {
    requests.push({
      method: req.method,
      path: req.path,
      body: structuredClone(req.body as unknown),
      authorized: isAuthorized(req),
    });
    next();
  });

  app.use(
    failures.middleware((res, failure, status) => {
      if (failure.json !== undefined) return void res.json(failure.json);
      const body = FAILURE_BODIES[status] ?? { errors: [`HTTP ${status}`] };
      if (typeof body === 'string') res.type('text/plain').send(body);
      else res.json(body);
    }),
  );

  const api = express.Router({ caseSensitive: false });

  api.use((req, res, next) => {
    if (!isAuthorized(req)) {
      res.status(401).end();
      return;
    }
    next();
  });

  // Entity information (the documented REST_EntityInformationCall): the fields of an entity with their picklist
  // values, and its user-defined fields. Values are strings, as Autotask returns them.
  const picklistField = (name: string, values: Iterable<number>, label: string) => ({
    name,
    dataType: 'integer',
    length: 0,
    isRequired: false,
    isReadOnly: false,
    isQueryable: true,
    isReference: false,
    referenceEntityType: '',
    isPickList: true,
    picklistValues: [...values].map((value, index) => ({
      value: String(value),
      label: `${label} ${value}`,
      isDefaultValue: false,
      sortOrder: index,
      parentValue: '',
      isActive: !(options.inactive?.[name] ?? []).includes(value),
      isSystem: false,
    })),
    picklistParentValueField: '',
    isSupportedWebhookField: true,
  });

  api.get('/Tickets/entityInformation/fields', (_req, res) => {
    res.json({
      fields: [
        picklistField('queueID', queues, 'Queue'),
        picklistField('status', statuses, 'Status'),
        picklistField('issueType', issueTypes, 'Issue type'),
        picklistField('subIssueType', subIssueTypes, 'Sub-issue type'),
        picklistField('source', sources, 'Source'),
      ],
    });
  });

  api.get('/TicketNotes/entityInformation/fields', (_req, res) => {
    res.json({
      fields: [
        picklistField('noteType', noteTypes, 'Note type'),
        picklistField('publish', publishIds, 'Publish'),
      ],
    });
  });

  api.get('/Tickets/entityInformation/userDefinedFields', (_req, res) => {
    res.json({
      fields: udfNames.map((name) => ({
        name,
        label: name,
        type: 'string',
        length: 255,
        isRequired: false,
        isReadOnly: false,
        isQueryable: true,
        isPickList: false,
        picklistValues: null,
      })),
    });
  });

  api.get('/Tickets/:id', (req, res) => {
    const ticket = tickets.get(Number(req.params.id));
    res.json({ item: ticket ? structuredClone(ticket) : null });
  });

  api.patch('/Tickets', (req, res) => {
    const body = req.body as Record<string, unknown> | undefined;
    if (!isObject(body) || typeof body.id !== 'number') {
      return errors(res, 400, ['The request body must be a Ticket object with an id.']);
    }
    const ticket = tickets.get(body.id);
    if (!ticket) return errors(res, 404, [`Ticket ${String(body.id)} was not found.`]);
    const problems: string[] = [];
    if (body.status !== undefined && !(typeof body.status === 'number' && statuses.has(body.status))) {
      problems.push(`Value ${JSON.stringify(body.status)} for field status is not a valid picklist value.`);
    }
    if (body.queueID !== undefined && !(typeof body.queueID === 'number' && queues.has(body.queueID))) {
      problems.push(`Value ${JSON.stringify(body.queueID)} for field queueID is not a valid picklist value.`);
    }
    if (problems.length > 0) return errors(res, 400, problems);
    for (const key of ['status', 'queueID', 'priority', 'title', 'assignedResourceID']) {
      if (body[key] !== undefined) ticket[key] = body[key];
    }
    ticket.lastActivityDate = new Date().toISOString();
    res.json({ itemId: body.id });
  });

  api.get('/Contacts/:id', (req, res) => {
    const contact = contacts.get(Number(req.params.id));
    res.json({ item: contact ? contactView(contact) : null });
  });

  api.get('/Companies/:id', (req, res) => {
    const company = companies.get(Number(req.params.id));
    res.json({ item: company ? { ...company } : null });
  });

  api.get('/Tickets/:id/Notes', (req, res) => {
    const id = Number(req.params.id);
    if (!tickets.has(id)) return errors(res, 404, [`Ticket ${req.params.id} was not found.`]);
    const items = storedNotes.filter((n) => n.ticketID === id).map((n) => ({ ...n }));
    res.json({ items, pageDetails: pageDetails(items.length) });
  });

  api.post('/Tickets/:id/Notes', (req, res) => {
    const ticketId = Number(req.params.id);
    const body = req.body as Record<string, unknown> | undefined;
    const ticket = tickets.get(ticketId);
    if (!ticket) return errors(res, 404, [`Ticket ${req.params.id} was not found.`]);
    if (!isObject(body)) return errors(res, 400, ['The request body must be a TicketNote object.']);
    const problems: string[] = [];
    if (body.ticketID !== undefined && body.ticketID !== ticketId) {
      problems.push('ticketID does not match the parent ticket.');
    }
    if (typeof body.description !== 'string' || body.description.trim() === '') {
      problems.push('description is required.');
    } else if (body.description.length > 32_000) {
      problems.push('description exceeds 32000 characters.');
    }
    if (typeof body.noteType !== 'number') problems.push('noteType is required.');
    if (typeof body.publish !== 'number') problems.push('publish is required.');
    else if (!publishIds.has(body.publish)) {
      problems.push(`Value ${body.publish} for field publish is not a valid picklist value.`);
    }
    if (problems.length > 0) return errors(res, 400, problems);
    const title = typeof body.title === 'string' && body.title.trim() !== '' ? body.title : null;
    if (title === null && titleCategories.has(Number(ticket.ticketCategory))) {
      return errors(res, 500, ['Title is required for notes on tickets of this category.']);
    }
    const now = new Date().toISOString();
    const note: AutotaskSimNote = {
      id: nextNoteId++,
      ticketID: ticketId,
      title,
      description: String(body.description),
      noteType: Number(body.noteType),
      publish: Number(body.publish),
      createDateTime: now,
      lastActivityDate: now,
      creatorResourceID: AUTOTASK_SIM_API_RESOURCE_ID,
      createdByContactID: null,
      impersonatorCreatorResourceID: null,
    };
    storedNotes.push(note);
    ticket.lastActivityDate = now;
    if (customerPublish.has(note.publish)) {
      const contact = contacts.get(Number(ticket.contactID));
      if (contact?.emailAddress && contact.isActive === 1) {
        emails.push({
          to: contact.emailAddress,
          ticketId,
          noteId: note.id,
          title: note.title ?? '',
          text: note.description,
        });
      }
    }
    res.json({ itemId: note.id });
  });

  api.post('/TicketNotes/query', (req, res) => {
    const body = req.body as { filter?: unknown } | undefined;
    if (!isObject(body) || !Array.isArray(body.filter) || body.filter.length === 0) {
      return errors(res, 400, ['A query requires a non-empty filter.']);
    }
    const filter = body.filter as unknown[];
    let matches: (note: Record<string, unknown>) => boolean;
    try {
      matches = compileAnd(filter);
    } catch (e) {
      return errors(res, 400, [(e as Error).message]);
    }
    const items = storedNotes
      .map((n) => ({ ...n }) as Record<string, unknown>)
      .filter(matches)
      .slice(0, 500);
    res.json({ items, pageDetails: pageDetails(items.length) });
  });

  api.post('/TimeEntries/query', (req, res) => {
    const body = req.body as { filter?: unknown } | undefined;
    if (!isObject(body) || !Array.isArray(body.filter) || body.filter.length === 0) {
      return errors(res, 400, ['A query requires a non-empty filter.']);
    }
    let matches: (entry: Record<string, unknown>) => boolean;
    try {
      matches = compileAnd(body.filter as unknown[]);
    } catch (e) {
      return errors(res, 400, [(e as Error).message]);
    }
    const items = timeEntries
      .filter(matches)
      .slice(0, 500)
      .map((t) => ({ ...t }));
    res.json({ items, pageDetails: pageDetails(items.length) });
  });

  api.use((_req, res) => {
    errors(res, 404, ['The requested resource was not found.']);
  });

  app.use(ROOT, api);
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status ?? 500;
    errors(res, status, [status === 400 ? 'The request body is not valid JSON.' : 'An error has occurred.']);
  });

  function contactView(contact: Required<AutotaskSimContact>): Record<string, unknown> {
    return {
      id: contact.id,
      companyID: contact.companyID,
      firstName: contact.firstName,
      lastName: contact.lastName,
      emailAddress: contact.emailAddress === '' ? null : contact.emailAddress,
      emailAddress2: null,
      emailAddress3: null,
      isActive: contact.isActive,
      title: null,
      phone: null,
    };
  }

  const server = await listenSim(app);
  const url = server.url;

  return {
    baseUrl: `${url}/atservicesrest`,
    defaultApiUser,
    emails,
    requests,
    close: server.close,
    registerApiUser: (username, secret, integrationCode) =>
      void apiUsers.set(username.toLowerCase(), { secret, integrationCode }),
    addCompany: (id, name) => void companies.set(id, { id, companyName: name, isActive: true }),
    addContact: (contact) =>
      void contacts.set(contact.id, { emailAddress: '', isActive: 1, ...structuredClone(contact) }),
    addTicket: (seed) => {
      queues.add(seed.queueID);
      statuses.add(seed.status);
      const now = new Date(Date.UTC(2026, 0, 1, 9, 0, 0)).toISOString();
      tickets.set(seed.id, {
        ticketNumber: `T20260101.${String(seed.id % 10_000).padStart(4, '0')}`,
        description: '',
        priority: 2,
        ticketType: 1,
        ticketCategory: 3,
        issueType: null,
        subIssueType: null,
        source: null,
        contactID: null,
        assignedResourceID: null,
        createDate: now,
        lastActivityDate: now,
        ...structuredClone(seed),
        userDefinedFields: structuredClone(seed.userDefinedFields ?? []),
      });
    },
    addStatus: (id) => void statuses.add(id),
    addQueue: (id) => void queues.add(id),
    requireNoteTitles: (categoryId) => void titleCategories.add(categoryId),
    ticket: (id) => {
      const t = tickets.get(id);
      return t ? structuredClone(t) : undefined;
    },
    notes: (ticketId) => storedNotes.filter((n) => n.ticketID === ticketId).map((n) => ({ ...n })),
    failNext: (failure) => failures.push(failure),
    addActivity: (ticketId, activity) => {
      if (activity.kind === 'time-entry') {
        timeEntries.push(activityTimeEntry(nextNoteId++, ticketId, activity));
        return;
      }
      const contactId = Number(tickets.get(ticketId)?.contactID) || null;
      storedNotes.push(activityNote(nextNoteId++, ticketId, activity, contactId));
    },
    setStatus: (ticketId, statusId) => {
      const ticket = tickets.get(ticketId);
      if (ticket) ticket.status = statusId;
    },
    deleteTicket: (ticketId) => void tickets.delete(ticketId),
    writeNoteAsApi: async (ticketId, body) =>
      void (await writeThroughApi(`${url}/atservicesrest/v1.0/Tickets/${ticketId}/Notes`, body, {
        ApiIntegrationCode: defaultApiUser.integrationCode,
        UserName: defaultApiUser.username,
        Secret: defaultApiUser.secret,
      })),
    signedWebhook: (ticketId, { action, secretKey, fields }) => {
      const ticket = tickets.get(ticketId) ?? {};
      webhookSequence += 1;
      const payload = {
        Action: action,
        Guid: webhookGuid,
        EntityType: 'Ticket',
        Id: ticketId,
        Fields:
          action === 'Delete'
            ? { id: ticketId }
            : {
                id: ticketId,
                ticketNumber: ticket.ticketNumber,
                title: ticket.title,
                status: ticket.status,
                queueID: ticket.queueID,
                companyID: ticket.companyID,
                ...fields,
              },
        EventTime: new Date(Date.UTC(2026, 0, 1, 9, 0, webhookSequence % 60)).toISOString(),
        SequenceNumber: webhookSequence,
        PersonID: 29_682_885,
      };
      const body = JSON.stringify(payload);
      return { body, headers: { 'X-Hook-Signature': signAutotaskBody(body, secretKey) } };
    },
  };
}

/** The `X-Hook-Signature` value Autotask sends for `body` under `secretKey`: `sha1=<base64 HMAC-SHA1>`. */
export function signAutotaskBody(body: string | Buffer, secretKey: string): string {
  return `sha1=${createHmac('sha1', secretKey).update(body).digest('base64')}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errors(res: Response, status: number, messages: string[]): void {
  res.status(status).json({ errors: messages });
}

function pageDetails(count: number): Record<string, unknown> {
  return { count, requestCount: 500, prevPageUrl: null, nextPageUrl: null };
}

/** Reads a field case-insensitively, as Autotask matches field names in filters. */
function fieldOf(entity: Record<string, unknown>, field: string): unknown {
  const wanted = field.toLowerCase();
  const key = Object.keys(entity).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : entity[key];
}

/** Compiles a query filter array (implicit AND) into a predicate; throws on an unknown operator. */
function compileAnd(filter: unknown[]): (entity: Record<string, unknown>) => boolean {
  const parts = filter.map(compileCondition);
  return (entity) => parts.every((p) => p(entity));
}

function compileCondition(raw: unknown): (entity: Record<string, unknown>) => boolean {
  if (!isObject(raw) || typeof raw.op !== 'string') throw new Error('Each filter item needs an op.');
  const op = raw.op.toLowerCase();
  if (op === 'and' || op === 'or') {
    const items = Array.isArray(raw.items) ? raw.items.map(compileCondition) : [];
    return op === 'and' ? (e) => items.every((p) => p(e)) : (e) => items.some((p) => p(e));
  }
  if (typeof raw.field !== 'string') throw new Error(`Filter op ${raw.op} needs a field.`);
  const field = raw.field;
  const value = raw.value;
  const text = (v: unknown) => (v === null || v === undefined ? '' : String(v).toLowerCase());
  switch (op) {
    case 'eq':
      return (e) => text(fieldOf(e, field)) === text(value);
    case 'noteq':
      return (e) => text(fieldOf(e, field)) !== text(value);
    case 'contains':
      return (e) => text(fieldOf(e, field)).includes(text(value));
    case 'beginswith':
      return (e) => text(fieldOf(e, field)).startsWith(text(value));
    case 'endswith':
      return (e) => text(fieldOf(e, field)).endsWith(text(value));
    case 'gt':
      return (e) => Number(fieldOf(e, field)) > Number(value);
    case 'gte':
      return (e) => Number(fieldOf(e, field)) >= Number(value);
    case 'lt':
      return (e) => Number(fieldOf(e, field)) < Number(value);
    case 'lte':
      return (e) => Number(fieldOf(e, field)) <= Number(value);
    case 'exist':
      return (e) => fieldOf(e, field) !== null && fieldOf(e, field) !== undefined;
    case 'notexist':
      return (e) => fieldOf(e, field) === null || fieldOf(e, field) === undefined;
    case 'in':
      return (e) => Array.isArray(value) && value.map(text).includes(text(fieldOf(e, field)));
    default:
      throw new Error(`Unknown filter op ${raw.op}.`);
  }
}
