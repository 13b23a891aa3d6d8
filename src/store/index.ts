/**
 * Chooses the store: one SQLite file by default; PostgreSQL when DATABASE_URL is set.
 * Both come with the notifier that matches them (in-process, or LISTEN/NOTIFY).
 */
import type { ConsoleStore } from '../core/console-ports.js';
import { createLocalNotifier } from '../core/local-notifier.js';
import type { Notifier, Store } from '../core/ports.js';
import type { Cipher } from '../privacy/cipher.js';
import { createConsoleStore } from './console-store.js';
import type { SqlDb } from './sql.js';
import { createSqlStore } from './sql-store.js';
import { createSqliteDb, openSqlite } from './sqlite/database.js';

export interface StoreConfig {
  DATABASE_PATH: string;
  DATABASE_URL?: string | undefined;
}

export interface OpenedStore {
  store: Store;
  notifier: Notifier;
  /** The console's tables, on the same database. */
  consoleStore: ConsoleStore;
  /** The SQL surface under the store, for modules with tables of their own (broadcasts). */
  db: SqlDb;
}

export async function openStore(
  config: StoreConfig,
  cipher: Cipher,
  onError: (err: unknown) => void,
): Promise<OpenedStore> {
  if (config.DATABASE_URL) {
    // loaded only for PostgreSQL: node-postgres is not needed to start on SQLite
    const [{ openPostgres }, { createPostgresNotifier }] = await Promise.all([
      import('./postgres/database.js'),
      import('./postgres/notifier.js'),
    ]);
    const { db, pool } = await openPostgres({ connectionString: config.DATABASE_URL, onError });
    const store = await createSqlStore(db, cipher);
    const notifier = await createPostgresNotifier(config.DATABASE_URL, pool, onError);
    return { store, notifier, consoleStore: createConsoleStore(db, cipher), db };
  }
  const db = createSqliteDb(openSqlite(config.DATABASE_PATH));
  const store = await createSqlStore(db, cipher);
  return { store, notifier: createLocalNotifier(), consoleStore: createConsoleStore(db, cipher), db };
}

/** The SQLite store on one file (tests and tools). */
export function openSqliteStore(path: string, cipher: Cipher): Promise<Store> {
  return createSqlStore(createSqliteDb(openSqlite(path)), cipher);
}
