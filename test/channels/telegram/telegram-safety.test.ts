/**
 * Safety on Telegram, through the real app long-polling the fake Bot API: erase asks once with
 * inline yes / no buttons, the quick exit as a button wherever danger is likely, and what each
 * does to the chat (deleted in batches within the 48-hour window, one line left).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranslator } from '../../../src/i18n/translator.js';
import { createCipher } from '../../../src/privacy/cipher.js';
import { countRows } from '../../helpers/count-rows.js';
import { NON_TEXT_CONTENT } from '../../helpers/fake-telegram-api.js';
import {
  startTelegramTestBed,
  stopTelegramTestBed,
  TelegramPerson,
  type TelegramTestBed,
} from '../../helpers/telegram-harness.js';

const i18n = createTranslator();
const t = (key: string, params?: Record<string, unknown>) =>
  i18n.t('ru', key, { retentionDays: 30, ...params });

let bed: TelegramTestBed;
beforeAll(async () => {
  bed = await startTelegramTestBed();
});
afterAll(() => stopTelegramTestBed(bed));

const person = () => new TelegramPerson(bed, bed.fake.newUser('ru'));
const visible = (p: TelegramPerson) =>
  bed.fake
    .messagesTo(p.chatId)
    .filter((m) => !m.deleted)
    .map((m) => m.text);
/** Labels of every button on the latest keyboard sent to the person (flow and global ones). */
const buttons = (p: TelegramPerson) =>
  (
    bed.fake
      .messagesTo(p.chatId)
      .filter((m) => m.reply_markup)
      .at(-1)?.reply_markup?.inline_keyboard ?? []
  )
    .flat()
    .map((b) => b.text);

async function toMenu(): Promise<TelegramPerson> {
  const p = person();
  await p.command('start');
  await p.choose(t('language:choices.ru'));
  await p.choose(t('intake:safety.yes'));
  await p.choose(t('intake:who.me'));
  await p.replies();
  return p;
}

const contacts = () => countRows({ dbPath: bed.app.dbPath, env: bed.app.env }, 'contacts');

describe('Telegram: erase asks once', () => {
  it('should ask with yes / no buttons; "no" keeps everything and deletes nothing', async () => {
    const p = await toMenu();
    const before = await contacts();
    await p.command('erase');
    const [question] = await p.replies();
    expect(question?.text).toBe(t('erase:confirm'));
    expect(question?.choices).toEqual([t('erase:yes'), t('erase:no')]);
    await p.choose(t('erase:no'));
    const kept = await p.replies();
    expect(kept.map((r) => r.text)).toEqual([t('erase:kept'), t('menu:main.text')]);
    expect(await contacts()).toBe(before);
    expect(bed.fake.callsTo('deleteMessages').filter((c) => c.payload.chat_id === p.chatId)).toEqual([]);
  });

  it('should on "yes" erase, delete the chat’s messages in batches and leave one honest line', async () => {
    const p = await toMenu();
    // enough messages for more than one deleteMessages batch (100 ids each)
    for (let i = 0; i < 40; i++) bed.fake.sendText(p.user, `привет ${i}`);
    await p.settleAfter(bed.fake.sendText(p.user, 'привет'));
    await p.replies();
    const before = await contacts();
    await p.choose(t('common:choices.erase')); // the menu entry
    expect((await p.replies()).at(-1)?.text).toBe(t('erase:confirm'));
    await p.choose(t('erase:yes'));
    await p.replies();
    expect(await contacts()).toBe(before - 1);
    const batches = bed.fake.callsTo('deleteMessages').filter((c) => c.payload.chat_id === p.chatId);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) expect((b.payload.message_ids as number[]).length).toBeLessThanOrEqual(100);
    expect(visible(p)).toEqual([t('erase:done_telegram')]);
    // the pseudonym is gone from every table that names it
    const pseudonym = createCipher(Buffer.from(bed.app.env.DATA_KEY as string, 'base64')).pseudonym(
      'telegram',
      String(p.chatId),
    );
    const target = { dbPath: bed.app.dbPath, env: bed.app.env };
    expect(await countRows(target, 'contacts', `id = '${pseudonym}'`)).toBe(0);
    expect(await countRows(target, 'conversations', `contact_id = '${pseudonym}'`)).toBe(0);
    expect(await countRows(target, 'outbox', `contact_id = '${pseudonym}'`)).toBe(0);
  });
});

