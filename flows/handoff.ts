import type { FlowDefinition, StateMeta } from './contract.js';
import { flowOutput, plainFlow } from './effects.js';

/**
 * Counsellor request. On duty: join the queue at once and wait there (messages typed while
 * waiting are kept for the counsellor). Off duty: say when counsellors are back, point to 111/150,
 * and let the person leave a request anyway. The engine takes the conversation over when a
 * counsellor picks it up.
 */
export const handoffMachine = plainFlow.createMachine({
  id: 'handoff',
  context: {},
  initial: 'check',
  states: {
    check: {
      always: [
        { guard: 'counsellorsOnDuty', target: 'queued', actions: 'requestCounsellor' },
        { target: 'offDuty' },
      ],
    },
    offDuty: {
      meta: {
        prompt: {
          key: 'handoff:off_duty.text',
          data: ['duty'],
          choices: [
            { id: 'request', label: 'handoff:off_duty.request' },
            { id: 'not_now', label: 'handoff:off_duty.not_now' },
          ],
        },
      } satisfies StateMeta,
      on: {
        // a message will come later: say so, and how to keep it off the lock screen
        'choice.request': {
          target: 'queued',
          actions: [
            { type: 'requestCounsellor', params: { later: true } },
            { type: 'say', params: { key: 'safety:later' } },
          ],
        },
        'choice.not_now': 'toMenu',
      },
    },
    queued: {
      meta: {
        prompt: {
          key: 'handoff:queued.text',
          data: ['queuePosition'],
          // `exit` is a person command: the engine runs the quick exit.
          choices: [
            { id: 'cancel', label: 'handoff:queued.cancel' },
            { id: 'exit', label: 'common:choices.exit' },
          ],
        },
      } satisfies StateMeta,
      on: {
        text: { actions: { type: 'say', params: { key: 'handoff:queued.saved' } } },
        'choice.cancel': {
          target: 'toMenu',
          actions: ['cancelCounsellor', { type: 'say', params: { key: 'handoff:cancelled' } }],
        },
      },
    },
    toMenu: { type: 'final', output: { next: 'menu' } },
  },
  output: flowOutput,
});

export const handoffFlow: FlowDefinition = { id: 'handoff', version: 1, machine: handoffMachine };
