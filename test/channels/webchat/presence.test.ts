/**
 * Web-chat presence: while a person's page holds its event stream, the web chat writes a
 * heartbeat into the database (contacts.stream_seen_at), so the console on any instance can show
 * whether the person can still be reached.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConnected, WEBCHAT_PRESENCE_MS } from '../../../src/core/presence.js';
import { createCipher } from '../../../src/privacy/cipher.js';
import { removeDir, startTestApp, type TestApp } from '../../helpers/test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
  if (app) removeDir(app.dir);
});

const contactId = (session: string) =>
  createCipher(Buffer.from(app.env.DATA_KEY as string, 'base64')).pseudonym('webchat', session);

async function waitFor(ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100 && !(await ok()); i++) await new Promise((r) => setTimeout(r, 20));
  expect(await ok()).toBe(true);
}

/** One statement on the app's database: the SQLite file, or PostgreSQL under `npm run test:postgres`. */
async function sql<T>(text: string, params: Array<string | number>): Promise<T | undefined> {
  const url = app.env.DATABASE_URL;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      let n = 0;
      return (
        await client.query(
          text.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows[0] as T | undefined;
    } finally {
      await client.end();
    }
  }
  const db = new Database(app.dbPath);
  try {
    const statement = db.prepare(text);
    return (statement.reader ? statement.get(...params) : void statement.run(...params)) as T | undefined;
  } finally {
    db.close();
  }
}

const setStreamSeenAt = (session: string, at: number) =>
  sql('UPDATE contacts SET stream_seen_at = ? WHERE id = ?', [at, contactId(session)]);

async function streamSeenAt(session: string): Promise<number | null> {
  const row = await sql<{ stream_seen_at: number | string | null }>(
    'SELECT stream_seen_at FROM contacts WHERE id = ?',
    [contactId(session)],
  );
  return row?.stream_seen_at == null ? null : Number(row.stream_seen_at);
}

describe('web-chat presence', () => {
  it('should record a heartbeat when the page posts and while its stream is open', async () => {
    const session = randomUUID();
    const res = await fetch(`${app.baseUrl}/chat/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ session, id: 'm1', text: 'hello' }),
    });
    expect(res.status).toBe(202);
    // a page that posts is open
    await waitFor(async () => ((await streamSeenAt(session)) ?? 0) > 1);
    // forget it, then the open stream alone must bring it back
    await setStreamSeenAt(session, 1);
    const before = Date.now();
    const stream = await fetch(`${app.baseUrl}/chat/events?session=${session}`);
    const reader = stream.body?.getReader();
    await reader?.read(); // the stream is open
    await waitFor(async () => ((await streamSeenAt(session)) ?? 0) >= before);
    const seen = await streamSeenAt(session);
    expect(isConnected(seen, Date.now())).toBe(true);
    expect(isConnected(seen, (seen ?? 0) + WEBCHAT_PRESENCE_MS + 1)).toBe(false);
    expect(isConnected(null, Date.now())).toBe(false);
    await reader?.cancel();
  });
});
