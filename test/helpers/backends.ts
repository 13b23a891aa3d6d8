/**
 * The two stores every store and engine test runs against: a SQLite file, and a fresh database
 * in the throwaway PostgreSQL cluster of this test run (test/setup/postgres.global.ts).
 */
import { inject } from 'vitest';
import { freshDatabase } from './postgres-cluster.js';

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** Options for EngineHarness.open / openStore: a new, empty database each call. */
  fresh(): Promise<{ databaseUrl?: string }>;
}

export const BACKENDS: Backend[] = [
  { name: 'sqlite', fresh: async () => ({}) },
  { name: 'postgres', fresh: async () => ({ databaseUrl: await freshDatabase(inject('postgresUrl')) }) },
];
