/**
 * Turns what a person typed into a global command or one of the offered choices, in any of the
 * three languages: "2", "Да", "иә", "yes", or the label itself all select the same choice.
 * It also tells a plea for help ("помогите") from a sentence that merely mentions help
 * ("can you help me with the divorce papers"), and which language an SOS word belongs to.
 */
import type { ChoiceDef } from '../../flows/contract.js';
import { normalize as normalizeText, type Translator } from '../i18n/translator.js';
import { BoundedCache } from './bounded-cache.js';
import { GLOBAL_COMMANDS, type GlobalCommand, LANGS, type Lang, PERSON_COMMANDS } from './types.js';

/** A message of at most this many words that holds an SOS word is a plea: the full SOS answer. */
export const MAX_PLEA_WORDS = 3;

/** Locale keys of the words that mean "help!" (the second adds forms that are never a command word). */
const SOS_WORD_KEYS = ['common:words.sos', 'common:words.sos_plea'] as const;

/** Letters only Kazakh (of the three languages) uses. */
const KAZAKH_LETTERS = /[әғқңөұүһі]/;

/** What a Kazakh letter becomes on a Russian keyboard (many people type Kazakh without its letters). */
const RUSSIAN_KEYBOARD: Record<string, string> = {
  ә: 'а',
  ғ: 'г',
  қ: 'к',
  ң: 'н',
  ө: 'о',
  ұ: 'у',
  ү: 'у',
  һ: 'х',
  і: 'и',
};

/** A normalized Kazakh word as typed on a Russian keyboard: «көмектесіңіз» → «комектесиниз». */
export function onRussianKeyboard(word: string): string {
  return word.replace(/[әғқңөұүһі]/g, (ch) => RUSSIAN_KEYBOARD[ch] ?? ch);
}

/** A language's words, with the Russian-keyboard spelling of each Kazakh one. */
const withKeyboardForms = (lang: Lang, words: string[]) =>
  lang === 'kk' ? [...new Set(words.flatMap((w) => [w, onRussianKeyboard(w)]))] : words;

/**
 * What an SOS word in a message means:
 * - `sos`: a plea — an SOS word or phrase alone, the 🆘 sign, or a short message (at most
 *   MAX_PLEA_WORDS words) with an SOS word in it ("помогите мне", "көмек керек", "help me please");
 * - `sosMention`: a longer sentence that merely contains an SOS word ("can you help me with the
 *   divorce papers"): answer it normally, plus the compact line of numbers (`common:sos.compact`).
 */
export type SosIntent = 'sos' | 'sosMention';

export interface CommandOptions {
  /**
   * Whether an SOS word inside a longer sentence (a `sosMention`) also counts as the `sos` command.
   * Default true: today's engine shows the full emergency numbers for any SOS word. An engine that
   * answers mentions with `common:sos.compact` instead passes false.
   */
  sosMentions?: boolean;
}

