/**
 * One conversation script, every adapter: intake → screening (SOS mid-way) → result → counsellor
 * request; a legal topic; unreadable and unmatched input; a Kazakh intake. Each channel's test
 * file calls `describeConversationContract` with its harness (test/helpers/*-harness.ts).
 * Expected texts come from the locale files through the app's translator, never hard-coded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { LANGS, type Lang } from '../../src/core/types.js';
import { createTranslator } from '../../src/i18n/translator.js';
import type { ChannelHarness, HarnessReply, PersonHandle } from './harness.js';

const i18n = createTranslator();
/** Values the app passes to every text (src/app.ts `textParams`); harnesses keep the defaults. */
const TEXT_PARAMS = { retentionDays: loadConfig({ NODE_ENV: 'test' }).RETENTION_DAYS };
const t = (lang: Lang, key: string, params?: Record<string, unknown>) =>
  i18n.t(lang, key, { ...TEXT_PARAMS, ...params });

const LANGUAGE_CHOICES = ['language:choices.kk', 'language:choices.ru', 'language:choices.en'];
const ANSWER_CHOICES = [
  'common:choices.yes',
  'common:choices.no',
  'common:choices.unsure',
  'common:choices.skip',
  'screening:choices.stop',
];
const GATE_CHOICES = ANSWER_CHOICES;
const RELATION_CHOICES = [
  'screening:relations.partner',
  'screening:relations.family',
  'screening:relations.adult_child',
  'screening:relations.someone_else',
  'common:choices.skip',
  'screening:choices.stop',
];
const MENU_CHOICES = [
  'menu:main.screening',
  'menu:main.legal',
  'menu:main.counsellor',
  'menu:main.phone_safety',
  'menu:main.subscribe',
  'common:choices.sos_numbers',
  'common:choices.exit',
  'common:choices.language',
  'common:choices.erase',
];
/** Questions after A2, in order (content/risk-screening.md). */
const AFTER_A2 = ['a3', 'a4', 'b5', 'b6', 'b7', 'b8', 'b9', 'b10', 'b11', 'c12', 'd13'];

function expectPrompt(
  reply: HarnessReply | undefined,
  lang: Lang,
  key: string,
  choiceKeys: string[],
  params?: Record<string, unknown>,
) {
  expect(reply, `expected the prompt ${key}`).toBeDefined();
  expect(reply?.text).toBe(t(lang, key, params));
  expect(reply?.choices).toEqual(choiceKeys.map((k) => t(lang, k)));
}

function expectText(reply: HarnessReply | undefined, lang: Lang, key: string) {
  expect(reply, `expected the text ${key}`).toBeDefined();
  expect(reply?.text).toBe(t(lang, key));
  expect(reply?.choices).toEqual([]);
}

/** A first message, then language, "safe to talk? yes", "who? me": ends at the menu. */
async function intake(person: PersonHandle, lang: Lang, greeting: string): Promise<void> {
  await person.sendText(greeting);
  const first = await person.replies();
  // The language question is trilingual; whichever language renders it, it is the last reply.
  const question = first.at(-1);
  expect(LANGS.map((l) => t(l, 'intake:language.text'))).toContain(question?.text);
  expect(question?.choices).toEqual(LANGUAGE_CHOICES.map((k) => t('ru', k)));

  await person.choose(t(lang, `language:choices.${lang}`));
  const safety = await person.replies();
  expect(safety).toHaveLength(1);
  expectPrompt(safety[0], lang, 'intake:safety.text', ['intake:safety.yes', 'intake:safety.no']);

  await person.choose(t(lang, 'intake:safety.yes'));
  const who = await person.replies();
  expect(who).toHaveLength(1);
  expectPrompt(who[0], lang, 'intake:who.text', [
    'intake:who.me',
    'intake:who.minor',
    'intake:who.child',
    'intake:who.other',
  ]);
}

async function toMenuAsMe(person: PersonHandle, lang: Lang): Promise<void> {
  await person.choose(t(lang, 'intake:who.me'));
  const replies = await person.replies();
  expect(replies).toHaveLength(2);
  expectText(replies[0], lang, 'intake:privacy.text');
  expectPrompt(replies[1], lang, 'menu:main.text', MENU_CHOICES);
}

