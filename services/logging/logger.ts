import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a log object. Passwords and secrets are never handed to the
 * logger on purpose; this list is the second line of defence for objects that carry them by accident
 * (request headers, axios configs, error causes).
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'newPassword',
  '*.newPassword',
  'temporaryPassword',
  '*.temporaryPassword',
  'temporaryAccessPass',
  '*.temporaryAccessPass',
  'passwordProfile',
  '*.passwordProfile',
  'secret',
  '*.secret',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  '*.client_secret',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'Authorization',
  '*.Authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-content-signature"]',
  'req.headers["x-hook-signature"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.Authorization',
  'config.headers.Authorization',
  'config.data',
  'err.config',
  'err.request',
  'err.response.config',
];

export function createLogger(
  options: { level: string; destination?: pino.DestinationStream } = { level: 'info' },
): Logger {
  const loggerOptions: LoggerOptions = {
    level: options.level,
    base: { service: 'resetdesk' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  };
  return options.destination ? pino(loggerOptions, options.destination) : pino(loggerOptions);
}
