/**
 * Named effects every flow may use. The defaults do nothing, so a flow stays pure;
 * the engine provides real implementations with `machine.provide()` (and so can tests).
 */
import { setup } from 'xstate';
import type { Lang, RiskLevel } from '../src/core/types.js';
import type { FlowEvent, FlowInput, FlowOutput, Who } from './contract.js';

export interface SayParams {
  /** Locale key of an extra message sent before the next prompt. */
  key: string;
  values?: Record<string, string | number>;
}

export const flowActions = {
  /** Send an extra message (no choices) before the next prompt. */
  say: (_: unknown, _params: SayParams) => {},
  /** Switch the conversation's language; the next prompt is rendered in it. */
  setLanguage: (_: unknown, _params: { lang: Lang }) => {},
  /** Remember who the person seeks help for. */
  setWho: (_: unknown, _params: { who: Who }) => {},
  /** Record the screening's risk level on the conversation (orders the counsellor queue). */
  recordRisk: (_: unknown, _params: { level: RiskLevel }) => {},
  /** Send the emergency numbers now (same message as SOS). */
  showEmergency: (_: unknown) => {},
  /** Put the conversation in the counsellor queue with its risk level. */
  /** `later`: a request left off duty (the flow then says when and how a message will come). */
  requestCounsellor: (_: unknown, _params?: { later?: boolean }) => {},
  /** Take the conversation out of the counsellor queue. */
  cancelCounsellor: (_: unknown) => {},
  /** Erase every row about the person (they said yes to the erase question), then the quick exit. */
  eraseEverything: (_: unknown) => {},
  /** The person said yes to campaign broadcasts: record the consent (time, language, channel). */
  subscribe: (_: unknown) => {},
};

export const flowGuards = {
  /** True when counsellors are on duty now (configured hours). */
  counsellorsOnDuty: (_: unknown) => false as boolean,
  /** True when campaign broadcasts reach the person's channel (not the web chat). */
  canSubscribe: (_: unknown) => true as boolean,
};

export type FlowActionName = keyof typeof flowActions;

/** Machine-level `output`: the output of the final state reached, e.g. `{ next: 'menu' }`. */
export const flowOutput = ({ event }: { event: unknown }): FlowOutput =>
  (event as { output?: FlowOutput }).output ?? { next: 'menu' };

/** `setup()` for flows that keep no context of their own (intake, menu, language, handoff). */
export const plainFlow = setup({
  types: {
    context: {} as Record<string, never>,
    input: {} as FlowInput,
    output: {} as FlowOutput,
    events: {} as FlowEvent,
  },
  actions: flowActions,
  guards: flowGuards,
});
