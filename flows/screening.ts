import { assign, setup } from 'xstate';
import type { ChoiceDef, FlowDefinition, FlowEvent, FlowInput, FlowOutput, StateMeta } from './contract.js';
import { flowActions, flowGuards, flowOutput } from './effects.js';
import {
  type Answer,
  type GateItem,
  QUESTION_ITEMS,
  type QuestionItem,
  type ScreeningAnswers,
  scoreScreening,
  shouldOfferCounsellor,
} from './screening-score.js';

/**
 * Risk screening (content/risk-screening.md): intro, gate G1–G2, questions A1–C12, "something else
 * worries you?", then a result that records the level and offers a counsellor or legal information.
 * Any question can be skipped; "stop" ends the screening without recording anything.
 */
export interface ScreeningContext {
  answers: ScreeningAnswers;
}

const ANSWERS = ['yes', 'no', 'unsure', 'skip'] as const satisfies readonly Answer[];

const stopChoice: ChoiceDef = { id: 'stop', label: 'screening:choices.stop' };
const answerChoices: ChoiceDef[] = [
  ...ANSWERS.map((id) => ({ id, label: `common:choices.${id}` })),
  stopChoice,
];
const resultChoices: ChoiceDef[] = [
  { id: 'counsellor', label: 'screening:choices.counsellor' },
  { id: 'legal', label: 'screening:choices.legal' },
];

/** Every result offers a counsellor and legal information. */
const resultTransitions = {
  'choice.counsellor': 'toHandoff',
  'choice.legal': 'toLegal',
} as const;

/** State name of each question: the item id itself (a1 … c12). */
function questionState(item: QuestionItem, next: string) {
  const answer = (value: Answer) => ({
    target: next,
    actions: { type: 'answer' as const, params: { item, answer: value } },
  });
  return {
    meta: { prompt: { key: `screening:questions.${item}`, choices: answerChoices } } satisfies StateMeta,
    on: {
      'choice.yes': answer('yes'),
      'choice.no': answer('no'),
      'choice.unsure': answer('unsure'),
      'choice.skip': answer('skip'),
      'choice.stop': 'stopped',
    },
  };
}

function gateState(item: GateItem, next: string) {
  return {
    meta: {
      prompt: {
        key: `screening:questions.${item}`,
        choices: [
          { id: 'yes', label: 'common:choices.yes' },
          { id: 'no', label: 'common:choices.no' },
          stopChoice,
        ],
      },
    } satisfies StateMeta,
    on: {
      'choice.yes': {
        target: 'immediate',
        actions: { type: 'answer' as const, params: { item, answer: 'yes' as const } },
      },
      'choice.no': {
        target: next,
        actions: { type: 'answer' as const, params: { item, answer: 'no' as const } },
      },
      'choice.stop': 'stopped',
    },
  };
}

const questionStates = Object.fromEntries(
  QUESTION_ITEMS.map((item, i) => [item, questionState(item, QUESTION_ITEMS[i + 1] ?? 'other')]),
) as Record<QuestionItem, ReturnType<typeof questionState>>;

export const screeningMachine = setup({
  types: {
    context: {} as ScreeningContext,
    input: {} as FlowInput,
    output: {} as FlowOutput,
    events: {} as FlowEvent,
  },
  actions: {
    ...flowActions,
    answer: assign(({ context }, params: { item: GateItem | QuestionItem; answer: Answer }) => ({
      answers: { ...context.answers, [params.item]: params.answer },
    })),
    setOtherWorry: assign(({ context }, params: { worry: boolean }) => ({
      answers: { ...context.answers, otherWorry: params.worry },
    })),
  },
  guards: {
    ...flowGuards,
    isHigh: ({ context }) => scoreScreening(context.answers) === 'high',
    offerCounsellor: ({ context }) => shouldOfferCounsellor(context.answers),
  },
}).createMachine({
  id: 'screening',
  context: { answers: {} },
  initial: 'intro',
  states: {
    intro: {
      meta: {
        prompt: {
          key: 'screening:intro.text',
          choices: [
            { id: 'start', label: 'screening:intro.start' },
            { id: 'not_now', label: 'screening:intro.not_now' },
          ],
        },
      } satisfies StateMeta,
      on: {
        'choice.start': 'g1',
        'choice.not_now': 'toMenu',
      },
    },
    g1: gateState('g1', 'g2'),
    g2: gateState('g2', 'a1'),
    ...questionStates,
    other: {
      meta: {
        prompt: {
          key: 'screening:questions.other',
          choices: [
            { id: 'yes', label: 'common:choices.yes' },
            { id: 'no', label: 'common:choices.no' },
          ],
        },
      } satisfies StateMeta,
      on: {
        'choice.yes': { target: 'scoring', actions: { type: 'setOtherWorry', params: { worry: true } } },
        'choice.no': { target: 'scoring', actions: { type: 'setOtherWorry', params: { worry: false } } },
      },
    },
    scoring: {
      always: [
        { guard: 'isHigh', target: 'high' },
        { guard: 'offerCounsellor', target: 'standardOffer' },
        { target: 'standard' },
      ],
    },
    immediate: {
      entry: ['showEmergency', { type: 'recordRisk', params: { level: 'immediate' } }],
      meta: { prompt: { key: 'screening:result.immediate', choices: resultChoices } } satisfies StateMeta,
      on: resultTransitions,
    },
    high: {
      entry: { type: 'recordRisk', params: { level: 'high' } },
      meta: { prompt: { key: 'screening:result.high', choices: resultChoices } } satisfies StateMeta,
      on: resultTransitions,
    },
    standardOffer: {
      entry: { type: 'recordRisk', params: { level: 'standard' } },
      meta: {
        prompt: { key: 'screening:result.standard_offer', choices: resultChoices },
      } satisfies StateMeta,
      on: resultTransitions,
    },
    standard: {
      entry: { type: 'recordRisk', params: { level: 'standard' } },
      meta: {
        prompt: {
          key: 'screening:result.standard',
          choices: [
            { id: 'legal', label: 'screening:choices.legal' },
            { id: 'counsellor', label: 'screening:choices.counsellor_on_request' },
          ],
        },
      } satisfies StateMeta,
      on: resultTransitions,
    },
    stopped: {
      type: 'final',
      entry: { type: 'say', params: { key: 'screening:stopped' } },
      output: { next: 'menu' },
    },
    toMenu: { type: 'final', output: { next: 'menu' } },
    toHandoff: { type: 'final', output: { next: 'handoff' } },
    toLegal: { type: 'final', output: { next: 'legal' } },
  },
  output: flowOutput,
});

export const screeningFlow: FlowDefinition = { id: 'screening', version: 1, machine: screeningMachine };
