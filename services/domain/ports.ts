/**
 * The narrow interfaces the reset use case depends on. Each outside system (a PSA, Microsoft Graph, the
 * secure-link store) implements one of them in its own folder; no wire format crosses these types.
 *
 * Contract for every implementation: no method ever receives, returns, logs or stores a temporary password
 * except `Directory.resetPassword` (which sends it to the tenant) and `SecureLinkStore` (which keeps it
 * encrypted); no method ever logs, stores or puts in an error message a Temporary Access Pass, which only
 * `Directory.issueTemporaryAccessPass` returns. Errors are thrown as the classes in `./errors.ts`, so the
 * worker can tell retry from decide.
 */

export * from './ports/aftercare-port.js';
export * from './ports/customer-port.js';
export * from './ports/event-port.js';
export * from './ports/directory-port.js';
export * from './ports/logger-port.js';
export * from './ports/notification-port.js';
export * from './ports/psa-port.js';
export * from './ports/record-ports.js';
export * from './ports/secure-link-port.js';
export * from './ports/staff-notice-port.js';
