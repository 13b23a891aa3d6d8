/** Webhook mode: the real app behind its HTTP server, Telegram's secret token checked on every update. */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TELEGRAM_WEBHOOK_PATH } from '../../../src/channels/telegram/index.js';
import { createTranslator } from '../../../src/i18n/translator.js';
import { countRows } from '../../helpers/count-rows.js';
import { FAKE_BOT_TOKEN, FakeTelegramApi } from '../../helpers/fake-telegram-api.js';
import { removeDir, startTestApp, type TestApp } from '../../helpers/test-app.js';

const SECRET = 'webhook_secret_0123456789abcdef';
const URL_ = `https://tirek.example.org${TELEGRAM_WEBHOOK_PATH}`;
const t = createTranslator().t;
const chat = 7_100_000_001;

let fake: FakeTelegramApi;
let app: TestApp;

const update = (update_id: number, text: string, chatId = chat, type = 'private') => ({
  update_id,
  message: {
    message_id: update_id,
    date: Math.floor(Date.now() / 1000),
    chat: { id: chatId, type, ...(type === 'private' ? { first_name: 'Test' } : { title: 'G' }) },
    from: { id: chat, is_bot: false, first_name: 'Test', language_code: 'ru' },
    text,
  },
});

function post(body: unknown, secret?: string): Promise<Response> {
  return fetch(`${app.baseUrl}${TELEGRAM_WEBHOOK_PATH}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(secret === undefined ? {} : { 'X-Telegram-Bot-Api-Secret-Token': secret }),
    },
    body: JSON.stringify(body),
  });
}

function contacts(): Promise<number> {
  return countRows(app, 'contacts');
}

beforeAll(async () => {
  fake = await FakeTelegramApi.start();
  app = await startTestApp({
    env: {
      TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN,
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_WEBHOOK_URL: URL_,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
    },
  });
});

afterAll(async () => {
  await app.stop();
  await fake.close();
  removeDir(app.dir);
});

describe('Telegram webhook mode', () => {
  it('should register the webhook with its secret and not poll', () => {
    const [call] = fake.callsTo('setWebhook');
    expect(call?.payload).toMatchObject({
      url: URL_,
      secret_token: SECRET,
      allowed_updates: ['message', 'edited_message', 'callback_query', 'my_chat_member'],
    });
    expect(fake.callsTo('getUpdates')).toEqual([]);
    expect(fake.callsTo('deleteWebhook')).toEqual([]);
  });

  it('should answer 401 to a missing or wrong secret and ignore the update', async () => {
    const before = fake.calls.length;
    expect((await post(update(1, '/start'))).status).toBe(401);
    expect((await post(update(2, '/start'), 'wrong_secret_0123456789abcdef')).status).toBe(401);
    expect((await post(update(3, '/start'), `${SECRET}x`)).status).toBe(401);
    await app.app.engine.idle();
    await app.app.dispatcher.drain();
    expect(fake.calls.slice(before)).toEqual([]);
    expect(await contacts()).toBe(0);
  });

  it('should handle an update with the right secret, once even if Telegram delivers it twice', async () => {
    expect((await post(update(4, '/sos'), SECRET)).status).toBe(200);
    expect((await post(update(4, '/sos'), SECRET)).status).toBe(200);
    await app.app.engine.idle();
    await app.app.dispatcher.drain();
    const sent = fake.messagesTo(chat).map((m) => m.text);
    expect(sent).toEqual([t('ru', 'common:sos.text'), t('ru', 'intake:language.text')]);
    expect(await contacts()).toBe(1);
  });

  it('should leave a group over the webhook too, posting nothing', async () => {
    const group = -1_002_000_000_001;
    expect((await post(update(5, '/start', group, 'supergroup'), SECRET)).status).toBe(200);
    await fake.waitFor(() => fake.callsTo('leaveChat').some((c) => c.payload.chat_id === group));
    expect(fake.calls.filter((c) => c.payload.chat_id === group).map((c) => c.method)).toEqual(['leaveChat']);
    expect(await contacts()).toBe(1);
  });
});
