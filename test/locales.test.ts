import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { FLOW_IDS } from '../flows/contract.js';
import { flows } from '../flows/index.js';
import { LANGS, type Lang } from '../src/core/types.js';
import { collectKeys, flatLocale, hasKey, loadLocales, PLURAL_SUFFIX } from './flows/flow-walk.js';

const locales = loadLocales();
const flat = Object.fromEntries(LANGS.map((lang) => [lang, flatLocale(locales, lang)])) as Record<
  Lang,
  Map<string, string>
>;
const normalized = (lang: Lang) => new Set([...flat[lang].keys()].map((k) => k.replace(PLURAL_SUFFIX, '')));

const used = { texts: new Set<string>(), labels: new Set<string>() };
for (const id of FLOW_IDS) {
  const keys = collectKeys(flows[id].machine);
  for (const key of keys.texts) used.texts.add(key);
  for (const key of keys.labels) used.labels.add(key);
}

const i18n = i18next.createInstance();
void i18n.init({
  resources: locales,
  lng: 'en',
  fallbackLng: false,
  ns: Object.keys(locales.en),
  defaultNS: 'common',
  initAsync: false,
  interpolation: { escapeValue: false },
});

/** Values the engine fills in (PromptData), long enough to stand for a real directory entry. */
const sampleParams = {
  directory: 'x'.repeat(300),
  queuePosition: 3,
  dutyHours: 'Mon–Fri 09:00–21:00',
  nextDuty: 'tomorrow 09:00',
};

const params = (text: string) => new Set([...text.matchAll(/\{\{\s*([\w.]+)/g)].map((m) => m[1]));
// $t(key) or $t(key, {options}): only the key part must exist
const nested = (text: string) => [...text.matchAll(/\$t\(([^,)]+)/g)].map((m) => (m[1] ?? '').trim());

describe('locales', () => {
  it('should have the same namespaces in kk, ru and en', () => {
    const en = Object.keys(locales.en).sort();
    expect(en).toEqual(expect.arrayContaining(['common', ...FLOW_IDS]));
    for (const lang of LANGS) expect(Object.keys(locales[lang]).sort()).toEqual(en);
  });

  it.each(LANGS)('should have every key of any language in %s', (lang) => {
    const mine = normalized(lang);
    const missing = LANGS.flatMap((other) => [...normalized(other)].filter((k) => !mine.has(k)));
    expect([...new Set(missing)]).toEqual([]);
  });

  it('should have no empty strings', () => {
    for (const lang of LANGS)
      for (const [key, text] of flat[lang]) expect(text.trim(), `${lang} ${key}`).not.toBe('');
  });

  it('should use the same {{params}} and nested keys in every language', () => {
    for (const [key, enText] of flat.en) {
      for (const lang of LANGS) {
        const text = flat[lang].get(key) ?? '';
        expect(params(text), `${lang} ${key}`).toEqual(params(enText));
        expect(nested(text).sort(), `${lang} ${key}`).toEqual(nested(enText).sort());
      }
    }
  });

  it('should nest only keys that exist in every language', () => {
    for (const lang of LANGS)
      for (const [key, text] of flat[lang])
        for (const target of nested(text))
          expect(hasKey(flat[lang], target), `${lang} ${key} → ${target}`).toBe(true);
  });

  it('should have every key used by a flow (prompts, choices, say) in kk, ru and en', () => {
    expect(used.texts.size).toBeGreaterThan(10);
    for (const key of [...used.texts, ...used.labels])
      for (const lang of LANGS) expect(hasKey(flat[lang], key), `${lang} ${key}`).toBe(true);
  });

  it('should render every text well under the Telegram limit, with nesting resolved', () => {
    for (const lang of LANGS) {
      for (const key of flat[lang].keys()) {
        const raw = flat[lang].get(key) ?? '';
        const values = Object.fromEntries([...params(raw)].map((p) => [p, 'x'.repeat(20)]));
        const text = String(i18n.t(key, { lng: lang, ...values, ...sampleParams }));
        expect(text, `${lang} ${key}`).not.toMatch(/\$t\(|\{\{/);
        expect(text.length, `${lang} ${key}`).toBeLessThan(1500);
      }
    }
  });

  it('should keep button labels under 40 characters', () => {
    const labels = [...used.labels, ...[...flat.en.keys()].filter((k) => k.startsWith('common:choices.'))];
    for (const lang of LANGS)
      for (const key of labels) expect(flat[lang].get(key)?.length ?? 0, `${lang} ${key}`).toBeLessThan(40);
  });

  it('should list typed words as lowercase |-separated words with no empty entries', () => {
    for (const lang of LANGS) {
      for (const [key, text] of flat[lang]) {
        if (!key.startsWith('common:words.')) continue;
        const words = text.split('|');
        for (const word of words) {
          expect(word.trim(), `${lang} ${key}`).toBe(word);
          expect(word, `${lang} ${key}`).not.toBe('');
          expect(word, `${lang} ${key}`).toBe(word.toLowerCase());
        }
        expect(new Set(words).size, `${lang} ${key}: duplicates`).toBe(words.length);
      }
    }
  });

  it('should write Kazakh texts with Kazakh letters, not transliterated Russian', () => {
    for (const [key, text] of flat.kk) {
      if (key.startsWith('common:words.') || text.length < 30) continue;
      expect(text, key).toMatch(/[әғқңөұүһіӘҒҚҢӨҰҮҺІ]/);
    }
  });
});
