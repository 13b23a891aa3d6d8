/**
 * Campaign benchmark (npm run bench:broadcast): a campaign to 20,000 subscribers through the real
 * app against the fake Telegram Bot API (in its own process), with the limit raised. Prints the
 * achieved rate as a share of the configured limit (goal ≥ 95%), the busiest second, peak memory
 * and duplicates (goal 0). BENCH_BROADCAST_RATE and BENCH_BROADCAST_PEOPLE change the figures.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { LANGS, type Lang } from '../src/core/types.js';
import { createLogger } from '../src/logger.js';
import { createCipher } from '../src/privacy/cipher.js';
import { maxInWindow, seedPeople } from '../test/broadcast/seed.js';
import { FAKE_BOT_TOKEN } from '../test/helpers/fake-telegram-api.js';
import { type BenchContext, type BenchModule, printTable, type Table } from './lib.js';

const line = (rows: Table['rows'], label: string, value: string) => rows.push([label, value]);

/** One campaign to `people` subscribers at `rate` messages/s; the figures as a table. */
export async function broadcastFigures(people: number, rate: number): Promise<Table> {
  const PEOPLE = people;
  const RATE = rate;
  const rows: Table['rows'] = [];

  const child = fork(new URL('./fake-telegram-child.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) => {
    child.stdout?.on('data', (d: Buffer) => {
      const m = /port (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
  });

  const dir = mkdtempSync(join(tmpdir(), 'tirek-bench-broadcast-'));
  const key = randomBytes(32).toString('base64');
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_PATH: join(dir, 'tirek.db'),
    DATA_KEY: key,
    PORT: '0',
    TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN,
    TELEGRAM_API_ROOT: `http://127.0.0.1:${port}`,
    BROADCAST_HOURS: '00:00-23:59',
    BROADCAST_RATE_PER_SECOND: String(RATE),
    BROADCAST_CONCURRENCY: '16',
  });
  const app = await createApp({ config, logger: createLogger('silent') });
  const cipher = createCipher(Buffer.from(key, 'base64'));
  await seedPeople(
    app.store,
    cipher,
    Array.from({ length: PEOPLE }, (_, i) => ({
      userId: String(9_000_000_000 + i),
      lang: LANGS[i % 3] as Lang,
    })),
  );
  const { broadcasts, sender } = app.broadcasting;
  const campaign = await broadcasts.createCampaign(
    {
      name: 'bench',
      texts: { ru: 'Новости Tirek\nтекст', kk: 'Tirek жаңалықтары\nмәтін', en: 'News from Tirek\ntext' },
      link: null,
      filter: { langs: [], channels: [], sources: [] },
      sendAt: null,
    },
    null,
    Date.now(),
  );

  // how long each send to the Bot API takes, from the app's side (the pace must not depend on it)
  const telegram = app.adapters.get('telegram');
  const sendMs: number[] = [];
  if (telegram) {
    const send = telegram.send.bind(telegram);
    telegram.send = async (...args) => {
      const began = performance.now();
      try {
        return await send(...args);
      } finally {
        sendMs.push(performance.now() - began);
      }
    };
  }

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  await app.start();
  await broadcasts.confirm(campaign.id, sender.rules());
  sender.wake();
  for (;;) {
    const report = await broadcasts.report(campaign.id);
    if (report && report.remaining === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  clearInterval(sampler);
  const report = await broadcasts.report(campaign.id);
  child.send('report');
  const { sends } = await new Promise<{ sends: Array<[number, number]> }>((resolve) =>
    child.once('message', (m) => resolve(m as { sends: Array<[number, number]> })),
  );
  await app.stop();
  child.send('exit');
  rmSync(dir, { recursive: true, force: true });

  const perChat = new Map<number, number>();
  for (const [chat] of sends) perChat.set(chat, (perChat.get(chat) ?? 0) + 1);
  const duplicates = [...perChat.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
  const times = sends.map(([, at]) => at).sort((a, b) => a - b);
  const seconds = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000;
  const achieved = seconds > 0 ? (times.length - 1) / seconds : 0;

  line(rows, 'messages delivered', String(sends.length));
  line(rows, 'achieved rate, messages/s', achieved.toFixed(1));
  line(
    rows,
    'achieved rate as a share of the limit (goal ≥ 95%)',
    `${((achieved / RATE) * 100).toFixed(1)}%`,
  );
  line(rows, 'busiest sliding second, messages (limit)', `${maxInWindow(times)} (${RATE})`);
  const sortedMs = [...sendMs].sort((a, b) => a - b);
  const at = (p: number) =>
    sortedMs[Math.min(sortedMs.length - 1, Math.floor(p * sortedMs.length))] ?? Number.NaN;
  line(rows, 'one send (Bot API round trip) p50 / p99, ms', `${at(0.5).toFixed(1)} / ${at(0.99).toFixed(1)}`);
  line(rows, 'peak memory (RSS) of the app process, MB', (peakRss / 1024 / 1024).toFixed(0));
  line(rows, 'duplicates (goal 0)', String(duplicates));
  line(rows, 'chats without their message', String(PEOPLE - perChat.size));
  line(rows, 'rows counted unknown', String(report?.counts.unknown ?? 0));
  line(
    rows,
    'machine: cores, load average (1 min) at the end',
    `${cpus().length}, ${loadavg()[0]?.toFixed(1)}`,
  );
  return {
    title: `Campaign broadcast: ${PEOPLE} subscribers, limit raised to ${RATE} messages/s (fake Telegram in its own process, SQLite WAL)`,
    columns: ['figure', 'value'],
    rows,
  };
}

export const broadcastBench: BenchModule = {
  name: 'broadcast',
  async run(ctx: BenchContext): Promise<Table[]> {
    // a smaller campaign in --quick: the share of the limit is the figure, not the size
    const people = Number(process.env.BENCH_BROADCAST_PEOPLE ?? (ctx.quick ? 1500 : 20_000));
    return [await broadcastFigures(people, Number(process.env.BENCH_BROADCAST_RATE ?? 150))];
  },
};

// npm run bench:broadcast
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printTable(
    await broadcastFigures(
      Number(process.env.BENCH_BROADCAST_PEOPLE ?? 20_000),
      Number(process.env.BENCH_BROADCAST_RATE ?? 150),
    ),
  );
  process.exit(0);
}
