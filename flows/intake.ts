import type { FlowDefinition, StateMeta } from './contract.js';
import { flowOutput, plainFlow } from './effects.js';
import { languageChoices } from './language.js';

/**
 * First contact: language, "is it safe to talk now?", who needs help, a short privacy notice,
 * then the menu. The privacy notice is said on the way out so the person reaches the menu
 * with one tap less.
 *
 * "I am under 18" records `who: 'minor'` (the counsellor queue shows it) and leads to 150 first,
 * then 111 and 112, in short simple words, with a counsellor offer; no screening.
 * "Someone I know" gets how to help another person safely.
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
          // `exit` is a person command: the engine runs the quick exit.
          choices: [
            { id: 'continue', label: 'intake:not_safe.continue' },
            { id: 'exit', label: 'common:choices.exit' },
          ],
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
            { id: 'minor', label: 'intake:who.minor' },
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
        'choice.minor': { target: 'minor', actions: { type: 'setWho', params: { who: 'minor' } } },
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
    /** A child or teenager writing for themselves: 150 first, then 111 and 112; a counsellor. */
    minor: {
      meta: {
        prompt: {
          key: 'intake:minor.text',
          choices: [
            { id: 'counsellor', label: 'intake:minor.counsellor' },
            { id: 'continue', label: 'intake:minor.continue' },
            { id: 'exit', label: 'common:choices.exit' },
          ],
        },
      } satisfies StateMeta,
      on: {
        'choice.counsellor': 'toHandoff',
        'choice.continue': {
          target: 'done',
          actions: { type: 'say', params: { key: 'intake:minor.privacy' } },
        },
      },
    },
    done: { type: 'final', output: { next: 'menu' } },
    toHandoff: { type: 'final', output: { next: 'handoff' } },
  },
  output: flowOutput,
});

export const intakeFlow: FlowDefinition = { id: 'intake', version: 2, machine: intakeMachine };
