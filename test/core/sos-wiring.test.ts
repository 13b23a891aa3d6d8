/**
 * SOS that fits the moment: the compact emergency line for a sentence that only mentions help
 * (sosIntent), the first SOS answered in the language of the word typed (sosLang), and quick
 * exit's `clear` carrying the person's language (WhatsApp says how to clear the chat in it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EngineHarness } from '../helpers/engine-harness.js';

const harnesses: EngineHarness[] = [];
const open = async () => {
  const h = await EngineHarness.open();
  harnesses.push(h);
  return h;
};
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => {});
});

async function toMenu(h: EngineHarness, user: string, lang: 'kk' | 'ru' | 'en') {
  await h.command(user, 'start');
  await h.choose(user, lang);
  await h.choose(user, 'yes');
  await h.choose(user, 'me');
  await h.delivered(user);
  h.adapter.sent.length = 0;
}

describe('SOS that fits the moment', () => {
  it('should answer a sentence that mentions help normally, plus the compact line, not the full numbers', async () => {
    const h = await open();
    await toMenu(h, 'u1', 'en');
    await h.text('u1', 'can you help me with the divorce papers');
    const texts = await h.delivered('u1');
    expect(texts).toContain(h.t('en', 'common:sos.compact'));
    expect(texts).not.toContain(h.t('en', 'common:sos.text'));
    expect(texts.at(-1)).toBe(h.t('en', 'menu:main.text'));
  });

  it.each([
    ['kk', 'ажырасу құжаттарына көмек керек еді маған'],
    ['ru', 'нужна помощь с документами на развод'],
    ['en', 'could you help me with the divorce papers please'],
  ] as const)(
    'should answer a sentence in %s that mentions help normally, with the compact line first',
    async (lang, sentence) => {
      const h = await open();
      await toMenu(h, 'u1', lang);
      await h.text('u1', sentence);
      const texts = await h.delivered('u1');
      expect(texts[0]).toBe(h.t(lang, 'common:sos.compact'));
      expect(texts).not.toContain(h.t(lang, 'common:sos.text'));
      expect(texts.at(-1)).toBe(h.t(lang, 'menu:main.text'));
    },
  );

  it.each(['kk', 'ru', 'en'] as const)(
    'should answer the SOS button in %s with the full numbers first',
    async (lang) => {
      const h = await open();
      await toMenu(h, 'u1', lang);
      await h.choose('u1', 'sos');
      const texts = await h.delivered('u1');
      expect(texts).toEqual([h.t(lang, 'common:sos.text'), h.t(lang, 'menu:main.text')]);
    },
  );

  it.each([
    ['en', 'help me please'],
    ['ru', 'помогите мне'],
    ['kk', 'көмектесіңіз'],
  ] as const)('should answer a short plea in %s with the full numbers first', async (lang, plea) => {
    const h = await open();
    await toMenu(h, 'u1', lang);
    await h.text('u1', plea);
    const texts = await h.delivered('u1');
    expect(texts[0]).toBe(h.t(lang, 'common:sos.text'));
    expect(texts).not.toContain(h.t(lang, 'common:sos.compact'));
  });

  it.each([
    ['көмек', 'kk'],
    ['Көмектесіңіз!', 'kk'],
    ['помогите', 'ru'],
    ['help', 'en'],
  ] as const)('should answer a first %j, before any language is chosen, in %s', async (word, lang) => {
    const h = await open();
    await h.text('newcomer', word);
    const texts = await h.delivered('newcomer');
    expect(texts[0]).toBe(h.t(lang, 'common:sos.text'));
  });

  it('should answer a first SOS in a word of no one language in the platform’s or the default language', async () => {
    const h = await open();
    await h.engine.receive(h.message('hinted', { kind: 'text', text: 'SOS', languageHint: 'en' }));
    expect((await h.delivered('hinted'))[0]).toBe(h.t('en', 'common:sos.text'));
    await h.text('plain', '112');
    expect((await h.delivered('plain'))[0]).toBe(h.t('ru', 'common:sos.text'));
  });

  it('should not change a chosen language because of the language of an SOS word', async () => {
    const h = await open();
    await toMenu(h, 'u1', 'en');
    await h.text('u1', 'помогите');
    expect((await h.delivered('u1'))[0]).toBe(h.t('en', 'common:sos.text'));
  });

  it('should tell the adapter the person’s language with quick exit’s clear', async () => {
    const h = await open();
    await toMenu(h, 'u1', 'kk');
    await h.command('u1', 'exit');
    await h.delivered('u1');
    expect(h.adapter.sent.map((s) => s.message)).toContainEqual({ type: 'clear', lang: 'kk' });
  });
});
