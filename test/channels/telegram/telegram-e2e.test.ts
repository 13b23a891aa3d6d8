/**
 * End to end over real HTTP: the real app (same wiring as `npm start`) long-polling a fake
 * Telegram Bot API on 127.0.0.1. Expected texts come from the locale files, never hard-coded.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STALE_CHOICE_ID } from '../../../src/channels/telegram/callback-data.js';
import type { Lang } from '../../../src/core/types.js';
import { createTranslator } from '../../../src/i18n/translator.js';
import { createCipher } from '../../../src/privacy/cipher.js';
import type { HarnessReply } from '../../contract/harness.js';
import { countRows } from '../../helpers/count-rows.js';
import { NON_TEXT_CONTENT, type NonTextKind } from '../../helpers/fake-telegram-api.js';
import {
  startTelegramTestBed,
  stopTelegramTestBed,
  TelegramPerson,
  type TelegramTestBed,
} from '../../helpers/telegram-harness.js';

const i18n = createTranslator();
/** RETENTION_DAYS is left at its default in these tests. */
const t = (lang: Lang, key: string, params?: Record<string, unknown>) =>
  i18n.t(lang, key, { retentionDays: 30, ...params });

const QUESTIONS = ['a1', 'a2', 'a3', 'a4', 'b5', 'b6', 'b7', 'b8', 'b9', 'b10', 'b11', 'c12', 'd13'] as const;
const ANSWER_KEYS = [
  'common:choices.yes',
  'common:choices.no',
  'common:choices.unsure',
  'common:choices.skip',
];

let bed: TelegramTestBed;
const person = (languageCode?: string) => new TelegramPerson(bed, bed.fake.newUser(languageCode));

function texts(replies: HarnessReply[]): string[] {
  return replies.map((r) => r.text);
}

/** The text of a prompt with a queue position, whatever the position is. */
function isQueued(text: string | undefined, lang: Lang): boolean {
  return Array.from({ length: 100 }, (_, n) =>
    t(lang, 'handoff:queued.text', { queuePosition: n + 1 }),
  ).includes(text ?? '');
}

/** /start, language, "safe to talk: yes", "who: me" -> the menu. */
async function intake(p: TelegramPerson, lang: Lang): Promise<void> {
  await p.command('start');
  expect(texts(await p.replies())).toEqual([t(lang, 'intake:language.text')]);
  await p.choose(t(lang, `language:choices.${lang}`));
  expect(texts(await p.replies())).toEqual([t(lang, 'intake:safety.text')]);
  await p.choose(t(lang, 'intake:safety.yes'));
  expect(texts(await p.replies())).toEqual([t(lang, 'intake:who.text')]);
  await p.choose(t(lang, 'intake:who.me'));
  expect(texts(await p.replies())).toEqual([t(lang, 'intake:privacy.text'), t(lang, 'menu:main.text')]);
}

/** From the menu to the first scored question (gate answered "no" twice, then "a partner"). */
async function toFirstQuestion(p: TelegramPerson, lang: Lang): Promise<void> {
  await p.choose(t(lang, 'menu:main.screening'));
  expect(texts(await p.replies())).toEqual([t(lang, 'screening:intro.text')]);
  await p.choose(t(lang, 'screening:intro.start'));
  expect(texts(await p.replies())).toEqual([t(lang, 'screening:questions.g1')]);
  await p.choose(t(lang, 'common:choices.no'));
  expect(texts(await p.replies())).toEqual([t(lang, 'screening:questions.g2')]);
  await p.choose(t(lang, 'common:choices.no'));
  expect(texts(await p.replies())).toEqual([t(lang, 'screening:questions.relation')]);
  await p.choose(t(lang, 'screening:relations.partner'));
  const [a1] = await p.replies();
  expect(a1?.text).toBe(t(lang, 'screening:questions.a1'));
  expect(a1?.choices).toEqual([...ANSWER_KEYS, 'screening:choices.stop'].map((k) => t(lang, k)));
}

/** Answers every scored question (button presses), then "something else worries you?": no. */
async function answerAll(
  p: TelegramPerson,
  lang: Lang,
  yes: readonly string[] = [],
): Promise<HarnessReply[]> {
  for (const [i, item] of QUESTIONS.entries()) {
    await p.choose(t(lang, yes.includes(item) ? 'common:choices.yes' : 'common:choices.no'));
    const next = QUESTIONS[i + 1];
    expect(texts(await p.replies())).toEqual([t(lang, `screening:questions.${next ?? 'other'}`)]);
  }
  await p.choose(t(lang, 'common:choices.no'));
  return p.replies();
}

