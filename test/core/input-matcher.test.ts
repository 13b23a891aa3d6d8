/** The input matcher: SOS pleas versus mentions, the language of an SOS word, commands and choices. */
import { describe, expect, it } from 'vitest';
import { createInputMatcher, MAX_PLEA_WORDS, onRussianKeyboard } from '../../src/core/input-matcher.js';
import { LANGS } from '../../src/core/types.js';
import { createTranslator } from '../../src/i18n/translator.js';

const translator = createTranslator();
const match = createInputMatcher(translator);

describe('sosIntent: a plea for help', () => {
  it.each([
    // a lone SOS word, in any case and with punctuation
    'help',
    'HELP!!!',
    'SOS',
    'sos',
    '112',
    'помогите',
    'Помогите!',
    'спасите',
    'сос',
    'көмек',
    'көмектесіңіз',
    'Көмектесіңізші!',
    'құтқарыңыз',
    // short pleas: at most three words with an SOS word
    'help me',
    'please help me',
    'help me please!',
    'save me',
    'помогите мне',
    'мне нужна помощь',
    'помоги пожалуйста',
    'маған көмек керек',
    'көмектесіңіз маған',
    'call 112',
    // an SOS phrase with other words around it
    'please save me',
    'rescue me now',
    'oh mayday mayday',
    // the button's label typed, and the 🆘 sign alone
    translator.t('en', 'common:choices.sos'),
    translator.t('ru', 'common:choices.sos'),
    translator.t('kk', 'common:choices.sos'),
    '🆘',
    '🆘🆘',
  ])('%j is sos', (text) => {
    expect(match.sosIntent(text)).toBe('sos');
  });
});

describe('sosIntent: a sentence that only mentions help', () => {
  it.each([
    'can you help me with the divorce papers',
    // four words: already a sentence
    'help with divorce papers',
    'нужна помощь с разводом',
    'ажырасуға көмек керек еді',
    'I need help with alimony please',
    'where can I get legal help here',
    'is there any danger if I leave him now',
    'мне нужна помощь с документами на развод',
    'где получить юридическую помощь бесплатно',
    'помогите составить заявление в суд',
    'ажырасу құжаттарына көмек керек еді',
    'алимент туралы көмектесіңізші білмей жүрмін',
    'I called 112 yesterday and nobody came',
    'he said nobody will save me from him',
    '🆘 where do I find a lawyer',
  ])('%j is a mention', (text) => {
    expect(match.sosIntent(text)).toBe('sosMention');
  });

  it('should put the boundary exactly after MAX_PLEA_WORDS words', () => {
    expect(MAX_PLEA_WORDS).toBe(3);
    for (const lang of LANGS) {
      const word = translator
        .t(lang, 'common:words.sos')
        .split('|')
        .find((w) => /\p{L}/u.test(w) && w !== 'sos');
      expect(word, lang).toBeDefined();
      expect(match.sosIntent(`${word} x y`), lang).toBe('sos');
      expect(match.sosIntent(`${word} x y z`), lang).toBe('sosMention');
    }
  });
});

describe('sosIntent: no SOS at all', () => {
  it.each([
    'hello',
    'Привет',
    'Сәлеметсіз бе',
    'yes',
    '2',
    '',
    '   ',
    'helpful', // a word that only starts like "help"
    'helpless and tired of everything',
    'помощник',
    'мне нужен юрист по разводу',
    '1120',
  ])('%j is neither', (text) => {
    expect(match.sosIntent(text)).toBeUndefined();
  });
});

describe('command', () => {
  it('should keep today’s behaviour by default: an SOS word anywhere is the sos command', () => {
    expect(match.command('помогите')).toBe('sos');
    expect(match.command('can you help me with the divorce papers')).toBe('sos');
    expect(match.command('көмектесіңіз')).toBe('sos');
    expect(match.command('hello')).toBeUndefined();
  });

  it('should leave mentions to the engine when asked to', () => {
    const opts = { sosMentions: false };
    expect(match.command('can you help me with the divorce papers', opts)).toBeUndefined();
    expect(match.command('мне нужна помощь с документами на развод', opts)).toBeUndefined();
    expect(match.command('help me', opts)).toBe('sos');
    expect(match.command('көмек', opts)).toBe('sos');
  });

  it('should read commands as slash commands and typed words in every language', () => {
    expect(match.command('/erase')).toBe('erase');
    expect(match.command('/start@tirek_bot campaign')).toBe('start');
    expect(match.command('/unknown')).toBeUndefined();
    expect(match.command('Меню')).toBe('menu');
    expect(match.command('мәзір')).toBe('menu');
    expect(match.command('quick exit')).toBe('exit');
    expect(match.command('удалить мои данные')).toBe('erase');
  });
});

