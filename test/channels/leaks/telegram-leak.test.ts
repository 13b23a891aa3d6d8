/**
 * No secret in any file or log, Telegram: a person with a planted name, username and chat id walks
 * through the screening, a legal topic and a hand-off (with a counsellor's replies, one of them
 * refused by the Bot API with an error quoting the chat id), then quick exit and erase, while the
 * app logs everything at trace level to a file. Every file the app wrote, and on PostgreSQL every
 * row, is then searched for the planted strings.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranslator } from '../../../src/i18n/translator.js';
import { countRows } from '../../helpers/count-rows.js';
import { FAKE_BOT_TOKEN, FakeTelegramApi } from '../../helpers/fake-telegram-api.js';
import {
  fileLogger,
  findLeaks,
  logLines,
  needles,
  type Planted,
  plant,
  plantedSentence,
  queuedConversationId,
} from '../../helpers/leak-check.js';
import { TelegramPerson, type TelegramTestBed } from '../../helpers/telegram-harness.js';
import { removeDir, startTestApp, testEnv } from '../../helpers/test-app.js';

const t = createTranslator();
const COUNSELLOR = 1;

let bed: TelegramTestBed;
let logFile: string;
let planted: Planted;
let person: TelegramPerson;
let stopped = false;

beforeAll(async () => {
  planted = plant();
  const fake = await FakeTelegramApi.start();
  const { env, dir } = testEnv({
    TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN,
    TELEGRAM_API_ROOT: fake.apiRoot,
    LOG_LEVEL: 'trace',
  });
  logFile = join(dir, 'logs', 'tirek.log');
  const app = await startTestApp({ env, dir, logger: fileLogger(logFile) });
  await fake.waitPolling();
  bed = { fake, app };
  // the person's own Telegram profile carries their name and a username that reads like it
  const [first, last] = planted.name.split(' ') as [string, string];
  person = new TelegramPerson(bed, {
    id: 7_345_000_000 + Math.floor(Math.random() * 600_000),
    first_name: first,
    last_name: last,
    username: `aigerim_${planted.marker.toLowerCase()}`,
    language_code: 'en',
  });
});

afterAll(async () => {
  if (!stopped) await bed?.app.stop();
  await bed?.fake.close();
  if (bed) removeDir(bed.app.dir);
});

const en = (key: string) => t.t('en', key);
const scan = () =>
  findLeaks({
    dir: bed.app.dir,
    needles: needles(planted, String(person.chatId), `aigerim_${planted.marker.toLowerCase()}`),
    databaseUrl: bed.app.env.DATABASE_URL,
  });

describe('Telegram: nothing planted in a conversation reaches a file or a log', () => {
  it('should walk screening, a legal topic, a hand-off with counsellor replies, quick exit and erase', async () => {
    const { fake, app } = bed;
    await person.sendText(`Hello ${planted.marker}`);
    await person.press('c:en');
    await person.press('c:yes');
    await person.press('c:me');
    // screening: gate, who hurts you, then the planted sentence instead of an answer, then stop
    await person.press('c:screening');
    await person.press('c:start');
    await person.press('c:no');
    await person.press('c:no');
    await person.press('c:partner');
    await person.sendText(plantedSentence(planted));
    await person.press('c:stop');
    // a legal topic, and a button press Telegram refuses to acknowledge with an error quoting the chat
    await person.press('c:legal');
    fake.failNext('answerCallbackQuery', {
      status: 400,
      description: `Bad Request: query is too old for chat ${person.chatId}`,
    });
    await person.press('c:dv');
    await person.press('c:back');
    // hand-off: the person writes while waiting, a counsellor takes the chat and answers
    await person.press('c:counsellor');
    await person.sendText(`Please call ${planted.phone}, ask for ${planted.name}`);
    await person.settle();
    const conversationId = await queuedConversationId(app);
    await app.app.engine.counsellor(conversationId, COUNSELLOR, { type: 'take' });
    await person.settle();
    // the Bot API refuses the first reply with a description quoting the chat id
    fake.failNext('sendMessage', {
      status: 400,
      description: `Bad Request: cannot send to ${person.chatId}`,
    });
    await app.app.engine.counsellor(conversationId, COUNSELLOR, {
      type: 'reply',
      text: `Hello ${planted.name}, I have your number ${planted.phone}. ${planted.marker}`,
    });
    await person.settle();
    await app.app.engine.counsellor(conversationId, COUNSELLOR, {
      type: 'reply',
      text: `Is ${planted.street} safe tonight? ${planted.marker}`,
    });
    await person.sendText(`Yes, ${planted.street} is my mother's flat`);
    await person.settle();
    const texts = fake.messagesTo(person.chatId).map((m) => m.text);
    expect(texts).toContain(`Is ${planted.street} safe tonight? ${planted.marker}`);
    // while everything is still stored: only ciphertext, and nothing in the log
    expect(await scan()).toEqual([]);
    // quick exit, then erase (it asks once)
    await person.command('exit');
    await person.settle();
    expect(fake.callsTo('deleteMessages').length).toBeGreaterThan(0);
    await person.command('erase');
    await person.settle();
    expect(await countRows(app, 'contacts')).toBe(1);
    await person.press('c:erase_yes');
    await person.settle();
    expect(await countRows(app, 'contacts')).toBe(0);
    expect(fake.messagesTo(person.chatId).some((m) => m.text === en('erase:done_telegram'))).toBe(true);
  });

  it('should write the delivery error and the refused acknowledgement to the log, scrubbed', () => {
    const lines = logLines(logFile);
    expect(lines.some((l) => l.msg === 'telegram channel started')).toBe(true); // the file logger is the app's
    const failed = lines.find((l) => l.msg === 'delivery failed');
    expect(failed?.reason).toBe('sendMessage: 400 Bad Request: cannot send to [number]');
    const ack = lines.find((l) => l.msg === 'answerCallbackQuery failed');
    expect(ack?.err).toMatchObject({
      type: 'GrammyError',
      message: expect.stringContaining('too old for chat [number]'),
    });
  });

  it('should leave none of the planted strings in any file the app wrote, while running and after stopping', async () => {
    expect(await scan()).toEqual([]);
    await bed.app.stop();
    stopped = true;
    expect(await scan()).toEqual([]);
  });
});
