/**
 * The small SQL surface the store is written against, so its logic (src/store/sql-store.ts) is
 * written once for SQLite and PostgreSQL. SQL uses `?` placeholders; each backend adapts them.
 */
import type { HeldLock } from '../core/ports.js';

export type SqlValue = string | number | bigint | Buffer | null;

export interface SqlDb {
  readonly dialect: 'sqlite' | 'postgres';
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /**
   * One transaction. `lock` serialises transactions with the same key across instances.
   * Nested calls join the open transaction.
   */
  transaction<T>(fn: (db: SqlDb) => Promise<T>, lock?: string): Promise<T>;
  tryLock(name: string): Promise<HeldLock | null>;
  close(): Promise<void>;
}
