/**
 * The WAL is copied back into the database file by a worker thread (src/store/sqlite/checkpointer.ts),
 * not by the COMMIT of someone's turn; the worker stops with the store and never blocks an erase.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/ports.js';
import { createCipher } from '../../src/privacy/cipher.js';
import { createSqlStore } from '../../src/store/sql-store.js';
import { createSqliteDb, openSqlite } from '../../src/store/sqlite/database.js';
import { conversation } from './store.contract.js';

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => {});
});

async function open(checkpointer: { delayMs: number; intervalMs: number } | false) {
  const path = join(mkdtempSync(join(tmpdir(), 'tirek-ckpt-')), 'tirek.db');
  const raw = openSqlite(path);
  const db = createSqliteDb(raw, { checkpointer });
  const store = await createSqlStore(db, createCipher(randomBytes(32)));
  stores.push(store);
  return { path, raw, db, store };
}

async function until(what: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!what()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('WAL checkpoints in a worker thread', () => {
  it('should copy the WAL back while the main connection only writes', async () => {
    const { db, store } = await open({ delayMs: 0, intervalMs: 20 });
    await until(() => db.checkpointer?.stats.running === true);
    for (let i = 0; i < 40; i++) {
      const c = await conversation(store, `p${i}`, i + 1);
      await store.appendMessage({
        conversationId: c.id,
        direction: 'in',
        text: 'x'.repeat(2000),
        now: i + 1,
      });
    }
    // far below wal_autocheckpoint (4000 pages): only the worker copies anything back
    await until(() => (db.checkpointer?.stats.checkpointed ?? 0) > 0);
    expect(db.checkpointer?.stats.checkpoints).toBeGreaterThan(0);
    await store.close();
    expect(db.checkpointer?.stats.running).toBe(false);
  });

  it('should let an erase empty the WAL file while the worker runs', async () => {
    const { path, db, store } = await open({ delayMs: 0, intervalMs: 5 });
    await until(() => db.checkpointer?.stats.running === true);
    for (let i = 0; i < 20; i++) await conversation(store, `p${i}`, i + 1);
    await until(() => (db.checkpointer?.stats.checkpoints ?? 0) > 0);
    await store.transaction((tx) => tx.eraseContact('p3'));
    await store.scrub();
    expect(statSync(`${path}-wal`).size).toBe(0);
  });

  it('should finish closing in a process that has nothing else to wait for', () => {
    // an unref'd worker alone does not keep the event loop alive: awaiting its exit must
    const root = join(import.meta.dirname, '../..');
    const script = `
      import { createSqliteDb, openSqlite } from ${JSON.stringify(pathToFileURL(join(root, 'src/store/sqlite/database.ts')).href)};
      const db = createSqliteDb(openSqlite(process.argv[1]), { checkpointer: { delayMs: 0, intervalMs: 5 } });
      while (!db.checkpointer.stats.running) await new Promise((r) => setTimeout(r, 5));
      await db.close();
      console.log('closed');`;
    const path = join(mkdtempSync(join(tmpdir(), 'tirek-ckpt-')), 'tirek.db');
    const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
    const r = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script, path], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stdout.trim()).toBe('closed');
    expect(r.status).toBe(0);
  });
});
