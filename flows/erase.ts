import { setup } from 'xstate';
import type { FlowDefinition, FlowEvent, FlowInput, FlowOutput, FlowPlace, StateMeta } from './contract.js';
import { flowActions, flowGuards, flowOutput } from './effects.js';

/**
 * Erase asks once. `/erase`, the erase word or the menu entry start this flow; only "yes" erases
 * (the engine's `eraseEverything` removes every row about the person and runs the quick exit).
 * "No", any other word or a button from an earlier message keeps everything and says so.
 * The choice ids are unique to this question, so a stale "yes" of another question can never
 * erase, and a stale "yes" of this one does nothing once the question is gone.
 * On "no" the person goes back to where they were (the question of the screening, the queue…),
 * which the flow keeps in its context (`resume`, given by the engine).
 */
export const eraseMachine = setup({
  types: {
    context: {} as { resume?: FlowPlace | undefined },
    input: {} as FlowInput,
    output: {} as FlowOutput,
    events: {} as FlowEvent,
  },
  actions: flowActions,
  guards: flowGuards,
}).createMachine({
  id: 'erase',
  context: ({ input }) => ({ resume: input.resume }),
  initial: 'confirm',
  states: {
    confirm: {
      meta: {
        prompt: {
          key: 'erase:confirm',
          choices: [
            { id: 'erase_yes', label: 'erase:yes' },
            { id: 'erase_no', label: 'erase:no' },
          ],
        },
      } satisfies StateMeta,
      on: {
        'choice.erase_yes': { target: 'erased', actions: 'eraseEverything' },
        'choice.erase_no': { target: 'kept', actions: { type: 'say', params: { key: 'erase:kept' } } },
        text: { target: 'kept', actions: { type: 'say', params: { key: 'erase:kept' } } },
      },
    },
    // nothing is left to continue with: a later message starts with intake
    erased: { type: 'final', output: { next: 'intake' } },
    kept: { type: 'final', output: ({ context }) => ({ next: 'menu', resume: context.resume }) },
  },
  output: flowOutput,
});

export const eraseFlow: FlowDefinition = { id: 'erase', version: 1, machine: eraseMachine };
