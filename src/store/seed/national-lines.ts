/**
 * The help directory's first entries: the national lines. Their numbers, names, sources and
 * checked-on dates come from locales/facts.json (each phone number lives in one place); this
 * folder's directory.json only says which facts, in which order, with a short note each.
 */
import { readFileSync } from 'node:fs';
import { LANGS, type Lang } from '../../core/types.js';
import { isShowable, loadFacts } from '../../i18n/facts.js';
import { LOCALES_DIR } from '../../i18n/translator.js';

export interface DirectorySeedEntry {
  phone: string;
  name: Record<Lang, string>;
  note: Record<Lang, string> | null;
  source: string;
  checkedOn: string;
}

const capitalize = (s: string, lang: Lang) => s.charAt(0).toLocaleUpperCase(lang) + s.slice(1);

export function nationalLines(localesDir = LOCALES_DIR): DirectorySeedEntry[] {
  const facts = loadFacts(localesDir);
  const wanted = JSON.parse(readFileSync(new URL('./directory.json', import.meta.url), 'utf8')) as Array<{
    fact: string;
    note: Record<Lang, string> | null;
  }>;
  return wanted.map(({ fact: id, note }) => {
    const fact = facts[id];
    if (!fact || !isShowable(fact) || typeof fact.value !== 'string' || !fact.name)
      throw new Error(`directory seed: fact ${id} is not a showable phone number with a name`);
    const name = Object.fromEntries(LANGS.map((l) => [l, capitalize(fact.name?.[l] ?? '', l)])) as Record<
      Lang,
      string
    >;
    const source = fact.sources.map((s) => (typeof s.title === 'string' ? s.title : s.title.en)).join('; ');
    return { phone: fact.value, name, note, source, checkedOn: fact.checked };
  });
}
