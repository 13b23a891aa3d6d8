/**
 * Re-encrypts every encrypted column (every `*_enc` column of every table, read from the schema,
 * so tables added later are covered) from the old DATA_KEY to the new one, on SQLite and
 * PostgreSQL, while Tirek keeps running with both keys.
 *
 * Resumable without a progress marker: GCM's tag tells which key sealed each value, so a value
 * the new key opens is done and skipped, and a run interrupted at any point is simply run again.
 * Each row is written back only if it still holds what was read (compare-and-set), so a turn that
 * saved the row meanwhile (with the new key) is never overwritten with older data; such rows are
 * looked at again in another pass. Pseudonyms do not change: they are keyed from PSEUDONYM_KEY.
 */

import { type Cipher, createCipher } from '../privacy/cipher.js';
import type { SqlDb, SqlValue } from './sql.js';

export interface RotationReport {
  tables: Array<{
    table: string;
    columns: string[];
    rotated: number;
    alreadyNew: number;
    unreadable: number;
  }>;
}

export interface RotationOptions {
  oldKey: Buffer;
  newKey: Buffer;
  /** Rows per transaction. */
  batchSize?: number;
  /** Called after each committed batch (progress output; a test interrupts a run here). */
  onBatch?: (table: string, rowsSeen: number) => void;
}

const MAX_PASSES = 5;

/** Every table with `_enc` columns, from the live schema. */
export async function encryptedColumns(db: SqlDb): Promise<Map<string, string[]>> {
  const rows =
    db.dialect === 'sqlite'
      ? await db.all<{ tbl: string; col: string }>(
          `SELECT m.name AS tbl, p.name AS col FROM sqlite_master m, pragma_table_info(m.name) p
           WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND p.name LIKE '%\\_enc' ESCAPE '\\'
           ORDER BY m.name, p.cid`,
        )
      : await db.all<{ tbl: string; col: string }>(
          `SELECT table_name AS tbl, column_name AS col FROM information_schema.columns
           WHERE table_schema = current_schema() AND column_name LIKE '%\\_enc' ESCAPE '\\'
           ORDER BY table_name, ordinal_position`,
        );
  const tables = new Map<string, string[]>();
  for (const { tbl, col } of rows) tables.set(tbl, [...(tables.get(tbl) ?? []), col]);
  return tables;
}

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/i.test(name)) throw new Error(`unexpected name in the schema: ${name}`);
  return `"${name}"`;
};

type Outcome = 'rotated' | 'new' | 'unreadable';
function reseal(value: Buffer, fresh: Cipher, old: Cipher): { outcome: Outcome; sealed?: Buffer } {
  try {
    fresh.decrypt(value);
    return { outcome: 'new' };
  } catch {
    try {
      return { outcome: 'rotated', sealed: fresh.encrypt(old.decrypt(value)) };
    } catch {
      return { outcome: 'unreadable' };
    }
  }
}

export async function rotateDataKey(db: SqlDb, options: RotationOptions): Promise<RotationReport> {
  const fresh = createCipher(options.newKey);
  const old = createCipher(options.oldKey);
  const batch = options.batchSize ?? 200;
  // SQLite's rowid never changes on update; PostgreSQL's ctid moves, which a later pass catches.
  const rowKey = db.dialect === 'sqlite' ? 'rowid' : 'ctid';
  const keyCast = db.dialect === 'sqlite' ? '?' : '?::tid';
  const same = db.dialect === 'sqlite' ? 'IS' : 'IS NOT DISTINCT FROM';
  const report: RotationReport = { tables: [] };

  for (const [table, columns] of await encryptedColumns(db)) {
    const entry = { table, columns, rotated: 0, alreadyNew: 0, unreadable: 0 };
    report.tables.push(entry);
    const cols = columns.map(ident).join(', ');
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let after: SqlValue | null = null;
      let conflicts = 0;
      let rotatedThisPass = 0;
      let seen = 0;
      const unreadableThisPass = { n: 0 };
      for (;;) {
        const rows: Array<Record<string, unknown>> = await db.all<Record<string, unknown>>(
          `SELECT ${rowKey}${db.dialect === 'postgres' ? '::text' : ''} AS k, ${cols} FROM ${ident(table)}
           ${after === null ? '' : `WHERE ${rowKey} > ${keyCast}`} ORDER BY ${rowKey} LIMIT ${batch}`,
          after === null ? [] : [after],
        );
        if (rows.length === 0) break;
        await db.transaction(async (tx) => {
          for (const row of rows) {
            const set: string[] = [];
            const check: string[] = [];
            const values: SqlValue[] = [];
            const expected: SqlValue[] = [];
            for (const col of columns) {
              const value = row[col];
              // NULL, or emptied on purpose (a sent row's payload): nothing sealed here
              if (!(value instanceof Uint8Array) || value.length === 0) continue;
              const r = reseal(Buffer.from(value), fresh, old);
              if (r.outcome === 'new') {
                if (pass === 0) entry.alreadyNew++;
              } else if (r.outcome === 'unreadable') unreadableThisPass.n++;
              else {
                set.push(`${ident(col)} = ?`);
                values.push(r.sealed as Buffer);
                check.push(`${ident(col)} ${same} ?`);
                expected.push(Buffer.from(value));
              }
            }
            if (set.length === 0) continue;
            const { changes } = await tx.run(
              `UPDATE ${ident(table)} SET ${set.join(', ')} WHERE ${rowKey} = ${keyCast} AND ${check.join(' AND ')}`,
              [...values, row.k as SqlValue, ...expected],
            );
            if (changes === 1) {
              entry.rotated += set.length;
              rotatedThisPass += set.length;
            } else conflicts++; // changed meanwhile: looked at again in the next pass
          }
        });
        after = rows.at(-1)?.k as SqlValue;
        seen += rows.length;
        options.onBatch?.(table, seen);
      }
      entry.unreadable = unreadableThisPass.n;
      // PostgreSQL: a row saved meanwhile may have moved behind the cursor, so only a pass that
      // found nothing left to rotate proves the table done. SQLite: one pass without conflicts.
      if (conflicts === 0 && (db.dialect === 'sqlite' || rotatedThisPass === 0)) break;
    }
  }
  return report;
}
