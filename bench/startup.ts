/**
 * Start-up with a 100,000-conversation database: time from spawning the process to its first HTTP
 * answer (GET /healthz), and how long requests wait while the retention purge (which starts a
 * second later) removes a large expired backlog in batches. The app runs as production does,
 * compiled (`npm run start:prod` = `node dist/src/main.js`; the bench runs `npm run build` first
 * when dist/ is missing or stale), and in the full run also as `npm start` does (tsx on the
 * TypeScript, compiled on the fly), for comparison.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCipher } from '../src/privacy/cipher.js';
import { openSqlite } from '../src/store/sqlite/database.js';
import {
  type BenchContext,
  type BenchModule,
  ensureBuilt,
  fmt,
  median,
  percentile,
  type Table,
} from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DAY = 86_400_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * `n` people with a conversation and two logged messages; `expired` more idle past retention.
 * With `from`, adds to an existing database the people from number `from` on.
 */
export function buildDatabase(path: string, key: Buffer, n: number, expired: number, from = 0): void {
  const db = openSqlite(path);
  // the ids are keyed hashes, so rows land all over the indexes: a cache that holds them all
  // makes the build several times faster (this connection only; the app opens its own)
  db.pragma('cache_size = -262144');
  const cipher = createCipher(key);
  const snapshot = cipher.encrypt(
    JSON.stringify({ status: 'active', value: 'topics', context: { region: null } }),
  );
  const text = cipher.encrypt('a message of some length, as people write them');
  const contact = db.prepare(
    `INSERT INTO contacts (id, channel, address_enc, lang, created_at, last_seen_at) VALUES (?, 'telegram', ?, 'ru', ?, ?)`,
  );
  const conversation = db.prepare(
    `INSERT INTO conversations (contact_id, channel, lang, status, flow, flow_version, snapshot_enc, version, created_at, updated_at)
     VALUES (?, 'telegram', 'ru', 'bot', 'legal', 1, ?, 0, ?, ?)`,
  );
  const message = db.prepare(
    `INSERT INTO messages (conversation_id, direction, text_enc, created_at, author_kind) VALUES (?, ?, ?, ?, ?)`,
  );
  const now = Date.now();
  db.transaction(() => {
    for (let i = from; i < n + expired; i++) {
      const at = i < n ? now - (i % 20) * DAY : now - 400 * DAY;
      const id = cipher.pseudonym('telegram', String(1_000_000 + i));
      contact.run(id, cipher.encrypt(String(1_000_000 + i)), at, at);
      const c = conversation.run(id, snapshot, at, at).lastInsertRowid;
      message.run(c, 'in', text, at, 'person');
      message.run(c, 'out', text, at, 'bot');
    }
  })();
  db.close();
}

/** CPU time (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuMsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux)
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/**
 * Copies a database and waits until the copy is on disk: otherwise the kernel writes its 100 MB
 * back while the app starts, and the start-up figure measures the disk, not the app.
 */
