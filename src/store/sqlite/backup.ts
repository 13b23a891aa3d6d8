/**
 * A consistent copy of the SQLite database while Tirek runs: SQLite's online backup API
 * (better-sqlite3 `backup()`) copies pages while others keep writing, and the copy includes what
 * is still in the WAL. The copy is mode 0600: it holds the same ciphertext as the database.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';

/** Default place of a backup: `backups/tirek-<UTC date and time>.db` beside the database. */
export function defaultBackupPath(databasePath: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return join(dirname(resolve(databasePath)), 'backups', `tirek-${stamp}.db`);
}

export async function backupSqlite(databasePath: string, destination: string): Promise<{ pages: number }> {
  if (!existsSync(databasePath)) throw new Error(`no database at ${databasePath} (DATABASE_PATH)`);
  if (existsSync(destination)) throw new Error(`${destination} exists already; choose another name`);
  mkdirSync(dirname(destination), { recursive: true, mode: 0o700 });
  // fileMustExist: never create an empty database by mistake; no migrations run on the source
  const db = new Database(databasePath, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const result = await db.backup(destination);
    chmodSync(destination, 0o600);
    return { pages: result.totalPages };
  } finally {
    db.close();
  }
}
