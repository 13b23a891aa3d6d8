/**
 * Each phone number and the name of each line live in one place (locales/facts.json): texts and
 * the help directory's seed refer to them; nothing writes them a second time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANGS } from '../../src/core/types.js';
import { loadFacts } from '../../src/i18n/facts.js';
import { LOCALES_DIR } from '../../src/i18n/translator.js';
import { nationalLines } from '../../src/store/seed/national-lines.js';

const facts = loadFacts(LOCALES_DIR);
const seedFile = new URL('../../src/store/seed/directory.json', import.meta.url);

/** Every locale text of a language, raw (before nesting is resolved). */
function rawTexts(lang: string): string[] {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (typeof node === 'string') out.push(node);
    else if (node && typeof node === 'object') for (const v of Object.values(node)) walk(v);
  };
  for (const file of readdirSync(join(LOCALES_DIR, lang)).filter((f) => f.endsWith('.json')))
    walk(JSON.parse(readFileSync(join(LOCALES_DIR, lang, file), 'utf8')));
  return out;
}

describe('one place for each number and name', () => {
  it('should give 112 and 102 their one name wherever a text names them in brackets', () => {
    for (const lang of LANGS)
      for (const text of rawTexts(lang))
        for (const id of ['n112', 'n102'])
          for (const m of text.matchAll(
            new RegExp(`\\$t\\(facts:${id}\\) \\(((?:\\$t\\([^)]*\\)|[^)$])*)\\)`, 'g'),
          ))
            expect(m[1], `${lang}: ${text.slice(0, 60)}`).toMatch(
              new RegExp(`^\\$t\\(facts:${id}_name\\)(,|$)`),
            );
  });

  it('should seed the help directory from the facts: numbers, names, sources and dates', () => {
    const lines = nationalLines();
    expect(lines.map((l) => l.phone)).toEqual(['112', '102', '103', '111', '150']);
    const n112 = lines[0];
    expect(n112?.name.kk).toBe('Бірыңғай құтқару қызметі');
    expect(n112?.name.ru).toBe(`Е${facts.n112?.name?.ru.slice(1)}`);
    expect(n112?.source).toBe('egov.kz; gov.kz');
    expect(n112?.checkedOn).toBe(facts.n112?.checked);
  });

  it('should write no phone number in the seed file itself', () => {
    expect(readFileSync(seedFile, 'utf8')).not.toMatch(/\b(10[1-3]|11[12]|150)\b/);
  });
});
