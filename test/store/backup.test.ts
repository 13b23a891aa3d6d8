/**
 * `npm run backup` while Tirek runs, then a restore into a new directory: the person continues
 * their conversation there, at the question they had reached.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineHarness } from '../helpers/engine-harness.js';
import { removeDir } from '../helpers/test-app.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const harnesses: EngineHarness[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => {});
  for (const d of dirs.splice(0)) removeDir(d);
});

function backup(env: Record<string, string>, file?: string) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(DATA_KEY|DATABASE_|TIREK_TEST_STORE)/.test(k)),
  );
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/backup.ts', ...(file ? [file] : [])], {
    cwd: ROOT,
    env: { ...clean, ...env },
    encoding: 'utf8',
  });
}

describe('npm run backup', () => {
  it('should copy the database while it is in use, and a person continues after a restore elsewhere', async () => {
    const h = await EngineHarness.open();
    harnesses.push(h);
    await h.command('u1', 'start');
    await h.choose('u1', 'en');
    await h.choose('u1', 'yes');
    await h.choose('u1', 'me');
    await h.text('u1', 'words written before the backup');
    await h.choose('u1', 'screening');
    await h.choose('u1', 'start');
    await h.choose('u1', 'no'); // g1
    await h.choose('u1', 'no'); // g2
    await h.choose('u1', 'partner'); // who hurts you? -> a1
    expect((await h.delivered('u1')).at(-1)).toContain(h.t('en', 'screening:questions.a1'));

    // the app still has the database open (WAL not checkpointed) while the copy is taken
    const run = backup({ DATABASE_PATH: h.dbPath });
    expect(run.status, run.stderr).toBe(0);
    const file = /Backup written to (\S+)/.exec(run.stdout)?.[1] as string;
    expect(file).toMatch(/backups\/tirek-\d{8}T\d{6}Z\.db$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(run.stdout).toMatch(/keep a copy of the key, but NOT beside/);

    // restore into a new directory, as on a new server: same key, the backup as the database
    const elsewhere = mkdtempSync(join(tmpdir(), 'tirek-restore-'));
    dirs.push(elsewhere);
    const restored = join(elsewhere, 'tirek.db');
    copyFileSync(file, restored);
    await h.close();
    harnesses.splice(harnesses.indexOf(h), 1);
    const r = await EngineHarness.open({ dbPath: restored, key: h.key });
    harnesses.push(r);
    await r.choose('u1', 'no'); // a1 answered: the next question follows
    expect((await r.delivered('u1')).at(-1)).toContain(r.t('en', 'screening:questions.a2'));
    const conv = await r.store.getConversation(r.cipher.pseudonym('webchat', 'u1'));
    expect(conv?.flow).toBe('screening');
  });

  it('should refuse to overwrite a file and to back up PostgreSQL, in one line', async () => {
    const h = await EngineHarness.open();
    harnesses.push(h);
    const exists = backup({ DATABASE_PATH: h.dbPath }, h.dbPath);
    expect(exists.status).toBe(1);
    expect(exists.stderr).toMatch(/^Backup failed: .* exists already/);
    const pg = backup({ DATABASE_PATH: h.dbPath, DATABASE_URL: 'postgres://localhost/tirek' });
    expect(pg.status).toBe(1);
    expect(pg.stderr).toMatch(/pg_dump/);
    expect(existsSync(join(h.dbPath, '..', 'backups'))).toBe(false);
  });
});
