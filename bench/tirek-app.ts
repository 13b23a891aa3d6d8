/** The real app (same wiring as `npm start`) for the bench, on a temp dir, without vitest. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import type { ApiCall, FakeTelegramApi } from '../test/helpers/fake-telegram-api.js';

export async function startBenchApp(env: Record<string, string>): Promise<{ app: App; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tirek-bench-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_PATH: join(dir, 'tirek.db'),
    DATA_KEY: randomBytes(32).toString('base64'),
    HOST: '127.0.0.1',
    PORT: '0',
    DUTY_HOURS: '00:00-23:59',
    DUTY_DAYS: '1-7',
    ...env,
  });
  const app = await createApp({ config, logger: createLogger('silent') });
  await app.start();
  return { app, dir };
}

/**
 * Resolves when the bot sends a message to a chat: hooks the fake's call log (polling it every
 * 10 ms, as its own waitFor does, would blur latencies of a few ms).
 */
export class ReplyWatcher {
  readonly #waiting = new Map<number, Array<(call: ApiCall) => void>>();

  constructor(fake: FakeTelegramApi) {
    const calls = fake.calls;
    const push = calls.push.bind(calls);
    calls.push = (...added: ApiCall[]) => {
      const n = push(...added);
      for (const call of added) {
        // a question (a message with buttons) ends each answer of both bots
        if (call.method !== 'sendMessage' || !call.payload.reply_markup) continue;
        const chat = Number(call.payload.chat_id);
        const list = this.#waiting.get(chat);
        const next = list?.shift();
        if (list && list.length === 0) this.#waiting.delete(chat);
        // the fake records its answer (the message id) right after logging the call
        if (next) queueMicrotask(() => next(call));
      }
      // the bench keeps no history: memory stays flat however long it runs
      if (calls.length > 10_000) calls.splice(0, calls.length - 1000);
      return n;
    };
  }

  /** The next question (message with buttons) the bot sends to `chat`; register before pushing. */
  next(chat: number, timeoutMs = 30_000): Promise<ApiCall> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no reply to chat ${chat} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const list = this.#waiting.get(chat) ?? [];
      list.push((call) => {
        clearTimeout(timer);
        resolve(call);
      });
      this.#waiting.set(chat, list);
    });
  }
}