beforeAll(async () => {
  bed = await startTelegramTestBed();
});

afterAll(async () => {
  await stopTelegramTestBed(bed);
});

describe('Telegram: setup', () => {
  it('should register the commands in kk, ru and en, plus a Russian default', () => {
    const calls = bed.fake.callsTo('setMyCommands');
    expect(calls.map((c) => c.payload.language_code)).toEqual(['kk', 'ru', 'en', undefined]);
    for (const call of calls) {
      const lang = (call.payload.language_code as Lang | undefined) ?? 'ru';
      expect(call.payload.commands).toEqual(
        ['start', 'menu', 'sos', 'language', 'exit', 'erase', 'stop'].map((command) => ({
          command,
          description: t(lang, `telegram:commands.${command}`),
        })),
      );
    }
    expect(bed.fake.callsTo('deleteWebhook')).toHaveLength(1);
    const poll = bed.fake.callsTo('getUpdates')[0]?.payload;
    expect(poll?.allowed_updates).toEqual(['message', 'edited_message', 'callback_query', 'my_chat_member']);
  });
});

describe('Telegram: a full conversation', () => {
  it('should go through intake, screening, legal topics and a counsellor request in Russian', async () => {
    const p = person('ru');
    await intake(p, 'ru');
    await toFirstQuestion(p, 'ru');
    const result = await answerAll(p, 'ru');
    expect(texts(result)).toEqual([t('ru', 'screening:result.standard')]);
    await p.choose(t('ru', 'screening:choices.legal'));
    expect(texts(await p.replies())).toEqual([t('ru', 'legal:topics.text')]);
    await p.choose(t('ru', 'legal:topics.dv'));
    const [dv] = await p.replies();
    expect(dv?.text).toBe(t('ru', 'legal:dv.text'));
    expect(dv?.choices).toEqual([t('ru', 'common:choices.back')]);
    await p.choose(t('ru', 'common:choices.back'));
    expect(texts(await p.replies())).toEqual([t('ru', 'legal:topics.text')]);
    await p.choose(t('ru', 'legal:topics.counsellor'));
    const [queued] = await p.replies();
    expect(isQueued(queued?.text, 'ru')).toBe(true);
    expect(queued?.choices).toEqual([t('ru', 'handoff:queued.cancel'), t('ru', 'common:choices.exit')]);
    // every button press was answered
    await bed.fake.waitFor(() => bed.fake.callsTo('answerCallbackQuery').length >= 22);
  });

  it('should go through intake and screening in Kazakh with typed answers ("1", "иә", "жоқ", a label)', async () => {
    const p = person('kk');
    await p.sendText('Сәлеметсіз бе');
    expect(texts(await p.replies()).at(-1)).toEqual(t('kk', 'intake:language.text'));
    await p.sendText('1'); // Қазақша
    expect(texts(await p.replies())).toEqual([t('kk', 'intake:safety.text')]);
    await p.sendText('иә');
    expect(texts(await p.replies())).toEqual([t('kk', 'intake:who.text')]);
    await p.sendText(t('kk', 'intake:who.me'));
    expect(texts(await p.replies())).toEqual([t('kk', 'intake:privacy.text'), t('kk', 'menu:main.text')]);
    await p.sendText('1'); // screening
    expect(texts(await p.replies())).toEqual([t('kk', 'screening:intro.text')]);
    await p.sendText('1');
    await p.sendText('жоқ');
    await p.sendText('жоқ');
    await p.sendText('1'); // a partner or ex-partner
    expect(texts(await p.replies())).toEqual(
      ['g1', 'g2', 'relation', 'a1'].map((q) => t('kk', `screening:questions.${q}`)),
    );
    for (const item of QUESTIONS) await p.sendText(item === 'a2' ? 'иә' : '2');
    await p.sendText('жоқ');
    const replies = await p.replies();
    expect(replies.at(-1)?.text).toBe(t('kk', 'screening:result.high'));
    await p.sendText('1'); // counsellor
    expect(isQueued((await p.replies())[0]?.text, 'kk')).toBe(true);
  });

  it('should reach each risk level', async () => {
    const immediate = person('ru');
    await intake(immediate, 'ru');
    await immediate.choose(t('ru', 'menu:main.screening'));
    await immediate.choose(t('ru', 'screening:intro.start'));
    await immediate.replies();
    await immediate.choose(t('ru', 'common:choices.yes'));
    expect(texts(await immediate.replies())).toEqual([
      t('ru', 'common:sos.text'),
      t('ru', 'screening:result.immediate'),
    ]);

    const cases: Array<[readonly string[], string]> = [
      [['a4'], 'screening:result.high'],
      [['b5', 'b6', 'b7', 'b8'], 'screening:result.high'],
      [['b5'], 'screening:result.standard_offer'],
      [['c12'], 'screening:result.standard_offer'],
      [['b6', 'c12', 'd13'], 'screening:result.high'],
      [[], 'screening:result.standard'],
    ];
    for (const [yes, key] of cases) {
      const p = person('en');
      await intake(p, 'en');
      await toFirstQuestion(p, 'en');
      expect(texts(await answerAll(p, 'en', yes)), `${yes.join(',')} -> ${key}`).toEqual([t('en', key)]);
    }
  });

  it('should answer SOS in the middle of the screening, then ask the same question again', async () => {
    const p = person('ru');
    await intake(p, 'ru');
    await toFirstQuestion(p, 'ru');
    await p.choose(t('ru', 'common:choices.no'));
    await p.choose(t('ru', 'common:choices.yes'));
    expect(texts(await p.replies())).toEqual([
      t('ru', 'screening:questions.a2'),
      t('ru', 'screening:questions.a3'),
    ]);
    await p.pressSos();
    expect(texts(await p.replies())).toEqual([t('ru', 'common:sos.text'), t('ru', 'screening:questions.a3')]);
    await p.sendText('sos');
    expect(texts(await p.replies())).toEqual([t('ru', 'common:sos.text'), t('ru', 'screening:questions.a3')]);
    await p.command('sos');
    expect(texts(await p.replies())).toEqual([t('ru', 'common:sos.text'), t('ru', 'screening:questions.a3')]);
    await p.choose(t('ru', 'common:choices.no'));
    expect(texts(await p.replies())).toEqual([t('ru', 'screening:questions.a4')]);
  });
});

