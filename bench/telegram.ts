/**
 * Telegram end to end on loopback: updates from 1,000 chats at 200 a second through the fake Bot
 * API, in long polling (the fake hands them to getUpdates) and in webhook mode (POSTed to the
 * app like Telegram does), each answered through the outbox and the Bot API. Latency: from the
 * update being made available to the reply question reaching the fake API.
 */
import { rmSync } from 'node:fs';
import { FAKE_BOT_TOKEN, FakeTelegramApi, type FakeUser } from '../test/helpers/fake-telegram-api.js';
import { type BenchContext, type BenchModule, fmt, median, percentile, type Table } from './lib.js';
import { ReplyWatcher, startBenchApp } from './tirek-app.js';

const SECRET = 'bench-webhook-secret-0123456789';

async function run(mode: 'polling' | 'webhook', seconds: number, rate: number, chats: number) {
  const fake = await FakeTelegramApi.start();
  const watcher = new ReplyWatcher(fake);
  const env: Record<string, string> = { TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN, TELEGRAM_API_ROOT: fake.apiRoot };
  if (mode === 'webhook') {
    env.TELEGRAM_WEBHOOK_URL = 'https://bench.invalid/telegram/webhook';
    env.TELEGRAM_WEBHOOK_SECRET = SECRET;
  }
  const { app, dir } = await startBenchApp(env);
  if (mode === 'polling') await fake.waitPolling();
  const webhook = `http://127.0.0.1:${app.http?.port}/telegram/webhook`;
  const users: FakeUser[] = Array.from({ length: chats }, () => fake.newUser('en'));
  let nextId = 1_000_000;
  let failed = 0;
  const send = (u: FakeUser) => {
    if (mode === 'polling') return void fake.sendText(u, 'hello');
    const update = {
      update_id: nextId++,
      message: {
        message_id: nextId,
        date: Math.floor(Date.now() / 1000),
        chat: { id: u.id, type: 'private', first_name: u.first_name },
        from: { id: u.id, is_bot: false, first_name: u.first_name, language_code: 'en' },
        text: 'hello',
      },
    };
    void fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET },
      body: JSON.stringify(update),
    })
      .then((r) => {
        if (!r.ok) failed++;
        return r.arrayBuffer();
      })
      .catch(() => void failed++);
  };
  const lat: number[] = [];
  const pending: Promise<void>[] = [];
  const total = Math.round(seconds * rate);
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    // an even stream: update i is due at i / rate seconds
    const due = t0 + (1000 * i) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const u = users[Math.floor(Math.random() * chats)] as FakeUser;
    const reply = watcher.next(u.id, 60_000);
    const sent = performance.now();
    send(u);
    pending.push(
      reply.then(
        () => void lat.push(performance.now() - sent),
        () => void failed++,
      ),
    );
  }
  await Promise.all(pending);
  const achieved = total / ((performance.now() - t0) / 1000);
  await app.stop();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
  return { p50: median(lat), p99: percentile(lat, 99), max: Math.max(...lat), achieved, total, failed };
}

export const telegramBench: BenchModule = {
  name: 'telegram',
  async run(ctx: BenchContext): Promise<Table[]> {
    const seconds = ctx.quick ? 3 : 15;
    const rows: Table['rows'] = [];
    for (const mode of ['polling', 'webhook'] as const) {
      const r = await run(mode, seconds, 200, 1000);
      rows.push([
        mode === 'polling' ? 'long polling' : 'webhook',
        fmt(r.total, 0),
        fmt(r.achieved, 0),
        fmt(r.p50, 1),
        fmt(r.p99, 1),
        fmt(r.max, 0),
        fmt(r.failed, 0),
      ]);
    }
    return [
      {
        title: 'Telegram end to end (fake Bot API on loopback): 200 updates/s from 1,000 chats',
        columns: ['mode', 'updates', 'updates/s done', 'reply p50 ms', 'reply p99 ms', 'max ms', 'failed'],
        rows,
        note: `${seconds} s of traffic per mode. Latency: update made available (getUpdates queue or webhook POST) → the reply question reaches the Bot API. App, fake API and load generator share this process.`,
      },
    ];
  },
};
