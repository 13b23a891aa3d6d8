/** `npm run migrate-to-postgres`: copies DATABASE_PATH (SQLite) into the empty DATABASE_URL (PostgreSQL). */
import { loadConfig } from '../config.js';
import { ConfigError } from '../core/errors.js';
import { migrateSqliteToPostgres } from '../store/migrate-to-postgres.js';

const HELP = `Usage: npm run migrate-to-postgres

Copies the SQLite database (DATABASE_PATH) into an EMPTY PostgreSQL database (DATABASE_URL).
Stop Tirek first. Keep the same DATA_KEY: rows are copied encrypted, as they are.
Afterwards start Tirek with DATABASE_URL set; keep the SQLite file as a backup until you are sure.`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const config = loadConfig();
  if (!config.DATABASE_URL)
    throw new ConfigError('DATABASE_URL: set it to the PostgreSQL database to move to');
  const report = await migrateSqliteToPostgres(config.DATABASE_PATH, config.DATABASE_URL, (table, rows) =>
    process.stdout.write(`\r${table}: ${rows} rows`),
  );
  process.stdout.write('\n');
  for (const { table, rows } of report.tables) process.stdout.write(`${table.padEnd(24)} ${rows}\n`);
  process.stdout.write('Done. Start Tirek with DATABASE_URL set.\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
