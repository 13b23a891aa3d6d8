/**
 * Turns what a person typed into a global command or one of the offered choices, in any of the
 * three languages: "2", "Да", "иә", "yes", or the label itself all select the same choice.
 */
import type { ChoiceDef } from '../../flows/contract.js';
import { normalize, type Translator } from '../i18n/translator.js';
import { GLOBAL_COMMANDS, type GlobalCommand, LANGS, PERSON_COMMANDS } from './types.js';

export function createInputMatcher(translator: Translator) {
  return {
    /** A global command typed as a word ("sos", "меню", "/erase"), or undefined. */
    command(text: string): GlobalCommand | undefined {
      const slash = /^\/([a-z]+)(?:@\w+)?(?:\s|$)/i.exec(text.trim());
      if (slash) {
        const name = slash[1]?.toLowerCase() as GlobalCommand;
        return (GLOBAL_COMMANDS as readonly string[]).includes(name) ? name : undefined;
      }
      const said = normalize(text);
      if (!said) return undefined;
      for (const command of PERSON_COMMANDS) {
        if (translator.wordsInAllLangs(`common:words.${command}`).includes(said)) return command;
      }
      // SOS also fires when an SOS word is one of the words of a longer message: a false alarm
      // costs a list of phone numbers, a missed one costs much more.
      const tokens = new Set(said.split(' '));
      if (translator.wordsInAllLangs('common:words.sos').some((w) => !w.includes(' ') && tokens.has(w))) {
        return 'sos';
      }
      return undefined;
    },

    /** The offered choice the text selects: its number, its label in any language, or a synonym. */
    choice(text: string, choices: readonly ChoiceDef[]): ChoiceDef | undefined {
      const said = normalize(text);
      if (!said) return undefined;
      if (/^\d{1,2}$/.test(said)) return choices[Number(said) - 1];
      for (const choice of choices) {
        for (const lang of LANGS) {
          if (normalize(translator.t(lang, choice.label)) === said) return choice;
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
