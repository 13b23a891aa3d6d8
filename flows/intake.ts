import type { FlowDefinition, StateMeta } from './contract.js';
import { flowOutput, plainFlow } from './effects.js';
import { languageChoices } from './language.js';

/**
 * First contact: language, "is it safe to talk now?", who needs help, a short privacy notice,
 * then the menu. The privacy notice is said on the way out so the person reaches the menu
 * with one tap less.
 */
export const intakeMachine = plainFlow.createMachine({
  id: 'intake',
  context: {},
  initial: 'language',
  states: {
    language: {
      meta: { prompt: { key: 'intake:language.text', choices: languageChoices } } satisfies StateMeta,
      on: {
        'choice.kk': { target: 'safety', actions: { type: 'setLanguage', params: { lang: 'kk' } } },
        'choice.ru': { target: 'safety', actions: { type: 'setLanguage', params: { lang: 'ru' } } },
        'choice.en': { target: 'safety', actions: { type: 'setLanguage', params: { lang: 'en' } } },
      },
    },
    safety: {
      meta: {
        prompt: {
          key: 'intake:safety.text',
          choices: [
            { id: 'yes', label: 'intake:safety.yes' },
            { id: 'no', label: 'intake:safety.no' },
          ],
        },
      } satisfies StateMeta,
      on: {
        'choice.yes': 'who',
        'choice.no': 'notSafe',
      },
    },
    notSafe: {
      meta: {
        prompt: {
          key: 'intake:not_safe.text',
          choices: [{ id: 'continue', label: 'intake:not_safe.continue' }],
        },
      } satisfies StateMeta,
      on: { 'choice.continue': 'who' },
    },
    who: {
      meta: {
        prompt: {
          key: 'intake:who.text',
          choices: [
            { id: 'me', label: 'intake:who.me' },
            { id: 'child', label: 'intake:who.child' },
            { id: 'other', label: 'intake:who.other' },
          ],
        },
      } satisfies StateMeta,
      on: {
        'choice.me': {
          target: 'done',
          actions: [
            { type: 'setWho', params: { who: 'me' } },
            { type: 'say', params: { key: 'intake:privacy.text' } },
          ],
        },
        'choice.child': {
          target: 'done',
          actions: [
            { type: 'setWho', params: { who: 'child' } },
            { type: 'say', params: { key: 'intake:who.child_note' } },
            { type: 'say', params: { key: 'intake:privacy.text' } },
          ],
        },
        'choice.other': {
          target: 'done',
          actions: [
            { type: 'setWho', params: { who: 'other' } },
            { type: 'say', params: { key: 'intake:who.other_note' } },
            { type: 'say', params: { key: 'intake:privacy.text' } },
          ],
        },
      },
    },
    done: { type: 'final', output: { next: 'menu' } },
  },
  output: flowOutput,
});

export const intakeFlow: FlowDefinition = { id: 'intake', version: 1, machine: intakeMachine };
