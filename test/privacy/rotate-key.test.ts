/**
 * Key rotation on a live database, on SQLite and PostgreSQL: Tirek runs with the new key and the
 * old one while `rotate-key` re-encrypts every `_enc` column (interrupted once, then finished by
 * the CLI); the same Telegram user (fake Bot API) keeps answering the screening where they were,
 * before, during and after, and every value reads back with the new key alone.
 */

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Lang } from '../../src/core/types.js';
import { createTranslator } from '../../src/i18n/translator.js';
import { createCipher } from '../../src/privacy/cipher.js';
import { openPostgres } from '../../src/store/postgres/database.js';
import { encryptedColumns, rotateDataKey } from '../../src/store/rotate-key.js';
import type { SqlDb } from '../../src/store/sql.js';
import { createSqliteDb, openSqlite } from '../../src/store/sqlite/database.js';
import { BACKENDS } from '../helpers/backends.js';
import { countRows } from '../helpers/count-rows.js';
import { FAKE_BOT_TOKEN, FakeTelegramApi } from '../helpers/fake-telegram-api.js';
import { TelegramPerson, type TelegramTestBed } from '../helpers/telegram-harness.js';
import { removeDir, startTestApp, type TestApp, testEnv } from '../helpers/test-app.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const i18n = createTranslator();
const t = (lang: Lang, key: string) => i18n.t(lang, key, { retentionDays: 30 });
const key = () => randomBytes(32).toString('base64');

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

async function openDb(target: { dbPath: string; env: Record<string, string> }): Promise<SqlDb> {
  const url = target.env.DATABASE_URL;
  return url
    ? (await openPostgres({ connectionString: url, max: 2 })).db
    : createSqliteDb(openSqlite(target.dbPath));
}

function rotateCli(env: Record<string, string>) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(DATA_KEY|DATABASE_|PSEUDONYM_KEY|TIREK_TEST_STORE)/.test(k),
    ),
  );
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/rotate-key.ts'], {
    cwd: ROOT,
    env: { ...clean, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
  });
}

describe.each(BACKENDS)('npm run rotate-key on $name', (backend) => {
  it('should re-encrypt a live database and keep the person where they were', async () => {
    const fake = await FakeTelegramApi.start();
    cleanup.push(() => fake.close());
    const oldKey = key();
    const newKey = key();
    const { databaseUrl } = await backend.fresh();
    const base = testEnv({
      TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN,
      TELEGRAM_API_ROOT: fake.apiRoot,
      DATA_KEY: oldKey,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    });
    cleanup.push(async () => removeDir(base.dir));
    const target = { dbPath: base.env.DATABASE_PATH as string, env: base.env };
    let running: TestApp | undefined;
    cleanup.push(async () => running?.stop());
    const start = async (env: Record<string, string>) => {
      await running?.stop();
      running = await startTestApp({ env: { ...base.env, ...env }, dir: base.dir });
      await fake.waitPolling();
      bed.app = running;
    };
    const bed = { fake } as TelegramTestBed;
    await start({});

    // before: intake, a private sentence, the screening up to its first question
    const p = new TelegramPerson(bed, fake.newUser('en'));
    const marker = 'ROTATE-MARKER-5521 words that must read back';
    await p.command('start');
    await p.choose(t('en', 'language:choices.en'));
    await p.choose(t('en', 'intake:safety.yes'));
    await p.choose(t('en', 'intake:who.me'));
    await p.sendText(marker);
    await p.choose(t('en', 'menu:main.screening'));
    await p.choose(t('en', 'screening:intro.start'));
    await p.choose(t('en', 'common:choices.no'));
    await p.choose(t('en', 'common:choices.no'));
    await p.choose(t('en', 'screening:relations.partner'));
    expect((await p.replies()).at(-1)?.text).toBe(t('en', 'screening:questions.a1'));
    const contacts = await countRows(target, 'contacts');

    // during: Tirek restarted with the new key, the old one and the pseudonym key apart
    const during = { DATA_KEY: newKey, DATA_KEY_OLD: oldKey, PSEUDONYM_KEY: oldKey };
    await start(during);
    const db = await openDb(target);
    cleanup.push(() => db.close());
    let batches = 0;
    await expect(
      rotateDataKey(db, {
        oldKey: Buffer.from(oldKey, 'base64'),
        newKey: Buffer.from(newKey, 'base64'),
        batchSize: 2,
        onBatch: () => {
          if (++batches === 2) throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    await p.choose(t('en', 'common:choices.no')); // a1, halfway through the rotation
    expect((await p.replies()).at(-1)?.text).toBe(t('en', 'screening:questions.a2'));

    // the CLI finishes the interrupted run (same settings as the app)
    const cli = rotateCli({ ...target.env, ...during });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/messages\s+re-encrypted \d+/);
    expect(cli.stdout).toMatch(/Done\. Remove DATA_KEY_OLD/);

    // after: every encrypted value of every table opens with the new key alone
    const only = createCipher(Buffer.from(newKey, 'base64'));
    const columns = await encryptedColumns(db);
    expect([...columns.keys()]).toEqual(
      expect.arrayContaining(['contacts', 'conversations', 'messages', 'outbox']),
    );
    const texts: string[] = [];
    let values = 0;
    for (const [table, cols] of columns)
      for (const row of await db.all<Record<string, unknown>>(`SELECT ${cols.join(', ')} FROM ${table}`))
        for (const col of cols) {
          const v = row[col];
          if (!(v instanceof Uint8Array) || v.length === 0) continue; // a sent row's emptied payload
          const plain = only.decrypt(Buffer.from(v)); // throws if any value was left on the old key
          values++;
          if (table === 'messages' && col === 'text_enc') texts.push(plain);
        }
    expect(values).toBeGreaterThan(20);
    expect(texts).toContain(marker);

    // the old key is gone; the same person answers the next question and is still one contact
    await start({ DATA_KEY: newKey, PSEUDONYM_KEY: oldKey });
    await p.choose(t('en', 'common:choices.no')); // a2
    expect((await p.replies()).at(-1)?.text).toBe(t('en', 'screening:questions.a3'));
    expect(await countRows(target, 'contacts')).toBe(contacts);
    expect(await countRows(target, 'conversations')).toBe(1);
  }, 120_000);
});

describe('npm run rotate-key refuses', () => {
  it('should refuse without the old key, or with a pseudonym key that would change', () => {
    const env = { DATABASE_PATH: '/nonexistent/tirek.db', DATA_KEY: key() };
    const noOld = rotateCli(env);
    expect(noOld.status).toBe(1);
    expect(noOld.stderr).toMatch(/DATA_KEY_OLD .* required/);
    const noPseudonym = rotateCli({ ...env, DATA_KEY_OLD: key() });
    expect(noPseudonym.status).toBe(1);
    expect(noPseudonym.stderr).toMatch(/PSEUDONYM_KEY is not set: set it to the old DATA_KEY/);
  });
});
