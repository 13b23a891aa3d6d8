/**
 * Start-up with a 100,000-conversation database: time from spawning the process to its first HTTP
 * answer (GET /healthz), and how long requests wait while the retention purge (which starts a
 * second later) removes a large expired backlog in batches. The app runs as `npm start` does
 * (tsx on the TypeScript), and compiled (`node dist/src/main.js`) when `npm run build` has made dist/.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCipher } from '../src/privacy/cipher.js';
import { openSqlite } from '../src/store/sqlite/database.js';
import { type BenchContext, type BenchModule, fmt, median, percentile, type Table } from './lib.js';

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

/** `n` people with a conversation and two logged messages; `expired` more idle past retention. */
export function buildDatabase(path: string, key: Buffer, n: number, expired: number): void {
  const db = openSqlite(path);
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
    for (let i = 0; i < n + expired; i++) {
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

async function startOnce(
  command: string[],
  env: Record<string, string>,
  port: number,
  watchMs: number,
): Promise<{ firstAnswerMs: number; p99WhilePurging: number; maxWhilePurging: number }> {
  const t0 = performance.now();
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/healthz`;
  let firstAnswerMs = Number.NaN;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}`);
      const ok = await fetch(url)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) {
        firstAnswerMs = performance.now() - t0;
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
    return { firstAnswerMs, p99WhilePurging: percentile(lat, 99), maxWhilePurging: Math.max(...lat) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

export const startupBench: BenchModule = {
  name: 'startup',
  async run(ctx: BenchContext): Promise<Table[]> {
    const n = 100_000;
    const expired = ctx.quick ? 20_000 : 50_000;
    const rows: Table['rows'] = [];
    const commands: Array<[string, string[]]> = [
      ['npm start (tsx src/main.ts)', [join(ROOT, 'node_modules/.bin/tsx'), 'src/main.ts']],
    ];
    if (existsSync(join(ROOT, 'dist/src/main.js')))
      commands.push(['node dist/src/main.js', ['node', 'dist/src/main.js']]);
    for (const [label, command] of commands) {
      for (const size of [0, n]) {
        const runs = [];
        for (let i = 0; i < ctx.repeats; i++) {
          const dir = mkdtempSync(join(tmpdir(), 'tirek-bench-start-'));
          const key = randomBytes(32);
          if (size > 0) buildDatabase(join(dir, 'tirek.db'), key, size, expired);
          runs.push(
            await startOnce(
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
            ),
          );
        }
        rows.push([
          `${label}, ${size === 0 ? 'empty database (baseline)' : `${fmt(size, 0)} conversations`}`,
          fmt(median(runs.map((r) => r.firstAnswerMs)), 0),
          fmt(median(runs.map((r) => r.p99WhilePurging)), 1),
          fmt(median(runs.map((r) => r.maxWhilePurging)), 1),
        ]);
      }
    }
    if (commands.length === 1)
      rows.push(['node dist/src/main.js', 'no dist/ on this branch (npm run build)', '', '']);
    return [
      {
        title: `Start-up: empty database vs ${fmt(n, 0)} conversations (+ ${fmt(expired, 0)} people past retention to purge)`,
        columns: ['how', 'first HTTP answer ms', 'p99 ms after (purging)', 'max ms after (purging)'],
        rows,
        note: `Medians of ${ctx.repeats} starts. From spawn to the first 200 of GET /healthz; then GET /healthz every 10 ms for a few seconds while the retention purge removes ${fmt(expired, 0)} people, their conversations and ${fmt(2 * expired, 0)} messages in batches.`,
      },
    ];
  },
};
