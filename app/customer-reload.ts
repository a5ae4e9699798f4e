import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ConfigError } from '../config/load-config.js';
import type {
  CustomerDirectory,
  CustomerSettings,
  PsaKind,
  ResetPolicy,
  RolloutMode,
} from '../services/domain/ports.js';
import type { PasswordFormat } from '../services/domain/temporary-password.js';
import type { Logger } from '../services/logging/logger.js';

/**
 * The customers, replaceable while the service runs. Each lookup goes to the configuration in place at
 * that moment; what a customer's settings are (policy, password format, mode) is then answered by the
 * configuration `find` returned it from, so a job that found its customer before a reload finishes with
 * the settings it started with, and one that starts after it gets the new ones.
 */
export class ReloadableCustomerDirectory implements CustomerDirectory {
  private readonly owners = new WeakMap<CustomerSettings, CustomerDirectory>();

  constructor(private current: CustomerDirectory) {}

  /** Puts `next` in place for every lookup from now on (one assignment: no lookup sees half of it). */
  replace(next: CustomerDirectory): void {
    this.current = next;
  }

  find(psa: PsaKind, psaCustomerId: string): CustomerSettings | undefined {
    const directory = this.current;
    const customer = directory.find(psa, psaCustomerId);
    if (customer) this.owners.set(customer, directory);
    return customer;
  }

  policyFor(customer: CustomerSettings): ResetPolicy {
    return this.ownerOf(customer).policyFor(customer);
  }

  passwordFormatFor(customer: CustomerSettings): PasswordFormat {
    return this.ownerOf(customer).passwordFormatFor(customer);
  }

  modeFor(customer: CustomerSettings): RolloutMode {
    return this.ownerOf(customer).modeFor(customer);
  }

  private ownerOf(customer: CustomerSettings): CustomerDirectory {
    return this.owners.get(customer) ?? this.current;
  }
}

export interface CustomerReloadOptions {
  directory: ReloadableCustomerDirectory;
  /** Loads and validates the whole configuration anew; throws ConfigError naming the key when it is bad. */
  load: () => CustomerDirectory;
  /** The configuration file to watch; without one only `reload()` (SIGHUP) reloads. */
  file?: string;
  logger: Logger;
  /** How long the file must be quiet before it is read (an editor's save is several events). */
  debounceMs?: number;
}

export interface CustomerReload {
  /** Loads the customers again now; true when the new ones are in place, false when the old ones stay. */
  reload(trigger: string): boolean;
  close(): void;
}

/**
 * Reloads the customers on demand and whenever the configuration file changes. The file's folder is
 * watched, not the file: an editor that saves by writing a new file and renaming it over the old one (or a
 * mounted ConfigMap that swaps a link) replaces the file the watch would have held. A change is read once
 * the folder has been quiet for `debounceMs`, and only when the file's bytes differ from the last ones read.
 * A configuration that does not load keeps the customers in place and says why in one error line.
 */
export function startCustomerReload(options: CustomerReloadOptions): CustomerReload {
  const { directory, load, file, logger } = options;
  const debounceMs = options.debounceMs ?? 250;
  let lastSeen = file ? digestOf(file) : undefined;
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  let fileWatcher: FSWatcher | undefined;

  const reload = (trigger: string): boolean => {
    // What is read now needs no second read when the watch reports the same change.
    if (file) lastSeen = digestOf(file);
    let next: CustomerDirectory;
    try {
      next = load();
    } catch (err) {
      const reason = err instanceof ConfigError ? err.message : (err as Error).message;
      logger.error(
        { event: 'customers.reload-refused', trigger, reason },
        `customers not reloaded, the previous ones stay in place: ${reason}`,
      );
      return false;
    }
    directory.replace(next);
    logger.info({ event: 'customers.reloaded', trigger }, 'customers reloaded');
    return true;
  };

  if (file) {
    const name = basename(file);
    const changed = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(onQuiet, debounceMs);
      timer.unref();
    };
    // The file itself is watched too: a write that reaches it through another mount (a bind-mounted file
    // edited on the host) is reported on the file, not on this folder. Watched anew after every change,
    // since a replaced file is a new one.
    const watchFile = () => {
      fileWatcher?.close();
      fileWatcher = undefined;
      try {
        fileWatcher = watch(file, { persistent: false }, changed);
        fileWatcher.on('error', () => fileWatcher?.close());
      } catch {
        // Not there now (removed, mid-replace): the folder's watch sees it come back.
      }
    };
    const onQuiet = () => {
      timer = undefined;
      watchFile();
      const digest = digestOf(file);
      if (digest !== undefined && digest === lastSeen) return;
      lastSeen = digest;
      reload('file-change');
    };
    try {
      watcher = watch(dirname(file), { persistent: false }, (_event, entry) => {
        // The file's own name, or a `..` entry: a mounted ConfigMap swaps its `..data` link, not the file.
        if (entry !== null && entry !== name && !String(entry).startsWith('..')) return;
        changed();
      });
      watcher.on('error', (err) => {
        logger.warn(
          { event: 'customers.watch-failed', reason: err.message },
          'stopped watching the configuration file; SIGHUP still reloads it',
        );
      });
    } catch (err) {
      logger.warn(
        { event: 'customers.watch-failed', reason: (err as Error).message },
        'cannot watch the configuration file; SIGHUP reloads it',
      );
    }
    watchFile();
  }

  return {
    reload,
    close() {
      if (timer) clearTimeout(timer);
      watcher?.close();
      fileWatcher?.close();
    },
  };
}

/** The file's content digest, or undefined when it cannot be read now (removed, mid-replace). */
function digestOf(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}
