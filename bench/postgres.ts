/**
 * A throwaway PostgreSQL cluster for the bench, started on first use (test/helpers/postgres-cluster.ts:
 * initdb in a temp dir, 127.0.0.1, fsync=off, synchronous_commit=off, full_page_writes=off).
 * Absent PostgreSQL binaries, the PostgreSQL rows of the tables say so instead.
 */
import {
  freshDatabase,
  type PostgresCluster,
  startPostgresCluster,
} from '../test/helpers/postgres-cluster.js';

let cluster: Promise<PostgresCluster | null> | undefined;

export async function benchPostgres(): Promise<string | null> {
  cluster ??= startPostgresCluster().catch((err: unknown) => {
    console.log(`(no PostgreSQL for the bench: ${err instanceof Error ? err.message : err})`);
    return null;
  });
  const c = await cluster;
  return c ? freshDatabase(c.url) : null;
}

export async function stopBenchPostgres(): Promise<void> {
  (await cluster)?.stop();
}

export const PG_SETTINGS = 'fsync=off, synchronous_commit=off, full_page_writes=off (a throwaway cluster)';
