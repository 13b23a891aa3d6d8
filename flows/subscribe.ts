import type { FlowDefinition, StateMeta } from './contract.js';
import { flowOutput, plainFlow } from './effects.js';

/**
 * Opt-in to campaign broadcasts. Says what will be sent, how often, when, that messages arrive
 * silently and how to stop; only an explicit "yes" subscribes (the engine records the consent:
 * time, language, channel). On a channel that receives no broadcasts (the web chat) it says so.
 */
export const subscribeMachine = plainFlow.createMachine({
  id: 'subscribe',
  context: {},
  initial: 'check',
  states: {
    check: {
      always: [
        { guard: 'canSubscribe', target: 'explain' },
        { target: 'unavailable', actions: { type: 'say', params: { key: 'subscribe:unavailable' } } },
      ],
    },
    explain: {
      meta: {
        prompt: {
          key: 'subscribe:explain.text',
          choices: [
            { id: 'yes', label: 'subscribe:explain.yes' },
            { id: 'no', label: 'subscribe:explain.no' },
          ],
        },
      } satisfies StateMeta,
      on: {
        'choice.yes': {
          target: 'subscribed',
          actions: ['subscribe', { type: 'say', params: { key: 'subscribe:done' } }],
        },
        'choice.no': {
          target: 'declined',
          actions: { type: 'say', params: { key: 'subscribe:declined' } },
        },
      },
    },
    unavailable: { type: 'final', output: { next: 'menu' } },
    subscribed: { type: 'final', output: { next: 'menu' } },
    declined: { type: 'final', output: { next: 'menu' } },
  },
  output: flowOutput,
});

export const subscribeFlow: FlowDefinition = { id: 'subscribe', version: 1, machine: subscribeMachine };
