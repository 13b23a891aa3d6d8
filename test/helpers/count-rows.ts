/** Rows in a table, read through a separate connection to whichever database the app uses. */
import Database from 'better-sqlite3';
import pg from 'pg';

export async function countRows(
  target: { dbPath: string; env: Record<string, string> },
  table: string,
  where = 'true',
): Promise<number> {
  const url = target.env.DATABASE_URL;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${table}" WHERE ${where}`,
      );
      return rows[0]?.n ?? 0;
    } finally {
      await client.end();
    }
  }
  const db = new Database(target.dbPath, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM "${table}" WHERE ${where}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}