describe('Telegram: language', () => {
  it('should speak the Telegram app language when it is kk, ru or en, else Russian', async () => {
    for (const [code, lang] of [
      ['kk', 'kk'],
      ['en-US', 'en'],
      ['ru', 'ru'],
      ['de', 'ru'],
      [undefined, 'ru'],
    ] as const) {
      const p = person(code);
      await p.command('sos');
      expect(texts(await p.replies())[0], String(code)).toBe(t(lang, 'common:sos.text'));
    }
  });

  it('should let the person change the language with /language', async () => {
    const p = person('ru');
    await intake(p, 'ru');
    await p.command('language');
    expect(texts(await p.replies())).toEqual([t('ru', 'language:choose.text')]);
    await p.choose(t('ru', 'language:choices.en'));
    expect(texts(await p.replies())).toEqual([t('en', 'menu:main.text')]);
    await p.command('sos');
    expect(texts(await p.replies())[0]).toBe(t('en', 'common:sos.text'));
  });

  it('should record the campaign from a /start deep link, and nothing personal', async () => {
    const p = person('ru');
    await p.command('start', 'poster_almaty');
    await p.replies();
    expect((await contactOf(p))?.source).toBe('poster_almaty');
    const bad = person('ru');
    await bad.command('start', 'not a tag; +7 777 000 00 00');
    await bad.replies();
    expect((await contactOf(bad))?.source).toBeNull();
  });
});

