/** The adapter on its own against the fake Bot API: sending, deleting, errors, stopping. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTelegramAdapter } from '../../../src/channels/telegram/index.js';
import { TELEGRAM_MAX_TEXT } from '../../../src/channels/telegram/render.js';
import { loadConfig } from '../../../src/config.js';
import { DeliveryError } from '../../../src/core/errors.js';
import type { ChannelAdapter, InboundMessage, OutboundMessage } from '../../../src/core/types.js';
import { createTranslator } from '../../../src/i18n/translator.js';
import { createLogger } from '../../../src/logger.js';
import { FAKE_BOT_TOKEN, FakeTelegramApi } from '../../helpers/fake-telegram-api.js';

let fake: FakeTelegramApi;
let adapter: ChannelAdapter;
const inbound: InboundMessage[] = [];
const chat = 7_000_000_999;

const message = (text: string): OutboundMessage => ({
  type: 'message',
  text,
  choices: [{ id: 'yes', label: 'Да' }],
  globalChoices: [{ id: 'sos', label: '🆘' }],
  lang: 'ru',
});

beforeEach(async () => {
  fake = await FakeTelegramApi.start();
  const config = loadConfig({ TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN, TELEGRAM_API_ROOT: fake.apiRoot });
  adapter = createTelegramAdapter({ config, logger: createLogger('silent'), translator: createTranslator() });
  inbound.length = 0;
  await adapter.start(async (m) => void inbound.push(m));
  await fake.waitPolling();
});

afterEach(async () => {
  await adapter.stop();
  await fake.close();
});

describe('Telegram adapter', () => {
  it('should split a long message, put the keyboard on the last part and return every message id', async () => {
    const text = `${'а'.repeat(TELEGRAM_MAX_TEXT - 10)}\n\n${'б'.repeat(100)}`;
    const result = await adapter.send(String(chat), message(text));
    const sent = fake.messagesTo(chat);
    expect(sent.map((m) => m.text)).toEqual(['а'.repeat(TELEGRAM_MAX_TEXT - 10), 'б'.repeat(100)]);
    expect(sent[0]?.reply_markup).toBeUndefined();
    expect(sent[1]?.reply_markup?.inline_keyboard.flat().map((b) => b.callback_data)).toEqual([
      'c:yes',
      'c:sos',
    ]);
    expect(result.refs).toEqual(sent.map((m) => String(m.message_id)));
    expect(fake.callsTo('sendMessage')[0]?.payload.link_preview_options).toEqual({ is_disabled: true });
  });

  it('should not send the first part again when a retry follows a failure of the second', async () => {
    const text = `${'а'.repeat(TELEGRAM_MAX_TEXT)}${'б'.repeat(10)}`;
    fake.failNext('sendMessage', { drop: true }, 1, 1);
    // What the outbox row records as each part goes out, across attempts.
    const recorded = { partsSent: 0, refs: [] as string[] };
    const progress = () => ({
      partsSent: recorded.partsSent,
      onPart: async (partsSent: number, refs: string[]) => {
        recorded.partsSent = partsSent;
        recorded.refs.push(...refs);
      },
    });
    const error = await adapter.send(String(chat), message(text), progress()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ retryable: true });
    expect(recorded.partsSent).toBe(1);
    const result = await adapter.send(String(chat), message(text), progress());
    expect(fake.messagesTo(chat).map((m) => m.text.slice(0, 1))).toEqual(['а', 'б']);
    expect([...recorded.refs, ...result.refs]).toHaveLength(2);
  });

  it('should delete in batches of 100 and treat undeletable messages as done', async () => {
    const refs = Array.from({ length: 250 }, (_, i) => String(i + 1));
    fake.failNext(
      'deleteMessages',
      { status: 400, description: "Bad Request: message can't be deleted" },
      1,
      1,
    );
    await expect(adapter.send(String(chat), { type: 'delete', refs: [...refs, 'junk'] })).resolves.toEqual({
      refs: [],
    });
    expect(fake.callsTo('deleteMessages').map((c) => (c.payload.message_ids as number[]).length)).toEqual([
      100, 100, 50,
    ]);
    // the refused batch is deleted one by one, so one undeletable message does not keep the rest
    expect(fake.callsTo('deleteMessage').map((c) => c.payload.message_id)).toEqual(
      refs.slice(100, 200).map(Number),
    );
  });

  it('should delete what Telegram allows on quick exit: the bot’s messages go, one by one if a batch is refused', async () => {
    const sent = [];
    for (const text of ['one', 'two', 'three'])
      sent.push(...(await adapter.send(String(chat), message(text))).refs);
    fake.failNext('deleteMessages', {
      status: 400,
      description: "Bad Request: message can't be deleted for everyone",
    });
    fake.failNext('deleteMessage', { status: 400, description: "Bad Request: message can't be deleted" });
    await adapter.send(String(chat), { type: 'delete', refs: sent });
    expect(fake.messagesTo(chat).map((m) => [m.text, m.deleted])).toEqual([
      ['one', false],
      ['two', true],
      ['three', true],
    ]);
  });

  it('should do nothing on Telegram for a clear', async () => {
    const before = fake.calls.length;
    await adapter.send(String(chat), { type: 'clear' });
    expect(fake.calls.slice(before).filter((c) => c.method !== 'getUpdates')).toEqual([]);
  });

  it('should report a blocked person, and a long rate limit as a retry for the outbox', async () => {
    fake.failNext('sendMessage', { status: 403 });
    await expect(adapter.send(String(chat), message('x'))).rejects.toMatchObject({ blocked: true });
    const started = Date.now();
    fake.failNext('sendMessage', { status: 429, retry_after: 30 });
    await expect(adapter.send(String(chat), message('x'))).rejects.toMatchObject({
      retryable: true,
      retryAfterMs: 30_000,
    });
    expect(Date.now() - started).toBeLessThan(2000); // above maxDelaySeconds: not waited for in-process
    await expect(adapter.send('not-a-chat', message('x'))).rejects.toMatchObject({ retryable: false });
  });

  it('should stop promptly in the middle of a long poll', async () => {
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await adapter.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    const polls = fake.callsTo('getUpdates').length;
    fake.sendText(fake.newUser('ru'), 'после остановки');
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.callsTo('getUpdates').length).toBe(polls);
    expect(inbound).toEqual([]);
  });
});