export function createInputMatcher(translator: Translator) {
  // One message is normalized for the command, SOS and choice checks alike: done once.
  let lastText: string | undefined;
  let lastSaid = '';
  const normalize = (text: string): string => {
    if (text !== lastText) {
      lastSaid = normalizeText(text);
      lastText = text;
    }
    return lastSaid;
  };
  /** Choice labels as typed (normalized), per language: texts are fixed while the process runs. */
  const labels = new BoundedCache<string, string>('matcher.labels', 2000);
  const label = (lang: Lang, key: string): string => {
    const id = `${lang}:${key}`;
    let said = labels.get(id);
    if (said === undefined) {
      said = normalizeText(translator.t(lang, key));
      labels.set(id, said);
    }
    return said;
  };
  /** SOS words per language, normalized, split into single words and phrases. */
  const sosWords = new Map<Lang, { words: Set<string>; phrases: Set<string> }>();
  const wordsOf = (lang: Lang) => {
    let entry = sosWords.get(lang);
    if (!entry) {
      const all = withKeyboardForms(
        lang,
        SOS_WORD_KEYS.flatMap((key) =>
          translator.has(key, lang)
            ? translator.t(lang, key).split('|').map(normalizeText).filter(Boolean)
            : [],
        ),
      );
      entry = {
        words: new Set(all.filter((w) => !w.includes(' '))),
        phrases: new Set(all.filter((w) => w.includes(' '))),
      };
      sosWords.set(lang, entry);
    }
    return entry;
  };

  /** A command's words in every language, Kazakh ones also as typed on a Russian keyboard ("шыгу"). */
  const commandWordCache = new Map<string, string[]>();
  const commandWords = (command: string): string[] => {
    let words = commandWordCache.get(command);
    if (!words) {
      words = withKeyboardForms('kk', translator.wordsInAllLangs(`common:words.${command}`));
      commandWordCache.set(command, words);
    }
    return words;
  };

  /** The SOS words and phrases found in a normalized text, each with the languages it belongs to. */
  function sosMatches(said: string): Array<{ word: string; langs: Lang[] }> {
    if (!said) return [];
    const tokens = said.split(' ');
    const found = new Map<string, Lang[]>();
    for (const lang of LANGS) {
      const { words, phrases } = wordsOf(lang);
      const hits = tokens.filter((t) => words.has(t));
      for (const phrase of phrases) if (` ${said} `.includes(` ${phrase} `)) hits.push(phrase);
      for (const hit of hits) found.set(hit, [...(found.get(hit) ?? []), lang]);
    }
    return [...found].map(([word, langs]) => ({ word, langs: [...new Set(langs)] }));
  }

  function sosIntent(text: string): SosIntent | undefined {
    const said = normalize(text);
    const sign = text.includes('🆘');
    if (!sign && sosMatches(said).length === 0) return undefined;
    const words = said === '' ? 0 : said.split(' ').length;
    return words <= MAX_PLEA_WORDS ? 'sos' : 'sosMention';
  }

  return {
    /** A global command typed as a word ("sos", "меню", "/erase"), or undefined. */
    command(text: string, options: CommandOptions = {}): GlobalCommand | undefined {
      const slash = /^\/([a-z]+)(?:@\w+)?(?:\s|$)/i.exec(text.trim());
      if (slash) {
        const name = slash[1]?.toLowerCase() as GlobalCommand;
        return (GLOBAL_COMMANDS as readonly string[]).includes(name) ? name : undefined;
      }
      const said = normalize(text);
      for (const command of PERSON_COMMANDS) {
        if (said && commandWords(command).includes(said)) return command;
      }
      // A false alarm costs a list of phone numbers, a missed one costs much more: by default an
      // SOS word anywhere in the message is SOS.
      const intent = sosIntent(text);
      if (intent === 'sos' || (intent === 'sosMention' && options.sosMentions !== false)) return 'sos';
      return undefined;
    },

    /** Whether the text is a plea for help (`sos`), only mentions an SOS word (`sosMention`), or neither. */
    sosIntent,

    /**
     * The language of the SOS words in the text ("помогите" → ru, "көмек" → kk, "help" → en), so a
     * first SOS before any language is chosen is answered in the person's language. Words shared
     * by several languages ("sos", "112") do not decide; Kazakh letters decide between kk and ru
     * ("сос"); undefined when nothing decides.
     */
    sosLang(text: string): Lang | undefined {
      const matches = sosMatches(normalize(text));
      if (matches.length === 0) return undefined;
      const specific = new Set(matches.flatMap((m) => (m.langs.length === 1 ? m.langs : [])));
      if (specific.size === 1) return [...specific][0];
      if (specific.size > 1) return undefined;
      const common = LANGS.filter((lang) => matches.every((m) => m.langs.includes(lang)));
      if (common.length === 1) return common[0];
      if (common.includes('kk') && KAZAKH_LETTERS.test(text.toLocaleLowerCase('kk'))) return 'kk';
      return undefined;
    },

    /** The offered choice the text selects: its number, its label in any language, or a synonym. */
    choice(text: string, choices: readonly ChoiceDef[]): ChoiceDef | undefined {
      const said = normalize(text);
      if (!said) return undefined;
      if (/^\d{1,2}$/.test(said)) return choices[Number(said) - 1];
      for (const choice of choices) {
        for (const lang of LANGS) {
          if (label(lang, choice.label) === said) return choice;
        }
      }
      for (const choice of choices) {
        if (translator.wordsInAllLangs(`common:words.${choice.id}`).includes(said)) return choice;
      }
      return undefined;
    },
  };
}

export type InputMatcher = ReturnType<typeof createInputMatcher>;
