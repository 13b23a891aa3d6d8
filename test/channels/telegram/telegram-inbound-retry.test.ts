/**
 * An update is acknowledged to Telegram only once the engine has stored it. With the store failing,
 * long polling asks for the same update again (in order) and webhook mode answers 5xx.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTelegramAdapter, TELEGRAM_WEBHOOK_PATH } from '../../../src/channels/telegram/index.js';
import { loadConfig } from '../../../src/config.js';
import type { ChannelAdapter, InboundMessage } from '../../../src/core/types.js';
import { createHttpApp, type HttpMountable, listen, type RunningServer } from '../../../src/http/server.js';
import { createTranslator } from '../../../src/i18n/translator.js';
import { createLogger } from '../../../src/logger.js';
import { FAKE_BOT_TOKEN, FakeTelegramApi } from '../../helpers/fake-telegram-api.js';

const translator = createTranslator();
const logger = createLogger('silent');
let fake: FakeTelegramApi | undefined;
let adapter: (ChannelAdapter & HttpMountable) | undefined;
let server: RunningServer | undefined;

afterEach(async () => {
  await adapter?.stop();
  await server?.close();
  await fake?.close();
  adapter = undefined;
  server = undefined;
  fake = undefined;
});

/** A sink like engine.receive over a store that throws for its first `failures` calls. */
function failingSink(failures: number) {
  const stored: InboundMessage[] = [];
  let calls = 0;
  const sink = async (m: InboundMessage) => {
    calls++;
    if (calls <= failures) throw new Error('SQLITE_IOERR: disk I/O error');
    stored.push(m);
  };
  return { sink, stored, calls: () => calls };
}

const textOf = (m: InboundMessage) => (m.kind === 'text' ? m.text : m.kind);

describe('Telegram long polling with a failing store', () => {
  it('should not confirm an update until it is stored, and handle it and the next one in order', async () => {
    fake = await FakeTelegramApi.start();
    const config = loadConfig({ TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN, TELEGRAM_API_ROOT: fake.apiRoot });
    adapter = createTelegramAdapter({ config, logger, translator }, { storeRetryBaseMs: 50 });
    // 3 attempts in place per fetch: the update is fetched three times, the 9th call stores it
    const { sink, stored, calls } = failingSink(8);
    let callsBeforeStored = -1;
    await adapter.start(async (m) => {
      await sink(m);
      if (callsBeforeStored < 0) callsBeforeStored = fake?.calls.length ?? 0;
    });
    await fake.waitPolling();
    const user = fake.newUser('ru');
    const first = fake.sendText(user, 'первое');
    const second = fake.sendText(user, 'второе');
    await fake.waitHandled(second, 15_000);
    expect(stored.map(textOf)).toEqual(['первое', 'второе']);
    expect(calls()).toBe(10);
    // until it was stored, no getUpdates call moved the offset past it (that would confirm it)
    const polls = fake.calls.slice(0, callsBeforeStored).filter((c) => c.method === 'getUpdates');
    expect(polls.every((c) => Number(c.payload.offset ?? 0) <= first)).toBe(true);
    // and Telegram was asked for it again after each failure
    expect(polls.length).toBeGreaterThanOrEqual(3);
  }, 20_000);

  it('should answer a button press once, even when it is retried', async () => {
    fake = await FakeTelegramApi.start();
    const config = loadConfig({ TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN, TELEGRAM_API_ROOT: fake.apiRoot });
    adapter = createTelegramAdapter({ config, logger, translator }, { storeRetryBaseMs: 20 });
    const { sink, stored } = failingSink(3);
    await adapter.start(sink);
    await fake.waitPolling();
    const press = fake.pressButton(fake.newUser('kk'), 'c:yes', 1);
    await fake.waitHandled(press);
    expect(stored.map((m) => (m.kind === 'choice' ? m.choice : m.kind))).toEqual(['yes']);
    await fake.waitFor(() => fake?.callsTo('answerCallbackQuery').length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.callsTo('answerCallbackQuery')).toHaveLength(1);
  });

  it('should keep an update that is still failing when it stops, for the next start', async () => {
    fake = await FakeTelegramApi.start();
    const config = loadConfig({ TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN, TELEGRAM_API_ROOT: fake.apiRoot });
    adapter = createTelegramAdapter({ config, logger, translator }, { storeRetryBaseMs: 20 });
    const { sink, calls } = failingSink(Number.POSITIVE_INFINITY);
    await adapter.start(sink);
    await fake.waitPolling();
    const update = fake.sendText(fake.newUser('en'), 'help');
    await fake.waitFor(() => calls() >= 6); // fetched, failed, fetched again, failed
    await adapter.stop();

    // the next process gets it again and stores it
    const again = createTelegramAdapter({ config, logger, translator });
    adapter = again;
    const { sink: working, stored } = failingSink(0);
    await again.start(working);
    await fake.waitHandled(update);
    expect(stored.map(textOf)).toEqual(['help']);
  });
});

describe('Telegram webhook with a failing store', () => {
  it('should answer 5xx until the update is stored, then 200, and store it once', async () => {
    fake = await FakeTelegramApi.start();
    const secret = 'webhook_secret_0123456789abcdef';
    const config = loadConfig({
      TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN,
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_WEBHOOK_URL: `https://tirek.example.org${TELEGRAM_WEBHOOK_PATH}`,
      TELEGRAM_WEBHOOK_SECRET: secret,
    });
    adapter = createTelegramAdapter({ config, logger, translator });
    server = await listen(createHttpApp([adapter], logger), '127.0.0.1', 0);
    // 3 attempts per request: the first delivery fails, the second is stored at once
    const { sink, stored } = failingSink(3);
    await adapter.start(sink);
    const chat = 7_100_000_077;
    const body = JSON.stringify({
      update_id: 41,
      message: {
        message_id: 9,
        date: Math.floor(Date.now() / 1000),
        chat: { id: chat, type: 'private', first_name: 'Test' },
        from: { id: chat, is_bot: false, first_name: 'Test', language_code: 'ru' },
        text: 'помогите',
      },
    });
    const deliver = () =>
      fetch(`http://127.0.0.1:${server?.port}${TELEGRAM_WEBHOOK_PATH}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': secret },
        body,
      });
    const failed = await deliver();
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(stored).toEqual([]);
    expect((await deliver()).status).toBe(200);
    expect(stored.map(textOf)).toEqual(['помогите']);
  });
});
