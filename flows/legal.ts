import { assign, setup } from 'xstate';
import type { ChoiceDef, FlowDefinition, FlowEvent, FlowInput, FlowOutput, StateMeta } from './contract.js';
import { flowActions, flowGuards, flowOutput } from './effects.js';

/**
 * Rights and help: a menu of topics, each a short text ending with its sources line (generated
 * from locales/facts.json) and the disclaimer (locales/<lang>/legal.json). Shelters ask for the
 * region and show the NGO-maintained directory for it (`{{directory}}`, filled in by the engine
 * from `context.region`).
 *
 * Safety topics come first (the safety plan, staying safe with your phone), then the law, then
 * family matters and where to get help.
 */
export const TOPICS = [
  'safety_plan',
  'phone_safety',
  'dv',
  'report',
  'order',
  'court',
  'evidence',
  'family',
  'children',
  'shelter',
  'free_help',
] as const;
export type Topic = (typeof TOPICS)[number];

/** The three cities of republican significance first, then the 17 regions. Ids are stored in
 * `context.region` and used by the engine to look up the directory. */
export const REGIONS = [
  'c_astana',
  'c_almaty',
  'c_shymkent',
  'r_abai',
  'r_akmola',
  'r_aktobe',
  'r_almaty',
  'r_atyrau',
  'r_east_kz',
  'r_zhambyl',
  'r_zhetysu',
  'r_west_kz',
  'r_karaganda',
  'r_kostanay',
  'r_kyzylorda',
  'r_mangystau',
  'r_pavlodar',
  'r_north_kz',
  'r_turkistan',
  'r_ulytau',
] as const;
export type Region = (typeof REGIONS)[number];

export interface LegalContext {
  region: Region | null;
}

const backChoice: ChoiceDef = { id: 'back', label: 'common:choices.back' };

/** Topics other than the shelters: a text, and back to the topics. */
function topicState(topic: Exclude<Topic, 'shelter' | 'phone_safety'>) {
  return {
    meta: { prompt: { key: `legal:${topic}.text`, choices: [backChoice] } } satisfies StateMeta,
    on: { 'choice.back': 'topics' },
  };
}

const regionTransitions = Object.fromEntries(
  REGIONS.map((region) => [
    `choice.${region}`,
    { target: 'directory', actions: { type: 'setRegion' as const, params: { region } } },
  ]),
) as Record<
  `choice.${Region}`,
  { target: 'directory'; actions: { type: 'setRegion'; params: { region: Region } } }
>;

export const legalMachine = setup({
  types: {
    context: {} as LegalContext,
    input: {} as FlowInput,
    output: {} as FlowOutput,
    events: {} as FlowEvent,
  },
  actions: {
    ...flowActions,
    setRegion: assign((_, params: { region: Region }) => ({ region: params.region })),
  },
  guards: flowGuards,
}).createMachine({
  id: 'legal',
  context: { region: null },
  initial: 'topics',
  states: {
    topics: {
      meta: {
        prompt: {
          key: 'legal:topics.text',
          choices: [
            ...TOPICS.map((topic) => ({ id: topic, label: `legal:topics.${topic}` })),
            { id: 'counsellor', label: 'legal:topics.counsellor' },
          ],
        },
      } satisfies StateMeta,
      on: {
        ...(Object.fromEntries(TOPICS.map((topic) => [`choice.${topic}`, topic])) as Record<
          `choice.${Topic}`,
          Topic
        >),
        'choice.counsellor': 'toHandoff',
      },
    },
    safety_plan: topicState('safety_plan'),
    phone_safety: {
      meta: {
        prompt: {
          key: 'legal:phone_safety.text',
          choices: [{ id: 'more', label: 'legal:phone_safety.more' }, backChoice],
        },
      } satisfies StateMeta,
      on: { 'choice.more': 'phone_safety_more', 'choice.back': 'topics' },
    },
    phone_safety_more: {
      meta: { prompt: { key: 'legal:phone_safety_more.text', choices: [backChoice] } } satisfies StateMeta,
      on: { 'choice.back': 'phone_safety' },
    },
    dv: topicState('dv'),
    report: topicState('report'),
    order: topicState('order'),
    court: topicState('court'),
    evidence: topicState('evidence'),
    family: topicState('family'),
    children: topicState('children'),
    free_help: topicState('free_help'),
    shelter: {
      meta: {
        prompt: {
          key: 'legal:shelter.text',
          choices: [
            ...REGIONS.map((region) => ({ id: region, label: `legal:regions.${region}` })),
            backChoice,
          ],
        },
      } satisfies StateMeta,
      on: { ...regionTransitions, 'choice.back': 'topics' },
    },
    directory: {
      meta: {
        prompt: {
          key: 'legal:directory.text',
          data: ['directory'],
          choices: [{ id: 'other_region', label: 'legal:directory.other_region' }, backChoice],
        },
      } satisfies StateMeta,
      on: {
        'choice.other_region': 'shelter',
        'choice.back': 'topics',
      },
    },
    toHandoff: { type: 'final', output: { next: 'handoff' } },
  },
  output: flowOutput,
});

export const legalFlow: FlowDefinition = { id: 'legal', version: 2, machine: legalMachine };
