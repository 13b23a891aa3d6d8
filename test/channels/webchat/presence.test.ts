/**
 * Web-chat presence: while a person's page holds its event stream, the web chat writes a
 * heartbeat into the database (contacts.stream_seen_at), so the console on any instance can show
 * whether the person can still be reached.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
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

function streamSeenAt(session: string): number | null {
  const id = createCipher(Buffer.from(app.env.DATA_KEY as string, 'base64')).pseudonym('webchat', session);
  const db = new Database(app.dbPath, { readonly: true });
  try {
    const row = db.prepare('SELECT stream_seen_at FROM contacts WHERE id = ?').get(id) as
      | { stream_seen_at: number | null }
      | undefined;
    return row?.stream_seen_at ?? null;
  } finally {
    db.close();
  }
}

describe('web-chat presence', () => {
  it('should record a heartbeat while the page’s stream is open', async () => {
    const session = randomUUID();
    const res = await fetch(`${app.baseUrl}/chat/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ session, id: 'm1', text: 'hello' }),
    });
    expect(res.status).toBe(202);
    expect(streamSeenAt(session)).toBeNull();
    const before = Date.now();
    const stream = await fetch(`${app.baseUrl}/chat/events?session=${session}`);
    const reader = stream.body?.getReader();
    await reader?.read(); // the stream is open
    let seen: number | null = null;
    for (let i = 0; i < 50 && seen === null; i++) {
      seen = streamSeenAt(session);
      if (seen === null) await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toBeGreaterThanOrEqual(before);
    expect(isConnected(seen, Date.now())).toBe(true);
    expect(isConnected(seen, (seen ?? 0) + WEBCHAT_PRESENCE_MS + 1)).toBe(false);
    expect(isConnected(null, Date.now())).toBe(false);
    await reader?.cancel();
  });
});