describe('Telegram: quick exit everywhere, as a button', () => {
  it('should offer it on "not safe now"; pressing it deletes the chat and leaves one neutral line', async () => {
    const p = person();
    await p.command('start');
    await p.choose(t('language:choices.ru'));
    await p.choose(t('intake:safety.no'));
    expect((await p.replies()).at(-1)?.text).toBe(t('intake:not_safe.text'));
    expect(buttons(p)).toContain(t('common:choices.exit'));
    await p.choose(t('common:choices.exit'));
    await p.replies();
    expect(bed.fake.callsTo('deleteMessages').some((c) => c.payload.chat_id === p.chatId)).toBe(true);
    expect(visible(p)).toEqual([t('common:exit')]);
  });

  it('should offer it on the immediate-risk result; pressing it deletes the chat', async () => {
    const p = await toMenu();
    await p.choose(t('menu:main.screening'));
    await p.choose(t('screening:intro.start'));
    await p.choose(t('common:choices.yes')); // G1: in danger now
    expect((await p.replies()).map((r) => r.text).slice(-2)).toEqual([
      t('common:sos.text'),
      t('screening:result.immediate'),
    ]);
    expect(buttons(p)).toContain(t('common:choices.exit'));
    await p.choose(t('common:choices.exit'));
    await p.replies();
    expect(visible(p)).toEqual([t('common:exit')]);
  });

  it('should offer it on the menu, while queued, and on a counsellor’s message', async () => {
    const p = await toMenu();
    expect(buttons(p)).toContain(t('common:choices.exit'));
    await p.choose(t('menu:main.counsellor'));
    await p.replies();
    expect(buttons(p)).toContain(t('common:choices.exit'));
    await p.sendText('я подожду');
    await p.replies();
    expect(buttons(p)).toContain(t('common:choices.exit')); // "saved for the counsellor"
    const pseudonym = createCipher(Buffer.from(bed.app.env.DATA_KEY as string, 'base64')).pseudonym(
      'telegram',
      String(p.chatId),
    );
    const conversation = await bed.app.app.store.getConversation(pseudonym);
    await bed.app.app.engine.counsellor(conversation?.id ?? -1, 1, { type: 'take' });
    await p.replies();
    expect(buttons(p)).toContain(t('common:choices.exit')); // "a counsellor is here"
    await bed.app.app.engine.counsellor(conversation?.id ?? -1, 1, { type: 'reply', text: 'Я здесь.' });
    await p.replies();
    expect(buttons(p)).toContain(t('common:choices.exit'));
    await p.choose(t('common:choices.exit'));
    await p.replies();
    expect(visible(p)).toEqual([t('common:exit')]);
  });
});

describe('Telegram: SOS in a caption, in the language of the word', () => {
  it.each([
    ['kk', 'көмектесіңіз', 'photo'],
    ['ru', 'помогите', 'video'],
    ['en', 'help', 'document'],
  ] as const)(
    'should answer a first %s caption «%s» on a %s with the emergency numbers in that language',
    async (lang, word, kind) => {
      const p = new TelegramPerson(bed, bed.fake.newUser());
      await p.settleAfter(
        bed.fake.sendMessage(p.user, { ...NON_TEXT_CONTENT[kind], caption: word }).updateId,
      );
      const [first] = await p.replies();
      expect(first?.text).toBe(i18n.t(lang, 'common:sos.text'));
    },
  );
});

describe('Telegram: a request left for later', () => {
  it('should say a message will arrive and how to hide previews in Telegram', async () => {
    const today = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Almaty', weekday: 'short' }).format(
      Date.now() + 3 * 86_400_000,
    );
    const day = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(today) + 1;
    const offDuty = await startTelegramTestBed({ DUTY_DAYS: `${day}-${day}` }); // on duty another day
    try {
      const p = new TelegramPerson(offDuty, offDuty.fake.newUser('ru'));
      await p.command('start');
      await p.choose(t('language:choices.ru'));
      await p.choose(t('intake:safety.yes'));
      await p.choose(t('intake:who.me'));
      await p.choose(t('menu:main.counsellor'));
      await p.replies();
      await p.choose(t('handoff:off_duty.request'));
      const [later] = await p.replies();
      expect(later?.text).toBe(t('safety:later_telegram'));
    } finally {
      await stopTelegramTestBed(offDuty);
    }
  });
});

describe('Telegram: oversize input', () => {
  it('should cut a 4096-character text (Telegram’s own limit) to what Tirek keeps, and say so', async () => {
    const p = await toMenu();
    await p.sendText(`${'слово '.repeat(682)}коне`); // 4096 characters
    const replies = await p.replies();
    expect(replies[0]?.text).toBe(t('common:too_long'));
    expect(replies.at(-1)?.text).toBe(t('menu:main.text'));
  });
});
