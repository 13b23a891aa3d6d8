import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createCipher } from '../../src/privacy/cipher.js';
import { openSqliteStore } from '../../src/store/index.js';
import { openSqlite } from '../../src/store/sqlite/database.js';
import { sqliteMigrations } from '../../src/store/sqlite/migrations.js';
import { BACKENDS } from '../helpers/backends.js';
import { storeContract } from './store.contract.js';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'tirek-store-')), 'tirek.db');

for (const backend of BACKENDS) storeContract(backend, tempDb);

describe('sqlite file', () => {
  it('should use WAL and record the schema version', async () => {
    const path = tempDb();
    const store = await openSqliteStore(path, createCipher(randomBytes(32)));
    await store.close();
    const db = openSqlite(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(sqliteMigrations.length);
    db.close();
  });

  it('should upgrade a database of the first release and keep its conversations and queue', async () => {
    const path = tempDb();
    const cipher = createCipher(randomBytes(32));
    // a database as the first release left it: schema 1, one person queued, one reply pending
    const old = new Database(path);
    old.exec(sqliteMigrations[0] as string);
    old.pragma('user_version = 1');
    old
      .prepare(
        `INSERT INTO contacts (id, channel, address_enc, created_at, last_seen_at) VALUES ('p', 'webchat', ?, 1, 1)`,
      )
      .run(cipher.encrypt('addr'));
    old
      .prepare(
        `INSERT INTO conversations (id, contact_id, channel, lang, status, flow, flow_version, snapshot_enc, created_at, updated_at)
         VALUES (7, 'p', 'webchat', 'kk', 'queued', 'handoff', 1, ?, 1, 1)`,
      )
      .run(cipher.encrypt(JSON.stringify({ value: 'queued' })));
    old
      .prepare(
        `INSERT INTO messages (conversation_id, direction, text_enc, created_at) VALUES (7, 'in', ?, 1)`,
      )
      .run(cipher.encrypt('hi'));
    old.prepare(`INSERT INTO handoff_queue (conversation_id, priority, queued_at) VALUES (7, 1, 1)`).run();
    old
      .prepare(
        `INSERT INTO outbox (conversation_id, contact_id, channel, address_enc, payload_enc, status, next_attempt_at, created_at)
         VALUES (7, 'p', 'webchat', ?, ?, 'pending', 1, 1)`,
      )
      .run(cipher.encrypt('addr'), cipher.encrypt(JSON.stringify({ type: 'clear' })));
    old.close();

    const store = await openSqliteStore(path, cipher);
    const c = await store.getConversation('p');
    expect(c).toMatchObject({
      id: 7,
      status: 'queued',
      lang: 'kk',
      snapshot: { value: 'queued' },
      version: 0,
    });
    expect(await store.queuePosition(7)).toBe(1);
    const claimed = await store.claimOutbox(2, 10, ['webchat']);
    expect(claimed.items.map((i) => i.message)).toEqual([{ type: 'clear' }]);
    await store.close();
  });
});
