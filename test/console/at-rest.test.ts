/**
 * What the console writes stays unreadable at rest: notes, replies, block reasons and audit
 * details are ciphertext; session tokens are stored only as hashes; login failures keep no
 * address or name in clear (SQLite file and WAL, or every PostgreSQL row).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { storedBytes } from '../helpers/stored-text.js';
import { removeDir, startTestApp, type TestApp } from '../helpers/test-app.js';
import { addUser, ConsoleClient, loggedIn, person } from './console-client.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) {
    await t.stop();
    removeDir(t.dir);
  }
});

describe('console data at rest', () => {
  it('should keep no note, reply, reason, token or address in clear', async () => {
    const t = await startTestApp({ env: { CONSOLE_TRUST_PROXY: 'true' } });
    apps.push(t);
    await addUser(t.app, 'aigerim', 'counsellor', 'Aigerim');
    const aigerim = await loggedIn(t.baseUrl, 'aigerim');
    const id = await person(t.app, 'web-rest').queue();
    await aigerim.post(`/api/conversations/${id}/take`);
    await aigerim.post(`/api/conversations/${id}/notes`, { text: 'NOTE-MARKER-7731' });
    await aigerim.post(`/api/conversations/${id}/reply`, { text: 'REPLY-MARKER-7731' });
    await aigerim.post(`/api/conversations/${id}/block`, { reason: 'REASON-MARKER-7731' });
    await new ConsoleClient(t.baseUrl, { 'x-forwarded-for': '203.0.113.77' }).login(
      'GUESSNAME7731',
      'wrong password!!',
    );
    const token = aigerim.cookie?.split('=')[1] as string;
    const bytes = await storedBytes({ dbPath: t.dbPath, databaseUrl: t.env.DATABASE_URL });
    for (const planted of [
      'NOTE-MARKER-7731',
      'REPLY-MARKER-7731',
      'REASON-MARKER-7731',
      token,
      '203.0.113.77',
      'guessname7731',
      'GUESSNAME7731',
    ]) {
      expect([planted, bytes.some((b) => b.includes(planted))]).toEqual([planted, false]);
    }
  });
});
