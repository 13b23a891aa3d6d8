/** `npm run backup [file]`: a consistent copy of the SQLite database, taken while Tirek runs. */
import { loadConfig } from '../config.js';
import { ConfigError } from '../core/errors.js';
import { backupSqlite, defaultBackupPath } from '../store/sqlite/backup.js';

const HELP = `Usage: npm run backup [-- <file>]

Writes a consistent copy of the SQLite database (DATABASE_PATH) while Tirek keeps running,
by default to backups/tirek-<date>.db beside it. Restore: stop Tirek, put the copy in place of
DATABASE_PATH (remove any tirek.db-wal / -shm beside it), start Tirek with the same DATA_KEY.
With PostgreSQL (DATABASE_URL) use pg_dump instead (README: Running in production).`;

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const config = loadConfig();
  if (config.DATABASE_URL)
    throw new ConfigError(
      'DATABASE_URL is set: back up PostgreSQL with pg_dump -Fc (README: Running in production)',
    );
  const destination = args[0] ?? defaultBackupPath(config.DATABASE_PATH);
  await backupSqlite(config.DATABASE_PATH, destination);
  process.stdout.write(
    `Backup written to ${destination}\n` +
      'It is encrypted with DATA_KEY and useless without it: keep a copy of the key, but NOT beside\n' +
      'this backup (another place, another person). Without the key no backup can be read.\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`Backup failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
