/**
 * vitest global setup: one throwaway PostgreSQL cluster per test run, shared by every test file
 * through `inject('postgresUrl')`; each test makes its own database in it (freshDatabase).
 */
import type { TestProject } from 'vitest/node';
import { type PostgresCluster, startPostgresCluster } from '../helpers/postgres-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

let cluster: PostgresCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  cluster = await startPostgresCluster();
  project.provide('postgresUrl', cluster.url);
}

export async function teardown(): Promise<void> {
  cluster?.stop();
}
