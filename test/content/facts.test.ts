/**
 * locales/facts.json and the texts that use it: every fact a text states exists, has sources and
 * a checked-on date; a fact marked "re-check" or short of sources is never shown; each phone
 * number lives only in the facts file; every legal text ends with its generated sources line.
 */
import { describe, expect, it } from 'vitest';
import { checkContent } from '../../src/content/check.js';
import { LANGS, type Lang } from '../../src/core/types.js';
import {
  type Fact,
  type Facts,
  factNamespaces,
  factsByText,
  factsNestedIn,
  isShowable,
  loadFacts,
  staleFacts,
} from '../../src/i18n/facts.js';
import { createTranslator, LOCALES_DIR } from '../../src/i18n/translator.js';
import { flatLocale, loadLocaleFiles } from '../flows/flow-walk.js';

const facts = loadFacts(LOCALES_DIR);
const files = loadLocaleFiles();
const raw = Object.fromEntries(LANGS.map((lang) => [lang, flatLocale(files, lang)])) as Record<
  Lang,
  Map<string, string>
>;
const i18n = createTranslator();

/** Every fact each text states, per language (shownIn and nested). */
const used = Object.fromEntries(LANGS.map((lang) => [lang, factsByText(facts, raw[lang])])) as Record<
  Lang,
  Map<string, string[]>
>;

const fact = (changes: Partial<Fact> = {}): Fact => ({
  claim: 'x',
  kind: 'fact',
  value: '999',
  sources: [{ title: 'a.kz', date: '2026-03-03' }, { title: 'b.kz' }],
  minSources: 2,
  checked: '2026-11-25',
  status: 'ok',
  shownIn: [],
  ...changes,
});

