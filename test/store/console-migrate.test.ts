/** The console's tables move with `npm run migrate-to-postgres`: accounts log in, notes and the audit log read back. */
import { afterEach, describe, expect, it } from 'vitest';
import { migrateSqliteToPostgres } from '../../src/store/migrate-to-postgres.js';
import { addUser, loggedIn, PASSWORD, person } from '../console/console-client.js';
import { BACKENDS } from '../helpers/backends.js';
import { removeDir, startTestApp, type TestApp, testEnv } from '../helpers/test-app.js';

const postgres = BACKENDS.find((b) => b.name === 'postgres') as (typeof BACKENDS)[number];
const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) {
    await t.stop().catch(() => {});
    removeDir(t.dir);
  }
});

describe('console tables in migrate-to-postgres', () => {
  it('should keep accounts, notes, canned replies and the audit log', async () => {
    if (process.env.TIREK_TEST_STORE === 'postgres') return; // the source must be SQLite
    const { env, dir } = testEnv();
    const before = await startTestApp({ env, dir });
    apps.push(before);
    await addUser(before.app, 'root', 'admin', 'Root');
    const admin = await loggedIn(before.baseUrl, 'root');
    const id = await person(before.app, 'web-m').queue();
    await admin.post(`/api/conversations/${id}/take`);
    await admin.post(`/api/conversations/${id}/notes`, { text: 'a private note' });
    await before.stop();
    apps.length = 0;

    const { databaseUrl } = await postgres.fresh();
    const report = await migrateSqliteToPostgres(before.dbPath, databaseUrl as string);
    expect(report.tables.find((t) => t.table === 'console_users')?.rows).toBe(1);
    expect(report.tables.find((t) => t.table === 'console_notes')?.rows).toBe(1);

    const after = await startTestApp({ env: { ...env, DATABASE_URL: databaseUrl as string }, dir });
    apps.push(after);
    const again = await loggedIn(after.baseUrl, 'root');
    const view = await again.get(`/api/conversations/${id}`);
    expect(view.json.notes).toEqual([expect.objectContaining({ author: 'Root', text: 'a private note' })]);
    expect((await again.get('/api/canned')).json.canned).toHaveLength(6);
    const actions = (await again.get('/api/audit')).json.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['take', 'note', 'open']));
    // new rows get new ids past the copied ones
    const added = await again.post('/api/users', {
      username: 'dana',
      displayName: 'Dana',
      role: 'counsellor',
      password: PASSWORD,
    });
    expect(added.status).toBe(200);
  });
});
