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
        'choice.request': { target: 'queued', actions: 'requestCounsellor' },
        'choice.not_now': 'toMenu',
      },
    },
    queued: {
      meta: {
        prompt: {
          key: 'handoff:queued.text',
          data: ['queuePosition'],
          choices: [{ id: 'cancel', label: 'handoff:queued.cancel' }],
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