function copyOnDisk(from: string, to: string): void {
  copyFileSync(from, to);
  const fd = openSync(to, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

let stored: { path: string; key: Buffer } | undefined;

/**
 * The database of 100,000 stored conversations, built once per bench run (about 10 s) and shared
 * by the start-up and memory modules: copy it before use.
 */
export function storedConversations(): { path: string; key: Buffer; n: number } {
  if (!stored) {
    const dir = mkdtempSync(join(tmpdir(), 'tirek-bench-stored-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    stored = { path: join(dir, 'tirek.db'), key: randomBytes(32) };
    buildDatabase(stored.path, stored.key, STORED, 0);
  }
  return { ...stored, n: STORED };
}

const STORED = 100_000;

async function startOnce(
  command: string[],
  env: Record<string, string>,
  port: number,
  watchMs: number,
): Promise<{ firstAnswerMs: number; cpuMs: number; p99WhilePurging: number; maxWhilePurging: number }> {
  const t0 = performance.now();
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/healthz`;
  let firstAnswerMs = Number.NaN;
  let cpuMs = Number.NaN;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}`);
      const ok = await fetch(url)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) {
        firstAnswerMs = performance.now() - t0;
        cpuMs = cpuMsOf(child.pid);
        break;
      }
      if (performance.now() - t0 > 30_000) throw new Error('app did not answer in 30 s');
      await new Promise((r) => setTimeout(r, 5));
    }
    // the purge starts a second after start-up: keep asking, and time every answer
    const lat: number[] = [];
    const until = performance.now() + watchMs;
    while (performance.now() < until) {
      const s = performance.now();
      await fetch(url).then((r) => r.arrayBuffer());
      lat.push(performance.now() - s);
      await new Promise((r) => setTimeout(r, 10));
    }
    return { firstAnswerMs, cpuMs, p99WhilePurging: percentile(lat, 99), maxWhilePurging: Math.max(...lat) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

export const startupBench: BenchModule = {
  name: 'startup',
  async run(ctx: BenchContext): Promise<Table[]> {
    const n = STORED;
    const expired = ctx.quick ? 20_000 : 50_000;
    const rows: Table['rows'] = [];
    const main = await ensureBuilt(ROOT);
    const commands: Array<[string, string[]]> = [
      ['npm run start:prod (node dist/src/main.js)', [process.execPath, main]],
    ];
    // tsx compiles the TypeScript at every start: shown for comparison in the full run only
    if (!ctx.quick)
      commands.push(['npm start (tsx src/main.ts)', [process.execPath, '--import', 'tsx', 'src/main.ts']]);
    // the shared database plus the people past retention, copied for each start (the purge changes it)
    const { path: storedPath, key } = storedConversations();
    const template = mkdtempSync(join(tmpdir(), 'tirek-bench-start-db-'));
    copyFileSync(storedPath, join(template, 'tirek.db'));
    buildDatabase(join(template, 'tirek.db'), key, n, expired, n);
    for (const [label, command] of commands) {
      for (const size of [0, n]) {
        const runs = [];
        for (let i = 0; i < ctx.repeats; i++) {
          const dir = mkdtempSync(join(tmpdir(), 'tirek-bench-start-'));
          if (size > 0) copyOnDisk(join(template, 'tirek.db'), join(dir, 'tirek.db'));
          const run = await startOnce(
            command,
            {
              NODE_ENV: 'production',
              LOG_LEVEL: 'silent',
              DATABASE_PATH: join(dir, 'tirek.db'),
              DATA_KEY: key.toString('base64'),
              HOST: '127.0.0.1',
            },
            await freePort(),
            size > 0 ? (ctx.quick ? 3000 : 5000) : 500,
          );
          runs.push(run);
          rmSync(dir, { recursive: true, force: true });
        }
        rows.push([
          `${label}, ${size === 0 ? 'empty database (baseline)' : `${fmt(size, 0)} conversations`}`,
          fmt(median(runs.map((r) => r.firstAnswerMs)), 0),
          fmt(median(runs.map((r) => r.cpuMs)), 0),
          fmt(median(runs.map((r) => r.p99WhilePurging)), 1),
          fmt(median(runs.map((r) => r.maxWhilePurging)), 1),
        ]);
      }
    }
    rmSync(template, { recursive: true, force: true });
    return [
      {
        title: `Start-up: empty database vs ${fmt(n, 0)} conversations (+ ${fmt(expired, 0)} people past retention to purge)`,
        columns: [
          'how',
          'first HTTP answer ms',
          'CPU ms until then',
          'p99 ms after (purging)',
          'max ms after (purging)',
        ],
        rows,
        note: `Medians of ${ctx.repeats} starts. From spawn to the first 200 of GET /healthz (and the CPU time the process used until then, which load on the machine does not inflate); then GET /healthz every 10 ms for a few seconds while the retention purge removes ${fmt(expired, 0)} people, their conversations and ${fmt(2 * expired, 0)} messages in batches.`,
      },
    ];
  },
};
