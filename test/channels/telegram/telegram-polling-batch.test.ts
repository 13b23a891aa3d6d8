/**
 * Long polling hands a fetched batch to the engine at once across chats, in order within a chat,
 * and confirms the batch to Telegram only once every update in it is stored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTelegramAdapter } from '../../../src/channels/telegram/index.js';
import { loadConfig } from '../../../src/config.js';
import type { ChannelAdapter, InboundMessage } from '../../../src/core/types.js';
import { createTranslator } from '../../../src/i18n/translator.js';
import { createLogger } from '../../../src/logger.js';
import { FAKE_BOT_TOKEN, FakeTelegramApi } from '../../helpers/fake-telegram-api.js';

const translator = createTranslator();
const logger = createLogger('silent');
let fake: FakeTelegramApi | undefined;
const adapters: ChannelAdapter[] = [];

afterEach(async () => {
  for (const a of adapters.splice(0)) await a.stop();
  await fake?.close();
  fake = undefined;
});

const textOf = (m: InboundMessage) => (m.kind === 'text' ? m.text : m.kind);

function adapterFor(api: FakeTelegramApi): ChannelAdapter {
  const config = loadConfig({ TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN, TELEGRAM_API_ROOT: api.apiRoot });
  const adapter = createTelegramAdapter({ config, logger, translator }, { storeRetryBaseMs: 20 });
  adapters.push(adapter);
  return adapter;
}

/** A promise to hold a turn open until the test lets it go. */
function gate() {
  let open!: () => void;
  let fail!: (e: Error) => void;
  const held = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { held, open, fail };
}

describe('Telegram long polling, a batch at a time', () => {
  it('should handle other chats while one chat’s turn is slow, and keep each chat’s order', async () => {
    fake = await FakeTelegramApi.start();
    const a = fake.newUser('en');
    const b = fake.newUser('en');
    // queued before the bot polls, so they arrive in one batch
    fake.sendText(a, 'a1');
    fake.sendText(a, 'a2');
    const b1 = fake.sendText(b, 'b1');
    const slow = gate();
    const started: string[] = [];
    const stored: string[] = [];
    await adapterFor(fake).start(async (m) => {
      started.push(textOf(m));
      if (textOf(m) === 'a1') await slow.held;
      stored.push(textOf(m));
    });
    // b1 is stored while a1 is still being handled, and a2 waits for a1
    await fake.waitFor(() => stored.includes('b1'), 5000, 'b1 to be stored');
    expect(started).toEqual(['a1', 'b1']);
    // the batch is not confirmed while a1 is in flight
    expect(fake.callsTo('getUpdates').every((c) => Number(c.payload.offset ?? 0) <= b1 - 2)).toBe(true);
    slow.open();
    await fake.waitHandled(b1);
    expect(stored).toEqual(['b1', 'a1', 'a2']);
  });

  it('should lose no update of a batch when the process dies in the middle of it', async () => {
    fake = await FakeTelegramApi.start();
    const users = [fake.newUser('en'), fake.newUser('en'), fake.newUser('en')];
    const ids = users.map((u, i) => fake?.sendText(u, `m${i}`) as number);
    // the first process stores m0 and m2, then dies while storing m1 (its turn never ends)
    const dying = gate();
    const first: string[] = [];
    await adapterFor(fake).start(async (m) => {
      if (textOf(m) === 'm1') await dying.held;
      first.push(textOf(m));
    });
    await fake.waitFor(() => first.length === 2, 5000, 'm0 and m2 to be stored');
    await new Promise((r) => setTimeout(r, 100));
    // nothing was confirmed: no getUpdates call passed m1
    expect(fake.callsTo('getUpdates').every((c) => Number(c.payload.offset ?? 0) <= (ids[1] as number))).toBe(
      true,
    );
    // the next process gets the unconfirmed updates again, m1 included (the engine drops the
    // two it already stored as duplicates)
    const second: string[] = [];
    await adapterFor(fake).start(async (m) => void second.push(textOf(m)));
    await fake.waitHandled(ids[2] as number, 5000);
    expect(second).toContain('m1');
    dying.fail(new Error('process gone'));
  });
});