describe('facts file', () => {
  it('should give every fact at least one source, a checked-on date and a rule', () => {
    for (const [id, f] of Object.entries(facts)) {
      expect(f.checked, id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(f.minSources, id).toBeGreaterThanOrEqual(1);
      if (isShowable(f)) expect(f.sources.length, id).toBeGreaterThanOrEqual(1);
    }
  });

  it('should explain every fact that is held back', () => {
    for (const [id, f] of Object.entries(facts)) if (!isShowable(f)) expect(f.note, id).toBeTruthy();
  });

  it('should hold back the facts the research marks uncertain or single-sourced', () => {
    for (const id of [
      'law_2009_repealed',
      'order_30_days',
      'court_special_requirements',
      'complaint_not_refused',
      'forensic_exam',
    ])
      expect(isShowable(facts[id] as Fact), id).toBe(false);
  });
});

describe('texts and facts', () => {
  it.each(LANGS)('should state in %s only facts that exist and may be shown', (lang) => {
    for (const [key, ids] of used[lang]) {
      for (const id of ids) {
        expect(facts[id], `${lang} ${key} uses ${id}`).toBeDefined();
        expect(isShowable(facts[id] as Fact), `${lang} ${key} shows ${id}, which is held back`).toBe(true);
        expect(facts[id]?.sources.length, id).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('should list in shownIn only texts that exist in every language', () => {
    for (const [id, f] of Object.entries(facts))
      for (const key of f.shownIn)
        for (const lang of LANGS) expect(raw[lang].has(key), `${id} → ${lang} ${key}`).toBe(true);
  });

  it('should state the same facts in every text in every language', () => {
    for (const [key, ids] of used.en)
      for (const lang of LANGS) expect(used[lang].get(key)?.sort(), `${lang} ${key}`).toEqual(ids.sort());
  });

  it('should write each phone number only in the facts file', () => {
    const number = /(?<![\p{L}\d./-])(10[1-3]|11[12]|150)(?![\d./-])/u;
    for (const lang of LANGS)
      for (const [key, text] of raw[lang]) {
        if (key.startsWith('common:words.')) continue;
        expect(text, `${lang} ${key}`).not.toMatch(number);
      }
  });

  it('should end every legal text with its sources line and the disclaimer', () => {
    const legal = [...raw.en.keys()].filter(
      (k) => /^legal:[a-z_]+\.text$/.test(k) && !['legal:shelter.text', 'legal:topics.text'].includes(k),
    );
    expect(legal.length).toBeGreaterThanOrEqual(10);
    for (const lang of LANGS)
      for (const key of legal) {
        const own = `$t(sources:${key.replace(':', '.')})`;
        expect(raw[lang].get(key), `${lang} ${key}`).toMatch(
          new RegExp(`${own.replace(/[$()./]/g, '\\$&')}\\n\\n\\$t\\(common:disclaimer\\)$`),
        );
        expect((used[lang].get(key) ?? []).length, `${lang} ${key} states no fact`).toBeGreaterThan(0);
      }
  });

  it('should render the sources line from the facts, with the oldest checked-on date', () => {
    const dv = i18n.t('en', 'legal:dv.text');
    expect(dv).toContain('Sources: loc.gov Global Legal Monitor (22.07.2024); Astana Times (2024)');
    expect(dv).toContain('Checked on 24.11.2026.');
    expect(i18n.t('ru', 'legal:dv.text')).toContain('Проверено 24.11.2026.');
    expect(i18n.t('kk', 'legal:family.text')).toContain(
      'ҚР Неке (ерлі-зайыптылық) және отбасы туралы кодексі',
    );
  });

  it('should fill phone numbers and names from the facts file', () => {
    expect(i18n.t('en', 'common:sos.text')).toContain('• 112 — unified emergency line, 24/7');
    expect(i18n.t('ru', 'common:sos.text')).toContain('• 112 — единая служба спасения');
    expect(i18n.t('kk', 'common:sos.text')).toContain('• 112 — бірыңғай құтқару қызметі');
    expect(i18n.t('en', 'intake:minor.text').indexOf('150')).toBeLessThan(
      i18n.t('en', 'intake:minor.text').indexOf('111'),
    );
  });
});

describe('fact namespaces', () => {
  const resources = {
    kk: { legal: { a: { text: 'x' } } },
    ru: { legal: { a: { text: 'x' } } },
    en: {
      legal: { a: { text: 'Call $t(facts:n) $t(facts:held)' } },
      common: { sources: { line: 'S: {{list}}. C {{checked}}.' } },
    },
  };

  it('should leave out a fact marked re-check or short of sources, and its sources', () => {
    const sample: Facts = {
      n: fact({ checked: '2026-01-02' }),
      held: fact({ status: 're-check', sources: [{ title: 'c.kz' }] }),
      few: fact({ minSources: 3, shownIn: ['legal:a.text'] }),
    };
    const out = factNamespaces(sample, resources);
    expect(out.en.facts).toEqual({ n: '999' });
    expect(out.en.sources).toEqual({ legal: { a: { text: 'S: a.kz (03.03.2026); b.kz. C 02.01.2026.' } } });
    expect(isShowable(fact())).toBe(true);
    expect(isShowable(fact({ status: 're-check' }))).toBe(false);
    expect(isShowable(fact({ sources: [{ title: 'a.kz' }] }))).toBe(false);
  });

  it('should read nested facts and names as fact ids', () => {
    expect(factsNestedIn('$t(facts:n112) — $t(facts:n112_name), $t(common:x)')).toEqual(['n112', 'n112']);
  });
});

describe('content:check', () => {
  it('should list facts not checked for more than 6 months', () => {
    const sample: Facts = { old: fact({ checked: '2026-05-31' }), fresh: fact({ checked: '2026-06-02' }) };
    expect(staleFacts(sample, new Date('2026-12-01T00:00:00Z'))).toEqual([
      { id: 'old', checked: '2026-05-31' },
    ]);
    const report = checkContent(sample, new Date('2026-12-01T00:00:00Z'));
    expect(report.lines.join('\n')).toContain('old: last checked 2026-05-31');
    expect(report.lines.join('\n')).not.toContain('fresh');
  });

  it('should list every real fact a year after it was checked, and the held-back ones', () => {
    const report = checkContent(facts, new Date('2027-12-01T00:00:00Z'));
    expect(report.stale.map((s) => s.id).sort()).toEqual(Object.keys(facts).sort());
    expect(report.heldBack.map((h) => h.id)).toContain('law_2009_repealed');
  });
});
