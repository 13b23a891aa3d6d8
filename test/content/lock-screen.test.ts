/**
 * Nothing alarming on a lock screen or in the chat list. Messages that can arrive while the person
 * is not holding the phone (a counsellor joining or answering hours later, a hand-back, a close,
 * the error reply, a request left for later), the greeting, the menu and the first line of every
 * topic a person may leave on screen: their first line (what a notification preview or the chat
 * list shows) holds none of the words below, in kk, ru or en.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderWhatsapp } from '../../src/channels/whatsapp/render.js';
import { LANGS, type Lang } from '../../src/core/types.js';
import { createTranslator, loadResources } from '../../src/i18n/translator.js';
import { EngineHarness } from '../helpers/engine-harness.js';

/**
 * Words that must not appear in a first line, as stems matched at the start of a word (so
 * "безопасность" does not match "опасн", nor "қауіпсіз" "қауіпті"). Chosen for what someone
 * glancing at the phone would take as a sign: who the person talks to (a counsellor, the police),
 * what about (violence, abuse, a crisis, a shelter), and alarm signs (SOS, 🆘, emergency, danger).
 */
const MUST_NOT_SHOW: Record<Lang, string[]> = {
  en: [
    'counsel',
    'violen',
    'abus',
    'sos',
    'police',
    'emergenc',
    'danger',
    'crisis',
    'shelter',
    'domestic',
    'victim',
    'beat',
    'hurt',
    'rape',
    'assault',
    'threat',
  ],
  ru: [
    'консультант',
    'насили',
    'абьюз',
    'sos',
    'сос',
    'полици',
    'экстренн',
    'опасн',
    'кризисн',
    'убежищ',
    'жертв',
    'побо',
    'избие',
    'изнасил',
    'угрож',
    'бьёт',
    'бьет',
  ],
  kk: [
    'кеңесші',
    'зорлық',
    'зомбылық',
    'sos',
    'сос',
    'полиция',
    'төтенше',
    'қауіпті',
    'қауіп төн',
    'дағдарыс',
    'баспана',
    'құрбан',
    'ұрып',
    'соққы',
    'қорқыт',
  ],
};
/** Signs that alarm in any language. */
const SIGNS = ['🆘', '🚨', '112', '102'];

const i18n = createTranslator();
const firstLine = (text: string) => text.split('\n')[0] ?? '';

function alarming(lang: Lang, text: string): string[] {
  const line = firstLine(text).toLocaleLowerCase(lang);
  const words = MUST_NOT_SHOW[lang].filter((stem) => new RegExp(`(?<!\\p{L})${stem}`, 'u').test(line));
  return [...words, ...SIGNS.filter((s) => line.includes(s))];
}

/** Every `legal:*.text` key: the topics a person may leave on screen. */
const legalTopics = Object.entries(loadResources().en.legal as Record<string, unknown>)
  .filter(
    ([, v]) => typeof v === 'object' && v !== null && typeof (v as { text?: unknown }).text === 'string',
  )
  .map(([k]) => `legal:${k}.text`);

/** Texts that may arrive or stay on screen while the person is not holding the phone. */
const KEYS = [
  'intake:language.text', // the greeting
  'intake:privacy.text',
  'menu:main.text',
  ...legalTopics,
  'handoff:joined',
  'handoff:returned',
  'handoff:closed',
  'safety:error',
  'safety:new_message',
  'safety:later',
  'safety:later_telegram',
  'safety:later_whatsapp',
  'safety:later_webchat',
  'erase:done',
  'erase:done_telegram',
  'erase:done_whatsapp',
  'erase:done_webchat',
  'common:exit',
  'common:stopped',
];

describe('nothing alarming on a lock screen', () => {
  it('should cover every legal topic', () => {
    expect(legalTopics.length).toBeGreaterThan(8);
    expect(legalTopics).toContain('legal:shelter.text');
  });

  it('should catch an alarming first line (the check can fail)', () => {
    expect(alarming('en', 'A counsellor is here\nHello')).toEqual(['counsel']);
    expect(alarming('ru', '🆘 Если вам угрожает опасность').sort()).toEqual(['опасн', 'угрож', '🆘'].sort());
    expect(alarming('kk', 'Кеңесші байланыста')).toEqual(['кеңесші']);
    expect(alarming('ru', 'Личный план безопасности')).toEqual([]);
    expect(alarming('kk', 'Жеке қауіпсіздік жоспары')).toEqual([]);
  });

  for (const lang of LANGS) {
    it(`should start every such text with a neutral line in ${lang}`, () => {
      const found = KEYS.flatMap((key) => {
        const text = i18n.t(lang, key, { retentionDays: 30, queuePosition: 1, nextDuty: '', dutyHours: '' });
        expect(text, key).not.toBe(key);
        const bad = alarming(lang, text);
        return bad.length > 0 ? [`${key}: "${firstLine(text)}" (${bad.join(', ')})`] : [];
      });
      expect(found).toEqual([]);
    });

    it(`should keep the first line neutral as WhatsApp renders it, in ${lang}`, () => {
      for (const key of KEYS) {
        const [first] = renderWhatsapp(
          {
            type: 'message',
            text: i18n.t(lang, key, { retentionDays: 30 }),
            choices: [],
            globalChoices: [{ id: 'sos', label: i18n.t(lang, 'common:choices.sos') }],
            lang,
          },
          i18n,
        );
        expect(alarming(lang, first ?? ''), key).toEqual([]);
      }
    });
  }
});

describe('a counsellor’s message to someone not holding the phone', () => {
  const harnesses: EngineHarness[] = [];
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.close();
  });

  for (const lang of LANGS) {
    it(`should start with a neutral line when the person wrote long ago, and not in a live chat (${lang})`, async () => {
      let now = Date.now() - 6 * 3_600_000; // in the past, so the outbox delivers at once
      const h = await EngineHarness.open({ clock: () => now });
      harnesses.push(h);
      await h.command('u1', 'start');
      await h.choose('u1', lang);
      await h.choose('u1', 'yes');
      await h.choose('u1', 'me');
      await h.choose('u1', 'counsellor');
      const conversation = await h.store.getConversation(h.cipher.pseudonym('webchat', 'u1'));
      const id = conversation?.id ?? -1;
      await h.delivered('u1');
      h.adapter.sent.length = 0;

      now += 3 * 3_600_000; // hours later
      await h.engine.counsellor(id, 1, { type: 'take' });
      const words = 'Я консультант, пишу по поводу насилия. Counsellor here about the abuse.';
      await h.engine.counsellor(id, 1, { type: 'reply', text: words });
      const later = await h.delivered('u1');
      expect(later).toEqual([
        i18n.t(lang, 'handoff:joined'),
        `${i18n.t(lang, 'safety:new_message')}\n\n${words}`,
      ]);
      for (const text of later) expect(alarming(lang, text)).toEqual([]);

      // in a live chat (the person just wrote) the counsellor's words come as written
      h.adapter.sent.length = 0;
      now += 60_000;
      await h.text('u1', 'thank you');
      now += 30_000;
      await h.engine.counsellor(id, 1, { type: 'reply', text: 'ok' });
      expect(await h.delivered('u1')).toEqual(['ok']);
    });
  }
});
