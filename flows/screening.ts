import { assign, setup } from 'xstate';
import type {
  ChoiceDef,
  FlowDefinition,
  FlowEvent,
  FlowInput,
  FlowOutput,
  StateMeta,
  Who,
} from './contract.js';
import { flowActions, flowGuards, flowOutput } from './effects.js';
import {
  type Answer,
  type GateItem,
  QUESTION_ITEMS,
  type QuestionItem,
  RELATIONS,
  type Relation,
  type ScreeningAnswers,
  scoreScreening,
  shouldOfferCounsellor,
} from './screening-score.js';

/**
 * Risk screening (/work/shared/content/risk-screening.md).
 *
 * It first looks at who the person said they write for (intake's `who`): a child or teenager
 * writing for themselves gets no screen (150 first, then 111 and 112, and a counsellor); a parent
 * writing about their child or someone helping another person gets texts that fit them, and can
 * still take the questions for themselves.
 *
 * Then: intro, the gate G1–G2, "who hurts you?", and only for a partner or ex-partner the items
 * A1–D13 and "something else worries you?", then a result that records the level and offers a
 * counsellor or legal information. For a parent, in-law, adult child or someone else: a counsellor
 * offer and a text that fits, without partner-only questions. Every question, the gate included,
 * offers Yes / No / Not sure / Skip and Stop; "stop" ends the screening without recording anything.
 */
export interface ScreeningContext {
  answers: ScreeningAnswers;
  /** Who hurts the person (null until answered, or skipped). */
  relation: Relation | null;
  /** Who the person writes for (from intake). */
  who: Who | null;
}

/** The five answers every question of the screen offers, in this order. */
export const ANSWER_CHOICE_IDS = ['yes', 'no', 'unsure', 'skip', 'stop'] as const;
const ANSWERS = ['yes', 'no', 'unsure', 'skip'] as const satisfies readonly Answer[];

const stopChoice: ChoiceDef = { id: 'stop', label: 'screening:choices.stop' };
const answerChoices: ChoiceDef[] = [
  ...ANSWERS.map((id) => ({ id, label: `common:choices.${id}` })),
  stopChoice,
];
const counsellorChoice: ChoiceDef = { id: 'counsellor', label: 'screening:choices.counsellor' };
const legalChoice: ChoiceDef = { id: 'legal', label: 'screening:choices.legal' };
/** A choice whose id is a person command: the engine runs it as the quick exit. */
const exitChoice: ChoiceDef = { id: 'exit', label: 'common:choices.exit' };
const resultChoices: ChoiceDef[] = [counsellorChoice, legalChoice];

/** Every result offers a counsellor and legal information. */
const resultTransitions = {
  'choice.counsellor': 'toHandoff',
  'choice.legal': 'toLegal',
} as const;

const answer = (item: GateItem | QuestionItem | 'other', value: Answer, target: string) => ({
  target,
  actions: { type: 'answer' as const, params: { item, answer: value } },
});

/** State name of each question: the item id itself (a1 … d13). */
function questionState(item: QuestionItem | 'other', next: string) {
  return {
    meta: { prompt: { key: `screening:questions.${item}`, choices: answerChoices } } satisfies StateMeta,
    on: {
      ...Object.fromEntries(ANSWERS.map((value) => [`choice.${value}`, answer(item, value, next)])),
      'choice.stop': 'stopped',
    } as Record<`choice.${Answer}`, ReturnType<typeof answer>> & { 'choice.stop': 'stopped' },
  };
}

/** A gate question: `yes` (and for G2 `unsure`) goes to `onDanger`; no, not sure, skip go on. */
function gateState(item: GateItem, next: string, onDanger: string, unsureIsDanger: boolean) {
  return {
    meta: { prompt: { key: `screening:questions.${item}`, choices: answerChoices } } satisfies StateMeta,
    on: {
      'choice.yes': answer(item, 'yes', onDanger),
      'choice.no': answer(item, 'no', next),
      'choice.unsure': answer(item, 'unsure', unsureIsDanger ? onDanger : next),
      'choice.skip': answer(item, 'skip', next),
      'choice.stop': 'stopped',
    },
  };
}

const questionStates = Object.fromEntries(
  QUESTION_ITEMS.map((item, i) => [item, questionState(item, QUESTION_ITEMS[i + 1] ?? 'other')]),
) as Record<QuestionItem, ReturnType<typeof questionState>>;

/** For someone other than a partner: level standard, a counsellor offered at once, a text that fits. */
const notPartnerResults = Object.fromEntries(
  (['family', 'adult_child', 'someone_else', 'not_said'] as const).map((relation) => [
    `notPartner_${relation}`,
    {
      entry: { type: 'recordRisk' as const, params: { level: 'standard' as const } },
      meta: {
        prompt: { key: `screening:result.not_partner.${relation}`, choices: resultChoices },
      } satisfies StateMeta,
      on: resultTransitions,
    },
  ]),
);

/** A choice on the "start" screens for a child, a helper or a minor. */
const infoChoices = (withStart: boolean): ChoiceDef[] => [
  ...(withStart ? [{ id: 'start', label: 'screening:for_someone.start' }] : []),
  counsellorChoice,
  { id: 'not_now', label: 'screening:intro.not_now' },
];

