/**
 * Loads every locales/{kk,ru,en}/<namespace>.json into one i18next instance, plus the `facts` and
 * `sources` namespaces built from locales/facts.json (src/i18n/facts.ts).
 * Keys are "namespace:dotted.path"; missing keys fall back to Russian, then English, and are reported.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n, type Resource } from 'i18next';
import { BoundedCache } from '../core/bounded-cache.js';
import { LANGS, type Lang } from '../core/types.js';
import { factNamespaces, loadFacts } from './facts.js';

export const LOCALES_DIR = fileURLToPath(new URL('../../locales', import.meta.url));

export interface Translator {
  t(lang: Lang, key: string, params?: Record<string, unknown>): string;
  has(key: string, lang: Lang): boolean;
  /** A `|`-separated word list from every language, lower-cased (e.g. `common:words.sos`). */
  wordsInAllLangs(key: string): string[];
}

export function loadResources(dir = LOCALES_DIR): Record<Lang, Record<string, unknown>> {
  const out = {} as Record<Lang, Record<string, unknown>>;
  for (const lang of LANGS) {
    out[lang] = {};
    for (const file of readdirSync(join(dir, lang)).filter((f) => f.endsWith('.json'))) {
      out[lang][file.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(dir, lang, file), 'utf8'));
    }
  }
  const generated = factNamespaces(loadFacts(dir), out);
  for (const lang of LANGS) Object.assign(out[lang], generated[lang]);
  return out;
}

export function createTranslator(
  dir = LOCALES_DIR,
  onMissing?: (lang: string, key: string) => void,
): Translator {
  const resources = loadResources(dir);
  const instance: i18n = i18next.createInstance();
  void instance.init({
    initAsync: false,
    resources: resources as unknown as Resource,
    lng: 'ru',
    fallbackLng: ['ru', 'en'],
    supportedLngs: [...LANGS],
    ns: Object.keys(resources.en),
    defaultNS: 'common',
    interpolation: { escapeValue: false },
    returnNull: false,
    saveMissing: Boolean(onMissing),
    missingKeyHandler: onMissing
      ? (lngs: readonly string[], _ns: string, key: string) => onMissing(lngs.join(','), key)
      : undefined,
  });
  const cache = new Map<string, string[]>();
  // Resolving a text through i18next cost ~14% of a turn; the same (language, key, values) always
  // gives the same text, so keep the most used ones (bounded: values such as a queue position vary).
  const texts = new BoundedCache<string, string>('translator.texts', 2000);
  const known = new BoundedCache<string, boolean>('translator.has', 2000);
  return {
    t(lang, key, params) {
      const id =
        params === undefined ? `${lang}\u0000${key}` : `${lang}\u0000${key}\u0000${JSON.stringify(params)}`;
      let text = texts.get(id);
      if (text === undefined) {
        text = instance.t(key, { lng: lang, ...params }) as string;
        texts.set(id, text);
      }
      return text;
    },
    has(key, lang) {
      // asked on every reply (is there a per-channel variant?); the resources never change
      const id = `${lang}\u0000${key}`;
      let found = known.get(id);
      if (found === undefined) {
        found = instance.exists(key, { lng: lang, fallbackLng: false });
        known.set(id, found);
      }
      return found;
    },
    wordsInAllLangs(key) {
      let words = cache.get(key);
      if (!words) {
        words = LANGS.flatMap((lang) =>
          (instance.exists(key, { lng: lang, fallbackLng: false })
            ? (instance.t(key, { lng: lang }) as string)
            : ''
          )
            .split('|')
            .map((w) => normalize(w))
            .filter(Boolean),
        );
        cache.set(key, words);
      }
      return words;
    },
  };
}

/** Lower-case, trim, drop punctuation and emoji so "Да!" and "да" match. */
export function normalize(text: string): string {
  return text
    .toLocaleLowerCase('ru')
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}\s']/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
