import type {
  Aftercare,
  ConfirmationGate,
  CustomerDirectory,
  DirectoryFactory,
  OutcomeEvents,
  PsaAdapter,
  PsaKind,
  RequestRateLimiter,
  SecureLinkStore,
  StaffNoticeScheduler,
  TicketLedger,
} from '../ports.js';
import type { PasswordFormat } from '../temporary-password.js';

/** Seals a link token for storage in job data; only a process holding the server key can open it. */
export interface TokenSealer {
  seal(token: string): string;
  open(sealed: string): string;
}

/** What the reset use case works with: the outside systems through their ports, and its settings. */
export interface ResetUseCaseDeps {
  psa: (kind: PsaKind) => PsaAdapter;
  directories: DirectoryFactory;
  links: SecureLinkStore;
  sealer: TokenSealer;
  customers: CustomerDirectory;
  ledger: TicketLedger;
  rateLimiter: RequestRateLimiter;
  confirmations: ConfirmationGate;
  /** Follows a delivered reset up (watch, staff notice); none when both are off. */
  aftercare?: Aftercare;
  /** Where outcome events go (delivered, handed off, denied); none are published without it. */
  events?: OutcomeEvents;
  /**
   * Queues the notice to the staff member after a delivered reset; absent when notices are off, and the
   * delivery note then tells the manager that no independent notice was sent.
   */
  staffNotices?: StaffNoticeScheduler;
  settings: {
    /** Per PSA, the status id an engineer sets to send a handed-off ticket back (engineer retry). */
    retryStatusIds?: Partial<Record<PsaKind, string>>;
    mspName: string;
    linkTtlHours: number;
    linkMaxViews: number;
    revokeSessions: boolean;
    /** How many temporary passwords to draw when the tenant rejects one for complexity. */
    passwordDraws?: number;
    /**
     * How long a tenant write that an earlier run of the ticket sent may still take to land (the Graph request
     * timeout): a run that takes over a started password step waits this long before it reads the tenant.
     * The earlier run sent nothing after it lost the ticket (its outside calls are fenced by the job's lock).
     */
    earlierWriteSettleMs: number;
  };
  /** Draws a temporary password of the customer's format (default: generateTemporaryPassword). */
  newPassword?: (format: PasswordFormat) => string;
}
