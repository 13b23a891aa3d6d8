/**
 * Long outages through the real channel adapters, with a test clock (no real hours): the fake Bot
 * API answers 502 for 3 hours, and the WhatsApp test client stays disconnected for an hour; then
 * every reply arrives, in order per person, none twice.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTelegramAdapter } from '../../src/channels/telegram/index.js';
import { createWhatsappAdapter } from '../../src/channels/whatsapp/index.js';
import { loadConfig } from '../../src/config.js';
import { OutboxDispatcher } from '../../src/core/dispatcher.js';
import type { Store } from '../../src/core/ports.js';
import type { Channel, ChannelAdapter } from '../../src/core/types.js';
import { createTranslator } from '../../src/i18n/translator.js';
import { createLogger } from '../../src/logger.js';
import { createCipher } from '../../src/privacy/cipher.js';
import { openSqliteStore } from '../../src/store/index.js';
import { FAKE_BOT_TOKEN, FakeTelegramApi } from '../helpers/fake-telegram-api.js';
import { FakeWhatsappClient } from '../helpers/fake-whatsapp-client.js';

const HOUR = 3_600_000;
const translator = createTranslator();
const logger = createLogger('silent');
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

const message = (text: string) => ({
  type: 'message' as const,
  text,
  choices: [],
  globalChoices: [],
  lang: 'en' as const,
});

async function setUp(channel: Channel, adapter: ChannelAdapter, addresses: string[], now: () => number) {
  const path = join(mkdtempSync(join(tmpdir(), 'tirek-outage-')), 'tirek.db');
  const store: Store = await openSqliteStore(path, createCipher(randomBytes(32)));
  cleanup.push(() => store.close());
  for (const address of addresses)
    for (const n of [1, 2, 3])
      await store.transaction(
        (tx) =>
          tx.enqueueOutbox({
            conversationId: null,
            contactId: `contact-${address}`,
            channel,
            address,
            message: message(`${address}-${n}`),
            now: now(),
          }),
        { lock: address },
      );
  const dispatcher = new OutboxDispatcher({
    store,
    adapters: new Map([[channel, adapter]]),
    logger,
    clock: now,
    pollMs: 3_600_000, // the test drives it
  });
  cleanup.push(() => dispatcher.stop());
  await dispatcher.start();
  /** Moves the test clock on a minute and a bit (past the capped backoff) and lets due rows go. */
  const tick = async () => {
    dispatcher.wake();
    await dispatcher.settle();
  };
  return { store, dispatcher, tick };
}

describe('a long outage through the real adapters (test clock)', () => {
  it('should deliver every Telegram reply after 3 hours of 502 from the Bot API, in order, none twice', async () => {
    const fake = await FakeTelegramApi.start();
    cleanup.push(() => fake.close());
    const config = loadConfig({
      NODE_ENV: 'test',
      TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN,
      TELEGRAM_API_ROOT: fake.apiRoot,
    });
    // no retries inside one call: every attempt is the outbox's, on the test clock
    const adapter = createTelegramAdapter(
      { config, logger, translator },
      { autoRetry: { maxRetryAttempts: 0, rethrowInternalServerErrors: true } },
    );
    const users = [fake.newUser('en'), fake.newUser('en'), fake.newUser('en')];
    const addresses = users.map((u) => String(u.id));
    let t = Date.parse('2026-11-25T10:00:00Z');
    const { store, tick } = await setUp('telegram', adapter, addresses, () => t);
    fake.failNext('sendMessage', { status: 502 }, 1_000_000);
    const until = t + 3 * HOUR;
    while (t < until) {
      t += 80_000; // past the longest backoff (1 minute, +25 % jitter): every row is due again
      await tick();
    }
    expect(fake.callsTo('sendMessage').length).toBeGreaterThan(100); // it kept trying all along
    for (const u of users) expect(fake.messagesTo(u.id)).toHaveLength(0);
    fake.clearFaults();
    for (let i = 0; i < 20 && (await store.pendingOutboxCount()) > 0; i++) {
      t += 80_000;
      await tick();
    }
    for (const [i, u] of users.entries())
      expect(fake.messagesTo(u.id).map((m) => m.text)).toEqual([1, 2, 3].map((n) => `${addresses[i]}-${n}`));
  });

  it('should deliver every WhatsApp reply after the client was disconnected for an hour, in order, none twice', async () => {
    const client = new FakeWhatsappClient();
    const adapter = createWhatsappAdapter(
      { config: loadConfig({ NODE_ENV: 'test' }), logger, translator },
      client,
      {
        minIntervalMs: 0,
        jitterMs: 0,
        showQr: () => {},
        reconnectBaseMs: 10 * 60_000, // its own reconnect does not fire during the test
      },
    );
    await adapter.start(async () => {});
    cleanup.push(() => adapter.stop());
    const addresses = ['70000000011@c.us', '70000000012@c.us', '70000000013@c.us'];
    let t = Date.parse('2026-11-25T10:00:00Z');
    client.emitDisconnected('NAVIGATION');
    const { store, tick } = await setUp('whatsapp', adapter, addresses, () => t);
    const until = t + HOUR;
    while (t < until) {
      t += 80_000;
      await tick();
    }
    expect(client.sent).toHaveLength(0);
    expect(await store.pendingOutboxCount()).toBe(9);
    client.emitReady(); // reconnected
    for (let i = 0; i < 20 && (await store.pendingOutboxCount()) > 0; i++) {
      t += 80_000;
      await tick();
    }
    for (const a of addresses)
      expect(client.sentTo(a).map((m) => m.text)).toEqual([1, 2, 3].map((n) => `${a}-${n}`));
    expect(client.sent).toHaveLength(9);
  });
});

describe('a poisoned outbox row', () => {
  it('should fail a row that cannot be decrypted, with a reason, and deliver the good ones around it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tirek-poison-')), 'tirek.db');
    const store = await openSqliteStore(path, createCipher(randomBytes(32)));
    // the same file opened with another key (e.g. before DATA_KEY was set): its row is unreadable
    const other = await openSqliteStore(path, createCipher(randomBytes(32)));
    cleanup.push(() => store.close());
    cleanup.push(() => other.close());
    const enqueue = (s: Store, p: string, text: string) =>
      s.transaction(
        (tx) =>
          tx.enqueueOutbox({
            conversationId: null,
            contactId: p,
            channel: 'telegram',
            address: p,
            message: message(text),
            now: Date.now(),
          }),
        { lock: p },
      );
    await enqueue(store, 'p1', 'good-1');
    await enqueue(other, 'p2', 'poisoned');
    await enqueue(store, 'p3', 'good-3');
    await enqueue(store, 'p2', 'good-2'); // behind the poisoned row of the same person
    const { RecordingAdapter } = await import('../helpers/recording-adapter.js');
    const adapter = new RecordingAdapter('telegram');
    const failures: string[] = [];
    const dispatcher = new OutboxDispatcher({
      store,
      adapters: new Map([['telegram', adapter]]),
      logger,
      pollMs: 3_600_000,
      observer: { delivered() {}, retried() {}, failed: (_c, reason) => void failures.push(reason) },
    });
    cleanup.push(() => dispatcher.stop());
    await dispatcher.start();
    await dispatcher.drain();
    expect(adapter.sent.map((s) => (s.message.type === 'message' ? s.message.text : '')).sort()).toEqual([
      'good-1',
      'good-2',
      'good-3',
    ]);
    expect(failures).toEqual(['unreadable']);
  });
});
