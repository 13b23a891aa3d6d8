/**
 * `npm start` as a newcomer runs it: no DATA_KEY, no tokens. The real entry point in a child process
 * prints where to open the chat, serves it, creates a private development key, and stops cleanly;
 * a bad setting stops it with one clear line.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir } from './helpers/test-app.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tirek-main-'));
afterAll(() => removeDir(dir));

/** Only what a newcomer's shell would have: no Tirek settings inherited from the test run. */
function run(env: Record<string, string>) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(DATA_KEY|DATABASE_PATH|TELEGRAM_|WHATSAPP_|PORT|HOST)/.test(k),
    ),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...clean, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('npm start', () => {
  it('should print where to open the chat, serve it, and stop cleanly on SIGTERM', async () => {
    const dbPath = join(dir, 'data', 'tirek.db');
    const p = run({ DATABASE_PATH: dbPath, PORT: '0' });
    let url: string | undefined;
    for (let i = 0; i < 300 && !url; i++) {
      url = /Tirek web chat: (http:\/\/127\.0\.0\.1:\d+\/chat)/.exec(p.out())?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 100));
    }
    expect(url, p.err()).toBeDefined();
    const page = await fetch(url as string);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/chat/chat.js');
    const keyFile = join(dir, 'data', 'tirek.key');
    expect(existsSync(keyFile)).toBe(true);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(existsSync(dbPath)).toBe(true);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('should refuse to start with a bad setting, naming it in one line', async () => {
    const p = run({ DATABASE_PATH: join(dir, 'bad.db'), PORT: 'abc' });
    expect(await p.exited).toBe(1);
    expect(p.err()).toContain('PORT: must be a port number');
    expect(existsSync(join(dir, 'bad.db'))).toBe(false);
  });
});
