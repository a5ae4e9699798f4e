/**
 * What the domain writes to the log: structured fields and a message. The service's logger (pino) is one;
 * the domain never depends on it. Contract: no field ever holds a password, a pass, a token or a secret.
 */
export interface Logger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}
