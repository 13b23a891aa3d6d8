/**
 * Starting and stopping as a service manager or a newcomer does: `.env` in the working directory
 * is read (the environment wins), a fatal start-up problem is one line and exit code 1, and
 * SIGTERM to `npm start` itself frees the port within 10 s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readEnvironment } from '../src/config.js';
import { removeDir } from './helpers/test-app.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) removeDir(d);
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tirek-start-'));
  dirs.push(d);
  return d;
};

/** A shell with no Tirek settings inherited from the test run. */
const cleanEnv = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(DATA_KEY|DATABASE_|TELEGRAM_|WHATSAPP_|PORT|HOST|NODE_ENV|DUTY_|METRICS_)/.test(k),
    ),
  );

function spawnTirek(command: string, args: string[], cwd: string, env: Record<string, string>) {
  const child = spawn(command, args, {
    cwd,
    env: { ...cleanEnv(), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = async () => {
    for (let i = 0; i < 300; i++) {
      const m = /Tirek web chat: (http:\/\/127\.0\.0\.1:(\d+))\/chat/.exec(stdout);
      if (m) return { base: m[1] as string, port: Number(m[2]) };
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`did not start: ${stderr}`);
  };
  return { child, exited, url, out: () => stdout, err: () => stderr };
}
/** The source entry point from any working directory (no npm, no tsx CLI). */
const fromSource = (cwd: string, env: Record<string, string> = {}) =>
  spawnTirek(process.execPath, ['--import', TSX, join(ROOT, 'src/main.ts')], cwd, env);

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

describe('.env', () => {
  it('should read .env of the working directory, the environment winning over the file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.env'), 'PORT=4123\nRETENTION_DAYS=7\n# a comment\nTIMEZONE="Asia/Aqtobe"\n');
    const env = readEnvironment(dir, { RETENTION_DAYS: '9' });
    expect(env).toMatchObject({ PORT: '4123', RETENTION_DAYS: '9', TIMEZONE: 'Asia/Aqtobe' });
    expect(readEnvironment(tempDir(), { PORT: '1' })).toEqual({ PORT: '1' });
  });

  it('should start with the settings of .env when started from that directory', async () => {
    const dir = tempDir();
    const free = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    writeFileSync(
      join(dir, '.env'),
      `PORT=${free}\nDATABASE_PATH=${join(dir, 'db', 'tirek.db')}\nHOST=0.0.0.0\n`,
    );
    const p = fromSource(dir, { HOST: '127.0.0.1' }); // the environment wins over HOST in the file
    const { port } = await p.url();
    expect(port).toBe(free);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  });
});

describe('a fatal start-up problem', () => {
  const oneLine = (stderr: string) => {
    const lines = stderr.trim().split('\n');
    expect(lines, stderr).toHaveLength(1);
    expect(stderr).not.toMatch(/^\s+at /m); // no stack trace
    return lines[0] as string;
  };

  it('should name a busy port in one line and exit with code 1', async () => {
    const dir = tempDir();
    const blocker: Server = await new Promise((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => resolve(s));
    });
    const port = (blocker.address() as { port: number }).port;
    try {
      const p = fromSource(dir, { PORT: String(port), DATABASE_PATH: join(dir, 'tirek.db') });
      expect(await p.exited).toBe(1);
      expect(oneLine(p.err())).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}.*already in use`));
    } finally {
      blocker.close();
    }
  });

  it('should name a database file it cannot read in one line and exit with code 1', async () => {
    const dir = tempDir();
    const path = join(dir, 'tirek.db');
    writeFileSync(path, 'this is not a database, just some text that fills more than one page '.repeat(100));
    const p = fromSource(dir, {
      PORT: '0',
      DATABASE_PATH: path,
      DATA_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(await p.exited).toBe(1);
    expect(oneLine(p.err())).toMatch(/Cannot read the database .*tirek\.db.*not a Tirek database/);
  });

  it('should name a bad value and refuse a made-up key in production', async () => {
    const dir = tempDir();
    const p = fromSource(dir, {
      NODE_ENV: 'production',
      PORT: '0',
      DATABASE_PATH: join(dir, 'tirek.db'),
      DATA_KEY: Buffer.alloc(32).toString('base64'),
    });
    expect(await p.exited).toBe(1);
    expect(p.err()).toMatch(/DATA_KEY: is an example or made-up value/);
    expect(p.err()).not.toMatch(/^\s+at /m);
  });
});

describe('stopping', () => {
  it('should free the port within 10 s when npm start itself gets SIGTERM', async () => {
    const dir = tempDir();
    const p = spawnTirek('npm', ['start'], ROOT, { PORT: '0', DATABASE_PATH: join(dir, 'tirek.db') });
    const { base, port } = await p.url();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const sent = Date.now();
    p.child.kill('SIGTERM'); // the npm process, as a service manager or a script would
    let free = false;
    while (!free && Date.now() - sent < 10_000) {
      free = await portIsFree(port);
      if (!free) await new Promise((r) => setTimeout(r, 100));
    }
    expect(free).toBe(true);
    await p.exited;
  });

  it('should stop cleanly on SIGINT and SIGTERM, exit code 0', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const dir = tempDir();
      const p = fromSource(dir, { PORT: '0', DATABASE_PATH: join(dir, 'tirek.db') });
      await p.url();
      const sent = Date.now();
      p.child.kill(signal);
      expect(await p.exited).toBe(0);
      expect(Date.now() - sent).toBeLessThan(5_000);
    }
  });
});
