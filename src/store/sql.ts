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

/**
 * A LIMIT written into the SQL instead of bound: SQLite plans with the LIMIT's value, so a bound
 * one makes it prepare the statement again at every run (16 µs instead of 0.6 for the outbox
 * claim's look at its index). Only whole numbers reach the SQL.
 */
export function sqlLimit(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad LIMIT ${n}`);
  return `LIMIT ${n}`;
}
