/**
 * PostgreSQL behind the async `SqlDb` surface (node-postgres). Several instances share one
 * database: a turn's transaction holds an advisory lock on the person, migrations run once under
 * another advisory lock, and what may run on one instance only holds a session-level lock.
 */
import pg from 'pg';
import { BoundedCache } from '../../core/bounded-cache.js';
import type { HeldLock } from '../../core/ports.js';
import type { SqlDb, SqlValue } from '../sql.js';
import { lockKey } from './lock-key.js';
import { postgresMigrations } from './migrations.js';

const MIGRATION_LOCK = 'migrations';

// BIGINT columns hold epoch milliseconds and ids: well inside Number's exact range.
const types = {
  getTypeParser: (oid: number, format?: string) =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
};

/** `?` placeholders become `$1, $2, …` (the store's SQL never has a literal `?`). */
const converted = new BoundedCache<string, string>('postgres.sql', 256);
function toPg(sql: string): string {
  let out = converted.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    converted.set(sql, out);
  }
  return out;
}

type Queryable = pg.Pool | pg.PoolClient;

function surface(
  q: Queryable,
  transaction: SqlDb['transaction'],
  rest: Pick<SqlDb, 'tryLock' | 'close'>,
): SqlDb {
  const query = (sql: string, params: readonly SqlValue[] = []) => q.query(toPg(sql), params as unknown[]);
  return {
    dialect: 'postgres',
    all: async <T>(sql: string, params?: readonly SqlValue[]) => (await query(sql, params)).rows as T[],
    get: async <T>(sql: string, params?: readonly SqlValue[]) =>
      (await query(sql, params)).rows[0] as T | undefined,
    run: async (sql: string, params?: readonly SqlValue[]) => ({
      changes: (await query(sql, params)).rowCount ?? 0,
    }),
    transaction,
    ...rest,
  };
}

export interface PostgresOptions {
  connectionString: string;
  /** Connections in this instance's pool. */
  max?: number;
  onError?: (err: Error) => void;
}

export async function openPostgres({ connectionString, max = 10, onError }: PostgresOptions): Promise<{
  db: SqlDb;
  pool: pg.Pool;
}> {
  const pool = new pg.Pool({ connectionString, max, types });
  // An idle client losing its connection must not crash the process.
  pool.on('error', (err) => onError?.(err));
  await migrate(pool);

  async function tryLock(name: string): Promise<HeldLock | null> {
    // A session-level lock lives as long as its connection: a dedicated client, never pooled work.
    const client = new pg.Client({ connectionString, types });
    let lostResolve: () => void = () => {};
    const lost = new Promise<void>((r) => (lostResolve = r));
    client.on('error', (err) => {
      onError?.(err);
      lostResolve();
    });
    client.on('end', () => lostResolve());
    await client.connect();
    const { rows } = await client.query('SELECT pg_try_advisory_lock($1::bigint) AS ok', [lockKey(name)]);
    if (!rows[0]?.ok) {
      await client.end();
      return null;
    }
    return {
      lost,
      release: async () => {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey(name)]).catch(() => {});
        await client.end().catch(() => {});
      },
    };
  }
  const close = async () => {
    await pool.end();
  };

  const transaction: SqlDb['transaction'] = async (fn, lock) => {
    const client = await pool.connect();
    let broken = false;
    try {
      // one round trip for both (the key is a number this module made, safe to write inline)
      await client.query(lock ? `BEGIN; SELECT pg_advisory_xact_lock(${lockKey(lock)}::bigint)` : 'BEGIN');
      const inner: SqlDb = surface(client, (f) => f(inner), { tryLock, close });
      const result = await fn(inner);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  };

  return { db: surface(pool, transaction, { tryLock, close }), pool };
}

/** Runs every migration not yet applied, once, even when several instances start together. */
async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [lockKey(MIGRATION_LOCK)]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
    );
    const { rows } = await client.query('SELECT coalesce(max(version), 0) AS v FROM schema_migrations');
    for (let v = Number(rows[0]?.v ?? 0); v < postgresMigrations.length; v++) {
      await client.query('BEGIN');
      try {
        await client.query(postgresMigrations[v] as string);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
          v + 1,
          Date.now(),
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey(MIGRATION_LOCK)]).catch(() => {});
    client.release();
  }
}
