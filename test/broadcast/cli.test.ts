/** `npm run broadcast`: --help explains it; a campaign is created, its lock screen shown, and a start needs the count. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { removeDir, testEnv } from '../helpers/test-app.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { env, dir } = testEnv({ TELEGRAM_BOT_TOKEN: '123456789:AAFakeTokenForTestsOnly_abcdefghijk' });
afterAll(() => removeDir(dir));

const run = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/broadcast.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  }).catch((e: { stdout: string; stderr: string; code: number }) => e);

it('should explain itself with --help', async () => {
  const { stdout } = await run('--help');
  expect(stdout).toContain('npm run broadcast -- <command>');
  for (const word of ['create', 'start', 'watch', 'pause', 'unknown', 'BROADCAST_HOURS'])
    expect(stdout).toContain(word);
}, 30_000);

it('should create a draft, show the lock screen, refuse a telling first line and an http link', async () => {
  const ok = await run('create', '--name', 'news', '--text-ru', 'Новости Tirek\nтекст');
  expect(ok.stdout).toContain('lock screen: Tirek: Новости Tirek');
  expect(ok.stdout).toContain('recipients now: 0');
  const bad = await run('create', '--name', 'x', '--text-en', 'Shelter for abuse victims\ntext');
  expect(bad.stdout).toContain('not neutral');
  const start = await run('start', '2', '--yes');
  expect((start as { stderr: string }).stderr).toContain('not neutral');
  const http = await run('create', '--name', 'x', '--text-en', 'News\ntext', '--link', 'http://example.org');
  expect((http as { stderr: string }).stderr).toContain('https');
  const list = await run('list');
  expect(list.stdout).toMatch(/1\tdraft\tnews/);
}, 60_000);
