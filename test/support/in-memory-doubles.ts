import { randomBytes, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { CustomerDirectory, DEFAULT_POLICY, type ResetPolicy } from '../../config/customer-settings.js';
import { DirectoryError, SecureLinkStoreError, TransientError } from '../../services/domain/errors.js';
import type {
  ConfirmationBinding,
  ConfirmationGate,
  ConfirmationStatus,
  DirectoryPrivileges,
  LedgerEntry,
  RateWindow,
  RequestRateLimiter,
  TicketLedger,
  Directory,
  DirectoryFactory,
  DirectoryUser,
  IssuedTemporaryAccessPass,
  MfaMethodResult,
  NotificationAddresses,
  NotificationMailer,
  NotificationMessage,
  PsaAdapter,
  ResetTicket,
  LinkSecret,
  SecureLink,
  SecureLinkOptions,
  SecureLinkStore,
  TemporaryAccessPassSettings,
  SignInState,
  MoveOptions,
  TicketActivity,
  TicketDisposition,
  TicketNote,
} from '../../services/domain/ports.js';
import {
  type ResetJournal,
  type ResetProgress,
  type ResetRequestContext,
} from '../../services/domain/reset/reset-journal.js';
import { type ResetUseCaseDeps } from '../../services/domain/reset/reset-deps.js';
import { ResetUseCase } from '../../services/domain/reset/reset-use-case.js';

/**
 * Small in-memory doubles of the ports, for unit tests of the use case's decisions and step journal. The
 * component tests use the HTTP simulators instead; these only count calls and hold state.
 */

export const TENANT = '11111111-2222-3333-4444-555555555555';

export function user(id: string, extra: Partial<DirectoryUser> = {}): DirectoryUser {
  return {
    id,
    userPrincipalName: `${id}@contoso.test`,
    displayName: id[0]!.toUpperCase() + id.slice(1),
    mail: `${id}@contoso.test`,
    accountEnabled: true,
    onPremisesSyncEnabled: false,
    ...extra,
  };
}

export class MemoryPsa implements PsaAdapter {
  readonly kind = 'halopsa' as const;
  tickets = new Map<string, ResetTicket>();
  notes: Array<{ ticketId: string; note: TicketNote }> = [];
  moves: Array<{ ticketId: string; disposition: TicketDisposition; options?: MoveOptions }> = [];
  /** What `activitySince` answers, per ticket (nothing happened when absent). */
  activity = new Map<string, TicketActivity>();
  failAddNote: Array<'transient' | 'lost-answer'> = [];

  async getTicket(id: string) {
    return this.tickets.get(id) ?? null;
  }
  async addNote(ticketId: string, note: TicketNote) {
    const failure = this.failAddNote.shift();
    if (failure === 'transient') throw new TransientError('PSA 503');
    this.notes.push({ ticketId, note });
    if (failure === 'lost-answer') throw new TransientError('timeout after the PSA stored the note');
  }
  async hasNoteWithMarker(ticketId: string, marker: string) {
    return this.notes.some((n) => n.ticketId === ticketId && n.note.text.includes(marker));
  }
  async moveTicket(ticketId: string, disposition: TicketDisposition, options?: MoveOptions) {
    this.moves.push({ ticketId, disposition, ...(options ? { options } : {}) });
  }
  async activitySince(ticketId: string): Promise<TicketActivity> {
    return (
      this.activity.get(ticketId) ?? { replied: false, statusChanged: false, ticketFound: true, replies: [] }
    );
  }
}

export class MemoryDirectory implements Directory, DirectoryFactory {
  users = new Map<string, DirectoryUser>();
  managers = new Map<string, string>();
  methods = new Map<string, MfaMethodResult[]>();
  passwords = new Map<string, string[]>();
  rejectPasswords = 0;
  failResetWith?: Error;
  revoked: string[] = [];

  forTenant(): Directory {
    return this;
  }
  add(u: DirectoryUser, managerId?: string) {
    this.users.set(u.id, u);
    if (managerId) this.managers.set(u.id, managerId);
    return u;
  }
  async findUsersByAddress(address: string) {
    const a = address.toLowerCase();
    return [...this.users.values()].filter(
      (u) => u.userPrincipalName.toLowerCase() === a || u.mail?.toLowerCase() === a,
    );
  }
  async getManager(userId: string) {
    const id = this.managers.get(userId);
    return id ? (this.users.get(id) ?? null) : null;
  }
  async resetPassword(userId: string, password: string) {
    if (this.failResetWith) {
      const err = this.failResetWith;
      this.failResetWith = undefined;
      throw err;
    }
    if (this.rejectPasswords > 0) {
      this.rejectPasswords--;
      throw new DirectoryError(
        'password-rejected',
        'The specified password does not comply with password complexity requirements.',
      );
    }
    this.passwords.set(userId, [...(this.passwords.get(userId) ?? []), password]);
    if (this.failResetAfterApplyWith) {
      const err = this.failResetAfterApplyWith;
      this.failResetAfterApplyWith = undefined;
      throw err;
    }
  }
  /** Thrown once after the password is set (Graph applied it, its answer was lost). */
  failResetAfterApplyWith?: Error;
  mfaRemovals: string[] = [];
  async removeMfaMethods(userId: string) {
    this.mfaRemovals.push(userId);
    return this.methods.get(userId) ?? [];
  }
  failRevokeWith?: Error;
  async revokeSignInSessions(userId: string) {
    if (this.failRevokeWith) throw this.failRevokeWith;
    this.revoked.push(userId);
  }
  blocked: string[] = [];
  async blockSignIn(userId: string) {
    this.blocked.push(userId);
  }
  /** What `readSignInState` answers per user; unset users answer "nothing known". */
  signInStates = new Map<string, SignInState>();
  async readSignInState(userId: string): Promise<SignInState> {
    return structuredClone(
      this.signInStates.get(userId) ?? {
        userId,
        readAt: new Date().toISOString(),
        password: { forceChange: 'unknown' },
        methods: { state: 'not-readable', problem: 'not set in the test' },
        signIn: { state: 'not-readable', problem: 'not set in the test' },
      },
    );
  }
  /** What `notificationAddresses` answers per user; unset users have no alternate address. */
  addresses = new Map<string, NotificationAddresses>();
  async notificationAddresses(userId: string): Promise<NotificationAddresses> {
    return structuredClone(this.addresses.get(userId) ?? { independent: [], excluded: [] });
  }
  /** Passes issued (the last per user is the valid one, as in Entra), and a refusal for the next issue. */
  passes: Array<{ userId: string; pass: IssuedTemporaryAccessPass }> = [];
  failIssueWith?: Error;
  removedPasses: Array<{ userId: string; passId: string }> = [];
  async issueTemporaryAccessPass(
    userId: string,
    options: { lifetimeMinutes: number; usableOnce: boolean },
  ): Promise<IssuedTemporaryAccessPass> {
    if (this.failIssueWith) {
      const err = this.failIssueWith;
      this.failIssueWith = undefined;
      throw err;
    }
    const startsAt = new Date();
    const pass: IssuedTemporaryAccessPass = {
      id: randomUUID(),
      temporaryAccessPass: randomBytes(6).toString('base64url'),
      startsAt: startsAt.toISOString(),
      expiresAt: new Date(startsAt.getTime() + options.lifetimeMinutes * 60_000).toISOString(),
      lifetimeMinutes: options.lifetimeMinutes,
      usableOnce: options.usableOnce,
    };
    this.passes.push({ userId, pass });
    return structuredClone(pass);
  }
  async removeTemporaryAccessPass(userId: string, passId: string) {
    this.removedPasses.push({ userId, passId });
  }
  privileges = new Map<string, DirectoryPrivileges>();
  groups = new Map<string, Set<string>>();
  async searchUsersByName(text: string, limit: number) {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    return [...this.users.values()]
      .filter((u) =>
        words.every((w) =>
          u.displayName
            .toLowerCase()
            .split(/\s+/)
            .some((part) => part.startsWith(w)),
        ),
      )
      .slice(0, limit);
  }
  async listMembers(limit: number) {
    const users = [...this.users.values()];
    if (users.length > limit) throw new DirectoryError('bad-request', 'too many users');
    return users.filter((u) => u.accountEnabled);
  }
  async listReports(userId: string, depth: number) {
    const found: DirectoryUser[] = [];
    let managers = [userId];
    for (let level = 0; level < depth && managers.length > 0; level++) {
      const next = [...this.users.values()].filter(
        (u) => managers.includes(this.managers.get(u.id) ?? '') && !found.some((f) => f.id === u.id),
      );
      found.push(...next);
      managers = next.map((u) => u.id);
    }
    return found;
  }
  async getManagerChain(userId: string, depth: number) {
    const chain: DirectoryUser[] = [];
    let current = userId;
    while (chain.length < depth) {
      const manager = await this.getManager(current);
      if (!manager || chain.some((m) => m.id === manager.id)) break;
      chain.push(manager);
      current = manager.id;
    }
    return chain;
  }
  async isMemberOfGroup(userId: string, groupId: string) {
    return this.groups.get(groupId)?.has(userId) ?? false;
  }
  async getPrivileges(userId: string): Promise<DirectoryPrivileges> {
    return (
      this.privileges.get(userId) ?? {
        activeRoles: [],
        eligibleRoles: [],
        eligibility: 'read',
        roleAssignableGroups: [],
      }
    );
  }
}

/** Keeps every notice it is given; `failNext` makes the next send throw instead. */
export class MemoryMailer implements NotificationMailer {
  sent: NotificationMessage[] = [];
  failNext?: Error;
  async send(message: NotificationMessage) {
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    this.sent.push(structuredClone(message));
  }
}

export class MemoryLedger implements TicketLedger {
  entries = new Map<string, LedgerEntry>();
  async get(psa: string, ticketId: string) {
    return this.entries.get(`${psa}:${ticketId}`);
  }
  async record(psa: string, ticketId: string, entry: LedgerEntry) {
    this.entries.set(`${psa}:${ticketId}`, entry);
  }
  async clear(psa: string, ticketId: string) {
    this.entries.delete(`${psa}:${ticketId}`);
  }
}

export class MemoryRateLimiter implements RequestRateLimiter {
  counts = new Map<string, number>();
  tickets = new Set<string>();
  async take(
    customer: string,
    requester: string,
    limits: { requester: RateWindow; customer: RateWindow },
    ticketRef: string,
  ) {
    if (this.tickets.has(ticketRef)) return 'ok' as const;
    const r = this.counts.get(`r:${requester}`) ?? 0;
    const c = this.counts.get(`c:${customer}`) ?? 0;
    if (r >= limits.requester.count) return 'requester' as const;
    if (c >= limits.customer.count) return 'customer' as const;
    this.counts.set(`r:${requester}`, r + 1);
    this.counts.set(`c:${customer}`, c + 1);
    this.tickets.add(ticketRef);
    return 'ok' as const;
  }
}

/**
 * The confirmation gate's rules in memory: a "yes" counts for the binding it was asked for, once. Tests
 * answer with `answer(ticketId, 'confirmed' | 'denied' | 'expired')`, as the manager's page would.
 */
export class MemoryConfirmations implements ConfirmationGate {
  records = new Map<string, { status: string; binding: ConfirmationBinding }>();
  requests: Array<{ ticketId: string; targetDisplayName: string; targetDepartment?: string; what: string }> =
    [];
  answer(ticketId: string, status: 'confirmed' | 'denied' | 'expired', psa = 'halopsa') {
    const record = this.records.get(`${psa}:${ticketId}`);
    if (!record) throw new Error(`no confirmation was asked for ${psa}:${ticketId}`);
    record.status = status;
  }
  async check(psa: string, ticketId: string, binding: ConfirmationBinding): Promise<ConfirmationStatus> {
    const record = this.records.get(`${psa}:${ticketId}`);
    if (!record || record.status === 'used') return 'none';
    if (record.status !== 'confirmed') return record.status as ConfirmationStatus;
    record.status = 'used';
    return JSON.stringify(record.binding) === JSON.stringify(binding) ? 'confirmed' : 'confirmed-other';
  }
  async request(input: {
    psa: string;
    ticketId: string;
    binding: ConfirmationBinding;
    target: { displayName: string; department?: string };
    ttlMinutes: number;
  }) {
    this.records.set(`${input.psa}:${input.ticketId}`, { status: 'pending', binding: { ...input.binding } });
    const { resetPassword, resetMfa } = input.binding;
    this.requests.push({
      ticketId: input.ticketId,
      targetDisplayName: input.target.displayName,
      ...(input.target.department ? { targetDepartment: input.target.department } : {}),
      what: resetPassword && resetMfa ? 'both' : resetPassword ? 'password' : 'mfa',
    });
    return {
      url: `https://reset.example.test/c/confirm-${input.ticketId}`,
      expiresAt: new Date(Date.now() + input.ttlMinutes * 60_000),
    };
  }
  async forget(psa: string, ticketId: string) {
    this.records.delete(`${psa}:${ticketId}`);
  }
}

export class MemoryLinks implements SecureLinkStore {
  /** The first secret of each live link (its temporary password, when it has one). */
  secrets = new Map<string, string>();
  /** Every secret of each live link. */
  stored = new Map<string, LinkSecret[]>();
  failCreate = false;
  async create(given: string | readonly LinkSecret[], options: SecureLinkOptions): Promise<SecureLink> {
    if (this.failCreate) throw new SecureLinkStoreError('redis unavailable');
    const token = randomBytes(32).toString('base64url');
    const list: LinkSecret[] =
      typeof given === 'string'
        ? [{ kind: 'password', label: 'Temporary password', value: given }]
        : [...given];
    this.secrets.set(token, list[0]!.value);
    this.stored.set(token, list);
    return { token, url: this.urlFor(token), expiresAt: new Date(Date.now() + options.ttlSeconds * 1000) };
  }
  urlFor(token: string) {
    return `https://reset.example.test/s/${token}`;
  }
  async destroy(token: string) {
    this.secrets.delete(token);
    this.stored.delete(token);
  }
}

export function memoryJournal(initial: ResetProgress = {}): ResetJournal & { saves: number } {
  let progress = structuredClone(initial);
  return {
    saves: 0,
    get progress() {
      return progress;
    },
    async save(patch) {
      this.saves++;
      // Round-trip through JSON like BullMQ's job data does.
      progress = JSON.parse(JSON.stringify({ ...progress, ...patch })) as ResetProgress;
    },
  };
}

export const silentLogger = pino({ level: 'silent' });

export function resetTicket(extra: Partial<ResetTicket> = {}): ResetTicket {
  return {
    ticketId: '4242',
    psaCustomerId: '12',
    summary: 'Password / MFA reset',
    isResetRequest: true,
    channel: 'portal',
    requester: { contactId: '7', name: 'Maria Manager', email: 'maria@contoso.test' },
    targetIdentifier: 'sam@contoso.test',
    resetPassword: true,
    resetMfa: true,
    ...extra,
  };
}

/** The use case's settings in the unit tests: the MSP, its link defaults, and no wait on a takeover. */
export const USE_CASE_SETTINGS: ResetUseCaseDeps['settings'] = {
  mspName: 'Ashton Solutions',
  linkTtlHours: 72,
  linkMaxViews: 3,
  revokeSessions: true,
  earlierWriteSettleMs: 0,
};

export function useCaseWith(
  parts: {
    psa: MemoryPsa;
    directory: MemoryDirectory;
    links: MemoryLinks;
    ledger?: MemoryLedger;
    rateLimiter?: MemoryRateLimiter;
    confirmations?: MemoryConfirmations;
    policy?: Partial<ResetPolicy>;
    events?: ResetUseCaseDeps['events'];
    /** Replaces the one-customer directory (contoso, halopsa 12, every default). */
    customers?: ResetUseCaseDeps['customers'];
    /** The customer's Temporary Access Pass setting. */
    temporaryAccessPass?: TemporaryAccessPassSettings;
  },
  settings: Partial<ResetUseCaseDeps['settings']> = {},
) {
  const identity = {
    seal: (t: string) => `sealed:${Buffer.from(t).toString('base64')}`,
    open: (s: string) => Buffer.from(s.slice(7), 'base64').toString(),
  };
  return new ResetUseCase({
    psa: () => parts.psa,
    directories: parts.directory,
    links: parts.links,
    sealer: identity,
    customers:
      parts.customers ??
      new CustomerDirectory(
        [
          {
            name: 'contoso',
            psa: 'halopsa',
            psaCustomerId: '12',
            tenantId: TENANT,
            ...(parts.temporaryAccessPass ? { temporaryAccessPass: parts.temporaryAccessPass } : {}),
          },
        ],
        { ...DEFAULT_POLICY, ...parts.policy },
      ),
    ledger: parts.ledger ?? new MemoryLedger(),
    rateLimiter: parts.rateLimiter ?? new MemoryRateLimiter(),
    confirmations: parts.confirmations ?? new MemoryConfirmations(),
    events: parts.events,
    settings: { ...USE_CASE_SETTINGS, ...settings },
  });
}

export function contextFor(journal: ResetJournal, ticketId = '4242'): ResetRequestContext {
  return { psa: 'halopsa', ticketId, correlationId: `halopsa-${ticketId}`, journal, logger: silentLogger };
}

/**
 * The usual world of a use-case test: Maria manages Sam (who has one phone method), and ticket 4242 asks for
 * Sam's password and MFA.
 */
export function mariaAndSam(): { psa: MemoryPsa; directory: MemoryDirectory; links: MemoryLinks } {
  const psa = new MemoryPsa();
  const directory = new MemoryDirectory();
  const links = new MemoryLinks();
  const maria = directory.add(user('maria'));
  directory.add(user('sam'), maria.id);
  directory.methods.set('sam', [{ kind: 'phoneAuthenticationMethod', id: 'p1', outcome: 'removed' }]);
  psa.tickets.set('4242', resetTicket());
  return { psa, directory, links };
}