describe('sosLang', () => {
  it.each([
    ['help', 'en'],
    ['HELP ME', 'en'],
    ['please save me', 'en'],
    ['save me', 'en'],
    ['emergency', 'en'],
    ['помогите', 'ru'],
    ['Спасите!', 'ru'],
    ['мне нужна помощь', 'ru'],
    ['помоги', 'ru'],
    ['көмек', 'kk'],
    ['көмектесіңіз', 'kk'],
    ['құтқарыңдар', 'kk'],
    ['маған көмек керек', 'kk'],
    // a shared word decides nothing when a language-specific one is there
    ['sos помогите', 'ru'],
    ['SOS көмек', 'kk'],
    ['112 help', 'en'],
  ] as const)('%j is %s', (text, lang) => {
    expect(match.sosLang(text)).toBe(lang);
  });

  it.each([
    'sos',
    'SOS!',
    '112',
    'сос', // Kazakh or Russian: nothing tells them apart
    'help помогите', // two languages at once
    'hello',
    '',
  ])('%j has no language of its own', (text) => {
    expect(match.sosLang(text)).toBeUndefined();
  });

  it('should name the language of every SOS word that belongs to one language only', () => {
    for (const lang of LANGS) {
      const others = LANGS.filter((l) => l !== lang).flatMap((l) =>
        ['common:words.sos', 'common:words.sos_plea'].flatMap((k) => translator.t(l, k).split('|')),
      );
      for (const key of ['common:words.sos', 'common:words.sos_plea']) {
        for (const word of translator.t(lang, key).split('|')) {
          if (others.includes(word)) continue;
          expect(match.sosLang(word), `${lang} ${word}`).toBe(lang);
          expect(match.sosIntent(word), `${lang} ${word}`).toBe('sos');
        }
      }
    }
  });
});

describe('choice', () => {
  const choices = [
    { id: 'yes', label: 'common:choices.yes' },
    { id: 'no', label: 'common:choices.no' },
  ];
  it('should match the number, the label in any language and a synonym', () => {
    expect(match.choice('2', choices)?.id).toBe('no');
    expect(match.choice('Иә', choices)?.id).toBe('yes');
    expect(match.choice('нет', choices)?.id).toBe('no');
    expect(match.choice('yeah', choices)?.id).toBe('yes');
    expect(match.choice('3', choices)).toBeUndefined();
    expect(match.choice('maybe later', choices)).toBeUndefined();
  });
});

describe('Kazakh typed on a Russian keyboard', () => {
  it('should spell a Kazakh word with the Russian letters people type instead', () => {
    expect(onRussianKeyboard('көмектесіңіз')).toBe('комектесиниз');
    expect(onRussianKeyboard('құтқарыңыздар')).toBe('куткарыныздар');
    expect(onRussianKeyboard('жәрдем')).toBe('жардем');
    expect(onRussianKeyboard('помогите')).toBe('помогите');
  });

  it.each([
    // polite and plural forms, and their Russian-keyboard spellings that no locale lists by hand
    'көмектесіңіз',
    'көмектесіңіздер',
    'комектесиниздер',
    'куткарыныздар',
    'комектес',
    'комектесинизши',
    'жардем',
    'комек керек',
  ])('should read «%s» as a plea, in Kazakh', (text) => {
    expect(match.sosIntent(text)).toBe('sos');
    expect(match.command(text)).toBe('sos');
    expect(match.sosLang(text)).toBe('kk');
  });

  it('should derive the spelling of every Kazakh SOS word, so a new word needs no second entry', () => {
    for (const key of ['common:words.sos', 'common:words.sos_plea'])
      for (const word of translator.t('kk', key).split('|'))
        expect(match.sosIntent(onRussianKeyboard(word)), word).toBe('sos');
  });

  it('should read Kazakh command words typed on a Russian keyboard', () => {
    expect(match.command('мени умыт')).toBe('erase');
    expect(match.command('жылдам шыгу')).toBe('exit');
  });
});
