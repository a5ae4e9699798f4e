import type { Logger } from './logger.js';

/**
 * One clear log line per second at most while Redis is unavailable, however many clients (each reconnect
 * attempt of each one emits an error) and refused webhooks there are: the first failure is logged at once
 * (`redis.unavailable`), later ones are counted and summarised in the next line, one interval later, with
 * the number of errors, refused webhooks and the clients that saw them. The first client ready again after
 * an outage logs `redis.recovered` with how long it lasted.
 */
export interface RedisOutageLog {
  /** An `error` listener for a Redis client or a BullMQ object, named by `source` in the summary. */
  listener(source: string): (err: Error) => void;
  /**
   * An `error` listener for an object that also reports other trouble (a BullMQ worker): connection errors
   * go to the outage log, anything else to `otherwise`.
   */
  errorListener(source: string, otherwise: (err: Error) => void): (err: Error) => void;
  /** A webhook answered "retry later" because Redis could not take its job. */
  webhookRefused(err: Error): void;
  /** A `ready` listener: the client is connected (again). */
  readyListener(source: string): () => void;
  /** Stops the summary timer (a last summary is logged when failures were counted). */
  close(): void;
}

export function createRedisOutageLog(logger: Logger, intervalMs = 1000): RedisOutageLog {
  let downSince: number | undefined;
  let lastLineAt = 0;
  let errors = 0;
  let refused = 0;
  let lastError = '';
  const sources = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  function flush(): void {
    timer = undefined;
    if (errors + refused === 0) return;
    // A timer may fire a few ms early by the wall clock (the event loop's clock lags it): wait out the rest,
    // so two lines are never less than an interval apart.
    const early = lastLineAt + intervalMs - Date.now();
    if (early > 0) {
      timer = setTimeout(flush, early);
      timer.unref();
      return;
    }
    lastLineAt = Date.now();
    logger.warn(
      {
        event: 'redis.unavailable',
        errors,
        webhooksRefused: refused,
        sources: [...sources],
        downForMs: downSince === undefined ? undefined : lastLineAt - downSince,
        err: { message: lastError },
      },
      'Redis still unavailable',
    );
    errors = 0;
    refused = 0;
    sources.clear();
  }

  function failed(source: string, err: Error, webhook: boolean): void {
    const now = Date.now();
    downSince ??= now;
    lastError = err.message;
    if (now - lastLineAt >= intervalMs && timer === undefined) {
      lastLineAt = now;
      logger.warn(
        {
          event: 'redis.unavailable',
          source,
          ...(webhook ? { webhooksRefused: 1 } : {}),
          err: { message: err.message },
        },
        webhook ? 'Redis unavailable: webhook answered "retry later"' : 'Redis unavailable',
      );
      return;
    }
    if (webhook) refused++;
    else errors++;
    sources.add(source);
    timer ??= setTimeout(flush, Math.max(0, lastLineAt + intervalMs - now));
    timer.unref();
  }

  return {
    listener: (source) => (err) => failed(source, err, false),
    errorListener: (source, otherwise) => (err) =>
      isConnectionError(err) ? failed(source, err, false) : otherwise(err),
    webhookRefused: (err) => failed('intake', err, true),
    readyListener: (source) => () => {
      if (downSince === undefined) return;
      if (timer) {
        clearTimeout(timer);
        flush();
      }
      logger.info(
        { event: 'redis.recovered', source, downForMs: Date.now() - downSince },
        'Redis available again',
      );
      downSince = undefined;
    },
    close() {
      if (timer) {
        clearTimeout(timer);
        flush();
      }
    },
  };
}

/** A failure to reach Redis at all (as opposed to an answer from it, or a job's own trouble). */
export function isConnectionError(err: Error): boolean {
  const code = (err as Error & { code?: string }).code;
  return (
    (typeof code === 'string' &&
      /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN)$/.test(code)) ||
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection is closed|Stream isn't writeable|connect ETIMEDOUT/.test(
      err.message,
    )
  );
}
