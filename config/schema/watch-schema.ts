import { intBetween } from '../config-formats.js';

/**
 * Watching until the staff member is back in: after a delivered reset, paced checks of what Graph can tell
 * (a password of their own, a second factor registered again) and of the ticket (a reply or a status change
 * stops the watch).
 */
export const watchSchema = {
  enabled: {
    doc: 'After a delivered reset, check until the staff member is back in (their own password set, MFA registered again), then note it and move the ticket to the resolved status; past watch.windowHours the ticket goes to the engineers. A reply on the ticket or a status change by an engineer stops the watch.',
    format: Boolean,
    default: true,
    env: 'WATCH_ENABLED',
  },
  windowHours: {
    doc: 'How long the watch waits for the staff member to be back in before the ticket goes to the engineers with what was and was not seen.',
    format: intBetween(1, 14 * 24),
    default: 72,
    env: 'WATCH_WINDOW_HOURS',
  },
  firstCheckMinutes: {
    doc: 'Minutes after the reset of the first check; each later check waits twice as long as the one before, up to watch.maxIntervalMinutes.',
    format: intBetween(1, 24 * 60),
    default: 15,
    env: 'WATCH_FIRST_CHECK_MINUTES',
  },
  maxIntervalMinutes: {
    doc: 'Longest wait between two checks of one watch. Each check costs a few Graph and PSA requests, paced like every other call.',
    format: intBetween(1, 24 * 60),
    default: 120,
    env: 'WATCH_MAX_INTERVAL_MINUTES',
  },
  concurrency: {
    doc: 'Watches (and staff-notice answers) one worker process checks at the same time.',
    format: intBetween(1, 64),
    default: 2,
    env: 'WATCH_CONCURRENCY',
  },
};