export const screeningMachine = setup({
  types: {
    context: {} as ScreeningContext,
    input: {} as FlowInput,
    output: {} as FlowOutput,
    events: {} as FlowEvent,
  },
  actions: {
    ...flowActions,
    answer: assign(({ context }, params: { item: GateItem | QuestionItem | 'other'; answer: Answer }) => ({
      answers: { ...context.answers, [params.item]: params.answer },
    })),
    setRelation: assign((_, params: { relation: Relation }) => ({ relation: params.relation })),
  },
  guards: {
    ...flowGuards,
    isMinor: ({ context }) => context.who === 'minor',
    isForChild: ({ context }) => context.who === 'child',
    isForOther: ({ context }) => context.who === 'other',
    isHigh: ({ context }) => scoreScreening(context.answers) === 'high',
    notAssessed: ({ context }) => scoreScreening(context.answers) === 'not_assessed',
    offerCounsellor: ({ context }) => shouldOfferCounsellor(context.answers),
  },
}).createMachine({
  id: 'screening',
  context: ({ input }) => ({ answers: {}, relation: null, who: input.who }),
  initial: 'route',
  states: {
    route: {
      always: [
        { guard: 'isMinor', target: 'minor' },
        { guard: 'isForChild', target: 'forChild' },
        { guard: 'isForOther', target: 'forOther' },
        { target: 'intro' },
      ],
    },
    /** A child or teenager writing for themselves: no screen. */
    minor: {
      meta: {
        prompt: { key: 'screening:for_someone.minor', choices: infoChoices(false) },
      } satisfies StateMeta,
      on: { 'choice.counsellor': 'toHandoff', 'choice.not_now': 'toMenu' },
    },
    forChild: {
      meta: {
        prompt: { key: 'screening:for_someone.child', choices: infoChoices(true) },
      } satisfies StateMeta,
      on: { 'choice.start': 'intro', 'choice.counsellor': 'toHandoff', 'choice.not_now': 'toMenu' },
    },
    forOther: {
      meta: {
        prompt: { key: 'screening:for_someone.other', choices: infoChoices(true) },
      } satisfies StateMeta,
      on: { 'choice.start': 'intro', 'choice.counsellor': 'toHandoff', 'choice.not_now': 'toMenu' },
    },
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
    g1: gateState('g1', 'g2', 'immediate', false),
    g2: gateState('g2', 'relation', 'immediateCompact', true),
    relation: {
      meta: {
        prompt: {
          key: 'screening:questions.relation',
          choices: [
            ...RELATIONS.map((relation) => ({ id: relation, label: `screening:relations.${relation}` })),
            { id: 'skip', label: 'common:choices.skip' },
            stopChoice,
          ],
        },
      } satisfies StateMeta,
      on: {
        'choice.partner': { target: 'a1', actions: { type: 'setRelation', params: { relation: 'partner' } } },
        'choice.family': {
          target: 'notPartner_family',
          actions: { type: 'setRelation', params: { relation: 'family' } },
        },
        'choice.adult_child': {
          target: 'notPartner_adult_child',
          actions: { type: 'setRelation', params: { relation: 'adult_child' } },
        },
        'choice.someone_else': {
          target: 'notPartner_someone_else',
          actions: { type: 'setRelation', params: { relation: 'someone_else' } },
        },
        'choice.skip': 'notPartner_not_said',
        'choice.stop': 'stopped',
      },
    },
    ...questionStates,
    other: questionState('other', 'scoring'),
    scoring: {
      always: [
        { guard: 'isHigh', target: 'high' },
        { guard: 'notAssessed', target: 'notAssessed' },
        { guard: 'offerCounsellor', target: 'standardOffer' },
        { target: 'standard' },
      ],
    },
    /** "Yes" to G1: the emergency numbers at once, then this. */
    immediate: {
      entry: ['showEmergency', { type: 'recordRisk', params: { level: 'immediate' } }],
      meta: {
        prompt: { key: 'screening:result.immediate', choices: [exitChoice, ...resultChoices] },
      } satisfies StateMeta,
      on: resultTransitions,
    },
    /** "Yes" or "not sure" to G2 (they may see this phone): one neutral line, the numbers, quick exit. */
    immediateCompact: {
      entry: { type: 'recordRisk', params: { level: 'immediate' } },
      meta: {
        prompt: { key: 'screening:result.immediate_compact', choices: [exitChoice, counsellorChoice] },
      } satisfies StateMeta,
      on: { 'choice.counsellor': 'toHandoff' },
    },
    high: {
      entry: { type: 'recordRisk', params: { level: 'high' } },
      meta: { prompt: { key: 'screening:result.high', choices: resultChoices } } satisfies StateMeta,
      on: resultTransitions,
    },
    /** Most questions skipped: no level is recorded and nothing is concluded. */
    notAssessed: {
      meta: { prompt: { key: 'screening:result.not_assessed', choices: resultChoices } } satisfies StateMeta,
      on: resultTransitions,
    },
    ...notPartnerResults,
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
          choices: [legalChoice, { id: 'counsellor', label: 'screening:choices.counsellor_on_request' }],
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

export const screeningFlow: FlowDefinition = { id: 'screening', version: 2, machine: screeningMachine };
