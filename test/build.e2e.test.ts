/**
 * The production build: `npm run build` compiles to dist/, and `node dist/src/main.js` (no npm,
 * no tsx) serves the web chat with its locales and static files from any working directory.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir } from './helpers/test-app.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tirek-build-'));
afterAll(() => removeDir(dir));

describe('npm run build', () => {
  it('should compile to dist/ and serve the web chat from node dist/src/main.js', async () => {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
    const main = join(ROOT, 'dist/src/main.js');
    expect(existsSync(main)).toBe(true);
    const child = spawn(process.execPath, [main], {
      cwd: dir, // assets must resolve from the compiled code, not the working directory
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        DATA_KEY: Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7 + 1)).toString('base64'),
        DATABASE_PATH: join(dir, 'tirek.db'),
        PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    let base: string | undefined;
    for (let i = 0; i < 300 && !base && child.exitCode === null; i++) {
      base = /Tirek web chat: (http:\/\/127\.0\.0\.1:\d+)\/chat/.exec(out)?.[1];
      if (!base) await new Promise((r) => setTimeout(r, 100));
    }
    expect(base, err).toBeDefined();
    const page = await fetch(`${base}/chat?lang=kk`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/chat/chat.js');
    expect((await fetch(`${base}/chat/chat.js`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
