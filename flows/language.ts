import { setup } from 'xstate';
import type { ChoiceDef, FlowDefinition, FlowEvent, FlowInput, FlowOutput, StateMeta } from './contract.js';
import { flowActions, flowGuards, flowOutput } from './effects.js';

/** The three language choices, shared with intake. Labels are the languages' own names. */
export const languageChoices: ChoiceDef[] = [
  { id: 'kk', label: 'language:choices.kk' },
  { id: 'ru', label: 'language:choices.ru' },
  { id: 'en', label: 'language:choices.en' },
];

/** Change the conversation's language, then back to the menu (rendered in the new language). */
export const languageMachine = setup({
  types: {
    context: {} as Record<string, never>,
    input: {} as FlowInput,
    output: {} as FlowOutput,
    events: {} as FlowEvent,
  },
  actions: flowActions,
  guards: flowGuards,
}).createMachine({
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
