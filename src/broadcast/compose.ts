/**
 * What an admin composes, checked, and what a person receives: the campaign text in their
 * language, an optional https link, always silent, always ending with how to stop. The first line
 * is what a lock screen shows; it must not say what the message is about.
 */
import { z } from 'zod';
import { CHANNELS, LANGS, type Lang, type OutboundMessage } from '../core/types.js';
import { normalize, type Translator } from '../i18n/translator.js';
import type { Campaign, CampaignInput } from '../store/broadcast-store.js';

/**
 * Longest campaign text: with the stop line it stays one Telegram message (4096) and one WhatsApp
 * part (4000), so a send is one API call: delivered once, or not at all.
 */
export const MAX_CAMPAIGN_TEXT = 3500;
/** Characters of the first line a lock screen shows (iOS and Android cut about here). */
export const LOCK_SCREEN_CHARS = 60;
export const MAX_CAMPAIGN_NAME = 120;
export const MAX_LINK_LABEL = 40;
const SOURCE_TAG = /^[A-Za-z0-9_-]{1,64}$/;

const text = z.string().trim().min(1).max(MAX_CAMPAIGN_TEXT);
const langTexts = z
  .object({ kk: text.optional(), ru: text.optional(), en: text.optional() })
  .strict()
  .refine((t) => Object.values(t).some(Boolean), { message: 'needs a text in at least one language' });

/** The body of POST/PUT /api/campaigns. */
export const campaignInputSchema = z
  .object({
    name: z.string().trim().min(1).max(MAX_CAMPAIGN_NAME),
    texts: langTexts,
    link: z
      .object({
        label: z
          .object({
            kk: z.string().trim().min(1).max(MAX_LINK_LABEL).optional(),
            ru: z.string().trim().min(1).max(MAX_LINK_LABEL).optional(),
            en: z.string().trim().min(1).max(MAX_LINK_LABEL).optional(),
          })
          .strict()
          .refine((t) => Object.values(t).some(Boolean), { message: 'needs a label' }),
        url: z
          .url({ protocol: /^https$/, message: 'must be an https:// link' })
          .max(1000)
          .refine((u) => new URL(u).protocol === 'https:', { message: 'must be an https:// link' }),
      })
      .strict()
      .nullable()
      .default(null),
    filter: z
      .object({
        langs: z.array(z.enum(LANGS)).max(3).default([]),
        channels: z.array(z.enum(CHANNELS)).max(3).default([]),
        sources: z
          .array(z.string().regex(SOURCE_TAG, 'a source tag is 1–64 of A-Z a-z 0-9 _ -'))
          .max(50)
          .default([]),
      })
      .strict()
      .default({ langs: [], channels: [], sources: [] }),
    sendAt: z.number().int().positive().nullable().default(null),
  })
  .strict();

/** The language a person is sent: theirs if the campaign has it, else the default, else any. */
export function textLang(texts: CampaignInput['texts'], lang: Lang, defaultLang: Lang): Lang {
  if (texts[lang]) return lang;
  if (texts[defaultLang]) return defaultLang;
  return LANGS.find((l) => texts[l]) ?? defaultLang;
}

/** The message a recipient gets (silent, link button, the stop line last). */
export function campaignMessage(
  campaign: Pick<Campaign, 'texts' | 'link'>,
  lang: Lang,
  defaultLang: Lang,
  translator: Translator,
): Extract<OutboundMessage, { type: 'message' }> {
  const l = textLang(campaign.texts, lang, defaultLang);
  const body = (campaign.texts[l] ?? '').trim();
  const stop = translator.t(l, 'broadcast:stop_line');
  const link = campaign.link
    ? {
        label:
          campaign.link.label[l] ??
          campaign.link.label[defaultLang] ??
          Object.values(campaign.link.label)[0] ??
          '',
        url: campaign.link.url,
      }
    : undefined;
  return {
    type: 'message',
    text: `${body}\n\n${stop}`,
    choices: [],
    globalChoices: [],
    lang: l,
    silent: true,
    ...(link ? { link } : {}),
  };
}

export interface LockScreenPreview {
  lang: Lang;
  /** What a lock screen would show: the bot's name and the start of the first line. */
  lockScreen: string;
  /** The whole message as the person sees it in the chat. */
  full: string;
  /** Words of the first line that could tell an onlooker what the message is about. */
  flagged: string[];
  neutral: boolean;
}

/** The preview of one language, with the neutral-first-line check. */
export function preview(
  campaign: Pick<Campaign, 'texts' | 'link'>,
  lang: Lang,
  defaultLang: Lang,
  translator: Translator,
  botName = 'Tirek',
): LockScreenPreview {
  const message = campaignMessage(campaign, lang, defaultLang, translator);
  const first = firstLine(message.text);
  const flagged = flaggedWords(first, translator);
  const chars = [...first];
  const shown = chars.length > LOCK_SCREEN_CHARS ? `${chars.slice(0, LOCK_SCREEN_CHARS).join('')}…` : first;
  return {
    lang: message.lang,
    lockScreen: `${botName}: ${shown}`,
    full: message.link ? `${message.text}\n[${message.link.label}]` : message.text,
    flagged,
    neutral: flagged.length === 0,
  };
}

export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  );
}

/**
 * Sensitive stems (every language's list, `broadcast:preview.sensitive`) found in the first line
 * or in the start a lock screen shows. A stem matches the beginning of a word ("насил" in "насилия").
 */
export function flaggedWords(line: string, translator: Translator): string[] {
  const words = normalize(line).split(' ').filter(Boolean);
  const stems = translator.wordsInAllLangs('broadcast:preview.sensitive');
  const found = new Set<string>();
  for (const stem of stems) {
    if (
      stem.includes(' ') ? ` ${words.join(' ')} `.includes(` ${stem}`) : words.some((w) => w.startsWith(stem))
    )
      found.add(stem);
  }
  return [...found];
}
