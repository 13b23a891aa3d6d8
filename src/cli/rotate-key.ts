/**
 * `npm run rotate-key`: re-encrypts every encrypted column with a new DATA_KEY (old one in
 * DATA_KEY_OLD). Safe to run while Tirek runs with the same three settings, and to run again
 * after an interruption. README: "Running in production", key rotation.
 */
import { loadConfig } from '../config.js';
import { ConfigError } from '../core/errors.js';
import { openPostgres } from '../store/postgres/database.js';
import { rotateDataKey } from '../store/rotate-key.js';
import type { SqlDb } from '../store/sql.js';
import { createSqliteDb, openSqlite } from '../store/sqlite/database.js';

const HELP = `Usage: DATA_KEY=<new> DATA_KEY_OLD=<old> PSEUDONYM_KEY=<pseudonym key> npm run rotate-key

Re-encrypts every encrypted column of the database (DATABASE_PATH, or DATABASE_URL) from
DATA_KEY_OLD to DATA_KEY. Tirek may keep running meanwhile, restarted with the same three settings.
Interrupted? Run it again: what is done is skipped. Afterwards remove DATA_KEY_OLD and restart.
Pseudonyms stay as they are: PSEUDONYM_KEY must be set (to the old DATA_KEY, if it was never set).`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const config = loadConfig();
  if (!config.DATA_KEY || !config.DATA_KEY_OLD)
    throw new ConfigError('DATA_KEY (the new key) and DATA_KEY_OLD (the current one) are both required');
  // The pseudonym secret must not change with the key, or every person loses their conversation.
  if (!config.PSEUDONYM_KEY)
    throw new ConfigError(
      'PSEUDONYM_KEY is not set: set it to the old DATA_KEY (here and for Tirek), so every person stays linked to their conversation',
    );
  let db: SqlDb;
  if (config.DATABASE_URL) db = (await openPostgres({ connectionString: config.DATABASE_URL, max: 2 })).db;
  else db = createSqliteDb(openSqlite(config.DATABASE_PATH));
  try {
    const report = await rotateDataKey(db, {
      oldKey: Buffer.from(config.DATA_KEY_OLD, 'base64'),
      newKey: Buffer.from(config.DATA_KEY, 'base64'),
      onBatch: (table, rows) => process.stdout.write(`\r${table}: ${rows} rows`),
    });
    process.stdout.write('\n');
    let rotated = 0;
    let alreadyNew = 0;
    let unreadable = 0;
    for (const t of report.tables) {
      process.stdout.write(
        `${t.table.padEnd(24)} re-encrypted ${t.rotated}, already new ${t.alreadyNew}, unreadable ${t.unreadable}\n`,
      );
      rotated += t.rotated;
      alreadyNew += t.alreadyNew;
      unreadable += t.unreadable;
    }
    if (unreadable > 0 && rotated + alreadyNew === 0)
      throw new Error('neither DATA_KEY nor DATA_KEY_OLD reads this database: check the keys');
    if (unreadable > 0)
      process.stdout.write(
        `${unreadable} values open with neither key (left as they are; Tirek fails such rows with a reason).\n`,
      );
    process.stdout.write('Done. Remove DATA_KEY_OLD from the settings and restart Tirek.\n');
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Key rotation stopped: ${error instanceof Error ? error.message : String(error)}\n`);
  process.stderr.write('Nothing is lost: run it again to continue.\n');
  process.exit(1);
});
