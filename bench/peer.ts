/**
 * Tirek side by side with grammY's conversations plugin (bench/peer/), each over its own copy of
 * the fake Bot API (test/helpers/fake-telegram-api.ts) in a process of its own with the people
 * writing (bench/peer-child.ts), long polling, SQLite, in the same run.
 * Each person walks the same steps (start, language, safe?, who, legal, then topic/back); we time
 * messages at step 10 and step 200 of the conversation. The plugin replays the whole conversation
 * on every update, so its cost grows with the step; Tirek restores one snapshot, so it stays flat.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { translator } from '../test/helpers/engine-harness.js';
import { FAKE_BOT, FAKE_BOT_TOKEN } from '../test/helpers/fake-telegram-api.js';
import { cpuSeconds } from './engine.js';
import { type BenchContext, type BenchModule, fmt, median, percentile, repeat, type Table } from './lib.js';
import type { Measured, PeerCommand } from './peer-child.js';
import { startBenchApp } from './tirek-app.js';

/** Steps the warm-up people walk before anything is timed (so neither bot is timed on cold code). */
const WARM_UP_STEPS = 40;

const PEER_DIR = fileURLToPath(new URL('./peer/', import.meta.url));

/** The peer's dependencies are not the product's: installed on demand from its own lockfile. */
function ensurePeerInstalled(): void {
  if (existsSync(join(PEER_DIR, 'node_modules', '@grammyjs', 'conversations'))) return;
  console.log('(installing bench/peer: npm ci --prefix bench/peer)');
  execFileSync('npm', ['ci', '--prefix', PEER_DIR, '--no-audit', '--no-fund'], { stdio: 'inherit' });
}

interface PeerBotModule {
  createPeerBot(o: {
    token: string;
    apiRoot: string;
    botInfo: unknown;
    dbPath: string;
    t: (k: string) => string;
  }): {
    bot: { start(o?: object): Promise<void>; stop(): Promise<void> };
    stateBytes(chatId: number): number;
    close(): void;
  };
}

interface Side {
  name: string;
  child: ChildProcess;
  stateBytes?(chat: number): number;
  stop(): Promise<void>;
}

interface StepFigures {
  perSecond: number;
  cpuMsPerMessage: number;
  p50: number;
  p99: number;
}

/** Telegram's side (fake Bot API and the people writing) in a process of its own. */
async function telegramSide(prefix: string): Promise<{ child: ChildProcess; apiRoot: string }> {
  const child = fork(new URL('./peer-child.ts', import.meta.url), [prefix], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`Telegram's side exited (${code})`)));
    child.stdout?.on('data', (d: Buffer) => {
      const m = /port (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
  });
  return { child, apiRoot: `http://127.0.0.1:${port}` };
}

function ask<T>(child: ChildProcess, command: PeerCommand): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(command);
  });
}

/** Walks the measured people to just before `step`, then times `count` messages each from there. */
async function measureAt(side: Side, step: number, count: number): Promise<StepFigures> {
  await ask(side.child, { type: 'walk', group: 'measured', step });
  const cpu0 = process.cpuUsage();
  const m = await ask<Measured>(side.child, { type: 'measure', group: 'measured', count });
  return {
    perSecond: m.messages / m.seconds,
    cpuMsPerMessage: (1000 * cpuSeconds(cpu0)) / m.messages,
    p50: percentile(m.latencies, 50),
    p99: percentile(m.latencies, 99),
  };
}

