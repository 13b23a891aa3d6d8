import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  classifySendError,
  createWhatsappAdapter,
  WHATSAPP_INBOUND_ATTEMPTS,
  WHATSAPP_MAX_TEXT,
  type WhatsappAdapterOptions,
} from '../../../src/channels/whatsapp/index.js';
import { createPacer, WHATSAPP_MIN_INTERVAL_PER_CHAT_MS } from '../../../src/channels/whatsapp/pacing.js';
import { loadConfig } from '../../../src/config.js';
import { DeliveryError } from '../../../src/core/errors.js';
import type { InboundMessage, OutboundMessage } from '../../../src/core/types.js';
import { createTranslator } from '../../../src/i18n/translator.js';
import { createLogger } from '../../../src/logger.js';
import { FakeWhatsappClient } from '../../helpers/fake-whatsapp-client.js';
import { createWhatsappHarness, parseWhatsappText } from '../../helpers/whatsapp-harness.js';

const translator = createTranslator();
const A = '70000000001@c.us';
const B = '70000000002@c.us';
const GROUP = '70000000003-1600000000@g.us';

const text = (body: string, choices: string[] = []): OutboundMessage => ({
  type: 'message',
  text: body,
  choices: choices.map((label, i) => ({ id: `c${i}`, label })),
  globalChoices: [],
  lang: 'en',
});

function setup(options: WhatsappAdapterOptions = {}) {
  const logs: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void logs.push(line) });
  const client = new FakeWhatsappClient();
  const inbound: InboundMessage[] = [];
  const adapter = createWhatsappAdapter(
    { config: loadConfig({ NODE_ENV: 'test' }), logger, translator },
    client,
    { minIntervalMs: 0, jitterMs: 0, showQr: () => {}, ...options },
  );
  const start = () => adapter.start(async (m) => void inbound.push(m));
  return { adapter, client, inbound, logs, start };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('WhatsApp adapter: incoming', () => {
  it('should pass private messages to the engine and ignore status, own messages and calls', async () => {
    const { client, inbound, start } = setup();
    await start();
    await client.receive({ from: 'status@broadcast', body: 'story' });
    await client.receive({ from: A, body: 'echo', fromMe: true });
    client.emitCall(A);
    expect(inbound).toEqual([]);
    expect(client.sent).toEqual([]);

    await client.receive({ from: A, body: 'hello', id: 'ABC' });
    expect(inbound).toEqual([
      { channel: 'whatsapp', userId: A, externalId: `false_${A}_ABC`, kind: 'text', text: 'hello' },
    ]);
  });

  it('should leave a group posting nothing, and never pass group messages on', async () => {
    const { client, inbound, start, logs } = setup();
    await start();
    await client.receive({ from: GROUP, body: 'my husband beats me' });
    await client.receive({ from: GROUP, body: 'hello?' });
    await client.receive({ from: GROUP, type: 'image', body: 'помогите' });
    expect(inbound).toEqual([]);
    // a family group may include the person who hurts someone: not one word about what Tirek is
    expect(client.sent).toEqual([]);
    expect(client.leftGroups).toEqual([GROUP]);
    // logs carry no ids, numbers or text
    expect(logs.join('\n')).not.toMatch(/70000000003|husband/);
  });

  it('should keep the latest QR code for the console until linked', async () => {
    const shown: string[] = [];
    const { adapter, client, start } = setup({ showQr: (qr) => void shown.push(qr) });
    client.autoReady = false;
    expect(adapter.linkingState().status).toBe('stopped');
    await start();
    client.emitQr('2@first');
    client.emitQr('2@second');
    expect(adapter.linkingState()).toMatchObject({ status: 'qr', qr: '2@second' });
    expect(shown).toEqual(['2@first', '2@second']);
    client.emitAuthenticated();
    client.emitReady();
    expect(adapter.linkingState().status).toBe('ready');
    expect(adapter.linkingState().qr).toBeUndefined();
  });
});

