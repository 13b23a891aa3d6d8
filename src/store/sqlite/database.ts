/**
 * SQLite behind the async `SqlDb` surface. better-sqlite3 has one connection and is synchronous:
 * every statement and every transaction runs through one lane (./group-commit.ts), so an `await`
 * inside a transaction can never let another turn's statements into it, and transactions that
 * queue up behind each other share one COMMIT.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BoundedCache } from '../../core/bounded-cache.js';
import type { HeldLock } from '../../core/ports.js';
import type { SqlDb, SqlValue } from '../sql.js';
import { type Checkpointer, startCheckpointer } from './checkpointer.js';
import { createGroupCommitLane } from './group-commit.js';
import { sqliteMigrations } from './migrations.js';

export function openSqlite(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only an OS crash may lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('temp_store = MEMORY');
  // Deleted rows are overwritten with zeros, so an erased person's rows cannot be read back from
  // free pages of the file (https://sqlite.org/pragma.html#pragma_secure_delete).
  db.pragma('secure_delete = ON');
  // Checkpoint every ~16 MB of WAL instead of 4 MB: a page written by many turns (a busy index
  // leaf) is copied back once, and the checkpoint's fsync comes a quarter as often.
  db.pragma('wal_autocheckpoint = 4000');
  migrate(db);
  db.pragma('foreign_keys = ON');
  return db;
}

/** Runs every migration not yet applied, in order; PRAGMA user_version records how far. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current >= sqliteMigrations.length) return;
  // Some migrations rebuild tables that others reference: check foreign keys once at the end.
  db.pragma('foreign_keys = OFF');
  for (let v = current; v < sqliteMigrations.length; v++) {
    db.transaction(() => {
      db.exec(sqliteMigrations[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  const broken = db.pragma('foreign_key_check') as unknown[];
  if (broken.length > 0) throw new Error(`migration left ${broken.length} broken references`);
}

export interface SqliteDbOptions {
  /** The WAL checkpoints in a worker thread (./checkpointer.ts): its start delay, or false for none. */
  checkpointer?: { delayMs?: number; intervalMs?: number } | false;
}

export function createSqliteDb(
  db: Database.Database,
  options: SqliteDbOptions = {},
): SqlDb & { readonly checkpointer?: Checkpointer } {
  const lane = createGroupCommitLane(db);
  const checkpointer =
    options.checkpointer === false || db.memory
      ? undefined
      : startCheckpointer(db.name, options.checkpointer);
  // Prepared once per SQL text; bounded, as callers may build SQL (e.g. a list of channels).
  const statements = new BoundedCache<string, Database.Statement>('sqlite.statements', 256);
  const prepare = (sql: string) => {
    let s = statements.get(sql);
    if (!s) {
      s = db.prepare(sql);
      statements.set(sql, s);
    }
    return s;
  };
  const held = new Set<string>();

  // Statements run directly: callers are already inside the lane.
  const direct: SqlDb = {
    dialect: 'sqlite',
    all: async <T>(sql: string, params: readonly SqlValue[] = []) => prepare(sql).all(...params) as T[],
    get: async <T>(sql: string, params: readonly SqlValue[] = []) =>
      prepare(sql).get(...params) as T | undefined,
    run: async (sql: string, params: readonly SqlValue[] = []) => ({
      changes: prepare(sql).run(...params).changes,
    }),
    transaction: (fn) => fn(direct),
    tryLock: (name) => lock(name),
    close: async () => {},
  };

  async function lock(name: string): Promise<HeldLock | null> {
    // One process owns the SQLite file, so a lock only has to be unique within this process.
    if (held.has(name)) return null;
    held.add(name);
    return { release: async () => void held.delete(name), lost: new Promise<void>(() => {}) };
  }

  return {
    dialect: 'sqlite',
    all: (sql, params = []) => lane.statement(() => prepare(sql).all(...params) as never),
    get: (sql, params = []) => lane.statement(() => prepare(sql).get(...params) as never),
    run: (sql, params = []) => lane.statement(() => ({ changes: prepare(sql).run(...params).changes })),
    // every transaction runs in the lane, so `lock` (cross-instance on PostgreSQL) holds already
    transaction: (fn) => lane.transaction(() => fn(direct)),
    tryLock: lock,
    close: async () => {
      await lane.idle();
      await checkpointer?.stop();
      db.close();
    },
    ...(checkpointer ? { checkpointer } : {}),
  };
}
