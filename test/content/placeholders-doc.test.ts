/** locales/README.md lists every placeholder a translator must keep (issue 12, item 5). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCALES_DIR } from '../../src/i18n/translator.js';

describe('the translators’ guide', () => {
  it('should list every {{placeholder}} and nested text that any locale file uses', () => {
    const guide = readFileSync(join(LOCALES_DIR, 'README.md'), 'utf8');
    const used = new Set<string>();
    for (const lang of readdirSync(LOCALES_DIR).filter((d) => /^[a-z]{2}$/.test(d)))
      for (const file of readdirSync(join(LOCALES_DIR, lang)).filter((f) => f.endsWith('.json'))) {
        const text = readFileSync(join(LOCALES_DIR, lang, file), 'utf8');
        for (const m of text.matchAll(/\{\{(\w+)\}\}/g)) used.add(`{{${m[1]}}}`);
        // nested texts other than the facts and generated sources lines (listed as patterns)
        for (const m of text.matchAll(/\$t\(((?!facts:|sources:)[a-z]+:[a-z_.]+)/g)) used.add(`$t(${m[1]}`);
      }
    expect(used.size).toBeGreaterThan(5);
    for (const placeholder of used) expect(guide, placeholder).toContain(placeholder);
  });
});
