/**
 * Reads a conversation's message log straight from the database (SQLite file or PostgreSQL), as
 * the console will show it: direction, author, the SOS flag and the decrypted text.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import type { EngineHarness } from './engine-harness.js';

export interface LoggedMessage {
  direction: 'in' | 'out';
  author: 'person' | 'bot' | 'counsellor';
  sos: boolean;
  text: string;
}

interface Row {
  direction: 'in' | 'out';
  author_kind: LoggedMessage['author'];
  sos: number;
  text_enc: Buffer;
}

const SQL =
  'SELECT direction, author_kind, sos, text_enc FROM messages WHERE conversation_id = $1 ORDER BY id';

export async function messageLog(h: EngineHarness, conversationId: number): Promise<LoggedMessage[]> {
  let rows: Row[];
  if (h.options.databaseUrl) {
    const client = new pg.Client({ connectionString: h.options.databaseUrl });
    await client.connect();
    try {
      rows = (await client.query<Row>(SQL, [conversationId])).rows;
    } finally {
      await client.end();
    }
  } else {
    const db = new Database(h.dbPath, { readonly: true });
    try {
      rows = db.prepare(SQL.replace('$1', '?')).all(conversationId) as Row[];
    } finally {
      db.close();
    }
  }
  return rows.map((r) => ({
    direction: r.direction,
    author: r.author_kind,
    sos: Number(r.sos) === 1,
    text: h.cipher.decrypt(r.text_enc),
  }));
}
