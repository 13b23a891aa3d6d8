/**
 * Moves an installation from its SQLite file to an empty PostgreSQL database
 * (`npm run migrate-to-postgres`): same schema, rows copied as they are (ciphertext included, so
 * the same DATA_KEY reads them), sequences set past the copied ids. Stop the app first.
 */
import Database from 'better-sqlite3';
import type pg from 'pg';
import { openPostgres } from './postgres/database.js';
import { migrate } from './sqlite/database.js';

const BATCH = 500;

/** Tables in an order where every referenced table comes first. */
function tableOrder(db: Database.Database): string[] {
  const tables = (
    db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      .all() as Array<{
      name: string;
    }>
  ).map((t) => t.name);
  const deps = new Map(
    tables.map((t) => [
      t,
      (db.pragma(`foreign_key_list("${t}")`) as Array<{ table: string }>)
        .map((f) => f.table)
        .filter((d) => d !== t),
    ]),
  );
  const order: string[] = [];
  const visit = (t: string) => {
    if (order.includes(t)) return;
    for (const d of deps.get(t) ?? []) visit(d);
    order.push(t);
  };
  for (const t of tables) visit(t);
  return order;
}

export interface MigrationReport {
  tables: Array<{ table: string; rows: number }>;
}

export async function migrateSqliteToPostgres(
  sqlitePath: string,
  databaseUrl: string,
  progress: (table: string, rows: number) => void = () => {},
): Promise<MigrationReport> {
  const source = new Database(sqlitePath, { fileMustExist: true });
  migrate(source); // bring an older file to the current schema first
  const { pool } = await openPostgres({ connectionString: databaseUrl });
  const client = await pool.connect();
  try {
    const pgTables = new Set(
      (
        await client.query<{ name: string }>(
          `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`,
        )
      ).rows.map((r) => r.name),
    );
    const { rows: existing } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM contacts');
    if ((existing[0]?.n ?? 0) > 0)
      throw new Error('the PostgreSQL database already has people in it: use an empty one');
    const report: MigrationReport = { tables: [] };
    await client.query('BEGIN');
    for (const table of tableOrder(source)) {
      if (!pgTables.has(table))
        throw new Error(`table ${table} is missing in PostgreSQL (schema versions differ)`);
      await client.query(`DELETE FROM "${table}"`); // e.g. the seeded directory
      const columns = (source.pragma(`table_info("${table}")`) as Array<{ name: string }>).map((c) => c.name);
      const list = columns.map((c) => `"${c}"`).join(', ');
      let rows = 0;
      let batch: unknown[][] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const values = batch
          .map((_, r) => `(${columns.map((_c, i) => `$${r * columns.length + i + 1}`).join(', ')})`)
          .join(', ');
        await client.query(`INSERT INTO "${table}" (${list}) VALUES ${values}`, batch.flat());
        rows += batch.length;
        progress(table, rows);
        batch = [];
      };
      for (const row of source.prepare(`SELECT ${list} FROM "${table}"`).raw().iterate() as Iterable<
        unknown[]
      >) {
        batch.push(row);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      if (columns.includes('id')) await resetSequence(client, table);
      report.tables.push({ table, rows });
    }
    await client.query('COMMIT');
    return report;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
    await pool.end();
    source.close();
  }
}

async function resetSequence(client: pg.PoolClient, table: string): Promise<void> {
  const { rows } = await client.query<{ seq: string | null }>(
    'SELECT pg_get_serial_sequence($1, $2) AS seq',
    [table, 'id'],
  );
  const seq = rows[0]?.seq;
  if (!seq) return;
  await client.query(`SELECT setval($1, coalesce((SELECT max(id) FROM "${table}"), 0) + 1, false)`, [seq]);
}
