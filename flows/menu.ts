import type { FlowDefinition, StateMeta } from './contract.js';
import { flowOutput, plainFlow } from './effects.js';

/** The main menu: links every part of the bot. Global commands (sos, language, erase, exit) are
 * handled by the engine, so their choices here need no transitions. */
export const menuMachine = plainFlow.createMachine({
  id: 'menu',
  context: {},
  initial: 'main',
  states: {
    main: {
      meta: {
        prompt: {
          key: 'menu:main.text',
          choices: [
            { id: 'screening', label: 'menu:main.screening' },
            { id: 'legal', label: 'menu:main.legal' },
            { id: 'counsellor', label: 'menu:main.counsellor' },
            { id: 'phone_safety', label: 'menu:main.phone_safety' },
            { id: 'subscribe', label: 'menu:main.subscribe' },
            { id: 'sos', label: 'common:choices.sos_numbers' },
            { id: 'exit', label: 'common:choices.exit' },
            { id: 'language', label: 'common:choices.language' },
            { id: 'erase', label: 'common:choices.erase' },
          ],
        },
      } satisfies StateMeta,
      on: {
        'choice.screening': 'toScreening',
        'choice.legal': 'toLegal',
        'choice.counsellor': 'toHandoff',
        'choice.phone_safety': 'phoneSafety',
        'choice.subscribe': 'toSubscribe',
      },
    },
    // "Staying safe with your phone" (the same text as the legal topic), one tap from the menu
    phoneSafety: {
      meta: {
        prompt: {
          key: 'legal:phone_safety.text',
          choices: [
            { id: 'more', label: 'legal:phone_safety.more' },
            { id: 'back', label: 'common:choices.back' },
          ],
        },
      } satisfies StateMeta,
      on: { 'choice.more': 'phoneSafetyMore', 'choice.back': 'main' },
    },
    phoneSafetyMore: {
      meta: {
        prompt: {
          key: 'legal:phone_safety_more.text',
          choices: [{ id: 'back', label: 'common:choices.back' }],
        },
      } satisfies StateMeta,
      on: { 'choice.back': 'phoneSafety' },
    },
    toScreening: { type: 'final', output: { next: 'screening' } },
    toLegal: { type: 'final', output: { next: 'legal' } },
    toHandoff: { type: 'final', output: { next: 'handoff' } },
    toSubscribe: { type: 'final', output: { next: 'subscribe' } },
  },
  output: flowOutput,
});

export const menuFlow: FlowDefinition = { id: 'menu', version: 1, machine: menuMachine };
