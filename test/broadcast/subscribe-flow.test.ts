/**
 * The subscribe flow through the engine, in kk, ru and en: the menu offers it; it says what is
 * sent, how often, when, that it arrives silently and how to stop; only an explicit yes records
 * the consent (time, language, channel; nothing else); the stop words and /stop end it at once;
 * erase removes it; on a channel that gets no broadcasts it says so and records nothing.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LANGS, type Lang } from '../../src/core/types.js';
import { EngineHarness } from '../helpers/engine-harness.js';

const NOW = Date.UTC(2026, 10, 25, 6, 0);
let h: EngineHarness;
let n = 0;
beforeAll(async () => {
  h = await EngineHarness.open({ broadcastChannels: ['webchat'], clock: () => NOW });
});
afterAll(() => h.close());

const params = { broadcastHours: '10:00–19:00', broadcastMaxPerMonth: 4 };
const consent = (user: string) => {
  const db = new Database(h.dbPath, { readonly: true });
  try {
    return db
      .prepare('SELECT * FROM broadcast_subscriptions WHERE contact_id = ?')
      .get(h.cipher.pseudonym('webchat', user)) as Record<string, unknown> | undefined;
  } finally {
    db.close();
  }
};
const contact = (user: string) => h.store.getContact(h.cipher.pseudonym('webchat', user));

async function atMenu(lang: Lang): Promise<string> {
  const user = `s${++n}`;
  await h.command(user, 'start');
  await h.choose(user, lang);
  await h.choose(user, 'yes');
  await h.choose(user, 'me');
  await h.delivered(user);
  return user;
}

describe.each(LANGS)('subscribe in %s', (lang) => {
  it('should explain, ask, and record the consent only after an explicit yes', async () => {
    const user = await atMenu(lang);
    const menu = h.lastSent(user);
    expect(menu?.type === 'message' && menu.choices.map((c) => c.id)).toContain('subscribe');

    await h.choose(user, 'subscribe');
    await h.delivered(user);
    const ask = h.lastSent(user);
    if (ask?.type !== 'message') throw new Error('no question');
    expect(ask.text).toBe(h.t(lang, 'subscribe:explain.text', params));
    expect(ask.text).toContain('10:00–19:00');
    expect(ask.choices.map((c) => c.id)).toEqual(['yes', 'no']);
    expect(consent(user)).toBeUndefined();
    expect((await contact(user))?.subscribed).toBe(false);

    await h.choose(user, 'yes');
    const texts = await h.delivered(user);
    expect(texts).toContain(h.t(lang, 'subscribe:done'));
    expect(texts.at(-1)).toBe(h.t(lang, 'menu:main.text'));
    expect((await contact(user))?.subscribed).toBe(true);
    // time, language, channel: nothing else
    expect(consent(user)).toEqual({
      contact_id: h.cipher.pseudonym('webchat', user),
      channel: 'webchat',
      lang,
      consented_at: NOW,
    });
  });

  it('should record nothing when the person says no', async () => {
    const user = await atMenu(lang);
    await h.choose(user, 'subscribe');
    await h.choose(user, 'no');
    expect(await h.delivered(user)).toContain(h.t(lang, 'subscribe:declined'));
    expect((await contact(user))?.subscribed).toBe(false);
    expect(consent(user)).toBeUndefined();
  });
});

describe('stop', () => {
  it.each([
    ['ru', 'стоп'],
    ['kk', 'тоқта'],
    ['en', 'stop'],
    ['en', '/stop'],
  ] as Array<[Lang, string]>)('should unsubscribe at once (%s: %s)', async (lang, word) => {
    const user = await atMenu(lang);
    await h.choose(user, 'subscribe');
    await h.choose(user, 'yes');
    await h.delivered(user);
    if (word === '/stop') await h.command(user, 'stop');
    else await h.text(user, word);
    expect(await h.delivered(user)).toContain(h.t(lang, 'common:stopped'));
    expect((await contact(user))?.subscribed).toBe(false);
    expect(consent(user)).toBeUndefined();
  });

  it('should remove the subscription when the person erases their data', async () => {
    const user = await atMenu('en');
    await h.choose(user, 'subscribe');
    await h.choose(user, 'yes');
    await h.delivered(user);
    expect(consent(user)).toBeDefined();
    await h.choose(user, 'erase');
    await h.delivered(user);
    expect(consent(user)).toBeDefined(); // erase asks once first
    await h.choose(user, 'erase_yes');
    await h.delivered(user);
    expect(consent(user)).toBeUndefined();
    expect(await contact(user)).toBeUndefined();
  });
});

describe('on a channel without broadcasts', () => {
  it('should say so and record nothing', async () => {
    const other = await EngineHarness.open({ broadcastChannels: ['telegram'] });
    try {
      await other.command('w', 'start');
      await other.choose('w', 'ru');
      await other.choose('w', 'yes');
      await other.choose('w', 'me');
      await other.choose('w', 'subscribe');
      const texts = await other.delivered('w');
      expect(texts).toContain(other.t('ru', 'subscribe:unavailable'));
      expect(texts.at(-1)).toBe(other.t('ru', 'menu:main.text'));
      expect((await other.store.getContact(other.cipher.pseudonym('webchat', 'w')))?.subscribed).toBe(false);
    } finally {
      await other.close();
    }
  });
});