export function describeConversationContract(makeHarness: () => ChannelHarness): void {
  const harness = makeHarness();

  describe(`conversation contract (${harness.name})`, () => {
    beforeAll(() => harness.start());
    afterAll(() => harness.stop());

    it('should take a person through the Russian intake to the menu', async () => {
      const person = harness.person();
      await intake(person, 'ru', 'Здравствуйте');
      await toMenuAsMe(person, 'ru');
    });

    it('should run the screening with SOS mid-way and queue a high-risk counsellor request', async () => {
      const person = harness.person();
      await intake(person, 'ru', 'Привет');
      await toMenuAsMe(person, 'ru');

      await person.choose(t('ru', 'menu:main.screening'));
      const [intro] = await person.replies();
      expectPrompt(intro, 'ru', 'screening:intro.text', ['screening:intro.start', 'screening:intro.not_now']);

      await person.choose(t('ru', 'screening:intro.start'));
      expectPrompt((await person.replies())[0], 'ru', 'screening:questions.g1', GATE_CHOICES);
      await person.choose(t('ru', 'common:choices.no'));
      expectPrompt((await person.replies())[0], 'ru', 'screening:questions.g2', GATE_CHOICES);
      await person.choose(t('ru', 'common:choices.no'));
      expectPrompt((await person.replies())[0], 'ru', 'screening:questions.relation', RELATION_CHOICES);
      await person.choose(t('ru', 'screening:relations.partner'));
      expectPrompt((await person.replies())[0], 'ru', 'screening:questions.a1', ANSWER_CHOICES);
      await person.choose(t('ru', 'common:choices.no'));
      expectPrompt((await person.replies())[0], 'ru', 'screening:questions.a2', ANSWER_CHOICES);

      // SOS in the middle: the emergency numbers first, then the same question again.
      await person.pressSos();
      const sos = await person.replies();
      expect(sos).toHaveLength(2);
      expectText(sos[0], 'ru', 'common:sos.text');
      expectPrompt(sos[1], 'ru', 'screening:questions.a2', ANSWER_CHOICES);

      // A2 "yes" (threats to kill) makes the result high.
      await person.choose(t('ru', 'common:choices.yes'));
      for (const item of AFTER_A2) {
        const [question] = await person.replies();
        expectPrompt(question, 'ru', `screening:questions.${item}`, ANSWER_CHOICES);
        await person.choose(t('ru', 'common:choices.skip'));
      }
      expectPrompt((await person.replies())[0], 'ru', 'screening:questions.other', ANSWER_CHOICES);
      await person.choose(t('ru', 'common:choices.no'));
      const result = await person.replies();
      expect(result).toHaveLength(1);
      expectPrompt(result[0], 'ru', 'screening:result.high', [
        'screening:choices.counsellor',
        'screening:choices.legal',
      ]);

      await person.choose(t('ru', 'screening:choices.counsellor'));
      const queued = await person.replies();
      expect(queued).toHaveLength(1);
      expectPrompt(queued[0], 'ru', 'handoff:queued.text', ['handoff:queued.cancel', 'common:choices.exit'], {
        queuePosition: 1,
      });
    });

    it('should show a legal topic with its sources: the protective order, without an unconfirmed term', async () => {
      const person = harness.person();
      await intake(person, 'ru', 'Добрый день');
      await toMenuAsMe(person, 'ru');

      await person.choose(t('ru', 'menu:main.legal'));
      const [topics] = await person.replies();
      expect(topics?.text).toBe(t('ru', 'legal:topics.text'));
      expect(topics?.choices).toContain(t('ru', 'legal:topics.order'));

      await person.choose(t('ru', 'legal:topics.order'));
      const [order] = await person.replies();
      expectPrompt(order, 'ru', 'legal:order.text', ['common:choices.back']);
      expect(order?.text).not.toMatch(/30 дней/);
      expect(order?.text).toMatch(/Источники: .*Проверено \d\d\.\d\d\.\d{4}\./);
      expect(order?.text).toContain(t('ru', 'common:disclaimer'));
    });

    it('should answer unreadable and unmatched input kindly and repeat the question', async () => {
      const person = harness.person();
      await intake(person, 'ru', 'Здравствуйте');
      await toMenuAsMe(person, 'ru');
      await person.choose(t('ru', 'menu:main.screening'));
      await person.replies();
      const intro = ['screening:intro.start', 'screening:intro.not_now'];

      await person.sendUnsupported('sticker');
      const sticker = await person.replies();
      expect(sticker).toHaveLength(2);
      expectText(sticker[0], 'ru', 'common:unsupported');
      expectPrompt(sticker[1], 'ru', 'screening:intro.text', intro);

      await person.sendUnsupported('voice');
      const voice = await person.replies();
      expect(voice).toHaveLength(2);
      expectText(voice[0], 'ru', 'common:unsupported');

      await person.sendText('qwerty zxcv');
      const unknown = await person.replies();
      expect(unknown).toHaveLength(2);
      expectText(unknown[0], 'ru', 'common:unknown');
      expectPrompt(unknown[1], 'ru', 'screening:intro.text', intro);
    });

    it('should run the intake in Kazakh and accept a label typed in another language', async () => {
      const person = harness.person();
      await intake(person, 'kk', 'Сәлеметсіз бе');
      // The Russian label of "Me", typed, selects the same choice in a Kazakh conversation.
      await person.sendText(t('ru', 'intake:who.me'));
      const replies = await person.replies();
      expect(replies).toHaveLength(2);
      expectText(replies[0], 'kk', 'intake:privacy.text');
      expectPrompt(replies[1], 'kk', 'menu:main.text', MENU_CHOICES);
    });
  });
}
