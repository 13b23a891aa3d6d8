/**
 * Everything a database holds, as bytes to search for planted strings: the SQLite file and its
 * WAL, or every row of every PostgreSQL table in its text form.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';

export async function storedBytes(target: {
  dbPath: string;
  databaseUrl?: string | undefined;
}): Promise<Buffer[]> {
  if (!target.databaseUrl) {
    const out: Buffer[] = [];
    for (const file of [target.dbPath, `${target.dbPath}-wal`]) {
      try {
        out.push(readFileSync(file));
      } catch {
        // no WAL after a clean close
      }
    }
    return out;
  }
  const client = new pg.Client({ connectionString: target.databaseUrl });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`,
    );
    const out: Buffer[] = [];
    for (const { name } of tables) {
      const { rows } = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${name}" t`);
      // bytea columns print as hex: decode them too, so ciphertext is what gets searched
      out.push(Buffer.from(rows.map((r) => r.row).join('\n')));
      for (const r of rows)
        for (const hex of r.row.match(/\\\\x([0-9a-f]+)/g) ?? []) out.push(Buffer.from(hex.slice(3), 'hex'));
    }
    return out;
  } finally {
    await client.end();
  }
}