async function tirekSide(): Promise<Side> {
  const { child, apiRoot } = await telegramSide('c:');
  const { app, dir } = await startBenchApp({
    TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN,
    TELEGRAM_API_ROOT: apiRoot,
  });
  await ask(child, { type: 'polling' });
  return {
    name: 'Tirek',
    child,
    async stop() {
      await app.stop();
      child.send('exit');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function peerSide(mod: PeerBotModule, dir: string): Promise<Side> {
  const { child, apiRoot } = await telegramSide('');
  const t = translator();
  const peer = mod.createPeerBot({
    token: FAKE_BOT_TOKEN,
    apiRoot,
    botInfo: FAKE_BOT,
    dbPath: join(dir, 'peer.db'),
    t: (key) => t.t('en', key),
  });
  const running = peer.bot.start({ drop_pending_updates: false });
  await ask(child, { type: 'polling' });
  return {
    name: 'grammY conversations',
    child,
    stateBytes: (chat) => peer.stateBytes(chat),
    async stop() {
      await peer.bot.stop();
      await running.catch(() => {});
      peer.close();
      child.send('exit');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const peerBench: BenchModule = {
  name: 'peer',
  async run(ctx: BenchContext): Promise<Table[]> {
    ensurePeerInstalled();
    const mod = (await import(pathToFileURL(join(PEER_DIR, 'screening.ts')).href)) as PeerBotModule;
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const people = ctx.quick ? 3 : 8;
    const count = ctx.quick ? 4 : 10;
    const results: Record<string, Record<number, StepFigures[]>> = { Tirek: {}, 'grammY conversations': {} };
    const stateAt: Record<number, number> = {};
    await repeat(ctx.repeats, async () => {
      for (const make of [
        () => tirekSide(),
        () => peerSide(mod, mkdtempSync(join(tmpdir(), 'tirek-peer-'))),
      ]) {
        const side = await make();
        // warm-up people walk the first steps first (not timed), so step 10 is not timed on cold code
        await ask(side.child, { type: 'people', group: 'warm-up', count: people });
        await ask(side.child, { type: 'walk', group: 'warm-up', step: WARM_UP_STEPS });
        const ids = await ask<number[]>(side.child, { type: 'people', group: 'measured', count: people });
        for (const step of [10, 200]) {
          const f = await measureAt(side, step, count);
          const bySide = results[side.name] ?? {};
          bySide[step] = [...(bySide[step] ?? []), f];
          results[side.name] = bySide;
          if (side.stateBytes) stateAt[step] = side.stateBytes(ids[0] as number);
        }
        await side.stop();
      }
    });
    const med = (name: string, step: number, pick: (f: StepFigures) => number) =>
      median(((results[name] as Record<number, StepFigures[]>)[step] ?? []).map(pick));
    const rows: Table['rows'] = [];
    for (const step of [10, 200]) {
      const tCpu = med('Tirek', step, (f) => f.cpuMsPerMessage);
      const pCpu = med('grammY conversations', step, (f) => f.cpuMsPerMessage);
      const tRate = med('Tirek', step, (f) => f.perSecond);
      const pRate = med('grammY conversations', step, (f) => f.perSecond);
      rows.push([
        `step ${step}`,
        fmt(tRate, 0),
        fmt(pRate, 0),
        `${fmt(tRate / pRate, 1)}×`,
        fmt(tCpu, 2),
        fmt(pCpu, 2),
        `${fmt(pCpu / tCpu, 1)}×`,
        fmt(
          med('Tirek', step, (f) => f.p99),
          1,
        ),
        fmt(
          med('grammY conversations', step, (f) => f.p99),
          1,
        ),
        fmt((stateAt[step] ?? 0) / 1024, 1),
      ]);
    }
    return [
      {
        title: "Tirek vs grammY's conversations plugin, same fake Bot API, long polling, SQLite",
        columns: [
          'at',
          'Tirek msg/s',
          'plugin msg/s',
          'ratio',
          'Tirek CPU ms/msg',
          'plugin CPU ms/msg',
          'ratio (CPU)',
          'Tirek p99 ms',
          'plugin p99 ms',
          'plugin state kB',
        ],
        rows,
        note: `${people} people at once, ${count} messages each at that step; medians of ${ctx.repeats} runs. CPU ms/msg: the bot's process (bot and storage; the fake Bot API and the people writing run in a process of their own) per message, after as many warm-up people walked ${WARM_UP_STEPS} steps. grammY's bot.start() handles one update at a time; Tirek's polling loop hands each batch to the engine at once across people, in order per person.`,
      },
    ];
  },
};