describe('Telegram: what the bot cannot read', () => {
  const kinds: NonTextKind[] = [
    'sticker',
    'photo',
    'voice',
    'audio',
    'video',
    'video_note',
    'animation',
    'document',
    'location',
    'venue',
    'contact',
    'poll',
    'dice',
  ];

  it('should answer every non-text message kindly and re-ask the question', async () => {
    const p = person('ru');
    await intake(p, 'ru');
    for (const kind of kinds) {
      bed.fake.sendNonText(p.user, kind);
    }
    const { messageId } = bed.fake.sendMessage(p.user, { text: 'первый текст' });
    bed.fake.editMessage(p.user, messageId, 'исправленный текст');
    await p.settleAfter(bed.fake.sendForwarded(p.user));
    const replies = texts(await p.replies());
    const unsupported = t('ru', 'common:unsupported');
    // text "первый текст" is not a menu choice: "unknown" + menu; every other one: "unsupported" + menu
    expect(replies.filter((r) => r === unsupported)).toHaveLength(kinds.length + 2);
    expect(replies.filter((r) => r === t('ru', 'common:unknown'))).toHaveLength(1);
    expect(replies.filter((r) => r === t('ru', 'menu:main.text'))).toHaveLength(kinds.length + 3);
    // still working
    await p.choose(t('ru', 'menu:main.screening'));
    expect(texts(await p.replies())).toEqual([t('ru', 'screening:intro.text')]);
  });

  it('should read the caption of a photo or a document as text: «помогите» gets the emergency numbers', async () => {
    const p = person('ru');
    await intake(p, 'ru');
    const photo = bed.fake.sendMessage(p.user, { ...NON_TEXT_CONTENT.photo, caption: 'помогите' });
    await p.settleAfter(photo.updateId);
    expect(texts(await p.replies())).toEqual([t('ru', 'common:sos.text'), t('ru', 'menu:main.text')]);
    const doc = bed.fake.sendMessage(p.user, { ...NON_TEXT_CONTENT.document, caption: '2' });
    await p.settleAfter(doc.updateId);
    expect(texts(await p.replies())).toEqual([t('ru', 'legal:topics.text')]);
  });

  it('should answer stale and forged button presses and show where the person is', async () => {
    const p = person('ru');
    await intake(p, 'ru');
    const oldKeyboard = bed.fake.messagesTo(p.chatId).find((m) => m.text === t('ru', 'intake:safety.text'));
    const stale = t('ru', 'common:stale_button');
    const menu = t('ru', 'menu:main.text');
    const before = bed.fake.callsTo('answerCallbackQuery').length;
    for (const data of [
      'c:yes',
      STALE_CHOICE_ID,
      'c:',
      'v2:screening',
      randomBytes(40).toString('latin1'),
      'c:zzz',
    ]) {
      await p.press(data, oldKeyboard?.message_id);
      expect(texts(await p.replies()), JSON.stringify(data)).toEqual([stale, menu]);
    }
    await bed.fake.waitFor(() => bed.fake.callsTo('answerCallbackQuery').length - before === 6);
    await p.choose(t('ru', 'menu:main.legal'));
    expect(texts(await p.replies())).toEqual([t('ru', 'legal:topics.text')]);
  });
});

describe('Telegram: groups and channels', () => {
  it('should leave a group at once, posting nothing, and store nothing', async () => {
    const adder = bed.fake.newUser('kk');
    const contactsBefore = await countContacts();
    const group = -1_001_000_000_001;
    const [, second] = bed.fake.addBotToGroup(adder, group);
    await bed.fake.waitHandled(second as number);
    await bed.fake.waitFor(() => bed.fake.callsTo('leaveChat').some((c) => c.payload.chat_id === group));
    // a family group may include the person who hurts someone: not one word about what Tirek is
    const toGroup = bed.fake.calls.filter((c) => c.payload.chat_id === group);
    expect(toGroup.map((c) => c.method)).toEqual(['leaveChat']);

    const other = -1_001_000_000_002;
    await bed.fake.waitHandled(bed.fake.sendGroupMessage(bed.fake.newUser('de'), '/start', other));
    await bed.fake.waitFor(() => bed.fake.callsTo('leaveChat').some((c) => c.payload.chat_id === other));
    const toOther = bed.fake.calls.filter((c) => c.payload.chat_id === other);
    expect(toOther.map((c) => c.method)).toEqual(['leaveChat']);
    expect(bed.fake.messagesTo(group)).toEqual([]);
    expect(bed.fake.messagesTo(other)).toEqual([]);
    expect(await countContacts()).toBe(contactsBefore);
  });

  it('should ignore channel posts', async () => {
    const before = bed.fake.calls.length;
    await bed.fake.waitHandled(bed.fake.sendChannelPost());
    expect(bed.fake.calls.slice(before).every((c) => c.method === 'getUpdates')).toBe(true);
  });
});

