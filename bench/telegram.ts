/**
 * Telegram end to end on loopback: updates from 1,000 chats at 200 a second through the fake Bot
 * API, in long polling (the fake hands them to getUpdates) and in webhook mode (POSTed to the
 * app like Telegram does), each answered through the outbox and the Bot API. Telegram's side (the
 * fake and the load) runs in a process of its own (bench/telegram-load-child.ts), as Telegram is
 * not on the bot's machine. Latency: from the update being made available to the reply question
 * reaching the fake API; CPU: the app's process only.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Api } from 'grammy';
import { createBotApiHttpClient } from '../src/channels/telegram/http-client.js';
import { FAKE_BOT_TOKEN } from '../test/helpers/fake-telegram-api.js';
import { cpuSeconds } from './engine.js';
import { type BenchContext, type BenchModule, fmt, median, percentile, type Table } from './lib.js';
import type { LoadRequest, LoadResult } from './telegram-load-child.js';
import { startBenchApp } from './tirek-app.js';

const SECRET = 'bench-webhook-secret-0123456789';

async function telegramSide(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(new URL('./telegram-load-child.ts', import.meta.url), [], {
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
  return { child, port };
}

export async function run(
  mode: 'polling' | 'webhook',
  seconds: number,
  rate: number,
  chats: number,
  warmupSeconds = 0,
) {
  const { child, port } = await telegramSide();
  const env: Record<string, string> = {
    TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN,
    TELEGRAM_API_ROOT: `http://127.0.0.1:${port}`,
  };
  if (mode === 'webhook') {
    env.TELEGRAM_WEBHOOK_URL = 'https://bench.invalid/telegram/webhook';
    env.TELEGRAM_WEBHOOK_SECRET = SECRET;
  }
  const { app, dir } = await startBenchApp(env);
  const request: LoadRequest = {
    type: 'load',
    mode,
    seconds,
    rate,
    chats,
    webhook: `http://127.0.0.1:${app.http?.port}/telegram/webhook`,
    secret: SECRET,
  };
  const load = (r: LoadRequest) =>
    new Promise<LoadResult>((resolve) => {
      child.once('message', (m) => resolve(m as LoadResult));
      child.send(r);
    });
  // Untimed traffic first, from other chats, so the timed seconds do not measure cold code (the
  // JIT, first statements prepared, pools opened), as a bot that has been up for a while would not.
  const cold = warmupSeconds > 0 ? await load({ ...request, seconds: warmupSeconds }) : undefined;
  const cpu0 = process.cpuUsage();
  const result = await load(request);
  const cpuMs = (1000 * cpuSeconds(cpu0)) / result.total;
  await app.stop();
  child.send('exit');
  rmSync(dir, { recursive: true, force: true });
  const lat = result.latencies;
  return {
    p50: median(lat),
    p99: percentile(lat, 99),
    max: Math.max(...lat),
    achieved: result.achieved,
    total: result.total,
    failed: result.failed,
    cpuMs,
    /** p99 of the warm-up seconds right after start (cold code), for comparison. */
    coldP99: cold ? percentile(cold.latencies, 99) : Number.NaN,
  };
}

/**
 * CPU of one Bot API call in this process: grammY's default client (node-fetch) against the one
 * Tirek gives grammY (src/channels/telegram/http-client.ts), 8 calls in flight, rounds alternated.
 */
export async function clientCost(calls: number, rounds: number): Promise<Table['rows']> {
  const child = fork(new URL('./fake-telegram-child.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) =>
    child.stdout?.on('data', (d: Buffer) => {
      const m = /port (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    }),
  );
  const apiRoot = `http://127.0.0.1:${port}`;
  const http = createBotApiHttpClient();
  const sides = [
    {
      name: "grammY's default (node-fetch)",
      api: new Api(FAKE_BOT_TOKEN, { apiRoot }),
      cpu: [] as number[],
      wall: [] as number[],
    },
    {
      name: 'Tirek (undici request)',
      api: new Api(FAKE_BOT_TOKEN, { apiRoot, fetch: http.fetch as never }),
      cpu: [] as number[],
      wall: [] as number[],
    },
  ];
  for (const side of sides) for (let i = 0; i < 300; i++) await side.api.getMe(); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const side of sides) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = 0; i < calls / 8; i++) await side.api.getMe();
        }),
      );
      side.cpu.push((1e6 * cpuSeconds(cpu0)) / calls);
      side.wall.push((1000 * (performance.now() - t0)) / calls);
    }
  }
  await http.close();
  child.send('exit');
  return sides.map((s) => [s.name, fmt(median(s.cpu), 0), fmt(median(s.wall), 0)]);
}

export const telegramBench: BenchModule = {
  name: 'telegram',
  async run(ctx: BenchContext): Promise<Table[]> {
    const seconds = ctx.quick ? 3 : 15;
    const warmup = ctx.quick ? 1 : 2;
    const rows: Table['rows'] = [];
    for (const mode of ['polling', 'webhook'] as const) {
      const r = await run(mode, seconds, 200, 1000, warmup);
      rows.push([
        mode === 'polling' ? 'long polling' : 'webhook',
        fmt(r.total, 0),
        fmt(r.achieved, 0),
        fmt(r.p50, 1),
        fmt(r.p99, 1),
        fmt(r.max, 0),
        fmt(r.cpuMs, 2),
        fmt(r.failed, 0),
        fmt(r.coldP99, 1),
      ]);
    }
    return [
      {
        title: 'Telegram end to end (fake Bot API on loopback): 200 updates/s from 1,000 chats',
        columns: [
          'mode',
          'updates',
          'updates/s done',
          'reply p50 ms',
          'reply p99 ms',
          'max ms',
          'app CPU ms/update',
          'failed',
          'first seconds p99 ms',
        ],
        rows,
        note: `${seconds} s of traffic per mode, timed after ${warmup} s of the same traffic from other chats right after start (its p99 is the last column: cold code, first statements prepared). Latency: update made available (getUpdates queue or webhook POST) → the reply question reaches the Bot API. The fake Bot API and the load run in a process of their own; CPU counts the app's process only.`,
      },
      {
        title: 'One Bot API call (getMe to the fake Bot API): the HTTP client under grammY',
        columns: ['client', 'CPU µs/call', 'wall µs/call'],
        rows: await clientCost(ctx.quick ? 1000 : 3000, ctx.quick ? 3 : 5),
        note: 'Medians of alternating rounds, 8 calls in flight, the fake Bot API in a process of its own; CPU counts this process only.',
      },
    ];
  },
};
