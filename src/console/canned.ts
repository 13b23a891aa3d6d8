/**
 * Default canned replies, seeded once into an empty table; admins edit them afterwards in the
 * console. Their texts live in locales/{kk,ru,en}/canned.json (reviewed like every other text).
 */
import type { ConsoleStore } from '../core/console-ports.js';
import { LANGS, type Lang } from '../core/types.js';
import type { Translator } from '../i18n/translator.js';

export const DEFAULT_CANNED = [
  'greeting',
  'safe_now',
  'take_time',
  'not_your_fault',
  'still_here',
  'closing',
];

export function seedCannedReplies(store: ConsoleStore, translator: Translator, now: number): Promise<void> {
  const defaults = DEFAULT_CANNED.map((id) => ({
    // one title for the counsellors of every language: the English one, editable by admins
    title: translator.t('en', `canned:defaults.${id}.title`),
    text: Object.fromEntries(LANGS.map((l) => [l, translator.t(l, `canned:defaults.${id}.text`)])) as Record<
      Lang,
      string
    >,
  }));
  return store.seedCanned(defaults, now);
}