describe('WhatsApp adapter: a failing store', () => {
  /** A sink like engine.receive over a store that throws for its first `failures` calls. */
  function failing(failures: number) {
    const stored: string[] = [];
    let calls = 0;
    const sink = async (m: InboundMessage) => {
      calls++;
      if (calls <= failures) throw new Error('SQLITE_IOERR: disk I/O error');
      stored.push(m.kind === 'text' ? m.text : m.kind);
    };
    return { sink, stored, calls: () => calls };
  }

  it('should retry a message with backoff until it is stored, keeping one chat’s messages in order', async () => {
    const { adapter, client } = setup({ inboundRetryBaseMs: 10 });
    const { sink, stored, calls } = failing(3);
    await adapter.start(sink);
    const started = Date.now();
    await Promise.all([
      client.receive({ from: A, body: 'first' }),
      client.receive({ from: A, body: 'second' }),
    ]);
    expect(stored).toEqual(['first', 'second']);
    expect(calls()).toBe(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(10 + 20 + 40 - 5); // backoff 10, 20, 40 ms
  });

  it('should not hold up other chats while one message waits for a retry', async () => {
    const { adapter, client } = setup({ inboundRetryBaseMs: 300 });
    const { sink, stored } = failing(1);
    await adapter.start(sink);
    const first = client.receive({ from: A, body: 'first' });
    await client.receive({ from: B, body: 'other chat' });
    expect(stored).toEqual(['other chat']);
    await first;
    expect(stored).toEqual(['other chat', 'first']);
  });

  it('should drop a message after the last attempt and log only a count', async () => {
    const { adapter, client, logs } = setup({ inboundRetryBaseMs: 1 });
    const { sink, stored, calls } = failing(Number.POSITIVE_INFINITY);
    await adapter.start(sink);
    await client.receive({ from: A, body: 'my husband hits me' });
    await client.receive({ from: A, body: 'please' });
    expect(stored).toEqual([]);
    expect(calls()).toBe(2 * WHATSAPP_INBOUND_ATTEMPTS);
    const drops = logs.filter((l) => l.includes('WhatsApp message dropped'));
    expect(drops.map((l) => JSON.parse(l).dropped)).toEqual([1, 2]);
    expect(logs.join('\n')).not.toMatch(/70000000001|husband|please/);
  });

  it('should drop what is waiting when stopped, without waiting out the backoff', async () => {
    const { adapter, client } = setup({ inboundRetryBaseMs: 60_000 });
    const { sink } = failing(Number.POSITIVE_INFINITY);
    await adapter.start(sink);
    const waiting = client.receive({ from: A, body: 'hello' });
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await adapter.stop();
    await waiting;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('WhatsApp adapter: sending', () => {
  it('should refuse to send while not connected, as a retryable error', async () => {
    const { adapter, client, start } = setup();
    client.autoReady = false;
    await start();
    const error = await adapter.send(A, text('hi')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ retryable: true, channel: 'whatsapp' });
    expect(client.sent).toEqual([]);
  });

  it('should send the rendered parts and return their ids', async () => {
    const { adapter, client, start } = setup();
    await start();
    const result = await adapter.send(A, text('Question?', ['Yes', 'No']));
    expect(client.sent).toHaveLength(1);
    expect(parseWhatsappText(client.sent[0]?.text ?? '')).toMatchObject({
      text: 'Question?',
      choices: ['Yes', 'No'],
    });
    expect(result.refs).toEqual([client.sent[0]?.id]);
  });

  it('should say in one line how to clear the chat on quick exit, in the person’s language', async () => {
    const { adapter, client, start } = setup();
    await start();
    await adapter.send(A, text('hi')); // an English conversation
    const { refs } = await adapter.send(A, { type: 'clear' });
    expect(client.sent.at(-1)?.text).toBe(translator.t('en', 'whatsapp:clear_hint'));
    expect(refs).toEqual([client.sent.at(-1)?.id]);
    await adapter.send(A, { type: 'clear', lang: 'kk' });
    expect(client.sent.at(-1)?.text).toBe(translator.t('kk', 'whatsapp:clear_hint'));
    await adapter.send(B, { type: 'clear' }); // nothing known about B: the default language
    expect(client.sentTo(B).map((m) => m.text)).toEqual([translator.t('ru', 'whatsapp:clear_hint')]);
  });

  it('should delete its own messages for everyone on quick exit, best effort', async () => {
    const { adapter, client, start } = setup();
    await start();
    const { refs } = await adapter.send(A, text('screening result'));
    await adapter.send(A, { type: 'delete', refs: [...refs, 'true_unknown_ref'] });
    expect(client.sent[0]?.deleted).toBe(true);
  });

  it('should classify send errors: not on WhatsApp fails for good, the rest is retried', async () => {
    expect(classifySendError(new Error('Evaluation failed: Error: invalid wid'))).toMatchObject({
      retryable: false,
    });
    expect(classifySendError(new Error('Protocol error: Target closed'))).toMatchObject({ retryable: true });
    const { adapter, client, start } = setup();
    await start();
    client.failNextSends(1);
    await expect(adapter.send(A, text('hi'))).rejects.toMatchObject({ retryable: true });
    await expect(adapter.send(A, text('hi'))).resolves.toMatchObject({ refs: [expect.any(String)] });
  });

  it('should space messages to one chat without holding up other chats', async () => {
    const { adapter, client, start } = setup({ minIntervalMs: 150, jitterMs: 0 });
    await start();
    await adapter.send(A, text('a1'));
    await Promise.all([adapter.send(A, text('a2')), adapter.send(B, text('b1'))]);
    const at = (body: string) => client.sent.find((m) => m.text === body)?.at ?? Number.NaN;
    expect(at('a2') - at('a1')).toBeGreaterThanOrEqual(140);
    expect(at('b1') - at('a1')).toBeLessThan(100);
  });
});

describe('pacing', () => {
  it('should book per-chat slots at least the interval apart, plus jitter', async () => {
    let now = 1_000_000;
    const slept: Array<[string, number]> = [];
    let current = '';
    const pacer = createPacer({
      minIntervalMs: 1000,
      jitterMs: 500,
      random: () => 0.5,
      clock: () => now,
      sleep: async (ms) => void slept.push([current, ms]),
    });
    const wait = (chat: string) => {
      current = chat;
      return pacer.wait(chat);
    };
    await wait('a'); // first message: at once
    await wait('a'); // booked 1250 ms later
    await wait('b'); // another chat: at once
    now += 3000;
    await wait('a'); // both booked slots have passed: at once
    expect(slept).toEqual([['a', 1250]]);
  });

  it('should use the documented default interval', () => {
    expect(WHATSAPP_MIN_INTERVAL_PER_CHAT_MS).toBeGreaterThanOrEqual(1000);
  });
});

describe('WhatsApp adapter: connection', () => {
  it('should retry a failed start with growing waits and serve once ready', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // no jitter
    const { adapter, client, start } = setup({ reconnectBaseMs: 100, reconnectMaxMs: 300 });
    client.failInitialize = 3;
    await start();
    await vi.advanceTimersByTimeAsync(0);
    expect(client.initializeCalls).toBe(1);
    expect(adapter.linkingState().status).toBe('disconnected');

    await vi.advanceTimersByTimeAsync(99);
    expect(client.initializeCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(1); // 100 ms
    expect(client.initializeCalls).toBe(2);
    await vi.advanceTimersByTimeAsync(199);
    expect(client.initializeCalls).toBe(2);
    await vi.advanceTimersByTimeAsync(1); // 200 ms
    expect(client.initializeCalls).toBe(3);
    await vi.advanceTimersByTimeAsync(299);
    expect(client.initializeCalls).toBe(3);
    await vi.advanceTimersByTimeAsync(1); // capped at 300 ms
    expect(client.initializeCalls).toBe(4);
    expect(adapter.linkingState().status).toBe('ready');
    await expect(adapter.send(A, text('hi'))).resolves.toBeDefined();
  });

  it('should reconnect after a disconnect, keeping replies retryable meanwhile', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { adapter, client, start, logs } = setup({ reconnectBaseMs: 100 });
    await start();
    await vi.advanceTimersByTimeAsync(0);
    expect(adapter.linkingState().status).toBe('ready');

    client.emitDisconnected('CONFLICT');
    expect(adapter.linkingState().status).toBe('disconnected');
    await expect(adapter.send(A, text('hi'))).rejects.toMatchObject({ retryable: true });
    await vi.advanceTimersByTimeAsync(100);
    expect(client.destroyCalls).toBe(1);
    expect(client.initializeCalls).toBe(2);
    expect(adapter.linkingState().status).toBe('ready');
    expect(logs.some((l) => l.includes('"reason":"CONFLICT"'))).toBe(true);

    // an auth failure is logged and retried too, without stopping anything
    client.emitAuthFailure('bad session');
    await vi.advanceTimersByTimeAsync(100);
    expect(client.initializeCalls).toBe(3);
    expect(logs.join('\n')).not.toContain('bad session');
  });

  it('should stop reconnecting once stopped', async () => {
    vi.useFakeTimers();
    const { adapter, client, start } = setup({ reconnectBaseMs: 100 });
    await start();
    await vi.advanceTimersByTimeAsync(0);
    client.emitDisconnected();
    await adapter.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(client.initializeCalls).toBe(1);
    expect(adapter.linkingState().status).toBe('stopped');
  });
});

describe('WhatsApp adapter in the app', () => {
  const harness = createWhatsappHarness();
  beforeAll(() => harness.start());
  afterAll(() => harness.stop());

  it('should handle a message replayed after a reconnect only once', async () => {
    const person = harness.person();
    await harness.client.receive({ from: person.chatId, body: 'Привет', id: 'REPLAYED01' });
    expect((await person.replies()).length).toBeGreaterThan(0);
    await harness.client.receive({ from: person.chatId, body: 'Привет', id: 'REPLAYED01' });
    expect(await person.replies()).toEqual([]);
    // a new message id is answered again
    await harness.client.receive({ from: person.chatId, body: 'Привет', id: 'REPLAYED02' });
    expect((await person.replies()).length).toBeGreaterThan(0);
  });

  it('should show the emergency numbers when the menu’s 🆘 line is typed as its number', async () => {
    const person = harness.person();
    await person.sendText('Привет');
    await person.replies();
    await person.choose('Русский');
    await person.choose(translator.t('ru', 'intake:safety.yes'));
    await person.choose(translator.t('ru', 'intake:who.me'));
    await person.replies();
    await person.choose(translator.t('ru', 'common:choices.sos_numbers'));
    const replies = await person.replies();
    expect(replies[0]?.text).toBe(translator.t('ru', 'common:sos.text'));
    expect(replies[1]?.text).toBe(translator.t('ru', 'menu:main.text'));
  });

  it('should answer a photo captioned «помогите» with the emergency numbers, in Russian', async () => {
    const person = harness.person();
    await harness.client.receive({ from: person.chatId, type: 'image', body: 'помогите' });
    const replies = await person.replies();
    expect(replies[0]?.text.startsWith(translator.t('ru', 'common:sos.text'))).toBe(true);
  });

  it('should cut a 10 000-character text and say so, sending nothing over the limit', async () => {
    const person = harness.person();
    await person.sendText(`${'слово '.repeat(1666)}конец`);
    const replies = await person.replies();
    expect(replies[0]?.text).toBe(translator.t('ru', 'common:too_long'));
    expect(replies[1]?.text).toBe(translator.t('ru', 'intake:language.text'));
    expect(harness.client.sentTo(person.chatId).every((m) => m.text.length <= WHATSAPP_MAX_TEXT)).toBe(true);
  });

  it('should delete its messages for everyone on quick exit and say how to clear the chat', async () => {
    const person = harness.person();
    await person.sendText('Привет');
    await person.choose('Русский');
    await person.replies();
    const before = harness.client.sentTo(person.chatId);
    expect(before.length).toBeGreaterThan(0);
    await person.sendText('выход');
    await person.replies();
    const after = harness.client.sentTo(person.chatId);
    expect(before.every((m) => m.deleted)).toBe(true);
    expect(after.filter((m) => !m.deleted).map((m) => m.text)).toEqual([
      translator.t('ru', 'whatsapp:clear_hint'),
      translator.t('ru', 'common:exit'),
    ]);
  });

  it('should keep replies in the outbox through a send failure and deliver them once', async () => {
    const person = harness.person();
    harness.client.failNextSends(1);
    await person.sendText('Привет');
    const replies = await person.replies();
    expect(replies.at(-1)?.choices).toEqual(['Қазақша', 'Русский', 'English']);
    expect(replies.filter((r) => r.choices.length > 0)).toHaveLength(1);
  });
});
