/** Moving up: an installation on SQLite is copied into PostgreSQL and a person goes on where they were. */
import { afterEach, describe, expect, it } from 'vitest';
import { migrateSqliteToPostgres } from '../../src/store/migrate-to-postgres.js';
import { BACKENDS } from '../helpers/backends.js';
import { EngineHarness } from '../helpers/engine-harness.js';

const postgres = BACKENDS.find((b) => b.name === 'postgres') as (typeof BACKENDS)[number];
const open: EngineHarness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close().catch(() => {});
});

describe('npm run migrate-to-postgres', () => {
  it('should continue a conversation at the same question after the move', async () => {
    const before = await EngineHarness.open();
    open.push(before);
    for (const [user, steps] of [
      ['u1', ['en', 'yes', 'me', 'screening', 'start', 'no', 'no', 'partner', 'no']],
      ['u2', ['ru', 'yes', 'me']],
    ] as const) {
      await before.command(user, 'start');
      for (const s of steps) await before.choose(user, s);
    }
    await before.text('u2', 'words to keep');
    await before.delivered('u1');
    const question = before.adapter.textsTo('u1').at(-1);
    expect(question).toBe(before.t('en', 'screening:questions.a2'));
    await before.close();
    open.length = 0;

    const { databaseUrl } = await postgres.fresh();
    const report = await migrateSqliteToPostgres(before.dbPath, databaseUrl as string);
    expect(report.tables.find((t) => t.table === 'contacts')?.rows).toBe(2);
    expect(report.tables.find((t) => t.table === 'messages')?.rows).toBeGreaterThan(10);

    const after = await EngineHarness.open({ databaseUrl, key: before.key });
    open.push(after);
    await after.choose('u1', 'yes'); // a2
    expect(await after.delivered('u1')).toEqual([after.t('en', 'screening:questions.a3')]);
    // new rows get new ids (sequences moved past the copied ones) and old words still read back
    const conv = await after.store.getConversation(after.cipher.pseudonym('webchat', 'u2'));
    expect(conv?.lang).toBe('ru');
    await expect(migrateSqliteToPostgres(before.dbPath, databaseUrl as string)).rejects.toThrow(/empty/);
  });
});
