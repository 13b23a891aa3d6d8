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

const contactId = (session: string) =>
  createCipher(Buffer.from(app.env.DATA_KEY as string, 'base64')).pseudonym('webchat', session);

async function waitFor(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(ok()).toBe(true);
}

function setStreamSeenAt(session: string, at: number): void {
  const db = new Database(app.dbPath);
  try {
    db.prepare('UPDATE contacts SET stream_seen_at = ? WHERE id = ?').run(at, contactId(session));
  } finally {
    db.close();
  }
}

function streamSeenAt(session: string): number | null {
  const id = contactId(session);
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
  it('should record a heartbeat when the page posts and while its stream is open', async () => {
    const session = randomUUID();
    const res = await fetch(`${app.baseUrl}/chat/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ session, id: 'm1', text: 'hello' }),
    });
    expect(res.status).toBe(202);
    // a page that posts is open
    await waitFor(() => (streamSeenAt(session) ?? 0) > 1);
    // forget it, then the open stream alone must bring it back
    setStreamSeenAt(session, 1);
    const before = Date.now();
    const stream = await fetch(`${app.baseUrl}/chat/events?session=${session}`);
    const reader = stream.body?.getReader();
    await reader?.read(); // the stream is open
    await waitFor(() => (streamSeenAt(session) ?? 0) >= before);
    const seen = streamSeenAt(session);
    expect(isConnected(seen, Date.now())).toBe(true);
    expect(isConnected(seen, (seen ?? 0) + WEBCHAT_PRESENCE_MS + 1)).toBe(false);
    expect(isConnected(null, Date.now())).toBe(false);
    await reader?.cancel();
  });
});
