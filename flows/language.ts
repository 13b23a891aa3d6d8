import type { ChoiceDef, FlowDefinition, StateMeta } from './contract.js';
import { flowOutput, plainFlow } from './effects.js';

/** The three language choices, shared with intake. Labels are the languages' own names. */
export const languageChoices: ChoiceDef[] = [
  { id: 'kk', label: 'language:choices.kk' },
  { id: 'ru', label: 'language:choices.ru' },
  { id: 'en', label: 'language:choices.en' },
];

/** Change the conversation's language, then back to the menu (rendered in the new language). */
export const languageMachine = plainFlow.createMachine({
  id: 'language',
  context: {},
  initial: 'choose',
  states: {
    choose: {
      meta: { prompt: { key: 'language:choose.text', choices: languageChoices } } satisfies StateMeta,
      on: {
        'choice.kk': { target: 'done', actions: { type: 'setLanguage', params: { lang: 'kk' } } },
        'choice.ru': { target: 'done', actions: { type: 'setLanguage', params: { lang: 'ru' } } },
        'choice.en': { target: 'done', actions: { type: 'setLanguage', params: { lang: 'en' } } },
      },
    },
    done: { type: 'final', output: { next: 'menu' } },
  },
  output: flowOutput,
});

export const languageFlow: FlowDefinition = { id: 'language', version: 1, machine: languageMachine };
