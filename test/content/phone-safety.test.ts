/**
 * Telling the truth (issue 11 item 11): the "Staying safe with your phone" topic, reachable from
 * the menu and from "rights and help" in kk / ru / en, every statement resting on a sourced fact;
 * and a privacy notice that says what is stored, for how long, who sees it and how to erase it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TOPICS } from '../../flows/legal.js';
import { LANGS, type Lang } from '../../src/core/types.js';
import { isShowable, loadFacts } from '../../src/i18n/facts.js';
import { createTranslator } from '../../src/i18n/translator.js';
import { EngineHarness } from '../helpers/engine-harness.js';

const t = createTranslator();
const facts = loadFacts(new URL('../../locales/', import.meta.url).pathname);
const PARTS = ['legal:phone_safety.text', 'legal:phone_safety_more.text'];

const harnesses: EngineHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

async function atMenu(lang: Lang): Promise<{ h: EngineHarness; user: string }> {
  const h = await EngineHarness.open();
  harnesses.push(h);
  const user = `u-${lang}`;
  await h.command(user, 'start');
  for (const choice of [lang, 'yes', 'me']) await h.choose(user, choice);
  await h.delivered(user);
  h.adapter.sent.length = 0;
  return { h, user };
}

describe('Staying safe with your phone', () => {
  it.each(LANGS)('should be one tap from the menu, with a second part and a way back (%s)', async (lang) => {
    const { h, user } = await atMenu(lang);
    await h.choose(user, 'phone_safety');
    expect(await h.delivered(user)).toEqual([h.t(lang, 'legal:phone_safety.text')]);
    const first = h.lastSent(user);
    expect(first?.type === 'message' && first.choices.map((c) => c.id)).toEqual(['more', 'back']);
    await h.choose(user, 'more');
    expect((await h.delivered(user)).at(-1)).toBe(h.t(lang, 'legal:phone_safety_more.text'));
    await h.choose(user, 'back');
    await h.choose(user, 'back');
    expect((await h.delivered(user)).slice(-2)).toEqual([
      h.t(lang, 'legal:phone_safety.text'),
      h.t(lang, 'menu:main.text'),
    ]);
  });

  it('should also be a topic of "rights and help", right after the safety plan', async () => {
    expect(TOPICS.slice(0, 2)).toEqual(['safety_plan', 'phone_safety']);
    const { h, user } = await atMenu('ru');
    await h.choose(user, 'legal');
    await h.choose(user, 'phone_safety');
    expect((await h.delivered(user)).at(-1)).toBe(h.t('ru', 'legal:phone_safety.text'));
  });

  it.each(LANGS)(
    'should cover clearing chats, lock screens, backups, linked devices and a second account (%s)',
    (lang) => {
      const [first, more] = PARTS.map((k) => t.t(lang, k));
      // the platforms and settings named in every language
      for (const word of ['Telegram', 'WhatsApp', 'iPhone', 'Android', '🚪']) expect(first).toContain(word);
      for (const word of ['Google Drive', 'iCloud', '64', 'Telegram']) expect(more).toContain(word);
    },
  );

  it('should end each part with a sources line naming the platforms’ own help pages', () => {
    const [first, more] = PARTS.map((k) => t.t('en', k));
    expect(first).toMatch(/Sources: Telegram FAQ: Can I delete my messages\?; .*Checked on 03\.12\.2026\./);
    expect(more).toContain('WhatsApp Help Center: About end-to-end encrypted backup');
    expect(more).toContain('Telegram blog: Themes, Multiple Accounts and More (12.2017)');
    expect(t.t('kk', PARTS[0] as string)).toContain('Дереккөздер');
    expect(t.t('ru', PARTS[1] as string)).toContain('Источники');
  });

  it('should rest on facts that are showable, each with a link to its source', () => {
    const used = Object.entries(facts).filter(([, f]) => f.shownIn.some((k) => PARTS.includes(k)));
    expect(used.map(([id]) => id).sort()).toEqual(
      [
        'lock_screen_previews',
        'tg_clear_history',
        'tg_multiple_accounts',
        'wa_backup_e2e',
        'wa_chat_lock',
      ].sort(),
    );
    for (const [id, fact] of used) {
      expect(isShowable(fact), id).toBe(true);
      for (const source of fact.sources) expect(source.url, id).toMatch(/^https:\/\//);
    }
  });
});

describe('the privacy notice', () => {
  const notice = (lang: Lang, retentionDays: number) => t.t(lang, 'intake:privacy.text', { retentionDays });

  it.each([
    ['en', '14 days'],
    ['ru', '14 дней'],
    ['kk', '14 күн'],
  ] as const)('should say how long messages are kept, from RETENTION_DAYS (%s)', (lang, days) => {
    expect(notice(lang, 14)).toContain(days);
    expect(notice(lang, 30)).not.toContain(days);
  });

  it.each([
    // what is stored and how, who sees it (an alias; the audit log), how to erase
    ['en', ['encrypted', 'alias', 'Administrators', 'log', '/erase', '🗑', 'delete the chat yourself']],
    ['ru', ['зашифрованном', 'псевдоним', 'Администраторы', 'журнал', '/erase', '🗑', 'удалите чат сами']],
    ['kk', ['Шифрланып', 'бүркеншік', 'Әкімшілер', 'журнал', '/erase', '🗑', 'чатты өзіңіз өшіріңіз']],
  ] as const)('should state what is stored, who sees it and how to erase it (%s)', (lang, words) => {
    for (const word of words) expect(notice(lang, 30)).toContain(word);
  });

  it('should no longer claim that nothing kept shows the number', () => {
    for (const lang of LANGS) expect(notice(lang, 30)).not.toMatch(/nothing we keep|нет вашего имени/i);
  });
});
