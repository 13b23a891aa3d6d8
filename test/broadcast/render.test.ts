/**
 * What a campaign message is on each channel: silent with a URL button on Telegram, a plain link
 * line before the stop line on WhatsApp; WhatsApp broadcasts off unless enabled, then slow with
 * jitter; sending hours on the Almaty clock; the pace never over the rate.
 */
import { describe, expect, it } from 'vitest';
import { campaignMessage } from '../../src/broadcast/compose.js';
import { createSendingHours } from '../../src/broadcast/hours.js';
import { channelPaces } from '../../src/broadcast/index.js';
import { createPacer } from '../../src/broadcast/pacer.js';
import { renderMessage } from '../../src/channels/telegram/render.js';
import { renderWhatsapp } from '../../src/channels/whatsapp/render.js';
import { loadConfig } from '../../src/config.js';
import { createTranslator } from '../../src/i18n/translator.js';

const t = createTranslator();
const campaign = {
  texts: { en: 'News from Tirek\nA new service.' },
  link: { label: { en: 'More' }, url: 'https://example.org/a' },
};

describe('campaign messages', () => {
  it('should be silent on Telegram with the link as a URL button, and no button for a non-https link', () => {
    const [part] = renderMessage(campaignMessage(campaign, 'en', 'ru', t));
    expect(part).toMatchObject({
      disable_notification: true,
      reply_markup: { inline_keyboard: [[{ text: 'More', url: 'https://example.org/a' }]] },
    });
    expect(part?.text.endsWith(t.t('en', 'broadcast:stop_line'))).toBe(true);
    const plain = renderMessage({
      type: 'message',
      text: 'x',
      choices: [],
      globalChoices: [],
      lang: 'en',
      link: { label: 'x', url: 'http://example.org' },
    });
    expect(plain[0]?.reply_markup).toBeUndefined();
    expect(plain[0]?.disable_notification).toBeUndefined(); // conversation replies stay as they were
  });

  it('should put the link line before the stop line on WhatsApp', () => {
    const [text] = renderWhatsapp(campaignMessage(campaign, 'en', 'ru', t), t);
    expect(text).toBe(
      `News from Tirek\nA new service.\n\nMore: https://example.org/a\n\n${t.t('en', 'broadcast:stop_line')}`,
    );
  });

  it('should fall back to the default language, then to any text the campaign has', () => {
    expect(campaignMessage({ texts: { ru: 'Новости' }, link: null }, 'kk', 'ru', t).lang).toBe('ru');
    expect(campaignMessage({ texts: { en: 'News' }, link: null }, 'kk', 'ru', t).lang).toBe('en');
  });
});

describe('channels and pace', () => {
  it('should leave WhatsApp out unless BROADCAST_WHATSAPP is on, then pace it slowly with jitter', () => {
    expect(Object.keys(channelPaces(loadConfig({})))).toEqual(['telegram']);
    const on = channelPaces(loadConfig({ BROADCAST_WHATSAPP: 'true' }));
    expect(on.whatsapp).toEqual({ ratePerSecond: 1 / 20, perChatMs: 20_000, jitterMs: 20_000 });
    expect(on.telegram).toEqual({ ratePerSecond: 25, perChatMs: 1000 });
  });

  it('should open the sending hours on the Almaty clock only', () => {
    const hours = createSendingHours({ from: '10:00', to: '19:00' }, 'Asia/Almaty');
    expect(hours.isOpen(Date.UTC(2026, 10, 25, 4, 59))).toBe(false); // 09:59
    expect(hours.isOpen(Date.UTC(2026, 10, 25, 5, 0))).toBe(true); // 10:00
    expect(hours.isOpen(Date.UTC(2026, 10, 25, 13, 59))).toBe(true); // 18:59
    expect(hours.isOpen(Date.UTC(2026, 10, 25, 14, 0))).toBe(false); // 19:00
  });

  it('should space two messages to one chat by the per-chat gap and count in-flight sends', async () => {
    let now = 0;
    const pacer = createPacer({ ratePerSecond: 2, perChatMs: 1000, now: () => now });
    const a = await pacer.slot('x');
    let second = false;
    const next = pacer.slot('x').then((done) => {
      second = true;
      return done;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(second).toBe(false);
    a();
    now = 1000;
    (await next)();
    expect(second).toBe(true);
  });
});
