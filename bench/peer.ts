/**
 * Tirek side by side with grammY's conversations plugin (bench/peer/), each over its own copy of
 * the fake Bot API (test/helpers/fake-telegram-api.ts), long polling, SQLite, in the same run.
 * Each person walks the same steps (start, language, safe?, who, legal, then topic/back); we time
 * messages at step 10 and step 200 of the conversation. The plugin replays the whole conversation
 * on every update, so its cost grows with the step; Tirek restores one snapshot, so it stays flat.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { translator } from '../test/helpers/engine-harness.js';
import {
  FAKE_BOT,
  FAKE_BOT_TOKEN,
  FakeTelegramApi,
  type FakeUser,
} from '../test/helpers/fake-telegram-api.js';
import { cpuSeconds } from './engine.js';
import { type BenchContext, type BenchModule, fmt, median, percentile, repeat, type Table } from './lib.js';
import { ReplyWatcher, startBenchApp } from './tirek-app.js';

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

/** The choice a person presses at step `k` (1 = /start). */
function stepChoice(k: number): string {
  const setup = ['', 'en', 'yes', 'me', 'legal'];
  if (k <= 5) return setup[k - 1] as string;
  return (k - 6) % 2 === 0 ? 'dv' : 'back';
}

interface Side {
  name: string;
  fake: FakeTelegramApi;
  watcher: ReplyWatcher;
  data(choice: string): string;
  stateBytes?(chat: number): number;
  stop(): Promise<void>;
}

interface StepFigures {
  perSecond: number;
  cpuMsPerMessage: number;
  p50: number;
  p99: number;
}

async function send(side: Side, user: FakeUser, k: number): Promise<number> {
  const reply = side.watcher.next(user.id);
  const t0 = performance.now();
  if (k === 1) side.fake.sendCommand(user, 'start');
  else {
    const last = side.fake.messagesTo(user.id).at(-1);
    side.fake.pressButton(user, side.data(stepChoice(k)), last?.message_id);
  }
  await reply;
  return performance.now() - t0;
}

/** Walks every person to just before `step`, then times `count` messages each from there. */
async function measureAt(
  side: Side,
  people: FakeUser[],
  at: Map<number, number>,
  step: number,
  count: number,
) {
  await Promise.all(
    people.map(async (u) => {
      for (let k = (at.get(u.id) ?? 0) + 1; k < step; k++) {
        await send(side, u, k);
        at.set(u.id, k);
      }
    }),
  );
  const lat: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    people.map(async (u) => {
      for (let i = 0; i < count; i++) {
        const k = (at.get(u.id) ?? 0) + 1;
        lat.push(await send(side, u, k));
        at.set(u.id, k);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const n = people.length * count;
  return {
    perSecond: n / seconds,
    cpuMsPerMessage: (1000 * cpuSeconds(cpu0)) / n,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
  } satisfies StepFigures;
}

async function tirekSide(): Promise<Side> {
  const fake = await FakeTelegramApi.start();
  const watcher = new ReplyWatcher(fake);
  const { app, dir } = await startBenchApp({
    TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN,
    TELEGRAM_API_ROOT: fake.apiRoot,
  });
  await fake.waitPolling();
  return {
    name: 'Tirek',
    fake,
    watcher,
    data: (c) => `c:${c}`,
    async stop() {
      await app.stop();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function peerSide(mod: PeerBotModule, dir: string): Promise<Side> {
  const fake = await FakeTelegramApi.start();
  const watcher = new ReplyWatcher(fake);
  const t = translator();
  const peer = mod.createPeerBot({
    token: FAKE_BOT_TOKEN,
    apiRoot: fake.apiRoot,
    botInfo: FAKE_BOT,
    dbPath: join(dir, 'peer.db'),
    t: (key) => t.t('en', key),
  });
  const running = peer.bot.start({ drop_pending_updates: false });
  await fake.waitPolling();
  return {
    name: 'grammY conversations',
    fake,
    watcher,
    data: (c) => c,
    stateBytes: (chat) => peer.stateBytes(chat),
    async stop() {
      await peer.bot.stop();
      await running.catch(() => {});
      peer.close();
      await fake.close();
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
        const users = Array.from({ length: people }, () => side.fake.newUser('en'));
        const at = new Map<number, number>();
        for (const step of [10, 200]) {
          const f = await measureAt(side, users, at, step, count);
          const bySide = results[side.name] ?? {};
          bySide[step] = [...(bySide[step] ?? []), f];
          results[side.name] = bySide;
          if (side.stateBytes) stateAt[step] = side.stateBytes((users[0] as FakeUser).id);
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
        note: `${people} people at once, ${count} messages each at that step; medians of ${ctx.repeats} runs. CPU ms/msg: this process's CPU time (bot, storage and the fake API server, which both sides share) per message. grammY's bot.start() handles one update at a time; Tirek's polling loop hands updates to the engine in parallel per person.`,
      },
    ];
  },
};
