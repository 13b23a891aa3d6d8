/**
 * A long reply is split into parts; when a later part fails, the retry sends only the rest —
 * on Telegram (fake Bot API) and WhatsApp (fake client). The parts delivered are recorded on the
 * outbox row, so this holds across restarts and instances too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { Channel, OutboundMessage } from '../../src/core/types.js';
import { createCipher } from '../../src/privacy/cipher.js';
import {
  startTelegramTestBed,
  stopTelegramTestBed,
  type TelegramTestBed,
} from '../helpers/telegram-harness.js';
import { createWhatsappHarness, type WhatsappHarness } from '../helpers/whatsapp-harness.js';

const long = (): OutboundMessage => ({
  type: 'message',
  text: `${'A'.repeat(3900)}\n\n${'B'.repeat(3900)}`,
  choices: [],
  globalChoices: [],
  lang: 'en',
});

async function enqueue(app: App, dataKey: string, channel: Channel, address: string) {
  const contactId = createCipher(Buffer.from(dataKey, 'base64')).pseudonym(channel, address);
  await app.store.transaction(
    (tx) =>
      tx.enqueueOutbox({
        conversationId: null,
        contactId,
        channel,
        address,
        message: long(),
        now: Date.now(),
      }),
    { lock: contactId },
  );
  app.dispatcher.wake();
  await app.dispatcher.drain(20_000);
}

const count = (texts: string[], letter: string) =>
  texts.filter((t) => t.startsWith(letter.repeat(50))).length;

describe('split messages resume where they stopped', () => {
  let bed: TelegramTestBed;
  let wa: WhatsappHarness;
  beforeAll(async () => {
    bed = await startTelegramTestBed();
    wa = createWhatsappHarness();
    await wa.start();
  });
  afterAll(async () => {
    await stopTelegramTestBed(bed);
    await wa.stop();
  });

  it('should send only the second part again on Telegram after it failed', async () => {
    const user = bed.fake.newUser('en');
    bed.fake.failNext('sendMessage', { drop: true }, 1, 1); // the first part goes, the second drops
    await enqueue(bed.app.app, bed.app.env.DATA_KEY as string, 'telegram', String(user.id));
    const texts = bed.fake.messagesTo(user.id).map((m) => m.text);
    expect(count(texts, 'A')).toBe(1);
    expect(count(texts, 'B')).toBe(1);
    expect(
      bed.fake.callsTo('sendMessage').filter((c) => c.payload.chat_id === user.id && c.fault),
    ).toHaveLength(1);
  });

  it('should send only the second part again on WhatsApp after it failed', async () => {
    const person = wa.person();
    wa.client.failNextSends(1, undefined, 1);
    await enqueue(wa.app.app, wa.app.env.DATA_KEY as string, 'whatsapp', person.chatId);
    const texts = wa.client.sentTo(person.chatId).map((m) => m.text);
    expect(count(texts, 'A')).toBe(1);
    expect(count(texts, 'B')).toBe(1);
  });
});
