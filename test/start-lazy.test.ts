/**
 * A fast start: packages that only some installations use are loaded only when configured, so a
 * start without them does not pay for loading them (grammY, whatsapp-web.js, node-postgres, the
 * console's argon2 and QR code, prom-client's default metrics). Starts the real entry point in
 * its own process and records every module it loads (test/helpers/import-log.mjs).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeTelegramApi } from './helpers/fake-telegram-api.js';
import { removeDir } from './helpers/test-app.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const LOG_HOOK = pathToFileURL(join(ROOT, 'test/helpers/import-log.mjs')).href;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) removeDir(d);
});

/** Starts src/main.ts, waits for GET /healthz, stops it; returns the packages it loaded. */
async function packagesLoaded(env: Record<string, string>): Promise<Set<string>> {
  return (await modulesLoaded(env)).packages;
}

async function modulesLoaded(
  env: Record<string, string>,
): Promise<{ packages: Set<string>; urls: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'tirek-lazy-'));
  dirs.push(dir);
  const log = join(dir, 'imports.log');
  const child = spawn(process.execPath, ['--import', TSX, '--import', LOG_HOOK, join(ROOT, 'src/main.ts')], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      TIREK_IMPORT_LOG: log,
      DATABASE_PATH: join(dir, 'tirek.db'),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...env,
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
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(existsSync(log)).toBe(true);
  const names = new Set<string>();
  const urls = readFileSync(log, 'utf8').split('\n');
  for (const url of urls) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) names.add(m[1] as string);
  }
  return { packages: names, urls };
}

describe('start-up', () => {
  it('should not load the packages of channels and stores that are not configured', async () => {
    const { packages: loaded, urls } = await modulesLoaded({});
    // and the entry point sets the server's heap (test/heap.test.ts)
    expect(urls.some((u) => u.endsWith('/src/heap.ts'))).toBe(true);
    // what every start needs is there (the log works)
    expect(loaded).toContain('hono');
    expect(loaded).toContain('better-sqlite3');
    expect(loaded).toContain('prom-client');
    for (const name of [
      'grammy',
      '@grammyjs/auto-retry',
      'whatsapp-web.js',
      'qrcode-terminal',
      'pg',
      '@node-rs/argon2',
      'qrcode',
      // prom-client's default metrics (src/metrics/metrics.ts loads only the classes it uses)
      '@opentelemetry/api',
    ])
      expect(loaded, name).not.toContain(name);
  });

  it('should load grammY when Telegram is configured', async () => {
    const fake = await FakeTelegramApi.start();
    try {
      const loaded = await packagesLoaded({
        TELEGRAM_BOT_TOKEN: fake.token,
        TELEGRAM_API_ROOT: fake.apiRoot,
      });
      expect(loaded).toContain('grammy');
      expect(loaded).not.toContain('whatsapp-web.js');
    } finally {
      await fake.close();
    }
  });
});
