/**
 * Wording the 2026-11 review asked for, kept from coming back: SOS words in every form people
 * type, criminal offences (not "crimes"), no queue promise, no masculine default for counsellors,
 * no "your answers do not show…" when nothing was answered, one name for 112.
 */
import { describe, expect, it } from 'vitest';
import { createInputMatcher } from '../../src/core/input-matcher.js';
import { createTranslator } from '../../src/i18n/translator.js';

const i18n = createTranslator();
const match = createInputMatcher(i18n);

describe('wording', () => {
  it.each([
    'комек',
    'көмектесіңіз',
    'Көмектесіңізші!',
    'құтқарыңыз',
    'куткарындар',
    'кауип',
    'помоги',
    'спаси меня',
    'help',
  ])('should treat "%s" as SOS', (word) => {
    expect(match.command(word)).toBe('sos');
  });

  it('should call battery and light harm criminal offences, not crimes', () => {
    expect(i18n.t('en', 'legal:dv.text')).toContain('criminal offences');
    expect(i18n.t('en', 'legal:dv.text')).not.toMatch(/\bcrimes?\b/);
    expect(i18n.t('ru', 'legal:dv.text')).toContain('уголовными правонарушениями');
    expect(i18n.t('kk', 'legal:dv.text')).toContain('қылмыстық құқық бұзушылық');
  });

  it('should not promise that a high result is seen first', () => {
    expect(i18n.t('en', 'screening:result.high')).not.toMatch(/see you first/);
    expect(i18n.t('ru', 'screening:result.high')).not.toMatch(/в первую очередь/);
    expect(i18n.t('kk', 'screening:result.high')).not.toMatch(/бірінші кезекте/);
  });

  it('should not say "your answers do not show" when most questions were skipped', () => {
    expect(i18n.t('en', 'screening:result.not_assessed')).not.toMatch(/do not show/);
    expect(i18n.t('ru', 'screening:result.not_assessed')).not.toMatch(/не показывают/);
    expect(i18n.t('kk', 'screening:result.not_assessed')).not.toMatch(/көрсетпейді/);
  });

  it('should not make the counsellor masculine by default in Russian', () => {
    for (const key of ['handoff:joined', 'handoff:returned', 'handoff:queued.text', 'handoff:off_duty.text'])
      expect(i18n.t('ru', key, { queuePosition: 1 }), key).not.toMatch(
        /[Кк]онсультант\s+\S*(ился|ал|ел|ёл)\b/,
      );
  });

  it('should name 112 the same way in the SOS message and the help lines', () => {
    for (const lang of ['kk', 'ru', 'en'] as const) {
      const name = i18n.t(lang, 'facts:n112_name');
      expect(i18n.t(lang, 'common:sos.text')).toContain(`112 — ${name}`);
      expect(i18n.t(lang, 'legal:free_help.text')).toContain(name);
      expect(i18n.t(lang, 'legal:report.text')).toContain(name);
    }
  });

  it('should keep "violence" out of the first line of texts that stay in the chat list', () => {
    for (const lang of ['kk', 'ru', 'en'] as const)
      for (const key of ['intake:language.text', 'legal:dv.text', 'legal:report.text', 'handoff:joined'])
        expect(i18n.t(lang, key).split('\n')[0], `${lang} ${key}`).not.toMatch(/violence|насили|зорлық/i);
  });
});