describe('Telegram: order, quick exit, erase', () => {
  it('should handle one person in order and several people side by side', async () => {
    const a = person('ru');
    const b = person('en');
    await intake(a, 'ru');
    await intake(b, 'en');
    // a burst from both, fetched in one getUpdates batch
    for (const n of ['1', '1', '1']) {
      bed.fake.sendText(a.user, n);
      bed.fake.sendText(b.user, n);
    }
    await a.settleAfter(bed.fake.sendText(b.user, '3')); // "legal" on the immediate result
    expect(texts(await a.replies())).toEqual([
      t('ru', 'screening:intro.text'),
      t('ru', 'screening:questions.g1'),
      t('ru', 'common:sos.text'),
      t('ru', 'screening:result.immediate'),
    ]);
    expect(texts(await b.replies())).toEqual([
      t('en', 'screening:intro.text'),
      t('en', 'screening:questions.g1'),
      t('en', 'common:sos.text'),
      t('en', 'screening:result.immediate'),
      t('en', 'legal:topics.text'),
    ]);
  });

  it('should delete the conversation on /exit and leave one neutral line', async () => {
    const p = person('ru');
    await intake(p, 'ru');
    const exit = bed.fake.sendMessage(p.user, {
      text: '/exit',
      entities: [{ type: 'bot_command', offset: 0, length: 5 }],
    });
    await p.settleAfter(exit.updateId);
    const replies = await p.replies();
    expect(texts(replies)).toEqual([t('ru', 'common:exit')]);
    const deletes = bed.fake.callsTo('deleteMessages').filter((c) => c.payload.chat_id === p.chatId);
    expect(deletes).toHaveLength(1);
    const ids = deletes[0]?.payload.message_ids as number[];
    const shown = bed.fake.messagesTo(p.chatId).filter((m) => !m.deleted);
    expect(shown.map((m) => m.text)).toEqual([t('ru', 'common:exit')]);
    // the person's own messages (/start, /exit) are deleted too
    expect(ids).toContain(1);
    expect(ids).toContain(exit.messageId);
  });

  it('should erase the person on /erase once they confirm', async () => {
    const p = person('ru');
    await intake(p, 'ru');
    await p.command('erase');
    expect(texts(await p.replies())).toEqual([t('ru', 'erase:confirm')]);
    await p.choose(t('ru', 'erase:yes'));
    expect(texts(await p.replies())).toEqual([t('ru', 'erase:done_telegram')]);
  });
});

describe('Telegram: Bot API failures', () => {
  it('should deliver every reply exactly once through 429s, 500s and dropped connections', async () => {
    const p = person('ru');
    await intake(p, 'ru');
    const received: string[] = [];
    const step = async (label: string, fault?: Parameters<typeof bed.fake.failNext>[1]) => {
      if (fault) bed.fake.failNext('sendMessage', fault);
      await p.choose(t('ru', label));
      received.push(...texts(await p.replies()));
    };
    await step('menu:main.screening', { status: 429, retry_after: 1 }); // auto-retry waits 1 s
    await step('screening:intro.start', { status: 500 }); // auto-retry backs off 3 s
    await step('common:choices.no', { drop: true }); // network: the outbox retries after ~1 s
    bed.fake.failNext('answerCallbackQuery', { status: 400, description: 'Bad Request: query is too old' });
    await step('common:choices.no');
    expect(received).toEqual([
      t('ru', 'screening:intro.text'),
      t('ru', 'screening:questions.g1'),
      t('ru', 'screening:questions.g2'),
      t('ru', 'screening:questions.relation'),
    ]);
    const faults = bed.fake.callsTo('sendMessage').filter((c) => c.fault && c.payload.chat_id === p.chatId);
    expect(faults).toHaveLength(3);
  }, 30_000);

  it('should stop sending to a person who blocked the bot', async () => {
    const p = person('ru');
    await intake(p, 'ru');
    bed.fake.block(p.chatId);
    await p.command('sos'); // two replies: the numbers, then the menu again
    await p.settle();
    expect((await contactOf(p))?.unreachable).toBe(true);
    const attempts = bed.fake.callsTo('sendMessage').filter((c) => c.payload.chat_id === p.chatId && c.fault);
    // the first reply failed with 403; the reply queued behind it was given up without a call
    expect(attempts).toHaveLength(1);
  });
});

/** Contacts in the database, read through a separate connection. */
function countContacts(): Promise<number> {
  return countRows(bed.app, 'contacts');
}

function contactOf(p: TelegramPerson) {
  const pseudonym = createCipher(Buffer.from(bed.app.env.DATA_KEY as string, 'base64')).pseudonym;
  return bed.app.app.store.getContact(pseudonym('telegram', String(p.chatId)));
}
