/**
 * "Help near you" is honest (issue 12, item 6): a region with no checked local contact gets the
 * national lines, from the facts file, and a line saying no local contact is checked yet.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LANGS, type Lang } from '../../src/core/types.js';
import { nationalLines } from '../../src/store/seed/national-lines.js';
import { EngineHarness } from '../helpers/engine-harness.js';

const harnesses: EngineHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

/** What the honest line says, in each language's own words. */
const NO_LOCAL_CONTACT: Record<Lang, RegExp> = {
  en: /do not have checked local contacts for this region yet/,
  ru: /проверенных местных контактов для этого региона у нас пока нет/,
  kk: /тексерілген жергілікті байланыстар бізде әзірге жоқ/,
};

describe('help near you', () => {
  it.each(LANGS)(
    'should show the national lines and say that no local contact is checked yet (%s)',
    async (lang) => {
      const h = await EngineHarness.open();
      harnesses.push(h);
      const user = `u-${lang}`;
      await h.command(user, 'start');
      for (const choice of [lang, 'yes', 'me', 'legal', 'shelter', 'r_ulytau']) await h.choose(user, choice);
      const reply = (await h.delivered(user)).at(-1) ?? '';
      for (const line of nationalLines()) {
        expect(reply).toContain(line.phone);
        expect(reply).toContain(line.name[lang]);
      }
      expect(reply).toMatch(NO_LOCAL_CONTACT[lang]);
    },
  );
});
